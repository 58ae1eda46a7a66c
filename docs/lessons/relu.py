# Lesson 4, ReLU: the code of docs/relu.*.md and of its notebooks.

# %% [markdown] lang="ko"
# # 4. ReLU
#
# 합성곱 층의 출력에 활성화 함수 ReLU를 적용하고, 특성 맵에서 무엇이 남고 무엇이 사라지는지
# 숫자와 그림으로 확인합니다.

# %% [markdown] lang="en"
# # 4. ReLU
#
# The activation function ReLU is applied to the convolutional layer's output, and numbers and
# pictures show what stays in the feature maps and what goes.

# %% [setup] needs="image:imports image:read image:gray filters:filter-vals filters:stack"
# %% [setup] needs="conv:torch-imports conv:weight conv:net conv:input conv:forward conv:viz"
# %% [setup] needs="conv:zoom"

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

# %% pair
# ko: f2 = -f1이므로 ReLU 뒤의 두 맵은 서로 겹치지 않고, 빼면 합성곱 결과가 그대로 돌아옵니다.
# en: f2 = -f1, so after ReLU their maps never overlap, and their difference is the convolution.
relu_1, relu_2 = activated_layer[0, 0], activated_layer[0, 1]
print(((relu_1 > 0) & (relu_2 > 0)).sum().item())
print(torch.equal(relu_1 - relu_2, conv_layer[0, 0]))

# %% twice [markdown] lang="ko"
# ReLU를 두 번 적용하면 어떻게 됩니까? `F.relu(F.relu(conv_layer))`와 `activated_layer`가 같은지
# 확인하고, 그 이유를 설명해 보십시오.

# %% twice [markdown] lang="en"
# What happens if ReLU is applied twice? Check whether `F.relu(F.relu(conv_layer))` equals
# `activated_layer`, and explain why.

# %% twice-answer role="answer"
# ko: 첫 ReLU 뒤에는 음수가 없으므로, 두 번째 ReLU는 아무것도 바꾸지 않습니다.
# en: After the first ReLU no value is negative, so the second one changes nothing.
print(torch.equal(F.relu(F.relu(conv_layer)), activated_layer))

# %% leaky [markdown] lang="ko"
# `F.leaky_relu(conv_layer, 0.1)`은 음수를 0으로 만들지 않고 0.1을 곱합니다. f1의 특성 맵에서
# 가장 작은 값은 얼마가 됩니까? 합성곱 결과의 최솟값과 비교해 보십시오.

# %% leaky [markdown] lang="en"
# `F.leaky_relu(conv_layer, 0.1)` does not set negative values to 0; it multiplies them by 0.1.
# What is the smallest value of f1's feature map then? Compare it with the convolution's minimum.

# %% leaky-answer role="answer"
leaky = F.leaky_relu(conv_layer, 0.1)
print(f"{leaky[0, 0].min():.4f}  {conv_layer[0, 0].min():.4f}")
