# %%
# Lesson 4, ReLU: the code of docs/relu.*.md and of its notebooks.

# %% needs="image:imports image:read image:gray filters:filter-vals filters:stack"
# %% needs="conv:torch-imports conv:weight conv:net conv:input conv:forward conv:viz"
# %% needs="conv:zoom"

# %% curve
# ko: -3부터 3까지의 값에 ReLU를 적용해 그래프로 그립니다.
# en: Apply ReLU to values from -3 to 3 and plot them.
x = torch.linspace(-3, 3, 121)
y = F.relu(x)
plt.plot(x, y)
plt.axhline(0, color="gray", linewidth=0.5)
plt.axvline(0, color="gray", linewidth=0.5)
plt.show()

# %% small
values = torch.tensor([-2.0, -0.5, 0.0, 0.5, 2.0])
print(F.relu(values))

# %% show-relu
viz_layer(activated_layer)
viz_layer(activated_layer[:, :, zoom_rows, zoom_cols])

# %% stats
for i in range(4):
    fmap = activated_layer[0, i]
    print(f"f{i + 1}", tuple(fmap.shape), f"min {fmap.min():.4f}  max {fmap.max():.4f}")

# %% negatives
# ko: 합성곱 결과에서 -0.1보다 작던 값의 개수와, ReLU 뒤에 그 자리의 최댓값입니다.
# ko: 기준을 -0.1로 둔 것은 계산 오차로 생긴 -0.0000001 같은 값까지 세지 않으려는 것입니다.
# en: How many values were below -0.1 after the convolution, and their largest value after ReLU.
# en: The -0.1 threshold leaves out values such as -0.0000001, left by rounding in the sums.
for i in range(4):
    negative = conv_layer[0, i] < -0.1
    after = activated_layer[0, i][negative]
    print(f"f{i + 1}", negative.sum().item(), after.max().item())

# %% directions
# ko: 필터가 놓이는 4×4 자리마다 밝기 k를 왼쪽 두 열과 오른쪽 두 열, 위 두 행과 아래 두 행으로
# ko: 나눠 더합니다. 한쪽이 26 이상 밝은 자리(255로 나누면 0.1보다 큰 차이)를 방향별로 셉니다.
# en: At every 4×4 place of the filter, add the brightness k of the left two columns, the right
# en: two, the top two rows and the bottom two. Count, by direction, the places where one side
# en: is brighter by 26 or more (a difference above 0.1 once divided by 255).
levels = np.round(gray_img * 255).astype(int)
windows = np.lib.stride_tricks.sliding_window_view(levels, (4, 4))  # (210, 317, 4, 4)
left, right = windows[..., :2].sum(axis=(2, 3)), windows[..., 2:].sum(axis=(2, 3))
top, bottom = windows[:, :, :2].sum(axis=(2, 3)), windows[:, :, 2:].sum(axis=(2, 3))
directions = {
    "left>right": left - right >= 26,
    "left<right": right - left >= 26,
    "top>bottom": top - bottom >= 26,
    "top<bottom": bottom - top >= 26,
}
for i, (name, brighter) in enumerate(directions.items()):
    lost = (conv_layer[0, i] < -0.1).sum().item()
    print(f"f{i + 1} {lost:6}   {name:11} {brighter.sum().item():6}")

# %% pair
# ko: f2 = -f1이므로 ReLU 뒤의 두 맵은 서로 겹치지 않고, 빼면 합성곱 결과가 그대로 돌아옵니다.
# ko: f1에서 사라진 값의 개수는 f2가 0.1보다 큰 자리의 개수와 같습니다. f3과 f4도 마찬가지입니다.
# en: f2 = -f1, so after ReLU their maps never overlap, and their difference is the convolution.
# en: The count f1 lost is the count of places where f2 is above 0.1; the same holds for f3 and f4.
relu_1, relu_2 = activated_layer[0, 0], activated_layer[0, 1]
print(((relu_1 > 0) & (relu_2 > 0)).sum().item())
print(torch.equal(relu_1 - relu_2, conv_layer[0, 0]))
for a, b in [(0, 1), (2, 3)]:
    lost = (conv_layer[0, a] < -0.1).sum().item()
    kept = (activated_layer[0, b] > 0.1).sum().item()
    print(f"f{a + 1} lost {lost}  f{b + 1} > 0.1: {kept}")

# %% twice [markdown] lang="ko"
# ReLU를 두 번 적용하면 어떻게 됩니까? `F.relu(F.relu(conv_layer))`와 `activated_layer`가 같은지
# 확인하고, 그 이유를 설명해 보십시오.

# %% twice [markdown] lang="en"
# What happens if ReLU is applied twice? Check whether `F.relu(F.relu(conv_layer))` equals
# `activated_layer`, and explain why.

# %% twice-answer role="answer"
# ko: True는 두 결과가 값 하나까지 같다는 뜻입니다. 첫 ReLU 뒤에는 음수가 없으므로, 두 번째 ReLU는
# ko: 아무것도 바꾸지 않습니다.
# en: True: the two results are equal, value for value. After the first ReLU no value is
# en: negative, so the second one changes nothing.
print(torch.equal(F.relu(F.relu(conv_layer)), activated_layer))

# %% leaky [markdown] lang="ko"
# `F.leaky_relu(conv_layer, 0.1)`은 음수를 0으로 만들지 않고 0.1을 곱합니다. f1의 특성 맵에서
# 가장 작은 값은 얼마가 됩니까? 합성곱 결과의 최솟값과 비교해 보십시오.

# %% leaky [markdown] lang="en"
# `F.leaky_relu(conv_layer, 0.1)` does not set negative values to 0; it multiplies them by 0.1.
# What is the smallest value of f1's feature map then? Compare it with the convolution's minimum.

# %% leaky-answer role="answer"
# ko: 두 값 가운데 앞의 것이 leaky ReLU 뒤 f1의 최솟값, 뒤의 것이 합성곱 결과의 최솟값입니다.
# ko: 앞의 값은 뒤의 값에 0.1을 곱한 것입니다. 음수는 0이 되지 않고 10분의 1로 줄어들 뿐이라,
# ko: 반대 방향의 경계도 맵에 약하게 남습니다.
# en: The first value is f1's minimum after leaky ReLU, the second the convolution's minimum: the
# en: first is the second times 0.1. Negative values are not set to 0, only shrunk to a tenth,
# en: and edges facing the other way stay in the map, faintly.
leaky = F.leaky_relu(conv_layer, 0.1)
print(f"{leaky[0, 0].min():.4f}  {conv_layer[0, 0].min():.4f}")
