# %%
# Lesson 8, color channels: the code of docs/channels.*.md and of its notebooks.

# %% needs="filters:imports filters:filter-vals filters:stack conv:torch-imports"

# %% read
import cv2

# ko: OpenCV는 B, G, R 순서로 읽으므로 R, G, B로 바꾸고, 채널 축을 맨 앞으로 옮깁니다.
# en: OpenCV reads B, G, R, so convert to R, G, B; then move the channel axis to the front.
bgr = cv2.imread("images/grace_hopper.jpg")
rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype("float32") / 255
color = torch.from_numpy(rgb).permute(2, 0, 1)
print(rgb.shape, "->", tuple(color.shape))

# %% show-channels
# ko: 컬러 사진과 세 채널을 그립니다. 채널마다 밝기를 회색으로 그립니다.
# en: Draw the color photo and its three channels, each channel's brightness in gray.
fig, axes = plt.subplots(1, 4, figsize=(14, 3.5))
axes[0].imshow(rgb)
for ax, channel, title in zip(axes[1:], range(3), ["R", "G", "B"]):
    ax.imshow(rgb[:, :, channel], cmap="gray", vmin=0, vmax=1)
    ax.set_title(title)
plt.show()

# %% layer
# ko: 입력 채널 3개, 출력 채널 4개. 가중치는 (4, 3, 4, 4), 편향은 출력 채널마다 하나입니다.
# en: 3 input channels, 4 output channels. The weight is (4, 3, 4, 4), one bias per output.
conv = nn.Conv2d(3, 4, kernel_size=4)
print(tuple(conv.weight.shape), tuple(conv.bias.shape))

# %% weights
# ko: 출력 채널 i는 세 채널 모두에 필터 f_i를 쓰되, 채널마다 밝기 공식의 가중치를 곱합니다.
# en: Output channel i uses filter f_i on all three channels, scaled by the brightness weights.
luma = torch.tensor([0.299, 0.587, 0.114])
with torch.no_grad():
    conv.weight.copy_(luma.reshape(1, 3, 1, 1) * torch.from_numpy(filters).float().unsqueeze(1))
    conv.bias.fill_(0.5)
print(conv.weight[0, :, 0, 0].detach(), conv.bias.detach())

# %% sum
# ko: 출력 맵 하나 = 채널마다 따로 합성곱한 세 결과의 합 + 편향
# en: One output map = the sum of the three per-channel convolutions + the bias
with torch.no_grad():
    output = conv(color.unsqueeze(0))[0, 0]
    parts = [F.conv2d(color[c][None, None], conv.weight[:1, c : c + 1])[0, 0] for c in range(3)]
bias = conv.bias[0]
rebuilt = parts[0] + parts[1] + parts[2] + bias
print(tuple(output.shape), torch.allclose(output, rebuilt, atol=1e-5))
print("  ".join(f"{part.abs().max():.4f}" for part in parts), f"{bias:.1f}")

# %% show-sum
# ko: 채널마다 따로 합성곱한 세 결과와, 그 합에 편향을 더한 출력 맵을 같은 색 범위로 그립니다.
# ko: 범위는 절댓값의 99.5번째 백분위수에서 자르고, 잘린 값은 색 막대 끝의 화살표로
# ko: 표시합니다.
# en: Draw the three per-channel convolutions and the output map, their sum plus the bias, on
# en: one color range, clipped at the 99.5th percentile of the absolute values; the arrows at the
# en: ends of the color bar mark the clipped values.
sum_panels = [values.numpy() for values in [*parts, output]]
limit = np.percentile(np.abs(np.stack(sum_panels)), 99.5)
fig, axes = plt.subplots(1, 4, figsize=(14, 3.5))
for ax, values, title in zip(axes, sum_panels, ["R", "G", "B", f"R + G + B + {bias:.1f}"]):
    shown = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(title)
fig.colorbar(shown, ax=axes, extend="both")
plt.show()

