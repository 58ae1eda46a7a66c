# %%
# Lesson 3, the convolutional layer: the code of docs/conv.*.md and of its notebooks.

# %% needs="image:imports image:read image:gray filters:filter-vals filters:stack"

# %% torch-imports
import torch
import torch.nn as nn
import torch.nn.functional as F

# %% weight
# ko: 필터 묶음 (4, 4, 4)에 입력 채널 축을 넣어 Conv2d의 가중치 모양 (4, 1, 4, 4)로 만듭니다.
# en: Insert an input-channel axis into the filter stack (4, 4, 4): Conv2d's weight is (4, 1, 4, 4).
weight = torch.from_numpy(filters).unsqueeze(1).type(torch.FloatTensor)
print(filters.shape, "->", tuple(weight.shape))


# %% net
class Net(nn.Module):
    def __init__(self, weight):
        super().__init__()
        k_height, k_width = weight.shape[2:]
        # ko: 입력 채널 1개, 출력 채널 4개(필터마다 하나), 4×4 필터, 편향 없음
        # en: 1 input channel, 4 output channels (one per filter), a 4×4 kernel, no bias
        self.conv = nn.Conv2d(1, 4, kernel_size=(k_height, k_width), bias=False)
        self.conv.weight = nn.Parameter(weight)

    def forward(self, x):
        conv_x = self.conv(x)
        activated_x = F.relu(conv_x)
        return conv_x, activated_x


model = Net(weight)
print(model)

# %% relu-module
# ko: nn.ReLU()로 만들어 두면 ReLU도 모듈로 등록되어 print에 나옵니다.
# en: Made as nn.ReLU(), ReLU is a registered module too, and print lists it.
print(nn.Sequential(nn.Conv2d(1, 4, kernel_size=(4, 4), bias=False), nn.ReLU()))

# %% input
# ko: 이미지 (H, W) 앞에 배치 축과 채널 축을 붙여 (1, 1, H, W)로 만듭니다.
# en: Put a batch axis and a channel axis in front of the image (H, W): (1, 1, H, W).
gray_img_tensor = torch.from_numpy(gray_img).unsqueeze(0).unsqueeze(1)
print(gray_img.shape, "->", tuple(gray_img_tensor.shape))

# %% forward
# ko: 학습하지 않으므로 기울기는 계산하지 않습니다.
# en: Nothing is learned, so no gradients are computed.
with torch.no_grad():
    conv_layer, activated_layer = model(gray_img_tensor)
print(tuple(conv_layer.shape), tuple(activated_layer.shape))


# %% viz
def viz_layer(layer, n_filters=4):
    # ko: 모든 패널이 같은 색 범위를 씁니다. 0은 흰색, 양수는 빨간색, 음수는 파란색입니다.
    # en: Every panel shares one color range: 0 is white, positive red, negative blue.
    maps = layer[0, :n_filters].numpy()
    limit = np.abs(maps).max()
    fig, axes = plt.subplots(1, n_filters, figsize=(4 * n_filters, 3))
    for i, ax in enumerate(axes):
        shown = ax.imshow(maps[i], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"f{i + 1}")
    fig.colorbar(shown, ax=axes)
    plt.show()


# %% show-conv
viz_layer(conv_layer)

# %% zoom
# ko: 그릴 한가운데를 확대합니다. 세로로 선 크롬 막대와 그 양쪽의 가로 살이 담깁니다.
# ko: viz_layer는 잘라 낸 텐서도 그립니다.
# en: Zoom in on the middle of the grille: its upright chrome bar and the slats on either side.
# en: viz_layer draws a crop too.
zoom_rows, zoom_cols = slice(88, 136), slice(136, 184)
viz_layer(conv_layer[:, :, zoom_rows, zoom_cols])

# %% stats
for i in range(4):
    fmap = conv_layer[0, i]
    print(f"f{i + 1}", tuple(fmap.shape), f"min {fmap.min():7.4f}  max {fmap.max():7.4f}")

