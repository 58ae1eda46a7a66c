# %%
# Lesson 11, a CNN that learns: the code of docs/train.*.md and of its notebooks.

# %% needs="filters:imports filters:filter-vals filters:stack conv:torch-imports"

# %% imports
import cv2

# %% draw
# ko: 28×28 검은 바탕에 열 가지 도형 가운데 하나를 그립니다. 자리, 크기, 굵기, 밝기는
# ko: 그릴 때마다 무작위로 정하고, 마지막에 잡음을 더합니다.
# en: Draw one of ten shapes on a black 28×28 square. Its place, size, thickness and
# en: brightness are random each time, and noise is added at the end.
# ko: (x, y)는 도형의 중심, r은 도형 너비의 절반입니다. cv2는 shift=4로 1/16 픽셀 단위까지
# ko: 받으므로 좌표에 16을 곱해 넘기고, 선은 가장 가까운 픽셀에 그려집니다.
# en: (x, y) is the shape's center and r half its width. With shift=4, cv2 takes
# en: coordinates in 1/16 of a pixel, so they are passed times 16; each line is then drawn
# en: on the nearest pixels.
SIZE = 28
CLASSES = 10


def draw_shape(kind, rng):
    image = np.zeros((SIZE, SIZE), np.float32)
    x, y = rng.uniform(9, 19, size=2)
    r = rng.uniform(5, 9)
    thick = int(rng.integers(1, 3))

    def point(dx, dy):
        return round((x + dx) * 16), round((y + dy) * 16)

    def line(start, end):
        cv2.line(image, point(*start), point(*end), 1.0, thick, cv2.LINE_8, 4)

    if kind in (0, 4):  # ─ +
        line((-r, 0), (r, 0))
    if kind in (1, 4):  # │ +
        line((0, -r), (0, r))
    if kind in (2, 5):  # ╲ ×
        line((-r, -r), (r, r))
    if kind in (3, 5):  # ╱ ×
        line((-r, r), (r, -r))
    if kind == 6:  # □
        cv2.rectangle(image, point(-r, -r), point(r, r), 1.0, thick, cv2.LINE_8, 4)
    if kind == 7:  # ○
        cv2.circle(image, point(0, 0), round(r * 16), 1.0, thick, cv2.LINE_8, 4)
    if kind == 8:  # △
        corners = np.array([point(0, -r), point(r, r), point(-r, r)])
        cv2.polylines(image, [corners], True, 1.0, thick, cv2.LINE_8, 4)
    if kind == 9:  # └
        line((-r, -r), (-r, r))
        line((-r, r), (r, r))
    image *= rng.uniform(0.5, 1.0)
    image += rng.normal(0, 0.1, image.shape).astype(np.float32)
    return np.clip(image, 0, 1)


# %% data
# ko: 시드가 다른 세 묶음을 만듭니다: 학습용 3000장, 검증용 500장, 시험용 1000장.
# en: Make three sets, each from its own seed: 3000 images to train on, 500 to validate,
# en: 1000 to test.
def make_shapes(count, seed):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, count)
    images = np.stack([draw_shape(kind, rng) for kind in labels])
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels)


train_x, train_y = make_shapes(3000, seed=1)
val_x, val_y = make_shapes(500, seed=2)
test_x, test_y = make_shapes(1000, seed=3)
print(tuple(train_x.shape), tuple(val_x.shape), tuple(test_x.shape))
print(torch.bincount(test_y).tolist())

# %% show-data
# ko: 학습용 묶음에서 클래스마다 처음 나오는 이미지를 하나씩 그립니다. 제목은 클래스 번호입니다.
# en: Draw the first training image of each class, titled with its class number.
firsts = [(train_y == kind).nonzero()[0, 0].item() for kind in range(CLASSES)]
examples = train_x[firsts, 0]
fig, axes = plt.subplots(2, 5, figsize=(8, 3.6))
for kind, ax in enumerate(axes.flat):
    ax.imshow(examples[kind].numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_title(str(kind))
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()


# %% net
# ko: 합성곱, ReLU, 최대 풀링을 두 번 거친 뒤 펼쳐서, 완전 연결 층 하나로 클래스마다 점수를
# ko: 냅니다.
# en: Convolution, ReLU and max pooling twice, then flatten and one linear layer that gives
# en: each class a score.
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=4)
        self.conv2 = nn.Conv2d(6, 12, kernel_size=3)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc = nn.Linear(12 * 5 * 5, CLASSES)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


