# %%
# Lesson 6, custom filters: the code of docs/custom.*.md and of its notebooks.

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
# ko: 소벨 x는 두 벡터의 외적입니다. 행 [-1, 0, 1]은 오른쪽 이웃에서 왼쪽 이웃을 빼고,
# ko: 열 [1, 2, 1]은 위아래 세 줄을 가운데 줄에 무게를 두어 평균합니다(합이 4).
# en: Sobel x is an outer product: the row [-1, 0, 1] takes the right neighbour minus the left,
# en: and the column [1, 2, 1] averages three rows, the middle one weighted twice (sum 4).
smoothing = np.array([1, 2, 1], dtype="float32")
difference = np.array([-1, 0, 1], dtype="float32")
sobel_x = np.outer(smoothing, difference)
sobel_y = sobel_x.T
print(sobel_x)
print(np.array_equal(sobel_x, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]))

# %% show-sobel-filters
fig, axes = plt.subplots(1, 2, figsize=(6, 3))
for ax, kernel, title in zip(axes, [sobel_x, sobel_y], ["Gx", "Gy"]):
    ax.imshow(kernel, cmap="RdBu_r", vmin=-2, vmax=2)
    for (i, j), value in np.ndenumerate(kernel):
        ax.text(j, i, f"{value:g}", ha="center", va="center")
    ax.set_title(title)
plt.show()

# %% filter2d
# ko: ddepth=-1은 입력과 같은 자료형(여기서는 float32)으로 출력하라는 뜻입니다.
# en: ddepth=-1 asks for output of the input's data type, here float32.
edges_x = cv2.filter2D(card_float, -1, sobel_x)
edges_y = cv2.filter2D(card_float, -1, sobel_y)
print(card_float.shape, "->", edges_x.shape, edges_x.dtype)
print(f"Gx {edges_x.min():.4f} {edges_x.max():.4f}  Gy {edges_y.min():.4f} {edges_y.max():.4f}")

# %% show-sobel
# ko: 두 맵에 같은 색 범위를 씁니다. -sobel_limit부터 sobel_limit까지, 0이 흰색입니다.
# en: One color range for both maps, from -sobel_limit to sobel_limit: 0 is white.
sobel_limit = np.abs([edges_x, edges_y]).max()
print(f"{sobel_limit:.4f}")
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, edges, title in zip(axes, [edges_x, edges_y], ["Gx", "Gy"]):
    shown = ax.imshow(edges, cmap="RdBu_r", vmin=-sobel_limit, vmax=sobel_limit)
    ax.set_title(title)
fig.colorbar(shown, ax=axes)
plt.show()

# %% same-as-conv
# ko: filter2D는 가장자리 바깥을 반사해서 채우므로 크기가 그대로입니다.
# ko: 안쪽은 Conv2d와 같습니다. 둘 다 필터를 뒤집지 않습니다.
# en: filter2D fills the outside of the border by reflection, so the size is kept.
# en: Inside, it equals Conv2d: neither of them flips the filter.
weight = torch.from_numpy(sobel_x).unsqueeze(0).unsqueeze(1)
valid = F.conv2d(torch.from_numpy(card_float).unsqueeze(0).unsqueeze(1), weight)[0, 0]
print(tuple(valid.shape), np.allclose(edges_x[1:-1, 1:-1], valid.numpy(), atol=1e-5))

# %% photo
# ko: 같은 소벨 필터를 강의의 사진에 적용합니다.
# en: The same Sobel filters on the lesson's photograph.
photo = cv2.imread("images/udacity_sdc.png", cv2.IMREAD_GRAYSCALE).astype("float32") / 255
photo_x = cv2.filter2D(photo, -1, sobel_x)
photo_y = cv2.filter2D(photo, -1, sobel_y)
print(photo.shape, f"Gx {photo_x.min():.4f} {photo_x.max():.4f}")

