# Lesson 1, the input image: the code of docs/image.*.md and of its notebooks.

# %% [markdown] lang="ko"
# # 1. 이미지 입력
#
# 합성곱 층에 넣을 이미지를 준비합니다. OpenCV로 파일을 읽고, 회색조로 바꾼 다음,
# 픽셀 값을 0과 1 사이로 맞춥니다.

# %% [markdown] lang="en"
# # 1. The input image
#
# This notebook prepares the image for the convolutional layer: it reads the file with
# OpenCV, turns it to grayscale and scales the pixel values to lie between 0 and 1.

# %% imports
import cv2
import matplotlib.pyplot as plt
import numpy as np

# %% read
# ko: 파일을 읽습니다. OpenCV는 (높이, 너비, 채널) 배열을 돌려주고, 채널 순서는 B, G, R입니다.
# en: Read the file. OpenCV returns a (height, width, channels) array, channels in B, G, R order.
bgr_img = cv2.imread("images/udacity_sdc.png")
print(bgr_img.shape, bgr_img.dtype)

# %% gray
# ko: 세 채널을 밝기 하나로 합치고, 0~255의 정수를 0~1의 실수로 바꿉니다.
# en: Merge the three channels into one brightness, and map the integers 0-255 to 0-1.
gray_img = cv2.cvtColor(bgr_img, cv2.COLOR_BGR2GRAY)
gray_img = gray_img.astype("float32") / 255
print(gray_img.shape, gray_img.dtype)
print(f"min {gray_img.min():.4f}  max {gray_img.max():.4f}")

# %% show
plt.imshow(gray_img, cmap="gray", vmin=0, vmax=1)
plt.colorbar()
plt.show()

# %% levels
# ko: 값은 모두 k/255 꼴입니다. 몇 가지 밝기가 쓰였는지 세어 봅니다.
# en: Every value is some k/255. Count how many brightness levels the image uses.
levels = np.unique(np.round(gray_img * 255).astype(int))
print(len(levels), levels[:6], levels[-3:])

# %% photo [markdown] lang="ko"
# 사진 `images/grace_hopper.jpg`를 같은 방법으로 읽어 보십시오. 배열의 모양은 어떻게 되고,
# 가장 어두운 값과 가장 밝은 값은 얼마입니까?

# %% photo [markdown] lang="en"
# Read the photo `images/grace_hopper.jpg` the same way. What is the array's shape, and what
# are its darkest and brightest values?

# %% photo-answer role="answer"
photo = cv2.cvtColor(cv2.imread("images/grace_hopper.jpg"), cv2.COLOR_BGR2GRAY)
photo = photo.astype("float32") / 255
print(photo.shape, f"min {photo.min():.4f}  max {photo.max():.4f}")

# %% channel-order [markdown] lang="ko"
# 채널 순서를 착각해 `COLOR_RGB2GRAY`로 바꾸면 어떻게 됩니까? 사진에 두 방법을 모두 적용하고,
# 두 결과가 픽셀 하나에서 가장 크게 벌어지는 차이를 0~255 단위로 구해 보십시오.

# %% channel-order [markdown] lang="en"
# What if you mistake the channel order and convert with `COLOR_RGB2GRAY`? Apply both to the
# photo and find, in units of 0-255, the largest difference between the two at any pixel.

# %% channel-order-answer role="answer"
bgr_photo = cv2.imread("images/grace_hopper.jpg")
right = cv2.cvtColor(bgr_photo, cv2.COLOR_BGR2GRAY).astype(int)
wrong = cv2.cvtColor(bgr_photo, cv2.COLOR_RGB2GRAY).astype(int)
print(np.abs(right - wrong).max())
