# %%
# Lesson 9, learned filters: the code of docs/learned.*.md and of its notebooks.

# %% needs="image:imports image:read image:gray filters:filter-vals filters:stack"
# %% needs="conv:torch-imports conv:weight conv:input"

# %% data
# ko: 입력은 자동차 사진과 테스트 카드를 가로세로 절반으로 줄인 두 장입니다.
# ko: 목표는 손으로 만든 필터의 ReLU 출력입니다.
# en: The inputs are the photograph of the car and the test card, shrunk to half their width
# en: and height.
# en: The targets are the hand-made filters' ReLU maps.
card = cv2.imread("images/test_card.png", cv2.IMREAD_GRAYSCALE).astype("float32") / 255
images = []
for image in [gray_img, card]:
    height, width = image.shape
    half = cv2.resize(image, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    images.append(torch.from_numpy(half).unsqueeze(0).unsqueeze(1))
with torch.no_grad():
    targets = [F.relu(F.conv2d(x, weight)) for x in images]
print([tuple(x.shape) for x in images])


# %% train-function
# ko: 무작위 필터에서 출발해, ReLU 출력과 목표의 평균 제곱 오차를 줄이도록 필터를 고칩니다.
# ko: steps에 적은 단계마다 필터를 기록합니다.
# en: Start from random filters and adjust them to shrink the mean squared error between
# en: their ReLU maps and the targets, recording the filters at each step listed in steps.
def train(seed, steps):
    torch.manual_seed(seed)
    conv = nn.Conv2d(1, 4, kernel_size=(4, 4), bias=False)
    optimizer = torch.optim.Adam(conv.parameters(), lr=0.01)
    history, losses = [], []
    for step in range(steps[-1] + 1):
        if step in steps:
            history.append(conv.weight.detach()[:, 0].clone())
        loss = sum(F.mse_loss(F.relu(conv(x)), t) for x, t in zip(images, targets))
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return torch.stack(history), losses


# %% train
# ko: 500단계를 학습하며 0, 10, 100, 300, 500단계의 필터를 기록하고, 그 단계들의 손실을 출력합니다.
# en: Train 500 steps, recording the filters at steps 0, 10, 100, 300 and 500, and print the
# en: loss at those steps.
steps = [0, 10, 100, 300, 500]
history, losses = train(seed=6, steps=steps)
print(tuple(history.shape))
for step in steps:
    print(f"{step:4}  {losses[step]:.5f}")

# %% show-loss
# ko: 단계마다 손실을 로그 눈금으로 그리고, 필터를 기록한 단계에 점을 찍습니다.
# en: Plot the loss at each step on a log scale, with a dot at each step whose filters were
# en: recorded.
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.semilogy(losses)
ax.plot(steps, [losses[step] for step in steps], "o")
ax.set_xlabel("step")
ax.set_ylabel("loss")
plt.show()

# %% show-history
# ko: 기록한 단계마다 필터 네 개를 한 줄에 그리고, 맨 아래 줄에 손으로 만든 필터를 그립니다.
# en: Draw the four filters of each recorded step in a row, and the hand-made ones in the
# en: bottom row.
rows = [*history.numpy(), filters]
limit = max(history.abs().max().item(), 1)
fig, axes = plt.subplots(len(rows), 4, figsize=(6, 1.5 * len(rows)))
for r, (stack, label) in enumerate(zip(rows, [*map(str, steps), "f"])):
    for i in range(4):
        shown = axes[r, i].imshow(stack[i], cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[r, i].set_xticks([])
        axes[r, i].set_yticks([])
    axes[r, 0].set_ylabel(label)
fig.colorbar(shown, ax=axes)
plt.show()

# %% similarity
# ko: 학습한 필터와 손으로 만든 필터의 코사인 유사도: 1이면 방향이 완전히 같습니다.
# ko: 마지막 줄은 손으로 만든 필터에 2를 곱한 것과의 유사도: 노름이 두 배여도 1입니다.
# en: Cosine similarity of each learned filter to its hand-made one: 1 means the same direction.
# en: The last row compares the hand-made filters times 2: twice the norm, and still 1.
hand = torch.from_numpy(filters).float().reshape(4, -1)
for step, learned in zip(steps, history):
    similarity = F.cosine_similarity(learned.reshape(4, -1), hand, dim=1)
    print(f"{step:4}", "  ".join(f"{value:6.3f}" for value in similarity))
doubled = F.cosine_similarity(2 * hand, hand, dim=1)
print(" 2×f", "  ".join(f"{value:6.3f}" for value in doubled))

# %% falling
# ko: 300단계 직전 50단계와 500단계 직전 50단계 동안 손실이 어떻게 바뀌었는지 봅니다.
# en: How the loss changed over the 50 steps before step 300, and the 50 before step 500.
print(f"{losses[250]:.5f} -> {losses[300]:.5f}")
print(f"{losses[450]:.5f} -> {losses[500]:.5f}")

# %% hand-loss
# ko: 목표는 손으로 만든 필터가 낸 출력이므로, 그 필터를 넣으면 손실이 정확히 0입니다.
# en: The targets are the hand-made filters' own output, so with those filters the loss is
# en: exactly 0.
with torch.no_grad():
    hand_loss = sum(F.mse_loss(F.relu(F.conv2d(x, weight)), t) for x, t in zip(images, targets))
print(hand_loss.item())

# %% dead [markdown] lang="ko"
# 같은 학습을 `seed=31`로 다시 해 보십시오. 네 필터 가운데 $f_1$이 처음 상태에서 전혀 움직이지
# 않습니다. 그 필터가 처음에 두 이미지에서 내놓은 값 가운데 가장 큰 값을 구해 이유를 찾아보십시오.

# %% dead [markdown] lang="en"
# Run the same training with `seed=31`. Of the four filters, $f_1$ never moves from where it
# started. Find its largest output on the two images at the start, and explain why.

# %% dead-answer role="answer"
# ko: 첫 줄: 처음 f1이 두 이미지에서 낸 가장 큰 값. 음수이므로 ReLU는 어디서나 0만 냅니다.
# ko: 둘째 줄: 그 f1에 대한 손실의 기울기 가운데 가장 큰 절댓값. 0이라 고칠 방향이 없습니다.
# ko: 셋째 줄: 100단계 뒤의 f1이 처음과 똑같은지: True, 한 번도 움직이지 않았습니다.
# en: First line: the start f1's largest output on the two images. It is negative, so ReLU
# en: gives 0 everywhere.
# en: Second line: the largest gradient of the loss for that f1. It is 0: no way to adjust.
# en: Third line: whether f1 after 100 steps equals its start: True, it never moved.
dead_history, dead_losses = train(seed=31, steps=[0, 100])
start = dead_history[0][0].reshape(1, 1, 4, 4).requires_grad_()
print(f"{max(F.conv2d(x, start).max().item() for x in images):.3f}")
loss = sum(F.mse_loss(F.relu(F.conv2d(x, start)), t[:, :1]) for x, t in zip(images, targets))
loss.backward()
print(start.grad.abs().max().item())
print(torch.equal(dead_history[0][0], dead_history[-1][0]))

# %% linear [markdown] lang="ko"
# ReLU 없이, 합성곱의 출력 자체를 목표로 삼으면 어떻게 됩니까? `train`을 고쳐 모델의 출력과
# 목표에서 ReLU를 빼고, `seed=31`로 100단계를 학습한 뒤 코사인 유사도를 구해 보십시오.

# %% linear [markdown] lang="en"
# What if the target is the convolution's output itself, without ReLU? Change `train` to drop
# ReLU from the model's output and from the targets, train 100 steps with `seed=31`, and
# compute the cosine similarities.

# %% linear-answer role="answer"
# ko: 두 줄은 처음과 100단계 뒤의 코사인 유사도입니다. 출력이 가중치에 대해 선형이므로 기울기가
# ko: 0이 되는 필터가 없고, 연습 1에서 멈춰 있던 f1까지 네 필터 모두 손으로 만든 필터에 다가갑니다.
# en: The two lines are the cosine similarities at the start and after 100 steps. The output is
# en: linear in the weights, so no filter's gradient is 0: all four, even f1, which stood still
# en: in exercise 1, approach the hand-made ones.
torch.manual_seed(31)
linear = nn.Conv2d(1, 4, kernel_size=(4, 4), bias=False)
optimizer = torch.optim.Adam(linear.parameters(), lr=0.01)
with torch.no_grad():
    raw_targets = [F.conv2d(x, weight) for x in images]


def cosines(conv):
    similarity = F.cosine_similarity(conv.weight.detach().reshape(4, -1), hand, dim=1)
    return "  ".join(f"{value:6.3f}" for value in similarity)


print(cosines(linear))
for _ in range(100):
    loss = sum(F.mse_loss(linear(x), t) for x, t in zip(images, raw_targets))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(cosines(linear))
