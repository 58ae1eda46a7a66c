# %%
# Lesson 10, a whole CNN: the code of docs/cnn.*.md and of its notebooks.

# %% needs="image:imports image:read image:gray conv:torch-imports conv:input"

# %% model
# ko: 합성곱 → ReLU → 풀링을 두 번, 그다음 펼치기 → 완전 연결 층 → 클래스 10개의 점수
# en: conv → ReLU → pool twice, then flatten → fully connected → scores for 10 classes
torch.manual_seed(0)
model = nn.Sequential(
    nn.Conv2d(1, 4, kernel_size=4),
    nn.ReLU(),
    nn.MaxPool2d(2, 2),
    nn.Conv2d(4, 8, kernel_size=3),
    nn.ReLU(),
    nn.MaxPool2d(2, 2),
    nn.Flatten(),
    nn.Linear(8 * 51 * 78, 10),
)
print(model)

# %% shapes
# ko: 자동차 사진을 한 층씩 통과시키며 모양과 파라미터 수를 출력합니다.
# en: Pass the photograph of the car through one layer at a time, printing shapes and
# en: parameter counts.
x = gray_img_tensor
shapes = [tuple(x.shape)]
with torch.no_grad():
    for layer in model:
        x = layer(x)
        shapes.append(tuple(x.shape))
        count = sum(p.numel() for p in layer.parameters())
        print(f"{type(layer).__name__:10} {str(tuple(x.shape)):20} {count:>8,}")
scores = x

# %% show-shapes
# ko: 층마다 텐서의 값 개수를 로그 눈금의 막대로 그리고, 막대 위에 모양을 적습니다.
# en: Draw the number of values after each layer as a bar on a log scale, its shape above it.
layer_names = ["input"] + [type(layer).__name__ for layer in model]
counts = [np.prod(shape) for shape in shapes]
fig, ax = plt.subplots(figsize=(11, 3.5))
ax.bar(range(len(shapes)), counts)
ax.set_yscale("log")
ax.set_xticks(range(len(shapes)), layer_names)
for i, (shape, count) in enumerate(zip(shapes, counts)):
    ax.text(i, count, str(shape), ha="center", va="bottom", fontsize=7)
plt.show()

# %% dense
# ko: 각 합성곱 층과 같은 입력을 받아 같은 출력을 내는 완전 연결 층의 파라미터 수:
# ko: 입력 값 수 × 출력 값 수의 가중치와, 출력 값마다 편향 하나
# en: The parameters of a fully connected layer taking the same input as each convolutional layer
# en: to the same output: input values × output values weights, and one bias per output value
for index in (0, 3):
    conv_params = sum(p.numel() for p in model[index].parameters())
    inputs, outputs = int(np.prod(shapes[index])), int(np.prod(shapes[index + 1]))
    dense_params = inputs * outputs + outputs
    print(f"{conv_params:>4}   {inputs:,} x {outputs:,} + {outputs:,} = {dense_params:,}")

# %% scores
# ko: (1, 10)은 이미지 한 장에 클래스 10개의 점수, 뒤의 수는 가장 큰 점수의 번호, 곧 예측입니다.
# ko: 가중치가 아직 무작위 값이므로 이 예측에는 뜻이 없습니다.
# en: (1, 10) is one image's scores for 10 classes; the number after it is the index of the
# en: largest score, the guess. The weights are still random, so the guess means nothing yet.
print(tuple(scores.shape), scores.argmax(dim=1).item())

# %% second [markdown] lang="ko"
# 두 번째 합성곱 층 `nn.Conv2d(4, 8, kernel_size=3)`의 가중치는 어떤 모양이고, 파라미터는 몇
# 개입니까? 첫 번째 층의 특성 맵 4장이 두 번째 층에서는 어떤 역할을 하는지 생각해 보십시오.

# %% second [markdown] lang="en"
# What shape is the weight of the second convolutional layer, `nn.Conv2d(4, 8, kernel_size=3)`,
# and how many parameters does it have? Think about what the first layer's 4 feature maps are
# to the second layer.

# %% second-answer role="answer"
# ko: 앞 층의 특성 맵 4장이 입력 채널 4개가 됩니다. 가중치 모양 (8, 4, 3, 3)은 필터 8개가
# ko: 각각 4×3×3이라는 뜻이고, 296은 손으로 센 8 × 4 × 3 × 3 + 8과 PyTorch가 센 수입니다.
# en: The 4 feature maps of the layer before are its 4 input channels. The weight's shape,
# en: (8, 4, 3, 3), means 8 filters of 4×3×3 each; 296 is 8 × 4 × 3 × 3 + 8 counted by hand,
# en: then counted by PyTorch.
second = model[3]
print(tuple(second.weight.shape), 8 * 4 * 3 * 3 + 8, sum(p.numel() for p in second.parameters()))

# %% flatten [markdown] lang="ko"
# 입력 이미지가 절반 크기(106 × 160)라면 `nn.Linear`의 입력 크기는 얼마여야 합니까? 층마다
# 모양을 계산해 보고, 그 크기의 무작위 텐서를 `model[:7]`에 통과시켜 확인해 보십시오.

# %% flatten [markdown] lang="en"
# If the input image were half size (106 × 160), what input size would `nn.Linear` need? Work
# the shapes out layer by layer, then check by passing a random tensor of that size through
# `model[:7]`.

# %% flatten-answer role="answer"
# ko: 높이 106 → 103 → 51 → 49 → 24, 너비 160 → 157 → 78 → 76 → 38이므로 8 × 24 × 38.
# ko: 7296이 새 `nn.Linear`가 받아야 할 입력 값의 수이고, 뒤의 모양은 model[:7]이 실제로 낸
# ko: 모양입니다. 두 수가 같으면 계산이 맞은 것입니다.
# en: Height 106 → 103 → 51 → 49 → 24 and width 160 → 157 → 78 → 76 → 38, so 8 × 24 × 38.
# en: 7296 is the number of inputs the new `nn.Linear` must take, and the shape after it is what
# en: model[:7] really gave: when the two agree, the working is right.
with torch.no_grad():
    print(8 * 24 * 38, tuple(model[:7](torch.rand(1, 1, 106, 160)).shape))
