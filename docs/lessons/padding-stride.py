# %%
# Lesson 7, padding and stride: the code of docs/padding-stride.*.md and of its notebooks.

# %% needs="image:imports image:read image:gray filters:filter-vals filters:stack"
# %% needs="conv:torch-imports conv:weight conv:input conv:viz"


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

# %% show-sizes
# ko: 스트라이드 1인 출력마다 가장 큰 출력(p=2)의 오른쪽 아래 24×24 모서리를 같은 축 범위로
# ko: 그립니다. 패딩이 행과 열을 더하는 곳이 바로 여기입니다. 회색은 출력 바깥입니다.
# en: For each stride-1 output, draw the bottom-right 24×24 corner of the largest output (p=2),
# en: on the same axis range: that is where padding adds its rows and columns. Gray is outside
# en: an output.
size_maps = [out[0, 0].numpy() for (p, s), out in outputs.items() if s == 1]
titles = [f"p={p} s={s}" for p, s in outputs if s == 1]
bottom, right = outputs[2, 1].shape[2:]  # (214, 321)
print(f"rows {bottom - 24}-{bottom - 1}, columns {right - 24}-{right - 1}")
limit = max(np.abs(fmap[bottom - 24 :, right - 24 :]).max() for fmap in size_maps)
fig, axes = plt.subplots(1, len(size_maps), figsize=(12, 3.4))
for ax, fmap, title in zip(axes, size_maps, titles):
    shown = ax.imshow(fmap, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_facecolor("0.82")
    ax.set_xlim(right - 24.5, right - 0.5)
    ax.set_ylim(bottom - 0.5, bottom - 24.5)
    ax.set_title(f"{title}\n{tuple(fmap.shape)}")
fig.colorbar(shown, ax=axes)
plt.show()

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
# ko: 오른쪽 맨 끝 열과, 필터가 패딩에 닿지 않는 마지막 열(끝에서 세 번째)에서 가장 큰
# ko: 절댓값을 비교합니다.
# en: Compare the largest magnitude (absolute value) in the rightmost column with that in the
# en: last column whose filter touches no padding (third from the end).
for name, out in [("zero", same), ("reflect", same_reflect)]:
    edge, inside = out[0, 0, :, -1].abs().max(), out[0, 0, :, -3].abs().max()
    print(f"{name:8} {edge:.4f}  {inside:.4f}")

# %% show-border
# ko: 변화가 있는 오른쪽 아래 모서리(행 181~212, 열 288~319)를 확대합니다.
# en: Enlarge the bottom-right corner (rows 181-212, columns 288-319), where the change is.
zoom_rows, zoom_cols = slice(181, 213), slice(288, 320)
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
# ko: 홀수 크기 k라면 양쪽에 (k - 1) // 2칸씩 채우면 됩니다. 각 줄은 필터 크기, 패딩, 공식으로 구한
# ko: 높이, 층이 실제로 내놓은 (높이, 너비)입니다. 3×3에는 1, 5×5에는 2로 높이 213과 너비 320이
# ko: 그대로 남습니다.
# en: For an odd size k, (k - 1) // 2 on each side does it. Each line gives the filter size, the
# en: padding, the height by the formula and the (height, width) the layer returned: padding 1
# en: for 3×3 and 2 for 5×5 keep the height 213 and the width 320.
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
# ko: 둘 다 높이는 105로 절반쯤이 됩니다. 너비는 하나 차이입니다. 스트라이드 2 합성곱은 공식대로
# ko: (320 - 4) // 2 + 1 = 159이고, 풀링은 스트라이드 1 합성곱의 너비 317을 2씩 묶어 317 // 2 =
# ko: 158입니다.
# en: Both halve the height to 105. The widths differ by one: the stride-2 convolution gives
# en: (320 - 4) // 2 + 1 = 159 by the formula, and pooling groups the stride-1 convolution's
# en: 317 columns in twos, 317 // 2 = 158.
with torch.no_grad():
    strided = F.conv2d(gray_img_tensor, f1, stride=2)
    pooled = F.max_pool2d(F.conv2d(gray_img_tensor, f1), 2)
print(tuple(strided.shape[2:]), tuple(pooled.shape[2:]))