# %% regions
# ko: 이미지의 다섯 곳에서 필터마다 가장 큰 값을 찾습니다. (행 범위, 열 범위)
# ko: right/left: 그림 오른쪽과 왼쪽의 차체 옆면, under: 차 밑 그림자의 아래 끝,
# ko: shadow: 차 오른쪽 바닥에서 그림자가 시작되는 곳, grille: 그릴의 가로 살
# en: The largest value of each filter in five places of the image. (rows, columns)
# en: right/left: the car's side at the image's right and left, under: the lower end of the
# en: shadow under the car, shadow: where a shadow starts on the ground right of the car,
# en: grille: the grille's slats
regions = {
    "right": (slice(110, 150), slice(272, 284)),
    "left": (slice(110, 160), slice(34, 46)),
    "under": (slice(190, 206), slice(100, 250)),
    "shadow": (slice(148, 162), slice(288, 317)),
    "grille": (slice(96, 126), slice(96, 144)),
}
for name, (rows, cols) in regions.items():
    peaks = conv_layer[0, :, rows, cols].amax(dim=(1, 2))
    print(f"{name:7}", "  ".join(f"{peak:5.2f}" for peak in peaks))

# %% sliding
# ko: 그림 오른쪽 차체 옆면을 담은 7×7 조각입니다. 왼쪽은 어두운 차, 오른쪽 두 열은 밝은
# ko: 바닥입니다. 4×4 필터는 이 조각 안에서 가로로 4자리, 세로로 4자리에 놓일 수 있으므로
# ko: 출력은 4×4입니다.
# en: A 7×7 patch across the car's side at the image's right: dark car on the left, pale ground
# en: in the right two columns. A 4×4 filter fits in it at 4 places across and 4 down, so the
# en: output is 4×4.
patch_rows, patch_cols = slice(130, 137), slice(276, 283)
small_img = gray_img[patch_rows, patch_cols]
small_out = conv_layer[0, 0, 130:134, 276:280]
print(np.round(small_img * 255).astype(int))
print(small_out)

# %% steps
# ko: 필터가 조각 안에서 놓이는 자리마다 k·w의 합과 그 값을 255로 나눈 값을 출력하고,
# ko: 조각, 필터, 출력을 나란히 그립니다.
# en: At each place the filter stands in the patch, print the sum of k·w and that sum divided
# en: by 255; then draw the patch, the filter and the output side by side.
small_levels = np.round(small_img * 255).astype(int)
for i in range(small_out.shape[0]):
    for j in range(small_out.shape[1]):
        total = (small_levels[i : i + 4, j : j + 4] * filter_1).sum()
        place = (patch_rows.start + i, patch_cols.start + j)
        print(place, f"{total:5} / 255 = {total / 255:7.4f}", f"{small_out[i, j]:7.4f}")
fig, axes = plt.subplots(1, 3, figsize=(10, 3))
axes[0].imshow(small_img, cmap="gray", vmin=0, vmax=1)
axes[1].imshow(filter_1, cmap="RdBu_r", vmin=-1, vmax=1)
axes[2].imshow(small_out.numpy(), cmap="RdBu_r", vmin=-6, vmax=6)
for ax, title in zip(axes, ["k / 255", "w", "output"]):
    ax.set_title(title)
plt.show()

# %% one-value
# ko: f1의 특성 맵에서 가장 큰 값이 나온 자리와, 그 자리에 겹치는 4×4 이미지 조각입니다.
# en: Where f1's feature map is largest, and the 4×4 image patch under the filter there.
row, col = np.unravel_index(conv_layer[0, 0].argmax().item(), conv_layer.shape[2:])
patch = gray_img[row : row + 4, col : col + 4]
products = patch * filter_1
levels = np.round(patch * 255).astype(int)
print("row", row, "col", col)
print(levels)
print((levels * filter_1).sum(), "/ 255 =", f"{products.sum():.4f}")
print(f"{conv_layer[0, 0, row, col].item():.4f}")

# %% show-one-value
# ko: 이미지 위에 조각의 자리를 검은 사각형으로 표시하고, 조각 k, 필터 w, 곱 k·w를
# ko: 칸마다 숫자와 함께 그립니다.
# en: Mark the patch on the image with a black square, then draw the patch k, the filter w
# en: and the products k·w, each cell with its number.
fig, axes = plt.subplots(1, 4, figsize=(15, 3.5))
axes[0].imshow(gray_img, cmap="gray", vmin=0, vmax=1)
axes[0].add_patch(plt.Rectangle((col - 0.5, row - 0.5), 4, 4, fill=False, color="black"))
panels = [
    (patch, levels, "k", "gray", 0),
    (filter_1, filter_1, "w", "RdBu_r", -1),
    (products, levels * filter_1, "k·w", "RdBu_r", -1),
]
for ax, (values, numbers, title, cmap, low) in zip(axes[1:], panels):
    limit = np.abs(values).max()
    ax.imshow(values, cmap=cmap, vmin=low * limit, vmax=limit)
    for (i, j), number in np.ndenumerate(numbers):
        ax.text(j, i, number, ha="center", va="center", color="tab:orange")
    ax.set_title(title)
