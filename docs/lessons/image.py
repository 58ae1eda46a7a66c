# %%
# Lesson 1, the input image: the code of docs/image.*.md and of its notebooks.

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
# 다른 사진 `images/grace_hopper.jpg`도 같은 방법으로 읽어 보십시오. 배열의 모양은 어떻게 되고,
# 가장 어두운 값과 가장 밝은 값은 얼마입니까?

# %% photo [markdown] lang="en"
# Read another photo, `images/grace_hopper.jpg`, the same way. What is the array's shape, and what
# are its darkest and brightest values?

# %% photo-answer role="answer"
# ko: 모양 (600, 512)는 높이 600, 너비 512픽셀이라는 뜻입니다. 채널 축은 회색조로
# ko: 바꾸며 사라졌습니다. 최솟값 0과 최댓값 1은 이 사진에 완전한 검정(k = 0)과 완전한
# ko: 흰색(k = 255)이 모두 있다는 뜻입니다.
# en: The shape (600, 512) means 600 pixels high and 512 across; the channel axis went with the
# en: grayscale conversion. A minimum of 0 and a maximum of 1 mean the photo holds both pure
# en: black (k = 0) and pure white (k = 255).
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
# ko: 40은 0~255 가운데 40단계, 전체 밝기 범위의 6분의 1쯤입니다. 채널 순서를 틀리면 R과 B의
# ko: 가중치(0.299와 0.114)가 서로 바뀌어, 빨갛거나 파란 곳일수록 밝기가 크게 틀립니다. 오류는
# ko: 나지 않으므로 숫자를 보고서야 알 수 있습니다.
# en: 40 is 40 of the 255 steps, about a sixth of the whole brightness range. With the channel
# en: order wrong, the weights of R and B (0.299 and 0.114) swap, and the more red or blue a
# en: place is, the more its brightness is off. No error is raised: only the numbers show it.
bgr_photo = cv2.imread("images/grace_hopper.jpg")
right = cv2.cvtColor(bgr_photo, cv2.COLOR_BGR2GRAY).astype(int)
wrong = cv2.cvtColor(bgr_photo, cv2.COLOR_RGB2GRAY).astype(int)
print(np.abs(right - wrong).max())

# %% own-image [markdown] lang="ko"
# 여러분의 이미지로 해 보십시오. 노트북 옆의 `images` 폴더에 파일을 넣고, 이미지를 읽는 줄
# `bgr_img = cv2.imread("images/udacity_sdc.png")`에서 파일 이름만 여러분의 것으로 바꾼 다음, 모든
# 셀을 다시 실행하면 됩니다. 무엇이 바뀌고 무엇이 그대로인지, 함께 받은 테스트 카드
# `images/test_card.png`를 읽어 확인해 보십시오.

# %% own-image [markdown] lang="en"
# Try your own image. Put the file in the `images` folder beside the notebook, change only the
# file name in the line that reads the image, `bgr_img = cv2.imread("images/udacity_sdc.png")`,
# and run every cell again. What changes, and what stays? Read the test card that came with the
# notebook, `images/test_card.png`, to see.

# %% own-image-answer role="answer"
# ko: 첫 줄의 True는 파일을 읽었다는 뜻입니다. 파일을 찾지 못하면 cv2.imread는 오류 대신 None을
# ko: 돌려주고, 다음 줄의 cvtColor에서야 멈춥니다. 모양은 파일을 따릅니다(테스트 카드는 320×320).
# ko: 값은 여전히 0과 1 사이이고, 그다음 코드는 한 줄도 바꿀 필요가 없습니다. 4×4 필터를 거친
# ko: 특성 맵은 가로세로가 3씩 작아져 (317, 317)이 됩니다. 휴대폰 사진처럼 큰 이미지는
# ko: cv2.resize로 먼저 줄일 수 있습니다. 예를 들어 너비를 이 강의의 사진과 같은 320픽셀로 맞춥니다.
# en: True on the first line means the file was read. If the file is not found, cv2.imread
# en: returns None instead of raising an error, and the next line's cvtColor is where it stops.
# en: The shape follows the file (the test card is 320×320). The values still lie between 0 and
# en: 1, and no later line of code needs a change. After the 4×4 filters, the feature maps are 3
# en: smaller each way: (317, 317). A large image, such as a phone's photo, can be shrunk first
# en: with cv2.resize, for instance to 320 pixels across, the width of this lesson's photo.
my_img = cv2.imread("images/test_card.png")
print(my_img is not None, my_img.shape)
my_gray = cv2.cvtColor(my_img, cv2.COLOR_BGR2GRAY).astype("float32") / 255
print(my_gray.shape, f"min {my_gray.min():.4f}  max {my_gray.max():.4f}")
print(my_gray.shape[0] - 3, my_gray.shape[1] - 3)
