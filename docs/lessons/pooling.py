# %%
# Lesson 5, max pooling: the code of docs/pooling.*.md and of its notebooks.

# %% needs="image:imports image:read image:gray filters:filter-vals filters:stack"
# %% needs="conv:torch-imports conv:weight conv:input conv:viz"

# %% example
# ko: 4×4 격자를 2×2 영역 네 개로 나누고, 영역마다 가장 큰 값만 남깁니다.
# en: Split a 4×4 grid into four 2×2 blocks and keep the largest value of each.
grid = torch.tensor([[1.0, 3, 2, 0], [5, 2, 1, 4], [0, 1, 8, 6], [2, 7, 3, 5]])
pooled_grid = F.max_pool2d(grid.unsqueeze(0), kernel_size=2, stride=2)[0]
print(pooled_grid)


# %% show-example
# ko: 격자와 풀링 결과를 칸마다 숫자와 함께 그립니다. 굵은 선이 2×2 영역의 경계입니다.
# en: Draw the grid and the pooled result, each cell with its number. The thick lines divide
# en: the 2×2 blocks.
fig, axes = plt.subplots(1, 2, figsize=(7, 3.5))
for ax, values in zip(axes, [grid.numpy(), pooled_grid.numpy()]):
    ax.imshow(values, cmap="Oranges", vmin=0, vmax=values.max())
    for (i, j), value in np.ndenumerate(values.astype(int)):
        ax.text(j, i, value, ha="center", va="center")
    ax.set_xticks([])
    ax.set_yticks([])
axes[0].axhline(1.5, color="black", linewidth=3)
axes[0].axvline(1.5, color="black", linewidth=3)
plt.show()


# %% net
class Net(nn.Module):
    def __init__(self, weight):
        super().__init__()
        k_height, k_width = weight.shape[2:]
        self.conv = nn.Conv2d(1, 4, kernel_size=(k_height, k_width), bias=False)
        self.conv.weight = nn.Parameter(weight)
        # ko: 2×2 영역을 스트라이드 2로 옮기는 최대 풀링 층
        # en: a max-pooling layer: 2×2 blocks, moved with a stride of 2
        self.pool = nn.MaxPool2d(2, 2)

    def forward(self, x):
        conv_x = self.conv(x)
        activated_x = F.relu(conv_x)
        pooled_x = self.pool(activated_x)
        return conv_x, activated_x, pooled_x


model = Net(weight)
print(model)

# %% forward
with torch.no_grad():
    conv_layer, activated_layer, pooled_layer = model(gray_img_tensor)
print(tuple(activated_layer.shape), "->", tuple(pooled_layer.shape))

# %% show-pooled
viz_layer(pooled_layer)

# %% stats
for i in range(4):
    fmap = pooled_layer[0, i]
    print(f"f{i + 1}", tuple(fmap.shape), f"min {fmap.min():.4f}  max {fmap.max():.4f}")

