# Lesson 6, custom filters: the code of docs/custom.*.md and of its notebooks.

# %% [markdown] lang="ko"
# # 6. 나만의 필터
#
# 영상 처리에서 오래 써 온 필터를 OpenCV의 `cv2.filter2D`로 직접 적용해 봅니다. 소벨 필터로
# 경계를 찾고, 자료형 때문에 음수가 사라지는 함정을 확인하고, 잡음이 있는 이미지에서 블러가
# 무엇을 해 주는지 잽니다.

# %% [markdown] lang="en"
# # 6. Custom filters
#
# Filters long used in image processing are applied directly with OpenCV's `cv2.filter2D`:
# Sobel filters find edges, a data type makes negative answers vanish, and a noisy image shows
# what a blur is good for.

# %% imports
import cv2
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

# %% card
# ko: 회색조로 바로 읽으면 (H, W) uint8 배열이 됩니다.
# en: Read straight as grayscale, the image is an (H, W) uint8 array.
card = cv2.imread("images/test_card.png", cv2.IMREAD_GRAYSCALE)
card_float = card.astype("float32") / 255
print(card.shape, card.dtype, card.min(), card.max())

# %% show-card
plt.imshow(card_float, cmap="gray", vmin=0, vmax=1)
plt.show()

# %% sobel
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype="float32")
sobel_y = sobel_x.T

# %% filter2d
# ko: ddepth=-1은 입력과 같은 자료형(여기서는 float32)으로 출력하라는 뜻입니다.
# en: ddepth=-1 asks for output of the input's data type, here float32.
edges_x = cv2.filter2D(card_float, -1, sobel_x)
edges_y = cv2.filter2D(card_float, -1, sobel_y)
print(card_float.shape, "->", edges_x.shape, edges_x.dtype)
print(f"Gx {edges_x.min():.4f} {edges_x.max():.4f}  Gy {edges_y.min():.4f} {edges_y.max():.4f}")

# %% show-sobel
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, edges, title in zip(axes, [edges_x, edges_y], ["Gx", "Gy"]):
    ax.imshow(edges, cmap="RdBu_r", vmin=-4, vmax=4)
    ax.set_title(title)
plt.show()

# %% same-as-conv
# ko: filter2D는 가장자리 바깥을 반사해서 채우므로 크기가 그대로입니다.
# ko: 안쪽은 Conv2d와 같습니다. 둘 다 필터를 뒤집지 않습니다.
# en: filter2D fills the outside of the border by reflection, so the size is kept.
# en: Inside, it equals Conv2d: neither of them flips the filter.
weight = torch.from_numpy(sobel_x).unsqueeze(0).unsqueeze(1)
valid = F.conv2d(torch.from_numpy(card_float).unsqueeze(0).unsqueeze(1), weight)[0, 0]
print(tuple(valid.shape), np.allclose(edges_x[1:-1, 1:-1], valid.numpy(), atol=1e-5))

# %% uint8
# ko: uint8 이미지에 ddepth=-1을 쓰면 출력도 uint8이라서 음수는 0이, 255를 넘는 값은 255가 됩니다.
# en: With ddepth=-1 a uint8 image gives uint8 output: negatives become 0,
# en: values over 255 become 255.
clipped = cv2.filter2D(card, -1, sobel_x)
signed = cv2.filter2D(card, cv2.CV_32F, sobel_x)
print(clipped.dtype, clipped.min(), clipped.max())
print(signed.dtype, signed.min(), signed.max())
print((signed < 0).sum(), (clipped[signed < 0] == 0).all())

# %% noisy
# ko: 카드에 잡음을 더하고, 라플라시안 필터를 그대로 적용한 것과 블러 뒤에 적용한 것을 만듭니다.
# en: Add noise to the card, then apply a Laplacian filter directly and after a blur.
rng = np.random.default_rng(0)
noisy = card_float + rng.normal(0, 0.1, card_float.shape).astype("float32")
laplacian = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype="float32")
box = np.full((3, 3), 1 / 9, dtype="float32")
edges_plain = cv2.filter2D(noisy, -1, laplacian)
edges_blurred = cv2.filter2D(cv2.filter2D(noisy, -1, box), -1, laplacian)

