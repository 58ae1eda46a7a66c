# Lesson 3, the convolutional layer: the code of docs/conv.*.md and of its notebooks.

# %% [markdown] lang="ko"
# # 3. 합성곱 층
#
# 앞의 두 장에서 만든 이미지와 필터 네 개를 PyTorch 합성곱 층에 넣고, 층이 내놓는 특성 맵을
# 들여다봅니다. 학습은 하지 않고 가중치를 우리 필터로 고정합니다.

# %% [markdown] lang="en"
# # 3. The convolutional layer
#
# The image and the four filters from the last two chapters go into a PyTorch convolutional
# layer, and we look at the feature maps it returns. Nothing is trained: the weights are fixed
# to our filters.

# %% [setup] needs="image:imports image:read image:gray filters:filter-vals filters:stack"

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
# ko: 왼쪽 차선과 가운데 점선이 만나는 곳을 확대합니다. viz_layer는 잘라 낸 텐서도 그립니다.
# en: Zoom in where the left lane line meets the center dashes. viz_layer draws a crop too.
zoom_rows, zoom_cols = slice(128, 176), slice(216, 264)
viz_layer(conv_layer[:, :, zoom_rows, zoom_cols])

# %% stats
for i in range(4):
    fmap = conv_layer[0, i]
    print(f"f{i + 1}", tuple(fmap.shape), f"min {fmap.min():7.4f}  max {fmap.max():7.4f}")

# %% regions
# ko: 이미지의 세 곳에서 필터마다 가장 큰 값을 찾습니다. (행 범위, 열 범위)
# en: The largest value of each filter in three places of the image. (rows, columns)
regions = {
    "hills": (slice(80, 125), slice(0, 200)),
    "lane": (slice(200, 250), slice(40, 180)),
    "dashes": (slice(140, 285), slice(245, 265)),
}
for name, (rows, cols) in regions.items():
    peaks = conv_layer[0, :, rows, cols].amax(dim=(1, 2))
    print(f"{name:7}", "  ".join(f"{peak:5.2f}" for peak in peaks))

# %% sliding
# ko: 점선의 왼쪽 위 모서리를 담은 7×7 조각입니다. 4×4 필터는 이 조각 안에서 가로로 4자리,
# ko: 세로로 4자리에 놓일 수 있으므로 출력은 4×4입니다.
# en: A 7×7 patch holding the top-left corner of a dash. A 4×4 filter fits in it at 4 places
# en: across and 4 down, so the output is 4×4.
patch_rows, patch_cols = slice(198, 205), slice(249, 256)
small_img = gray_img[patch_rows, patch_cols]
small_out = conv_layer[0, 0, 198:202, 249:253]
print(np.round(small_img * 255).astype(int))
print(small_out)

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
row3, col3 = np.unravel_index(conv_layer[0, 2].argmax().item(), conv_layer.shape[2:])
patch3 = gray_img[row3 : row3 + 4, col3 : col3 + 4]
print(f"{(patch3 * filter_3).sum():.4f}  {conv_layer[0, 2].max():.4f}")
