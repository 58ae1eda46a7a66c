# Lesson 10, a whole CNN: the code of docs/cnn.*.md and of its notebooks.

# %% [markdown] lang="ko"
# # 10. CNN 전체에서의 자리
#
# 합성곱, ReLU, 최대 풀링은 CNN의 앞부분을 이룹니다. 이 세 층을 두 번 쌓고, 펼친 다음 완전 연결
# 층으로 클래스 점수를 내는 작은 CNN을 만들어, 층마다 텐서의 모양이 어떻게 바뀌는지 따라갑니다.

# %% [markdown] lang="en"
# # 10. Where these layers sit in a CNN
#
# Convolution, ReLU and max pooling make up the front of a CNN. This notebook stacks the three
# twice, flattens the result and turns it into class scores with a fully connected layer, and
# follows the tensor's shape through every layer.

# %% [setup] needs="image:imports image:read image:gray conv:torch-imports conv:input"

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
# ko: 도로 이미지를 한 층씩 통과시키며 모양과 파라미터 수를 출력합니다.
# en: Pass the road image through one layer at a time, printing shapes and parameter counts.
x = gray_img_tensor
shapes = [tuple(x.shape)]
with torch.no_grad():
    for layer in model:
        x = layer(x)
        shapes.append(tuple(x.shape))
        count = sum(p.numel() for p in layer.parameters())
        print(f"{type(layer).__name__:10} {str(tuple(x.shape)):20} {count:>8,}")
scores = x

# %% scores
# ko: 학습하지 않은 모델이므로 점수 자체에는 아직 뜻이 없습니다. 가장 큰 점수의 번호가 예측입니다.
# en: The model is untrained, so the scores mean nothing yet. The index of the largest is the guess.
print(tuple(scores.shape), scores.argmax(dim=1).item())

# %% second [markdown] lang="ko"
# 두 번째 합성곱 층 `nn.Conv2d(4, 8, kernel_size=3)`의 가중치는 어떤 모양이고, 파라미터는 몇
# 개입니까? 첫 번째 층의 특성 맵 4장이 두 번째 층에서는 어떤 역할을 하는지 생각해 보십시오.

# %% second [markdown] lang="en"
# What shape is the weight of the second convolutional layer, `nn.Conv2d(4, 8, kernel_size=3)`,
# and how many parameters does it have? Think about what the first layer's 4 feature maps are
# to the second layer.

# %% second-answer role="answer"
# ko: 앞 층의 특성 맵 4장이 입력 채널 4개가 됩니다. 8 × 4 × 3 × 3개의 가중치와 8개의 편향.
# en: The 4 feature maps of the layer before are its 4 input channels: 8 × 4 × 3 × 3 weights
# en: and 8 biases.
second = model[3]
print(tuple(second.weight.shape), 8 * 4 * 3 * 3 + 8, sum(p.numel() for p in second.parameters()))

# %% flatten [markdown] lang="ko"
# 입력 이미지가 절반 크기(144 × 256)라면 `nn.Linear`의 입력 크기는 얼마여야 합니까? 층마다
# 모양을 계산해 보고, 그 크기의 무작위 텐서를 `model[:7]`에 통과시켜 확인해 보십시오.

# %% flatten [markdown] lang="en"
# If the input image were half size (144 × 256), what input size would `nn.Linear` need? Work
# the shapes out layer by layer, then check by passing a random tensor of that size through
# `model[:7]`.

# %% flatten-answer role="answer"
# ko: 144 → 141 → 70 → 68 → 34, 256 → 253 → 126 → 124 → 62: 8 × 34 × 62
# en: 144 → 141 → 70 → 68 → 34, 256 → 253 → 126 → 124 → 62: 8 × 34 × 62
with torch.no_grad():
    print(8 * 34 * 62, tuple(model[:7](torch.rand(1, 1, 144, 256)).shape))