# %% show-photo
# ko: 색 범위는 값 크기의 99.5번째 백분위수에서 자릅니다. 잘린 값은 색 막대 끝의 화살표가
# ko: 표시합니다.
# en: The color range is clipped at the 99.5th percentile of the values' size; the arrows at the
# en: ends of the color bar mark the clipped values.
photo_limit = np.percentile(np.abs([photo_x, photo_y]), 99.5)
print(f"{photo_limit:.4f}")
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for ax, edges, title in zip(axes, [photo_x, photo_y], ["Gx", "Gy"]):
    shown = ax.imshow(edges, cmap="RdBu_r", vmin=-photo_limit, vmax=photo_limit)
    ax.set_title(title)
fig.colorbar(shown, ax=axes, extend="both")
plt.show()

# %% derivative
# ko: 밝기가 픽셀마다 0.01씩 커지는 경사에서 소벨 x는 기울기의 8배인 0.08을 냅니다.
# ko: [-1, 0, 1]이 두 칸 떨어진 값의 차(기울기의 2배)를 구하고, [1, 2, 1]의 합이 4이기 때문입니다.
# en: On a ramp that brightens by 0.01 per pixel, Sobel x gives 8 times the slope, 0.08:
# en: [-1, 0, 1] takes a difference two pixels apart (twice the slope), and [1, 2, 1] adds up to 4.
ramp = np.tile(np.arange(8, dtype="float32") * 0.01, (5, 1))  # (5, 8)
print(np.unique(cv2.filter2D(ramp, -1, sobel_x)[1:-1, 1:-1].round(4)))
# ko: 사진에서도 소벨 x / 8은 세로로 [1, 2, 1] / 4만큼 흐린 사진의 중앙 차분(np.gradient)과
# ko: 같습니다.
# en: On the photo too, Sobel x / 8 is the central difference (np.gradient) of the photo
# en: blurred down the columns by [1, 2, 1] / 4.
blurred_rows = (photo[:-2] + 2 * photo[1:-1] + photo[2:]) / 4
central = np.gradient(blurred_rows, axis=1)
print(np.allclose(photo_x[1:-1, 1:-1] / 8, central[:, 1:-1], atol=1e-6))

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

# %% show-noisy
# ko: 잡음은 화면 픽셀 하나에 값 하나 이상으로 그려야 보이는 그대로입니다. 160×160 부분만 그립니다.
# en: Noise drawn at less than one screen pixel per value shows patterns that are not there:
# en: draw a 160×160 crop.
crop_rows, crop_cols = slice(20, 180), slice(20, 180)
fig, axes = plt.subplots(1, 2, figsize=(10, 5))
for ax, edges in zip(axes, [edges_plain, edges_blurred]):
    part = edges[crop_rows, crop_cols]
    limit = np.percentile(np.abs(part), 99.5)
    # ko: 잘라 낸 부분도 카드의 행과 열 번호를 그대로 쓰도록 extent를 줍니다.
    # en: The extent keeps the card's own row and column numbers on the crop.
    extent = (19.5, 179.5, 179.5, 19.5)
    shown = ax.imshow(part, cmap="RdBu_r", vmin=-limit, vmax=limit, extent=extent)
    fig.colorbar(shown, ax=ax, extend="both")
plt.show()

# %% measure
# ko: 평평한 회색 바탕(행 140~179, 열 68~85)에서 잡음이 만든 흔들림(표준편차)과,
# ko: 잡음 없는 카드의 경계에서 나오는 가장 큰 값을 비교합니다.
# en: Compare the wobble (standard deviation) the noise makes on a flat gray area
# en: (rows 140-179, columns 68-85) with the largest response on the clean card's edges.
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
# ko: 첫 줄의 1.0은 가중치의 합입니다. 합이 1이면 평평한 곳의 밝기는 그대로이고 경계만
# ko: 부드러워집니다. 그래서 흐린 카드의 범위(둘째 줄)가 원래 카드의 범위(셋째 줄)와 같습니다.
# en: The 1.0 on the first line is the weights' sum. Weights that add up to 1 keep the brightness
# en: of flat areas and only soften the edges, so the blurred card's range (second line) is the
# en: card's own (third line).
gauss = np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype="float32") / 16
smooth = cv2.filter2D(card_float, -1, gauss)
print(gauss.sum(), f"{smooth.min():.4f} {smooth.max():.4f}")
print(f"{card_float.min():.4f} {card_float.max():.4f}")

