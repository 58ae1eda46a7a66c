"""The reasons the filters, channels, learned, cnn and glossary pages give, each shown to hold.

Every test here fails if the reason it holds were false; ``tests/reasons/<page>.toml`` names
the test beside the sentence. Values come from running the lessons, as the pages show them.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from project import lesson_run, namespace

from cnnviz import samples


def cosines(a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
    return F.cosine_similarity(a.reshape(len(a), -1), b.reshape(len(b), -1), dim=1).numpy()


# ---- filters ----


def test_filters_a_response_is_norm_times_contrast_times_likeness():
    """For a filter whose weights add up to 0, the response to any patch is the filter's norm
    times the patch's spread about its mean times their cosine: resemblance and contrast count
    alike, and halving the contrast halves the response."""
    values = namespace("filters")
    rng = np.random.default_rng(0)
    for kernel in values["filters"]:
        assert kernel.sum() == 0
        for _ in range(20):
            patch = rng.random((4, 4))
            centered = patch - patch.mean()
            likeness = (centered * kernel).sum() / np.linalg.norm(centered) / np.linalg.norm(kernel)
            response = (patch * kernel).sum()
            expected = np.linalg.norm(kernel) * np.linalg.norm(centered) * likeness
            assert response == pytest.approx(expected)
            halved = 0.5 + 0.5 * centered  # same shape, half the contrast
            assert (halved * kernel).sum() == pytest.approx(response / 2)
            assert ((patch + 0.3) * kernel).sum() == pytest.approx(response)  # mean: no effect


def test_filters_contrast_beats_a_closer_likeness():
    """filters page, cell "contrast": the same edge at half contrast is as alike and gets half
    the response; the exact shape at contrast 0.2 gets less than a rough match at contrast 1."""
    values = namespace("filters")
    f1, patches = values["filter_1"], values["contrasts"]

    def likeness(patch):
        centered = patch - patch.mean()
        return (centered * f1).sum() / np.linalg.norm(centered) / np.linalg.norm(f1)

    def response(name):
        return (patches[name] * f1).sum()

    assert likeness(patches["half"]) == pytest.approx(likeness(patches["edge"]))
    assert likeness(patches["edge"]) == pytest.approx(1)
    assert response("half") == pytest.approx(response("edge") / 2)
    assert likeness(patches["faint"]) == pytest.approx(1)
    assert likeness(patches["rough"]) < 0.6
    assert response("faint") < response("rough")


def test_filters_each_filter_picks_out_its_own_edge():
    """filters page: the weights decide the shape a filter picks out: f1, f2 and f3 each have
    their largest response on a different patch, and f2 = -f1 (f4 = -f3) negates the responses."""
    values = namespace("filters")
    names = list(values["patches"])
    grid = np.array(
        [[(p * f).sum() for f in values["filters"]] for p in values["patches"].values()]
    )
    best = [names[i] for i in grid.argmax(axis=0)]
    assert best[:3] == ["left<right", "left>right", "top<bottom"]
    np.testing.assert_array_equal(grid[:, 1], -grid[:, 0])
    np.testing.assert_array_equal(grid[:, 3], -grid[:, 2])


# ---- channels ----


def test_channels_opencv_reads_bgr_and_torch_wants_channels_first():
    """channels page: OpenCV gives B, G, R, so the lesson reverses them; a convolutional layer
    takes (channels, height, width), and refuses the channels-last array."""
    values = namespace("channels")
    bgr = cv2.imdecode(
        np.frombuffer(samples.sample_file("grace_hopper.jpg"), np.uint8), cv2.IMREAD_COLOR
    )
    rgb = values["rgb"]
    np.testing.assert_array_equal(bgr[..., 0].astype("float32") / 255, rgb[..., 2])
    assert not np.array_equal(bgr[..., 0], bgr[..., 2])
    conv = values["conv"]
    with pytest.raises(RuntimeError):
        conv(torch.from_numpy(rgb).unsqueeze(0))
    assert conv(values["color"].unsqueeze(0)).shape[1] == 4


def test_channels_green_is_strongest_only_by_its_weight():
    """channels page: green's part is the strongest because its weight is the largest: with
    the same weight for every channel, another channel's part is the strongest."""
    values = namespace("channels")
    color, f1 = values["color"], torch.from_numpy(values["filters"][:1]).float().unsqueeze(1)
    plain = [F.conv2d(color[c][None, None], f1).abs().max().item() for c in range(3)]
    weighted = [part.abs().max().item() for part in values["parts"]]
    assert weighted.index(max(weighted)) == 1
    assert plain.index(max(plain)) != 1