# %% measure
# ko: 평평한 회색 바탕(행 140~179, 열 68~85)에서 잡음이 만든 흔들림(표준편차)과,
# ko: 잡음 없는 카드의 경계에서 나오는 가장 큰 값을 비교합니다.
# en: Compare the wobble (standard deviation) the noise makes on a flat gray area
# en: (rows 140-179, columns 68-85) with the largest answer on the clean card's edges.
flat = (slice(140, 180), slice(68, 86))
clean_plain = cv2.filter2D(card_float, -1, laplacian)
clean_blurred = cv2.filter2D(cv2.filter2D(card_float, -1, box), -1, laplacian)
levels = {}
for name, edges, clean in [
    ("plain", edges_plain, clean_plain),
    ("blurred", edges_blurred, clean_blurred),
]:
    noise, edge = edges[flat].std(), np.abs(clean).max()
    levels[name] = noise, edge
    print(f"{name:8} noise {noise:.4f}  edge {edge:.4f}  ratio {edge / noise:.1f}")
(noise_plain, edge_plain), (noise_blurred, edge_blurred) = levels.values()
print(f"noise / {noise_plain / noise_blurred:.1f}  edge / {edge_plain / edge_blurred:.1f}")

# %% decimal [markdown] lang="ko"
# 가중치가 소수인 필터도 만들 수 있습니다. `[[1, 2, 1], [2, 4, 2], [1, 2, 1]]`을 16으로 나눈 3×3
# 필터를 만들어 카드에 적용해 보십시오. 가중치의 합은 얼마이고, 그 결과 밝기 범위는 어떻게 됩니까?

# %% decimal [markdown] lang="en"
# Weights may be decimals. Build the 3×3 filter `[[1, 2, 1], [2, 4, 2], [1, 2, 1]]` divided by 16
# and apply it to the card. What do its weights add up to, and what happens to the brightness range?

# %% decimal-answer role="answer"
# ko: 가중치의 합이 1이면 평평한 곳의 밝기는 그대로이고, 경계만 부드러워집니다.
# en: Weights that add up to 1 keep the brightness of flat areas and only soften the edges.
gauss = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype="float32") / 16
smooth = cv2.filter2D(card_float, -1, gauss)
print(gauss.sum(), f"{smooth.min():.4f} {smooth.max():.4f}")
print(f"{card_float.min():.4f} {card_float.max():.4f}")

# %% five [markdown] lang="ko"
# 5×5 필터 `[[-1, -1, 0, 1, 1]] * 5`를 만들어 카드에 적용하고, 가장 큰 값을 소벨 x와
# 비교해 보십시오. 필터가 커지면 답이 왜 커집니까?

# %% five [markdown] lang="en"
# Build the 5×5 filter `[[-1, -1, 0, 1, 1]] * 5`, apply it to the card and compare its largest
# answer with Sobel x's. Why does a larger filter answer more strongly?

# %% five-answer role="answer"
# ko: 양수 가중치 10개와 음수 가중치 10개가 경계 양쪽의 픽셀을 더 많이 모으기 때문입니다.
# en: Ten positive and ten negative weights gather more pixels on each side of an edge.
five = np.array([[-1, -1, 0, 1, 1]] * 5, dtype="float32")
print(five.shape, f"{cv2.filter2D(card_float, -1, five).max():.4f}", f"{edges_x.max():.4f}")

# %% gaussian [markdown] lang="ko"
# 박스 블러 대신 `cv2.GaussianBlur(noisy, (5, 5), 0)`으로 흐리게 한 뒤 라플라시안을 적용하고,
# 위와 같은 방법으로 경계와 잡음의 비를 구해 보십시오.

# %% gaussian [markdown] lang="en"
# Blur with `cv2.GaussianBlur(noisy, (5, 5), 0)` instead of the box blur, apply the Laplacian,
# and measure the ratio of edge to noise as above.

# %% gaussian-answer role="answer"
edges_gauss = cv2.filter2D(cv2.GaussianBlur(noisy, (5, 5), 0), -1, laplacian)
clean_gauss = cv2.filter2D(cv2.GaussianBlur(card_float, (5, 5), 0), -1, laplacian)
print(f"ratio {np.abs(clean_gauss).max() / edges_gauss[flat].std():.1f}")