# ko: 처음 가중치를 시드로 고정하고, 계산을 스레드 하나로 합니다. 덧셈 순서가 늘 같아야 학습
# ko: 결과가 마지막 자리까지 같습니다.
# en: Fix the first weights with a seed, and compute on one thread: only when the sums come
# en: in the same order every time does training give the same result to the last digit.
torch.manual_seed(0)
torch.set_num_threads(1)
model = Net()
print(model)
print(sum(p.numel() for p in model.parameters()))

# %% train
# ko: 50장씩 묶어 교차 엔트로피 손실을 줄이도록 10에폭 학습합니다. 에폭마다 섞는 순서도
# ko: 시드로 고정합니다. 에폭이 끝날 때마다 학습 손실의 평균과 검증 정확도를 기록합니다.
# en: Train for 10 epochs on batches of 50, shrinking the cross-entropy loss; each epoch's
# en: shuffle has a fixed seed too. After each epoch, record the mean training loss and the
# en: validation accuracy.
optimizer = torch.optim.Adam(model.parameters(), lr=0.003)
losses, accuracies = [], []
for epoch in range(10):
    order = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(epoch))
    total = 0.0
    for start in range(0, len(order), 50):
        batch = order[start : start + 50]
        loss = F.cross_entropy(model(train_x[batch]), train_y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(batch)
    with torch.no_grad():
        accuracy = (model(val_x).argmax(1) == val_y).float().mean().item()
    losses.append(total / len(train_x))
    accuracies.append(accuracy)
    print(f"{epoch + 1:2}  {losses[-1]:.4f}  {accuracy:.3f}")

# %% show-curves
# ko: 에폭 e마다 학습 손실 L과 검증 정확도(%)를 그립니다.
# en: Plot the training loss L and the validation accuracy (%) after each epoch e.
from matplotlib.ticker import PercentFormatter

epochs = range(1, len(losses) + 1)
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.plot(epochs, losses, "o-")
left.set_ylabel("$L$")
right.plot(epochs, accuracies, "o-", color="tab:red")
right.yaxis.set_major_formatter(PercentFormatter(1.0))
for ax in (left, right):
    ax.set_xlabel("$e$")
plt.show()

# %% test
# ko: 한 번도 보지 않은 시험용 1000장의 정확도입니다. 무작위로 찍으면 평균 1/10이고, 가장 많은
# ko: 클래스로만 답하면 그 클래스의 몫만큼 맞힙니다.
# en: The accuracy on the 1000 test images, never seen in training. Guessing at random would
# en: score 1/10 on average, and always answering the commonest class would score its share.
with torch.no_grad():
    test_logits = model(test_x)
predicted = test_logits.argmax(1)
right = (predicted == test_y).sum().item()
test_accuracy = right / len(test_y)
commonest = torch.bincount(test_y).max().item() / len(test_y)
print(f"{right} / {len(test_y)} = {test_accuracy:.3f}")
print(f"chance {1 / CLASSES:.3f}  commonest class {commonest:.3f}")

# %% similarity
# ko: 첫 층의 4×4 필터 여섯 개를, 손으로 만든 필터 네 개와 코사인 유사도로 견줍니다.
# en: Compare the first layer's six 4×4 filters with the four hand-made ones by cosine
# en: similarity.
learned = model.conv1.weight.detach()[:, 0]
hand = torch.from_numpy(filters).float()
similarity = F.cosine_similarity(learned.reshape(6, 1, 16), hand.reshape(1, 4, 16), dim=2)
print(np.round(similarity.numpy(), 2))
best = divmod(similarity.argmax().item(), 4)
print(f"learned {best[0] + 1}, hand-made f{best[1] + 1}: {similarity.max():.3f}")

# %% show-filters
# ko: 학습한 필터 w1–w6과 손으로 만든 필터 f1–f4입니다. 색의 범위는 묶음마다 그 묶음의 가장
# ko: 큰 절댓값입니다.
# en: The learned filters w1–w6 and the hand-made filters f1–f4. Each set's color range is
# en: its own largest absolute value.
fig, axes = plt.subplots(2, 6, figsize=(9, 3.4))
for row, (stack, letter) in enumerate([(learned, "w"), (hand, "f")]):
    limit = stack.abs().max().item()
    for i, ax in enumerate(axes[row]):
        ax.set_xticks([])
        ax.set_yticks([])
        if i < len(stack):
            ax.imshow(stack[i].numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"${letter}_{i + 1}$")
        else:
            ax.axis("off")
plt.show()

# %% one-image
# ko: 시험용 첫 이미지를 층마다 따라가며 모양을 출력하고, 마지막에 로짓과 소프트맥스 확률을
# ko: 출력합니다.
# en: Follow the first test image layer by layer, printing each shape, and at the end the
# en: logits and the softmax probabilities.
x = test_x[:1]
with torch.no_grad():
    conv1 = model.conv1(x)
    relu1 = F.relu(conv1)
    pool1 = model.pool(relu1)
    conv2 = model.conv2(pool1)
    relu2 = F.relu(conv2)
    pool2 = model.pool(relu2)
    flat = torch.flatten(pool2, 1)
    logits = model.fc(flat)
    probs = F.softmax(logits, dim=1)
for name, value in [("conv1", conv1), ("pool1", pool1), ("conv2", conv2), ("pool2", pool2)]:
    print(name, tuple(value.shape))
print("flat", tuple(flat.shape))
print(np.round(logits[0].numpy(), 2))
print(np.round(probs[0].numpy(), 3))
print("label", test_y[0].item(), "predicted", probs.argmax().item())

# %% show-first
# ko: 첫 블록: 줄마다 합성곱, ReLU, 최대 풀링 뒤의 특성 맵 여섯 개입니다.
# en: The first block: each row holds the six feature maps after convolution, ReLU and max
# en: pooling.
fig, axes = plt.subplots(3, 6, figsize=(9, 4.8))
for row, stage in enumerate([conv1, relu1, pool1]):
    limit = stage.abs().max().item()
    for i, ax in enumerate(axes[row]):
        ax.imshow(stage[0, i].numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_xticks([])
        ax.set_yticks([])
plt.show()

# %% show-second
# ko: 둘째 블록: 같은 세 단계의 특성 맵 열두 개입니다.
# en: The second block: the twelve feature maps of the same three stages.
fig, axes = plt.subplots(3, 12, figsize=(12, 3.4))
for row, stage in enumerate([conv2, relu2, pool2]):
    limit = stage.abs().max().item()
    for i, ax in enumerate(axes[row]):
        ax.imshow(stage[0, i].numpy(), cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_xticks([])
        ax.set_yticks([])
plt.show()

# %% show-probs
# ko: 클래스마다 로짓 z와 소프트맥스 확률 p입니다. 네트워크가 고른 클래스는 주황색입니다.
# en: Each class's logit z and softmax probability p, the class the network picks in orange.
colors = ["tab:blue"] * CLASSES
colors[probs.argmax().item()] = "tab:orange"
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.bar(range(CLASSES), logits[0].numpy(), color=colors)
left.set_ylabel("$z$")
right.bar(range(CLASSES), probs[0].numpy(), color=colors)
right.set_ylabel("$p$")
for ax in (left, right):
    ax.set_xticks(range(CLASSES))
plt.show()

# %% wrong
# ko: 시험용 이미지 가운데 틀린 것을 모두 찾아, 처음 여섯 장의 번호, 정답, 예측, 예측한
# ko: 클래스의 확률을 출력합니다.
# en: Find every test image the network gets wrong, and print the first six's index, label,
# en: predicted class and the probability of that class.
test_probs = F.softmax(test_logits, dim=1)
wrong = (predicted != test_y).nonzero()[:, 0]
print(len(wrong))
for i in wrong[:6].tolist():
    print(i, test_y[i].item(), predicted[i].item(), f"{test_probs[i].max():.2f}")

# %% show-wrong
# ko: 틀린 이미지 여섯 장입니다. 제목은 "정답 → 예측"과 예측한 클래스의 확률입니다.
# en: Six images it got wrong, titled "label → prediction" and the predicted class's
# en: probability.
shown = wrong[:6]
wrong_images = test_x[shown, 0]
fig, axes = plt.subplots(1, 6, figsize=(9, 2.2))
for ax, i, image in zip(axes, shown.tolist(), wrong_images):
    ax.imshow(image.numpy(), cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"{test_y[i].item()} → {predicted[i].item()}\n{test_probs[i].max():.2f}")
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()


# %% shift
# ko: 시험용 이미지를 모두 오른쪽으로 한 픽셀 옮깁니다(왼쪽 끝은 0으로 채웁니다). 첫 층의
# ko: ReLU 출력과 그 풀링 출력이 같은 자리끼리 얼마나 바뀌는지, 차이의 절댓값 합을 원래 값의
# ko: 절댓값 합으로 나누어 출력합니다. 마지막 줄은 예측이 그대로인 비율입니다.
# en: Move every test image one pixel to the right (the left edge filled with 0). Print how
# en: much the first layer's ReLU maps and their pooled maps change, place by place: the sum
# en: of |after - before| over the sum of |before|. The last line is the share of
# en: predictions that stay the same.
def change(before, after):
    return ((after - before).abs().sum() / before.abs().sum()).item()


shifted = F.pad(test_x, (1, 0))[..., :-1]
with torch.no_grad():
    relu_maps = F.relu(model.conv1(test_x))
    relu_shifted = F.relu(model.conv1(shifted))
    same = (model(shifted).argmax(1) == predicted).sum().item()
kept = same / len(test_x)
conv_change = change(relu_maps, relu_shifted)
pool_change = change(model.pool(relu_maps), model.pool(relu_shifted))
print(f"ReLU maps {conv_change:.3f}")
print(f"pooled    {pool_change:.3f}")
print(f"same prediction {same} / {len(test_x)} = {kept:.3f}")

# %% bias
# ko: 첫 층의 편향 b입니다. weighted는 편향을 빼고 가중합 w·x만 구한 것입니다. ReLU는 w·x가
# ko: -b를 넘는 자리에서만 0이 아닌 값을 냅니다. 시험용 첫 이미지에서 채널마다 문턱 -b와 0이
# ko: 된 자리의 비율을 출력하고, 0이 된 자리가 w·x가 -b 이하인 자리와 정확히 같은지 확인합니다.
# en: The first layer's biases b. weighted is the weighted sum w·x alone, without the bias.
# en: ReLU gives a value other than 0 only where w·x is above -b. For the first test image,
# en: print each channel's threshold -b and the share of places set to 0, and check that the
# en: places set to 0 are exactly the places where w·x <= -b.
threshold = -model.conv1.bias.detach()
with torch.no_grad():
    weighted = F.conv2d(x, model.conv1.weight)
zero = relu1[0] == 0
below = weighted[0] <= threshold[:, None, None]
zeroed = zero.float().mean(dim=(1, 2))
for k in range(6):
    print(f"{k + 1}  {threshold[k]:+.3f}  {zeroed[k]:.3f}")
print(torch.equal(zero, below))

# %% show-bias
# ko: 채널마다 w·x 625개를 작은 것부터 늘어놓은 곡선과, 문턱 -b를 가로선으로 그립니다. 선
# ko: 아래의 값(회색)은 ReLU를 지나면 모두 0이 됩니다.
# en: For each channel, the 625 values of w·x sorted from smallest to largest, and the
# en: threshold -b as a horizontal line. Every value below the line (gray) becomes 0 after
# en: ReLU.
sorted_values = weighted[0].reshape(6, -1).sort(dim=1).values
fig, axes = plt.subplots(2, 3, figsize=(8, 4.4))
for k, ax in enumerate(axes.flat):
    values = sorted_values[k].numpy()
    ax.plot(values)
    ax.axhline(threshold[k].item(), color="red")
    ax.fill_between(
        range(len(values)),
        values,
        threshold[k].item(),
        where=values <= threshold[k].item(),
        color="gray",
    )
    ax.set_title(str(k + 1))
plt.show()

# %% two-pixels [markdown] lang="ko"
# 이미지를 한 픽셀이 아니라 두 픽셀 옮기면 어떻게 됩니까? `shift` 셀을 고쳐 ReLU 출력과 풀링
# 출력의 변화를 다시 재고, 한 픽셀일 때와 비교해 보십시오.

# %% two-pixels [markdown] lang="en"
# What if the images move two pixels instead of one? Change the `shift` cell to measure the
# change in the ReLU maps and the pooled maps again, and compare with one pixel.

# %% two-pixels-answer role="answer"
# ko: 두 픽셀을 옮기면 풀링 출력이 칸 하나만큼 통째로 옮겨 갑니다. 2×2 영역 안에 머무는
# ko: 움직임이 없으므로, 풀링 출력의 변화가 한 픽셀일 때의 0.235에서 0.447로 두 배 가까이
# ko: 커집니다. ReLU 출력은 0.399에서 0.591로 커져, 풀링 출력이 여전히 덜 바뀌지만 차이는
# ko: 줄어듭니다.
# en: Moved two pixels, the pooled maps move by one whole cell. No part of the move stays
# en: inside a 2×2 block, so the pooled maps' change nearly doubles, from 0.235 for one pixel
# en: to 0.447. The ReLU maps' grows from 0.399 to 0.591: the pooled maps still change less,
# en: but the gap narrows.
shifted_2 = F.pad(test_x, (2, 0))[..., :-2]
with torch.no_grad():
    relu_shifted_2 = F.relu(model.conv1(shifted_2))
print(f"ReLU maps {change(relu_maps, relu_shifted_2):.3f}")
print(f"pooled    {change(model.pool(relu_maps), model.pool(relu_shifted_2)):.3f}")

# %% confusion [markdown] lang="ko"
# 어떤 클래스를 어떤 클래스로 잘못 보았습니까? 줄은 정답, 열은 예측인 10×10 혼동 행렬을
# 만들고, 가장 자주 일어난 실수를 찾아보십시오.

# %% confusion [markdown] lang="en"
# Which classes does it take for which? Build the 10×10 confusion matrix of labels (rows)
# and predictions (columns), and find the most frequent mistake.

# %% confusion-answer role="answer"
# ko: 대각선은 맞힌 수이므로 0으로 지우고, 남은 칸에서 가장 큰 값을 모두 찾습니다. 두 실수가
# ko: 2번씩으로 가장 잦습니다: 원(7)을 더하기(4)로, ㄴ자 모서리(9)를 가로 막대(0)로 본 것입니다.
# en: The diagonal counts the right answers, so clear it, then find every largest count left.
# en: Two mistakes tie, twice each: a circle (7) taken for a plus (4), and a corner (9) taken
# en: for a horizontal bar (0).
confusion = torch.zeros(CLASSES, CLASSES, dtype=torch.long)
for label, guess in zip(test_y.tolist(), predicted.tolist()):
    confusion[label, guess] += 1
print(confusion)
mistakes = confusion.clone().fill_diagonal_(0)
for label, guess in (mistakes == mistakes.max()).nonzero().tolist():
    print(f"{label} -> {guess}: {mistakes.max().item()}")

# %% no-bias [markdown] lang="ko"
# 첫 층의 편향을 모두 0으로 바꾸면 시험 정확도는 어떻게 됩니까? 모델을 복사해 바꾸어 보십시오.

# %% no-bias [markdown] lang="en"
# What happens to the test accuracy if the first layer's biases are all set to 0? Try it on
# a copy of the model.

# %% no-bias-answer role="answer"
# ko: 편향은 ReLU의 문턱이므로, 0으로 바꾸면 문턱이 옮겨 가 다음 층이 받는 특성 맵이 달라집니다.
# ko: 모델을 복사해 편향만 바꾸고 시험 정확도를 다시 잽니다. 0.992에서 0.680으로 떨어집니다.
# en: The biases are ReLU's thresholds, so setting them to 0 moves the thresholds and changes
# en: the maps the next layer gets. Copy the model, change only the biases, and measure the
# en: test accuracy again: it falls from 0.992 to 0.680.
import copy

unbiased = copy.deepcopy(model)
with torch.no_grad():
    unbiased.conv1.bias.zero_()
    accuracy = (unbiased(test_x).argmax(1) == test_y).float().mean().item()
print(f"{test_accuracy:.3f} -> {accuracy:.3f}")