def test_channels_the_bias_lifts_the_whole_map():
    """channels page: the output is the parts' sum plus 0.5 everywhere, so its background,
    where the parts are about 0, sits at 0.5: a positive value, red on the signed scale."""
    values = namespace("channels")
    parts, output = values["parts"], values["output"]
    lift = output - (parts[0] + parts[1] + parts[2])
    assert torch.allclose(lift, torch.full_like(lift, 0.5), atol=1e-5)
    assert abs(float(sum(parts).median())) < 0.01
    assert float(output.median()) == pytest.approx(0.5, abs=0.01)


def test_channels_the_gray_difference_is_only_rounding():
    """channels exercise 1: without the rounding to 0-255 the two maps agree to float
    precision; with it, the difference stays within 16 weights of ±1 times half a level."""
    values = namespace("channels")
    rgb, filters, output, bias = values["rgb"], values["filters"], values["output"], values["bias"]
    gray = torch.from_numpy(rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32))[None, None]
    exact = F.conv2d(gray, torch.from_numpy(filters[:1]).float().unsqueeze(1))[0, 0]
    assert (output - bias - exact).abs().max() < 1e-4
    rounded = (output - bias - values["from_gray"]).abs().max()
    assert 1e-3 < rounded <= 16 * 0.5 / 255


