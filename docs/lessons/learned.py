# Lesson 9, learned filters: the code of docs/learned.*.md and of its notebooks.

# %% [markdown] lang="ko"
# # 9. 학습되는 필터
#
# 지금까지는 필터를 손으로 만들었습니다. 이 노트북에서는 무작위 필터에서 출발해 경사 하강법으로
# 필터를 학습시키고, 손으로 만든 필터에 얼마나 가까워지는지 봅니다.

# %% [markdown] lang="en"
# # 9. Learned filters
#
# So far the filters were made by hand. This notebook starts from random filters, learns them
# by gradient descent, and measures how close they come to the hand-made ones.

# %% [setup] needs="image:imports image:read image:gray filters:filter-vals filters:stack"
# %% [setup] needs="conv:torch-imports conv:weight conv:input"

# %% data
# ko: 입력은 도로와 테스트 카드를 절반 크기로 줄인 두 장입니다. 작을수록 학습이 빠릅니다.
# ko: 목표는 손으로 만든 필터의 ReLU 출력입니다.
# en: The inputs are the road and the test card at half size: smaller images train faster.
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
steps = [0, 10, 100, 300]
history, losses = train(seed=6, steps=steps)
print(tuple(history.shape), f"{losses[0]:.4f} -> {losses[-1]:.4f}")

# %% similarity
# ko: 학습한 필터와 손으로 만든 필터의 코사인 유사도: 1이면 방향이 완전히 같습니다.
# en: Cosine similarity of each learned filter to its hand-made one: 1 means the same direction.
hand = torch.from_numpy(filters).float().reshape(4, -1)
for step, learned in zip(steps, history):
    similarity = F.cosine_similarity(learned.reshape(4, -1), hand, dim=1)
    print(f"{step:4}", "  ".join(f"{value:6.3f}" for value in similarity))

# %% dead [markdown] lang="ko"
# 같은 학습을 `seed=0`으로 다시 해 보십시오. 네 필터 가운데 하나가 처음 상태에서 전혀 움직이지
# 않습니다. 그 필터가 처음에 두 이미지에서 내놓은 값 가운데 가장 큰 값을 구해 이유를 찾아보십시오.

# %% dead [markdown] lang="en"
# Run the same training with `seed=0`. One of the four filters never moves from where it
# started. Find its largest output on the two images at the start, and explain why.

# %% dead-answer role="answer"
# ko: 처음부터 모든 출력이 0 이하라서 ReLU가 0만 내고, 기울기도 0이라 필터가 고쳐지지 않습니다.
# en: All its outputs are 0 or less from the start, so ReLU gives only 0 and so does the gradient.
dead_history, dead_losses = train(seed=0, steps=[0, 100])
start = dead_history[0][0].reshape(1, 1, 4, 4)
print(max(F.conv2d(x, start).max().item() for x in images) <= 0)
print(torch.equal(dead_history[0][0], dead_history[-1][0]))

# %% linear [markdown] lang="ko"
# ReLU 없이, 합성곱의 출력 자체를 목표로 삼으면 어떻게 됩니까? `train`을 고쳐 모델의 출력과
# 목표에서 ReLU를 빼고, `seed=0`으로 100단계를 학습한 뒤 코사인 유사도를 구해 보십시오.

# %% linear [markdown] lang="en"
# What if the target is the convolution's output itself, without ReLU? Change `train` to drop
# ReLU from the model's output and from the targets, train 100 steps with `seed=0`, and
# compute the cosine similarities.

# %% linear-answer role="answer"
# ko: 출력이 가중치에 대해 선형이라 죽는 필터가 없고, 네 필터 모두 손으로 만든 필터에 다가갑니다.
# en: The output is linear in the weights, so no filter dies: all four approach the hand-made ones.
torch.manual_seed(0)
linear = nn.Conv2d(1, 4, kernel_size=(4, 4), bias=False)
optimizer = torch.optim.Adam(linear.parameters(), lr=0.01)
with torch.no_grad():
    raw_targets = [F.conv2d(x, weight) for x in images]
for _ in range(100):
    loss = sum(F.mse_loss(linear(x), t) for x, t in zip(images, raw_targets))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
similarity = F.cosine_similarity(linear.weight.detach().reshape(4, -1), hand, dim=1)
print("  ".join(f"{value:6.3f}" for value in similarity))
