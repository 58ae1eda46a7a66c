# Lesson 2, the filters: the code of docs/filters.*.md and of its notebooks.

# %% [markdown] lang="ko"
# # 2. 필터
#
# 4×4 배열 `filter_vals` 하나에서 경계 필터 네 개를 만들고, 각 필터가 어떤 이미지 조각에
# 크게 반응하는지 숫자로 확인합니다.

# %% [markdown] lang="en"
# # 2. The filters
#
# Four edge filters are built from one 4×4 array, `filter_vals`, and a few numbers show which
# image patches each of them answers most strongly.

# %% imports
import matplotlib.pyplot as plt
import numpy as np

# %% filter-vals
# ko: 각 행이 [-1, -1, 1, 1]: 왼쪽 두 열은 음수, 오른쪽 두 열은 양수입니다.
# en: Each row is [-1, -1, 1, 1]: negative in the left two columns, positive in the right two.
filter_vals = np.array([[-1, -1, 1, 1]] * 4)
print(filter_vals.shape)
print(filter_vals)

# %% stack
# ko: 부호를 뒤집고(-), 전치해서(.T) 나머지 세 필터를 만들고 하나로 쌓습니다.
# en: Flip the sign (-) and transpose (.T) to get the other three, then stack all four.
filter_1 = filter_vals
filter_2 = -filter_1
filter_3 = filter_1.T
filter_4 = -filter_3
filters = np.array([filter_1, filter_2, filter_3, filter_4])
print(filters.shape)
print(filter_3)

# %% show
fig, axes = plt.subplots(1, 4, figsize=(10, 3))
for i, ax in enumerate(axes):
    # ko: 음수는 파란색, 양수는 빨간색으로 칠하고 칸마다 값을 적습니다.
    # en: Negative weights in blue, positive in red, each value written in its cell.
    ax.imshow(filters[i], cmap="RdBu_r", vmin=-1.5, vmax=1.5)
    for (r, c), value in np.ndenumerate(filters[i]):
        ax.text(c, r, value, ha="center", va="center")
    ax.set_title(f"f{i + 1}")
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %% patches
# ko: 4×4 조각 네 개: 고른 밝기, 왼쪽<오른쪽, 위<아래, 왼쪽>오른쪽으로 밝기가 바뀌는 경계
# en: Four 4×4 patches: even brightness, then edges where left<right, top<bottom, left>right
patches = {
    "flat": np.full((4, 4), 0.5),
    "left<right": np.array([[0, 0, 1, 1]] * 4),
    "top<bottom": np.array([[0, 0, 1, 1]] * 4).T,
    "left>right": np.array([[1, 1, 0, 0]] * 4),
}
for name, patch in patches.items():
    answers = [(patch * f).sum() for f in filters]
    print(f"{name:12}", "  ".join(f"{answer:5.1f}" for answer in answers))

# %% diagonal [markdown] lang="ko"
# 왼쪽 아래가 어둡고 오른쪽 위가 밝은 대각선 경계에 크게 반응하는 4×4 필터를 만들어 보십시오.
# 그 경계를 담은 조각에서 여러분의 필터와 `filter_1`의 답을 비교합니다.

# %% diagonal [markdown] lang="en"
# Build a 4×4 filter that answers a diagonal edge, dark at the bottom left and bright at the
# top right. Compare its answer with `filter_1`'s on a patch that holds such an edge.

# %% diagonal-answer role="answer"
# ko: 오른쪽 위 삼각형은 +1, 왼쪽 아래 삼각형은 -1, 대각선 위는 0
# en: +1 in the top-right triangle, -1 in the bottom-left one, 0 on the diagonal
diagonal = np.array([[0, 1, 1, 1], [-1, 0, 1, 1], [-1, -1, 0, 1], [-1, -1, -1, 0]])
edge = (diagonal > 0).astype(float)
print(diagonal)
print((edge * diagonal).sum(), (edge * filter_1).sum())

# %% sobel [markdown] lang="ko"
# 영상 처리에서 오래 써 온 3×3 소벨 x 필터는 `[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]`입니다.
# `filter_vals`처럼 numpy 배열로 만들고, 이것을 전치해 소벨 y를 만들어 보십시오. 두 필터는 각각
# 어느 방향의 밝기 변화에 반응합니까?

# %% sobel [markdown] lang="en"
# The 3×3 Sobel x filter, long used in image processing, is `[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]`.
# Build it as a numpy array, as `filter_vals` was built, and transpose it to get Sobel y. Which
# change in brightness does each of them answer?

# %% sobel-answer role="answer"
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
sobel_y = sobel_x.T
step = np.array([[0, 0, 1]] * 3)
print(sobel_y)
print((step * sobel_x).sum(), (step * sobel_y).sum())
