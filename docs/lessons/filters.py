# %%
# Lesson 2, the filters: the code of docs/filters.*.md and of its notebooks.

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
    responses = [(patch * f).sum() for f in filters]
    print(f"{name:12}", "  ".join(f"{response:5.1f}" for response in responses))

# %% contrast
# ko: 왼쪽<오른쪽 경계 네 가지에 대한 f1의 반응: 대비 1인 경계, 같은 경계를 대비 0.5로 줄인 것,
# ko: 대비 0.2로 줄인 것, 경계가 한 열 어긋난 대비 1의 조각. 닮음은 조각에서 평균을 뺀 값과
# ko: 필터의 코사인 유사도입니다(f1의 가중치는 합이 0이므로 평균 밝기에는 반응하지 않습니다).
# en: f1's response to four left<right edges: an edge of contrast 1, the same edge at contrast
# en: 0.5 and at 0.2, and a patch of contrast 1 whose edge is one column off. Likeness is the
# en: cosine similarity of the filter and the patch minus its mean (f1's weights add up to 0, so
# en: it does not respond to the mean brightness).
edge = patches["left<right"]
contrasts = {
    "edge": edge,
    "half": 0.25 + 0.5 * edge,
    "faint": 0.4 + 0.2 * edge,
    "rough": np.array([[0, 1, 1, 1]] * 4),
}
for name, patch in contrasts.items():
    centered = patch - patch.mean()
    likeness = (centered * filter_1).sum() / np.linalg.norm(centered) / np.linalg.norm(filter_1)
    contrast = patch.max() - patch.min()
    response = (patch * filter_1).sum()
    print(f"{name:6} {contrast:4.1f} {likeness:5.2f} {response:5.1f}")

# %% diagonal [markdown] lang="ko"
# 왼쪽 아래가 어둡고 오른쪽 위가 밝은 대각선 경계에 크게 반응하는 4×4 필터를 만들어 보십시오.
# 그 경계를 담은 조각에서 여러분의 필터와 `filter_1`의 반응을 비교합니다.

# %% diagonal [markdown] lang="en"
# Build a 4×4 filter that responds to a diagonal edge, dark at the bottom left and bright at the
# top right. Compare its response with `filter_1`'s on a patch that holds such an edge.

# %% diagonal-answer role="answer"
# ko: 오른쪽 위 삼각형은 +1, 왼쪽 아래 삼각형은 -1, 대각선 위는 0입니다. 마지막 줄의 6.0은
# ko: 대각선 경계 조각에 대각선 필터가 낸 반응, 4.0은 filter_1의 반응입니다. 경계의 방향에 맞춘
# ko: 필터가 더 크게 반응합니다.
# en: +1 in the top-right triangle, -1 in the bottom-left one, 0 on the diagonal. On the last
# en: line, 6.0 is the diagonal filter's response to the diagonal edge and 4.0 is filter_1's: the
# en: filter shaped like the edge responds more strongly.
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
# change in brightness does each of them respond to?

# %% sobel-answer role="answer"
# ko: 마지막 줄은 왼쪽이 어둡고 오른쪽이 밝은 세로 경계(step)에 대한 반응입니다. 소벨 x는 4로
# ko: 반응하고 소벨 y는 0입니다. 소벨 x는 왼쪽에서 오른쪽으로 가며 밝기가 바뀌는 곳(세로 경계)에,
# ko: 소벨 y는 위에서 아래로 가며 바뀌는 곳(가로 경계)에 반응합니다.
# en: The last line is the response to a vertical edge, dark on the left and bright on the right
# en: (step): Sobel x responds with 4, Sobel y with 0. Sobel x responds where brightness changes
# en: from left to right (vertical edges), Sobel y where it changes from top to bottom
# en: (horizontal edges).
sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
sobel_y = sobel_x.T
step = np.array([[0, 0, 1]] * 3)
print(sobel_y)
print((step * sobel_x).sum(), (step * sobel_y).sum())