fig.suptitle(f"{(levels * filter_1).sum()} / 255 = {products.sum():.4f}")
plt.show()

# %% numpy-check
# ko: 같은 계산을 numpy로: 필터를 뒤집지 않고 밀면서 곱해 더합니다(교차 상관).
# en: The same sum in numpy: slide the filter, unflipped, multiply and add (cross-correlation).
windows = np.lib.stride_tricks.sliding_window_view(gray_img, filter_1.shape)
by_hand = (windows * filter_1).sum(axis=(2, 3))
print(by_hand.shape, np.allclose(by_hand, conv_layer[0, 0].numpy(), atol=1e-5))

# %% size [markdown] lang="ko"
# 4×4 필터 대신 5×5 필터를 쓰면 이 이미지의 특성 맵은 어떤 모양이 됩니까? 출력 크기 공식으로
# 먼저 계산하고, `nn.Conv2d(1, 1, kernel_size=5)`에 이미지를 통과시켜 확인해 보십시오.

# %% size [markdown] lang="en"
# With a 5×5 filter instead of a 4×4 one, what shape would this image's feature map have?
# Work it out with the output-size formula first, then check with `nn.Conv2d(1, 1, kernel_size=5)`.

# %% size-answer role="answer"
# ko: 공식으로 213 - 5 + 1 = 209, 320 - 5 + 1 = 316입니다. 층을 직접 통과시킨 모양도 같습니다.
# ko: 필터가 한 칸 커질 때마다 필터가 놓일 수 있는 자리가 가로세로로 한 줄씩 줄어듭니다.
# en: The formula gives 213 - 5 + 1 = 209 and 320 - 5 + 1 = 316, and the layer agrees. Each step
# en: up in filter size leaves the filter one fewer place to stand, across and down.
height, width = gray_img.shape
print(height - 5 + 1, width - 5 + 1)
with torch.no_grad():
    print(tuple(nn.Conv2d(1, 1, kernel_size=5)(gray_img_tensor).shape))

# %% by-hand [markdown] lang="ko"
# f3의 특성 맵에서 가장 큰 값도 손으로 계산해 보십시오. 그 자리의 조각을 잘라 `filter_3`과 칸끼리
# 곱해 더한 값이 `conv_layer[0, 2]`의 최댓값과 같은지 확인합니다.

# %% by-hand [markdown] lang="en"
# Work out the largest value of f3's feature map by hand too: cut out the patch at that place,
# multiply it cell by cell with `filter_3`, add up, and compare with the maximum of
# `conv_layer[0, 2]`.

# %% by-hand-answer role="answer"
# ko: 첫 줄은 자리(행, 열)입니다. 둘째 줄의 두 값, 손으로 더한 합과 nn.Conv2d의 최댓값이 같습니다.
# ko: 층이 계산한 값도 조각과 필터를 칸끼리 곱해 더한 것일 뿐입니다. 이 자리는 그릴의 아래
# ko: 끝으로, 위 두 행은 어두운 그릴이고 아래 두 행은 밝은 크롬 테두리입니다.
# en: The first line is the place (row, column). The two values of the second line, the sum by
# en: hand and nn.Conv2d's maximum, are equal: the layer's value is nothing but the patch times
# en: the filter, added up. The place is the grille's lower border: the dark grille in the top
# en: two rows, its bright chrome frame in the bottom two.
row3, col3 = np.unravel_index(conv_layer[0, 2].argmax().item(), conv_layer.shape[2:])
patch3 = gray_img[row3 : row3 + 4, col3 : col3 + 4]
print(row3, col3)
print(f"{(patch3 * filter_3).sum():.4f}  {conv_layer[0, 2].max():.4f}")
