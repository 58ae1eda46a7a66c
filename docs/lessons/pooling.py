# Lesson 5, max pooling: the code of docs/pooling.*.md and of its notebooks.

# %% [markdown] lang="ko"
# # 5. 최대 풀링
#
# 합성곱 층과 ReLU 뒤에 2×2 최대 풀링 층을 더합니다. 작은 예제로 계산 방법을 익힌 다음,
# 도로 이미지의 특성 맵이 어떻게 줄어드는지 봅니다.

# %% [markdown] lang="en"
# # 5. Max pooling
#
# A 2×2 max-pooling layer is added after the convolutional layer and ReLU. A small example
# shows how it computes; then the road image's feature maps show how it shrinks them.

# %% [setup] needs="image:imports image:read image:gray filters:filter-vals filters:stack"
# %% [setup] needs="conv:torch-imports conv:weight conv:input conv:viz"

# %% example
# ko: 4×4 격자를 2×2 영역 네 개로 나누고, 영역마다 가장 큰 값만 남깁니다.
# en: Split a 4×4 grid into four 2×2 blocks and keep the largest value of each.
grid = torch.tensor([[1.0, 3, 2, 0], [5, 2, 1, 4], [0, 1, 8, 6], [2, 7, 3, 5]])
pooled_grid = F.max_pool2d(grid.unsqueeze(0), kernel_size=2, stride=2)[0]
print(pooled_grid)


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
zoom_rows, zoom_cols = slice(128, 160), slice(232, 264)
pooled_rows = slice(zoom_rows.start // 2, zoom_rows.stop // 2)
pooled_cols = slice(zoom_cols.start // 2, zoom_cols.stop // 2)
before = activated_layer[0, 0, zoom_rows, zoom_cols]
after = pooled_layer[0, 0, pooled_rows, pooled_cols]
print(tuple(before.shape), "->", tuple(after.shape), pooled_rows, pooled_cols)
print(torch.equal(F.max_pool2d(before.unsqueeze(0), 2)[0], after))

# %% kept
# ko: 풀링은 값을 고르기만 합니다. 풀링 뒤의 값은 모두 풀링 전에도 있던 값입니다.
# en: Pooling only picks values: every value after it was there before it.
kept = torch.isin(pooled_layer, activated_layer).all().item()
print(kept, activated_layer.numel(), "->", pooled_layer.numel())

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
# 풀링을 적용해 최댓값을 비교해 보십시오. 가는 선은 어느 쪽에서 더 잘 살아남습니까?

# %% average [markdown] lang="en"
# `nn.AvgPool2d(2, 2)` keeps the mean instead of the maximum. Apply both poolings to f1's
# feature map after ReLU and compare their largest values. Which keeps thin lines better?

# %% average-answer role="answer"
average = nn.AvgPool2d(2, 2)(activated_layer)
print(f"{pooled_layer[0, 0].max():.4f}  {average[0, 0].max():.4f}")
