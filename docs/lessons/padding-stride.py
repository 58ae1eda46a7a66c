# Lesson 7, padding and stride: the code of docs/padding-stride.*.md and of its notebooks.

# %% [markdown] lang="ko"
# # 7. 패딩과 스트라이드
#
# 합성곱의 출력은 왜 입력보다 작아지고, 어떻게 하면 크기를 지킬 수 있습니까? 패딩과
# 스트라이드를 바꿔 가며 출력 크기를 공식으로 계산하고 PyTorch로 확인합니다.

# %% [markdown] lang="en"
# # 7. Padding and stride
#
# Why is a convolution's output smaller than its input, and how can the size be kept? Padding
# and stride are varied, the output size is worked out with the formula, and PyTorch confirms it.

# %% [setup] needs="image:imports image:read image:gray filters:filter-vals filters:stack"
# %% [setup] needs="conv:torch-imports conv:weight conv:input conv:viz"


# %% formula
# ko: 출력 크기 공식: (입력 + 2 × 패딩 - 필터) // 스트라이드 + 1
# en: The output-size formula: (input + 2 × padding - filter) // stride + 1
def out_size(size, kernel, padding=0, stride=1):
    return (size + 2 * padding - kernel) // stride + 1


height, width = gray_img.shape
print(height, width)

# %% cases
# ko: 같은 필터 f1을 패딩과 스트라이드만 바꿔 적용하고, 공식과 실제 모양을 나란히 출력합니다.
# en: Apply the same filter f1 with only padding and stride changed; print formula and shape.
f1 = weight[:1]
cases = [(0, 1), (1, 1), (2, 1), (0, 2), (1, 2), (0, 3)]
outputs = {}
for padding, stride in cases:
    with torch.no_grad():
        out = F.conv2d(gray_img_tensor, f1, padding=padding, stride=stride)
    outputs[padding, stride] = out
    by_formula = (out_size(height, 4, padding, stride), out_size(width, 4, padding, stride))
    print(f"p={padding} s={stride}", by_formula, tuple(out.shape[2:]))

# %% same
# ko: 4×4 필터에는 가운데 칸이 없어서, 크기를 지키려면 한쪽에 1칸, 다른 쪽에 2칸을 채웁니다.
# ko: F.pad의 순서는 (왼쪽, 오른쪽, 위, 아래)입니다.
# en: A 4×4 filter has no middle cell, so keeping the size takes 1 row or column on one side
# en: and 2 on the other. F.pad takes them as (left, right, top, bottom).
padded = F.pad(gray_img_tensor, (1, 2, 1, 2))
with torch.no_grad():
    same = F.conv2d(padded, f1)
print(tuple(padded.shape[2:]), "->", tuple(same.shape[2:]))

# %% border
# ko: 0으로 채운 바깥은 아주 어두운 테두리처럼 보입니다. 반사로 채우면 그런 가짜 경계가 없습니다.
# en: A border of zeros looks like a very dark frame. Filling by reflection makes no such edge.
reflected = F.pad(gray_img_tensor, (1, 2, 1, 2), mode="reflect")
with torch.no_grad():
    same_reflect = F.conv2d(reflected, f1)
# ko: 왼쪽 맨 끝 열과, 그 바로 안쪽 열에서 가장 큰 값을 비교합니다.
# en: Compare the largest value in the leftmost column with the one just inside it.
for name, out in [("zero", same), ("reflect", same_reflect)]:
    edge, inside = out[0, 0, :, 0].abs().max(), out[0, 0, :, 2].abs().max()
    print(f"{name:8} {edge:.4f}  {inside:.4f}")

# %% show-border
zoom_rows, zoom_cols = slice(0, 48), slice(0, 48)
viz_layer(torch.cat([same, same_reflect], dim=1)[:, :, zoom_rows, zoom_cols], n_filters=2)

# %% layers
# ko: 같은 설정을 층으로 쓰면 이렇습니다. 풀링 층도 크기와 스트라이드를 따로 줄 수 있습니다.
# en: The same settings as layers. A pooling layer takes its size and stride separately too.
model = nn.Sequential(
    nn.Conv2d(1, 4, kernel_size=4, padding=1, stride=2, bias=False),
    nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2),
)
print(model)
x = gray_img_tensor
for layer in model:
    with torch.no_grad():
        x = layer(x)
    print(type(layer).__name__, tuple(x.shape))

# %% keep [markdown] lang="ko"
# 3×3 필터로 크기를 지키려면 패딩을 얼마로 해야 합니까? 5×5 필터라면
# 얼마입니까? `out_size`로 계산하고, `nn.Conv2d(1, 1, kernel_size=k, padding=p)`에
# 이미지를 통과시켜 확인해 보십시오.

# %% keep [markdown] lang="en"
# What padding keeps the size with a 3×3 filter? And with a 5×5 one? Work it out with
# `out_size`, then check by passing the image through `nn.Conv2d(1, 1, kernel_size=k, padding=p)`.

# %% keep-answer role="answer"
# ko: 홀수 크기 k라면 양쪽에 (k - 1) // 2칸씩 채우면 됩니다.
# en: For an odd size k, (k - 1) // 2 on each side does it.
for kernel in (3, 5):
    padding = (kernel - 1) // 2
    layer = nn.Conv2d(1, 1, kernel_size=kernel, padding=padding)
    with torch.no_grad():
        shape = tuple(layer(gray_img_tensor).shape[2:])
    print(kernel, padding, out_size(height, kernel, padding), shape)

# %% stride-pool [markdown] lang="ko"
# 스트라이드 2인 합성곱도 2×2 최대 풀링처럼 크기를 절반쯤으로 줄입니다. 이 이미지에서
# `F.conv2d(..., stride=2)`와, 스트라이드 1 합성곱 뒤의 `F.max_pool2d(..., 2)`의 출력 모양을 비교해
# 보십시오.

# %% stride-pool [markdown] lang="en"
# A convolution with stride 2 also roughly halves the size, as 2×2 max pooling does. On this
# image, compare the output shape of `F.conv2d(..., stride=2)` with that of a stride-1
# convolution followed by `F.max_pool2d(..., 2)`.

# %% stride-pool-answer role="answer"
with torch.no_grad():
    strided = F.conv2d(gray_img_tensor, f1, stride=2)
    pooled = F.max_pool2d(F.conv2d(gray_img_tensor, f1), 2)
print(tuple(strided.shape[2:]), tuple(pooled.shape[2:]))