# %% zoom
# ko: 같은 곳을 풀링 전과 후에 잘라 봅니다. 풀링 뒤에는 좌표가 모두 절반입니다.
# en: Cut out the same place before and after pooling; after it, every coordinate is halved.
zoom_rows, zoom_cols = slice(96, 128), slice(144, 176)
pooled_rows = slice(zoom_rows.start // 2, zoom_rows.stop // 2)
pooled_cols = slice(zoom_cols.start // 2, zoom_cols.stop // 2)
before = activated_layer[0, 0, zoom_rows, zoom_cols]
after = pooled_layer[0, 0, pooled_rows, pooled_cols]
print(tuple(before.shape), "->", tuple(after.shape), pooled_rows, pooled_cols)
print(torch.equal(F.max_pool2d(before.unsqueeze(0), 2)[0], after))

# %% show-zoom
# ko: 풀링 전의 영역과 풀링 뒤의 영역을 나란히 그립니다. 회색 선이 2×2 영역의 경계입니다.
# en: Draw the area before pooling and after it side by side. The gray lines divide the 2×2
# en: blocks.
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, values in zip(axes, [before.numpy(), after.numpy()]):
    ax.imshow(values, cmap="Reds", vmin=0, vmax=before.max().item())
for edge in range(0, before.shape[0] + 1, 2):
    axes[0].axhline(edge - 0.5, color="gray", linewidth=0.5)
    axes[0].axvline(edge - 0.5, color="gray", linewidth=0.5)
plt.show()

# %% kept
# ko: 풀링은 값을 고르기만 합니다. 풀링 뒤의 값은 모두 풀링 전에도 있던 값입니다.
# en: Pooling only picks values: every value after it was there before it.
kept = torch.isin(pooled_layer, activated_layer).all().item()
print(kept, activated_layer.numel(), "->", pooled_layer.numel())

# %% pipeline
# ko: 필터 f1 하나가 지나온 길: 입력 이미지, 합성곱, ReLU, 최대 풀링
# en: One filter's way through the network: the input, the convolution, ReLU and max pooling
fig, axes = plt.subplots(1, 4, figsize=(16, 3))
path = [gray_img] + [maps[0, 0].numpy() for maps in (conv_layer, activated_layer, pooled_layer)]
names = ["gray_img", "conv_layer", "activated_layer", "pooled_layer"]
for ax, values, title in zip(axes, path, names):
    ax.imshow(values, cmap="gray")
    ax.set_title(title)
plt.show()

# %% odd [markdown] lang="ko"
# 높이나 너비가 홀수인 특성 맵을 풀링하면 마지막 행이나 열은 어떻게 됩니까? 5×5 텐서
# `torch.arange(25.0).reshape(1, 5, 5)`에 `F.max_pool2d(..., 2)`를 적용해 확인해 보십시오.

# %% odd [markdown] lang="en"
# What happens to the last row or column when a feature map of odd height or width is pooled?
# Apply `F.max_pool2d(..., 2)` to the 5×5 tensor `torch.arange(25.0).reshape(1, 5, 5)` and see.

# %% odd-answer role="answer"
# ko: 2×2 영역을 채우지 못하는 마지막 행과 열(20~24, 4, 9, 14, 19)은 버려집니다.
# en: The last row and column (20-24, and 4, 9, 14, 19) fill no 2×2 block and are dropped.
print(F.max_pool2d(torch.arange(25.0).reshape(1, 5, 5), 2))

# %% average [markdown] lang="ko"
# 최댓값 대신 평균을 남기는 `nn.AvgPool2d(2, 2)`도 있습니다. ReLU를 거친 f1의 특성 맵에 두
# 풀링을 적용하고, 선 두 개가 풀링 뒤에 얼마나 강하게 남는지 비교해 보십시오. 하나는 그릴
# 한가운데의 가는 세로선(풀링 전 행 108–123, 열 148–151)이고, 하나는 그림 오른쪽 차체 옆면의
# 굵은 경계(풀링 전 행 110–149, 열 276–281)입니다. 풀링 뒤의 행마다 선이 지나는 칸의 가장 큰
# 값을 골라 평균을 내면 됩니다. 가는 선은 어느 풀링에서 더 잘 살아남습니까?

# %% average [markdown] lang="en"
# `nn.AvgPool2d(2, 2)` keeps the mean instead of the maximum. Apply both poolings to f1's
# feature map after ReLU, and compare how strongly two lines remain after each: a thin vertical
# line in the middle of the grille (rows 108–123, columns 148–151 before pooling) and the thick
# edge of the car's side at the image's right (rows 110–149, columns 276–281 before pooling).
# In each row after pooling, take the largest value of the cells the line crosses, and average
# those. Which pooling keeps the thin line better?

# %% average-answer role="answer"
# ko: 각 줄은 선 이름, 최대 풀링 뒤의 세기, 평균 풀링 뒤의 세기, 그 비율입니다. 최대 풀링은
# ko: 2×2 영역에서 선의 꼭대기 값을 그대로 남깁니다. 평균 풀링은 그 값을 영역의 네 칸에 나눠
# ko: 가지므로, 선이 영역을 적게 채울수록 많이 약해집니다. 폭이 한두 픽셀인 가는 선은 세기의
# ko: 60%만 남고, 굵은 경계는 83%가 남습니다. 가는 선을 지키는 쪽은 최대 풀링입니다.
# en: Each line gives the line's name, its strength after max pooling, after average pooling,
# en: and their ratio. Max pooling keeps the top of the line in each 2×2 block as it is. Average
# en: pooling shares it among the block's four cells, so the less of the block a line fills, the
# en: weaker it gets: the thin line, one or two pixels wide, keeps 60% of its strength, the
# en: thick edge 83%. Max pooling is the one that keeps thin lines.
average = nn.AvgPool2d(2, 2)(activated_layer)
lines = {"thin": (slice(54, 62), slice(74, 76)), "thick": (slice(55, 75), slice(138, 141))}
for name, (rows, cols) in lines.items():
    by_max = pooled_layer[0, 0, rows, cols].amax(dim=1).mean()
    by_mean = average[0, 0, rows, cols].amax(dim=1).mean()
    print(f"{name:5}  {by_max:.2f}  {by_mean:.2f}  {by_mean / by_max:.0%}")