def dense_like(conv: nn.Conv2d, shape: tuple[int, int, int]) -> nn.Linear:
    """A fully connected layer that gives ``conv``'s output: its columns are the conv's
    responses to each one-pixel input."""
    inputs = int(np.prod(shape))
    with torch.no_grad():
        basis = torch.eye(inputs).reshape(inputs, *shape)
        columns = F.conv2d(basis, conv.weight).reshape(inputs, -1)
        dense = nn.Linear(inputs, columns.shape[1])
        dense.weight.copy_(columns.T)
        dense.bias.copy_(conv.bias.repeat_interleave(columns.shape[1] // len(conv.bias)))
    return dense


CONVS = [("channels", "conv", (3, 9, 8)), ("cnn", 0, (1, 9, 8)), ("cnn", 3, (4, 7, 6))]


@pytest.mark.parametrize(("lesson", "name", "shape"), CONVS)
def test_a_dense_layer_can_give_the_same_output_with_inputs_times_outputs_weights(
    lesson, name, shape
):
    """channels and cnn pages: a fully connected layer can give exactly a convolutional
    layer's output, and it has input values × output values weights plus one bias per output
    value: the layer the pages count is a fair match."""
    values = namespace(lesson)
    conv = values["conv"] if lesson == "channels" else values["model"][name]
    x = torch.rand(1, *shape)
    dense = dense_like(conv, shape)
    with torch.no_grad():
        expected = conv(x).reshape(-1)
        np.testing.assert_allclose(dense(x.reshape(1, -1))[0], expected, atol=1e-5)
    outputs = expected.numel()
    assert sum(p.numel() for p in dense.parameters()) == x.numel() * outputs + outputs


@pytest.mark.parametrize(("lesson", "name", "shape"), CONVS)
def test_weight_sharing_the_same_filter_at_every_place(lesson, name, shape):
    """channels, cnn and glossary: a convolutional layer uses the same weights at every place,
    so shifting the input shifts the output, and its count (filters × their size + biases)
    does not change with the image's size."""
    values = namespace(lesson)
    conv = values["conv"] if lesson == "channels" else values["model"][name]
    x = torch.rand(1, shape[0], 12, 11)
    with torch.no_grad():
        shifted = conv(torch.roll(x, shifts=(2, 3), dims=(2, 3)))
        moved = torch.roll(conv(x), shifts=(2, 3), dims=(2, 3))
        # away from the wrapped border the two agree
        np.testing.assert_allclose(shifted[..., 5:, 6:], moved[..., 5:, 6:], atol=1e-5)
        assert conv(torch.rand(1, shape[0], 40, 30)).shape[1] == conv(x).shape[1]
    out, inp, kh, kw = conv.weight.shape
    assert sum(p.numel() for p in conv.parameters()) == out * inp * kh * kw + out


# ---- cnn ----


def test_cnn_the_counts_the_page_gives():
    """cnn page: the Linear layer's count is its inputs × 10 classes + 10 biases, and the
    dense counts printed are input values × output values + output values of each conv."""
    values = namespace("cnn")
    model, shapes = values["model"], values["shapes"]
    flat = int(np.prod(shapes[-2]))
    assert sum(p.numel() for p in model[-1].parameters()) == flat * 10 + 10 == 318250
    printed = lesson_run("cnn").outputs["dense"]
    for index in (0, 3):
        inputs, outputs = int(np.prod(shapes[index])), int(np.prod(shapes[index + 1]))
        assert f"{inputs * outputs + outputs:,}" in printed


def test_cnn_the_second_conv_mixes_all_four_maps():
    """cnn page: the second convolution takes the 4 maps as its input channels, so each of its
    filters is 4×3×3, and every one of its 8 outputs changes when any one map changes."""
    values = namespace("cnn")
    second = values["model"][3]
    assert tuple(second.weight.shape) == (8, 4, 3, 3)
    x = torch.rand(1, 4, 10, 10)
    with torch.no_grad():
        base = second(x)
        for channel in range(4):
            changed = x.clone()
            changed[0, channel] = 0
            difference = (second(changed) - base).abs().amax(dim=(2, 3))[0]
            assert (difference > 0).all()


def test_cnn_untrained_scores_follow_the_random_start():
    """cnn page: the model is untrained, so its scores come from its random start: the same
    layers from another seed give the same photo quite other scores."""
    values = namespace("cnn")
    model, x = values["model"], values["gray_img_tensor"]
    torch.manual_seed(1)
    other = nn.Sequential(*(type(layer)(*_args(layer)) for layer in model))
    with torch.no_grad():
        first, second = model(x), other(x)
    assert torch.allclose(first, values["scores"])
    assert not torch.allclose(first, second, atol=1e-2)


def _args(layer: nn.Module) -> tuple:
    if isinstance(layer, nn.Conv2d):
        return layer.in_channels, layer.out_channels, layer.kernel_size
    if isinstance(layer, nn.Linear):
        return layer.in_features, layer.out_features
    if isinstance(layer, nn.MaxPool2d):
        return layer.kernel_size, layer.stride
    return ()


# ---- learned ----


def test_learned_short_run_stopped_early_and_the_longer_run_matches():
    """learned page: at step 300 the filters are not yet 0.99 alike and the loss is still
    falling fast (more than halved over the 50 steps before); trained on to step 500, every
    filter's cosine similarity to its hand-made one is at least 0.99."""
    values = namespace("learned")
    steps, history, losses = values["steps"], values["history"], values["losses"]
    hand = torch.from_numpy(values["filters"]).float()
    at = {step: cosines(history[steps.index(step)], hand) for step in steps}
    assert at[300].min() < 0.99 <= at[500].min()
    assert losses[300] < losses[250] / 2
    assert losses[500] / losses[450] > losses[300] / losses[250]  # slower by step 500
    assert (at[500] > at[300]).all()


def test_learned_the_loss_falls_as_the_filters_come_closer():
    """learned page: the hand-made filters give the targets exactly (loss 0), and over the
    recorded steps from 10 on, the loss falls while every filter's similarity rises."""
    values = namespace("learned")
    images, targets, weight = values["images"], values["targets"], values["weight"]
    with torch.no_grad():
        for x, t in zip(images, targets, strict=True):
            assert torch.equal(F.relu(F.conv2d(x, weight)), t)
    assert values["hand_loss"].item() == 0
    steps, history, losses = values["steps"], values["history"], values["losses"]
    hand = torch.from_numpy(values["filters"]).float()
    later = steps[1:]
    sims = [cosines(history[steps.index(step)], hand) for step in later]
    assert all(losses[a] > losses[b] for a, b in zip(later, later[1:], strict=False))
    assert all((b > a).all() for a, b in zip(sims, sims[1:], strict=False))


def test_learned_the_optimizer_steps_against_the_gradient():
    """learned page and glossary: a step moves each weight against its gradient, and the loss
    gets smaller."""
    values = namespace("learned")
    images, targets = values["images"], values["targets"]
    torch.manual_seed(6)
    conv = nn.Conv2d(1, 4, kernel_size=(4, 4), bias=False)
    optimizer = torch.optim.Adam(conv.parameters(), lr=0.01)

    def loss():
        return sum(F.mse_loss(F.relu(conv(x)), t) for x, t in zip(images, targets, strict=True))

    before = conv.weight.detach().clone()
    first = loss()
    optimizer.zero_grad()
    first.backward()
    gradient = conv.weight.grad.clone()
    optimizer.step()
    moved = conv.weight.detach() - before
    nonzero = gradient != 0
    assert nonzero.any()
    assert (torch.sign(moved[nonzero]) == -torch.sign(gradient[nonzero])).all()
    with torch.no_grad():
        assert loss() < first


def test_learned_cosine_similarity_ignores_the_norm():
    """learned page: cosine similarity looks only at direction: the hand-made filters times 2
    score 1, while a filter of another shape does not."""
    values = namespace("learned")
    hand = torch.from_numpy(values["filters"]).float()
    np.testing.assert_allclose(cosines(2 * hand, hand), 1, atol=1e-6)
    np.testing.assert_allclose(values["doubled"].numpy(), 1, atol=1e-6)
    assert (cosines(hand + torch.rand_like(hand), hand) < 0.999).all()


@pytest.mark.slow
def test_learned_the_seed_fixes_the_result():
    """learned page: with the seed fixed, two runs give the same filters and losses; another
    seed gives others."""
    train = namespace("learned")["train"]
    one, losses_one = train(seed=6, steps=[0, 20])
    two, losses_two = train(seed=6, steps=[0, 20])
    other, _ = train(seed=7, steps=[0, 20])
    assert torch.equal(one, two)
    assert losses_one == losses_two
    assert not torch.equal(one, other)


def test_learned_a_filter_dead_from_the_start_never_moves():
    """learned exercise 1: with seed 31, f1's outputs are all 0 or less from the start, so ReLU
    gives 0, its gradient is 0, and after 100 steps it has not moved; the others have."""
    values = namespace("learned")
    start = values["dead_history"][0]
    assert max(F.conv2d(x, start[:1, None]).max().item() for x in values["images"]) <= 0
    assert values["start"].grad.abs().max().item() == 0
    assert torch.equal(values["dead_history"][0][0], values["dead_history"][-1][0])
    for i in range(1, 4):
        assert not torch.equal(values["dead_history"][0][i], values["dead_history"][-1][i])


def test_learned_without_relu_every_filter_learns():
    """learned exercise 2: without ReLU the output is linear in the weights, so even f1, dead
    with ReLU from the same seed, has a gradient and comes closer to its hand-made filter."""
    values = namespace("learned")
    images, weight, hand = values["images"], values["weight"], values["hand"]
    torch.manual_seed(31)
    start = nn.Conv2d(1, 4, kernel_size=(4, 4), bias=False)
    loss = sum(F.mse_loss(start(x), F.conv2d(x, weight)) for x in images)
    loss.backward()
    assert (start.weight.grad.abs().amax(dim=(1, 2, 3)) > 0).all()
    before = cosines(start.weight.detach()[:, 0], hand)
    after = cosines(values["linear"].weight.detach()[:, 0], hand)
    assert (after > before).all()