# %% count
# ko: 첫 줄은 합성곱 층의 가중치, 편향, 파라미터 수입니다. 둘째 줄은 같은 입력을 받아 같은
# ko: 출력을 내는 완전 연결 층의 파라미터 수(입력 값 수 × 출력 값 수 + 출력 값 수)이고,
# ko: 셋째 줄은 그 수가 합성곱 층의 몇 배인지입니다.
# en: The first line is the convolutional layer's weights, biases and parameters. The second is
# en: what a fully connected layer taking the same input to the same output needs (input values
# en: × output values + output values), the third how many times the convolutional layer's.
channels, height, width = color.shape
out_channels, out_height, out_width = conv(color.unsqueeze(0)).shape[1:]
conv_params = sum(p.numel() for p in conv.parameters())
inputs = channels * height * width
outputs = out_channels * out_height * out_width
dense_params = inputs * outputs + outputs
print(conv.weight.numel(), conv.bias.numel(), f"{conv_params:,}")
print(f"{inputs:,} x {outputs:,} + {outputs:,} = {dense_params:,}")
print(f"{dense_params / conv_params:,.0f}")

# %% gray-check [markdown] lang="ko"
# 이 층의 첫 출력 맵에서 편향을 빼면, 회색조로 바꾼 이미지에 f1을 적용한 결과와 거의 같습니다.
# `cv2.COLOR_RGB2GRAY`로 만든 회색조 이미지로 확인하고, 가장 크게 다른 값이 얼마인지 구해 보십시오.

# %% gray-check [markdown] lang="en"
# This layer's first output map, minus the bias, is almost f1 applied to the grayscale image.
# Check it with a grayscale image made by `cv2.COLOR_RGB2GRAY`, and find the largest difference.

# %% gray-check-answer role="answer"
# ko: 첫 수는 두 맵의 가장 큰 차이, 둘째 수는 편향을 뺀 출력 맵에서 가장 큰 절댓값입니다.
# ko: 회색조 변환이 결과를 0~255의 정수로 반올림하므로, 그만큼의 아주 작은 차이가 남습니다.
# en: The first number is the largest difference between the two maps, the second the largest
# en: magnitude in the output map without its bias. The gray conversion rounds to integers 0-255,
# en: so a difference that small remains.
gray = cv2.cvtColor((rgb * 255).round().astype("uint8"), cv2.COLOR_RGB2GRAY)
gray = torch.from_numpy(gray.astype("float32") / 255)[None, None]
with torch.no_grad():
    from_gray = F.conv2d(gray, torch.from_numpy(filters[:1]).float().unsqueeze(1))[0, 0]
print(f"{(output - conv.bias[0] - from_gray).abs().max():.4f}")
print(f"{(output - conv.bias[0]).abs().max():.4f}")

# %% params [markdown] lang="ko"
# `nn.Conv2d(3, 16, kernel_size=3)`의 파라미터는 몇 개입니까? 먼저 손으로 계산하고 코드로
# 확인해 보십시오. 입력 이미지의 크기는 이 수에 영향을 줍니까?

# %% params [markdown] lang="en"
# How many parameters does `nn.Conv2d(3, 16, kernel_size=3)` have? Work it out by hand first,
# then check with code. Does the input image's size change that number?

# %% params-answer role="answer"
# ko: 16 × 3 × 3 × 3개의 가중치와 16개의 편향입니다. 앞의 448은 손으로 센 수, 뒤의 448은
# ko: PyTorch가 센 수입니다. 층을 만들 때 이미지 크기를 주지 않으니 이미지 크기와 상관없습니다.
# en: 16 × 3 × 3 × 3 weights and 16 biases. The first 448 is counted by hand, the second by
# en: PyTorch. The layer is made without being told the image's size: the count does not
# en: depend on it.
print(16 * 3 * 3 * 3 + 16, sum(p.numel() for p in nn.Conv2d(3, 16, kernel_size=3).parameters()))