# %% five [markdown] lang="ko"
# 5×5 필터 `[[-1, -1, 0, 1, 1]] * 5`를 만들어 카드에 적용하고, 가장 큰 값을 소벨 x와
# 비교해 보십시오. 필터가 커지면 반응이 왜 커집니까?

# %% five [markdown] lang="en"
# Build the 5×5 filter `[[-1, -1, 0, 1, 1]] * 5`, apply it to the card and compare its largest
# response with Sobel x's. Why does a larger filter respond more strongly?

# %% five-answer role="answer"
# ko: 첫 줄은 카드에서 5×5 필터와 소벨 x가 낸 가장 큰 값입니다. 둘째 줄은 양수 가중치의 합(10과
# ko: 4)이고, 셋째 줄은 0에서 1로 바뀌는 곧은 경계에 적용한 가장 큰 값입니다. 곧은 경계에서 반응은
# ko: 밝기 차이에 양수 가중치의 합을 곱한 값이니, 경계 양쪽의 픽셀을 더 많이 모으는 큰 필터가 더
# ko: 크게 반응합니다.
# en: The first line is the largest value the 5×5 filter and Sobel x give on the card. The second
# en: is the sum of their positive weights (10 and 4), the third their largest value on a straight
# en: step from 0 to 1. On a straight edge the response is the step times the positive weights'
# en: sum: the larger filter gathers more pixels on each side of the edge.
five = np.array([[-1, -1, 0, 1, 1]] * 5, dtype="float32")
print(five.shape, f"{cv2.filter2D(card_float, -1, five).max():.4f}", f"{edges_x.max():.4f}")
print(five[five > 0].sum(), sobel_x[sobel_x > 0].sum())
step = np.zeros((9, 9), dtype="float32")
step[:, 5:] = 1
print(cv2.filter2D(step, -1, five).max(), cv2.filter2D(step, -1, sobel_x).max())

# %% gaussian [markdown] lang="ko"
# 박스 블러 대신 `cv2.GaussianBlur(noisy, (5, 5), 0)`으로 흐리게 한 뒤 라플라시안을 적용하고,
# 위와 같은 방법으로 경계와 잡음의 비를 구해 보십시오.

# %% gaussian [markdown] lang="en"
# Blur with `cv2.GaussianBlur(noisy, (5, 5), 0)` instead of the box blur, apply the Laplacian,
# and measure the ratio of edge to noise as above.

# %% gaussian-answer role="answer"
# ko: 6.5는 경계의 가장 큰 반응이 평평한 곳 잡음의 흔들림보다 몇 배 큰지입니다. 박스 블러의 4.4보다
# ko: 크니, 이 카드에서는 5×5 가우시안 블러 뒤에 경계가 잡음보다 더 두드러집니다.
# en: 6.5 is how many times the largest response at the edges exceeds the noise's wobble on the
# en: flat area. It is above the box blur's 4.4: after the 5×5 Gaussian blur the edges stand out
# en: more from the noise on this card.
edges_gauss = cv2.filter2D(cv2.GaussianBlur(noisy, (5, 5), 0), -1, laplacian)
clean_gauss = cv2.filter2D(cv2.GaussianBlur(card_float, (5, 5), 0), -1, laplacian)
print(f"ratio {np.abs(clean_gauss).max() / edges_gauss[flat].std():.1f}")
