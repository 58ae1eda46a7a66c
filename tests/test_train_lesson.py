"""The train lesson (docs/train.*.md): its task, its network, what it shows, and every reason
its page gives, each checked against the arrays the lesson's own run left.

``tests/reasons/train.toml`` names the test that holds each reason sentence.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from project import lesson_run, namespace

from cnnviz import lessons, recipes

SHAPES = [(1, 6, 25, 25), (1, 6, 25, 25), (1, 6, 12, 12), (1, 12, 10, 10), (1, 12, 10, 10)]


@pytest.fixture(scope="module")
def lesson() -> dict[str, Any]:
    return namespace("train")


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    return dict(lesson_run("train").outputs)


def shift(images: torch.Tensor, pixels: int) -> torch.Tensor:
    """Move images right by ``pixels``, the left edge filled with 0, as the lesson does."""
    return F.pad(images, (pixels, 0))[..., :-pixels]


# ---- the task ----


def test_the_data_is_drawn_by_the_lessons_code_so_nothing_is_downloaded():
    """The lesson reads no file (Lesson.files() is empty) and fetches nothing: its images are
    drawn by its own cells."""
    parsed = lessons.read_lesson("train")
    assert parsed.files() == []
    code = "\n".join(line for cell in parsed.code_cells() for line in cell.lines)
    assert not re.search(r"urllib|requests|download|http|datasets", code)


def test_three_fixed_splits_of_the_sizes_the_page_gives(lesson):
    """3000 / 500 / 1000 images of 1×28×28 in [0, 1], labels 0–9; each split from its own
    seed, and no image of the test split is also a training image."""
    sizes = [len(lesson[name]) for name in ("train_x", "val_x", "test_x")]
    assert sizes == [3000, 500, 1000]
    for name in ("train_x", "val_x", "test_x"):
        images = lesson[name]
        assert images.shape[1:] == (1, 28, 28)
        assert 0 <= images.min()
        assert images.max() <= 1
    assert set(lesson["train_y"].tolist()) == set(range(10))
    train = {bytes(image.numpy()) for image in lesson["train_x"]}
    assert not any(bytes(image.numpy()) in train for image in lesson["test_x"])


def test_the_splits_are_the_same_for_the_same_seed_and_differ_for_another(lesson):
    make = lesson["make_shapes"]
    first, labels = make(20, seed=3)
    again, same_labels = make(20, seed=3)
    other, _ = make(20, seed=4)
    assert torch.equal(first, again)
    assert torch.equal(labels, same_labels)
    assert not torch.equal(first, other)
    images, labels = make(1000, seed=3)
    assert torch.equal(images, lesson["test_x"])
    assert torch.equal(labels, lesson["test_y"])


def test_each_class_draws_its_own_shape(lesson):
    """Drawn from the same random numbers, the ten classes give ten different images, a
    horizontal bar is brightest along a row and a vertical bar along a column."""
    draw = lesson["draw_shape"]
    shapes = [draw(kind, np.random.default_rng(5)) for kind in range(10)]
    horizontal, vertical = shapes[0], shapes[1]
    assert horizontal.sum(axis=1).max() > 2 * horizontal.sum(axis=0).max()
    assert vertical.sum(axis=0).max() > 2 * vertical.sum(axis=1).max()
    assert len({bytes(image) for image in shapes}) == 10


def test_cv2_with_shift_4_takes_sixteenths_of_a_pixel():
    """With shift=4, coordinates times 16 draw what whole-pixel coordinates draw, and the
    fraction counts: a line at y = 10.25 is drawn on row 10 and one at 10.75 on row 11, the
    nearest pixels (a whole-pixel coordinate would have cut 10.75 down to 10)."""
    import cv2

    def line(start, end, shift):
        image = np.zeros((28, 28), np.float32)
        cv2.line(image, start, end, 1.0, 1, cv2.LINE_8, shift)
        return image

    assert np.array_equal(line((4, 10), (20, 10), 0), line((64, 160), (320, 160), 4))
    for sixteenths, row in ((164, 10), (172, 11)):
        drawn = line((64, sixteenths), (320, sixteenths), 4)
        assert np.array_equal(drawn, line((4, row), (20, row), 0))


# ---- the network and its training ----


def test_the_network_is_the_layers_the_site_teaches(lesson, outputs):
    """Conv2d(1, 6, 4) → ReLU → MaxPool2d(2) → Conv2d(6, 12, 3) → ReLU → MaxPool2d(2) →
    flatten → Linear(300, 10): 3772 parameters, the count the net cell prints."""
    model = lesson["model"]
    assert (model.conv1.in_channels, model.conv1.out_channels) == (1, 6)
    assert model.conv1.kernel_size == (4, 4)
    assert model.conv2.kernel_size == (3, 3)
    assert (model.conv2.in_channels, model.conv2.out_channels) == (6, 12)
    assert (model.fc.in_features, model.fc.out_features) == (300, 10)
    assert isinstance(model.pool, nn.MaxPool2d)
    assert model.pool.kernel_size == 2
    total = sum(p.numel() for p in model.parameters())
    assert total == 3772
    assert outputs["net"].rstrip().endswith("3772")


def test_the_forward_pass_is_the_stages_the_page_follows(lesson):
    """The model's output is the fully connected layer of the flattened pooled maps, the same
    stages the one-image cell computes, with the shapes the page gives."""
    shapes = [tuple(lesson[n].shape) for n in ("conv1", "relu1", "pool1", "conv2", "relu2")]
    assert shapes == SHAPES
    assert tuple(lesson["pool2"].shape) == (1, 12, 5, 5)
    assert tuple(lesson["flat"].shape) == (1, 300)
    with torch.no_grad():
        assert torch.allclose(lesson["model"](lesson["x"]), lesson["logits"], atol=1e-6)
    assert torch.allclose(lesson["probs"].sum(), torch.tensor(1.0))


@pytest.mark.slow
def test_the_seeds_fix_every_number_so_every_run_gives_the_same(lesson):
    """train page: the seeds of the first weights and of each epoch's shuffle are fixed, so a
    second run of the lesson gives the same weights and the same printed numbers."""
    first = lesson_run("train")
    again = lessons.run_lesson(lessons.read_lesson("train"), {})
    assert again.outputs == first.outputs
    for name, value in first.namespace["model"].state_dict().items():
        assert torch.equal(value, again.namespace["model"].state_dict()[name])


def test_the_loss_falls_and_the_validation_accuracy_rises(lesson):
    losses, accuracies = lesson["losses"], lesson["accuracies"]
    assert len(losses) == len(accuracies) == 10
    assert losses[-1] < losses[0] / 20
    assert accuracies[-1] > accuracies[0] + 0.3


def test_the_test_accuracy_is_far_above_chance(lesson):
    """At least 95 % on the 1000 test images, against 1/10 for a guess."""
    assert lesson["test_accuracy"] >= 0.95
    predicted = lesson["test_logits"].argmax(1)
    assert (predicted == lesson["test_y"]).sum().item() / 1000 == lesson["test_accuracy"]
    assert lesson["commonest"] == pytest.approx(0.112)


def test_chance_is_a_tenth_and_the_commonest_class_alone_scores_0_112(lesson):
    """A random guesser, measured on the test set, scores within 0.02 of 1/10; always
    answering the commonest class, the vertical bar (112 of the 1000), scores 0.112."""
    counts = torch.bincount(lesson["test_y"], minlength=10)
    assert (counts.argmax().item(), counts.max().item()) == (1, 112)
    assert (lesson["test_y"] == 1).float().mean().item() == pytest.approx(0.112)
    guesses = torch.from_numpy(np.random.default_rng(0).integers(0, 10, (200, 1000)))
    scores = (guesses == lesson["test_y"]).float().mean(dim=1)
    assert abs(scores.mean().item() - 0.1) < 0.02


# ---- what the first layer learned ----


def test_the_similarity_table_is_the_cosine_of_every_pair(lesson):
    learned = lesson["model"].conv1.weight.detach()[:, 0].reshape(6, 16).numpy()
    hand = lesson["filters"].reshape(4, 16).astype(np.float64)
    expected = (learned @ hand.T) / np.outer(
        np.linalg.norm(learned, axis=1), np.linalg.norm(hand, axis=1)
    )
    assert np.allclose(lesson["similarity"].numpy(), expected, atol=1e-6)
    best = np.unravel_index(expected.argmax(), expected.shape)
    assert tuple(int(i) for i in best) == lesson["best"]
    assert expected.max() < 0.9  # no learned filter comes near 1


def test_each_row_repeats_its_numbers_with_opposite_signs_because_f2_is_minus_f1(lesson):
    """train page: because f2 = −f1 and f4 = −f3, the table's columns 2 and 4 are minus
    columns 1 and 3; against filters that are not each other's negatives, they are not."""
    table = lesson["similarity"].numpy()
    assert np.allclose(table[:, 1], -table[:, 0], atol=1e-6)
    assert np.allclose(table[:, 3], -table[:, 2], atol=1e-6)
    other = torch.from_numpy(np.stack([lesson["filters"][0], np.eye(4)])).float()
    learned = lesson["learned"].reshape(6, 1, 16)
    unpaired = F.cosine_similarity(learned, other.reshape(1, 2, 16), dim=2).numpy()
    assert not np.allclose(unpaired[:, 1], -unpaired[:, 0], atol=1e-3)


# ---- one image through every layer ----


def test_softmax_keeps_the_logits_order_so_the_largest_logit_wins(lesson):
    """train page: the softmax keeps the order of the logits (e^z grows with z), so the
    largest logit gets the largest probability, for every test image."""
    logits = lesson["test_logits"]
    probs = F.softmax(logits, dim=1)
    assert torch.equal(logits.argmax(1), probs.argmax(1))
    pairs = logits[:, :, None] > logits[:, None, :]
    assert torch.equal(pairs, probs[:, :, None] > probs[:, None, :])


def test_the_one_image_numbers_the_page_quotes(lesson):
    """The first test image is a triangle (8), predicted 8 at 0.999; its logit 5.47 is the
    only one above 0, and the next largest is class 4's −2.56."""
    logits, probs = lesson["logits"][0], lesson["probs"][0]
    assert lesson["test_y"][0].item() == 8 == probs.argmax().item()
    assert round(probs[8].item(), 3) == 0.999
    assert round(logits[8].item(), 2) == 5.47
    others = torch.cat([logits[:8], logits[9:]])
    assert (others < 0).all()
    assert round(others.max().item(), 2) == -2.56
    assert logits.argsort()[-2].item() == 4


def test_relu_leaves_no_negative_and_pooling_halves(lesson):
    assert lesson["relu1"].min() >= 0
    assert lesson["conv1"].min() < 0
    assert torch.equal(lesson["pool1"], F.max_pool2d(lesson["relu1"], 2))


# ---- what it gets wrong ----


def test_the_wrong_ones_are_wrong_and_the_figure_titles_say_so(lesson):
    """Every image listed is misclassified; the count is 8; the figure's titles are each
    one's label → prediction and the probability of the prediction."""
    wrong, predicted, labels = lesson["wrong"], lesson["predicted"], lesson["test_y"]
    assert len(wrong) == 8
    assert (predicted[wrong] != labels[wrong]).all()
    assert (predicted == labels).sum().item() == 1000 - len(wrong)
    top = lesson["test_probs"][lesson["shown"]].max(dim=1).values
    assert (top <= 0.76).sum().item() == 5
    figure = recipes.lesson_wrong(
        "train", "wrong_images", "shown", "test_y", "predicted", "test_probs"
    )
    titles = [ax.get_title() for ax in figure.axes if ax.get_title()]
    expected = [
        f"{labels[i]} → {predicted[i]}\n{lesson['test_probs'][i].max():.2f}"
        for i in lesson["shown"].tolist()
    ]
    assert titles == expected


# ---- pooling and shifts ----


def test_a_one_pixel_shift_changes_the_pooled_maps_less(lesson):
    """The ReLU maps change by more of their size than the pooled maps (0.399 against 0.235),
    recomputed here; most predictions stay."""
    model, images = lesson["model"], lesson["test_x"]
    with torch.no_grad():
        before = F.relu(model.conv1(images))
        after = F.relu(model.conv1(shift(images, 1)))
    share = lambda a, b: ((b - a).abs().sum() / a.abs().sum()).item()  # noqa: E731
    assert share(before, after) == pytest.approx(lesson["conv_change"])
    pooled = share(F.max_pool2d(before, 2), F.max_pool2d(after, 2))
    assert pooled == pytest.approx(lesson["pool_change"])
    assert pooled < 0.7 * share(before, after)
    assert lesson["kept"] > 0.95


def test_a_windows_largest_value_often_stays_inside_it_after_one_pixel(lesson):
    """train page: a 2×2 window keeps its largest value while that value stays inside it,
    and a one-pixel move leaves many where they were: more of the pooled values come out
    exactly the same than of the ReLU values, among those that are not 0."""
    model, images = lesson["model"], lesson["test_x"]
    with torch.no_grad():
        before = F.relu(model.conv1(images))
        after = F.relu(model.conv1(shift(images, 1)))
    pooled, pooled_after = F.max_pool2d(before, 2), F.max_pool2d(after, 2)
    same_relu = ((before == after) & (before > 0)).sum() / (before > 0).sum()
    same_pool = ((pooled == pooled_after) & (pooled > 0)).sum() / (pooled > 0).sum()
    assert same_pool.item() > 2 * same_relu.item()


def test_two_pixels_move_the_pooled_maps_by_one_whole_cell(lesson):
    """Exercise 1's answer: after a two-pixel move, the pooled map is the old pooled map moved
    by one cell (away from the left edge), so its change grows to nearly twice that of one
    pixel (0.235 → 0.447)."""
    model, images = lesson["model"], lesson["test_x"]
    with torch.no_grad():
        pooled = F.max_pool2d(F.relu(model.conv1(images)), 2)
        moved = F.max_pool2d(F.relu(model.conv1(shift(images, 2))), 2)
    assert torch.allclose(moved[..., 2:], pooled[..., 1:-1], atol=1e-5)
    out = lesson_run("train").outputs["two-pixels-answer"]
    two = float(re.search(r"pooled\s+([\d.]+)", out)[1])
    assert 1.7 * lesson["pool_change"] < two < 2 * lesson["pool_change"]
    relu = float(re.search(r"ReLU maps\s+([\d.]+)", out)[1])
    assert (round(two, 3), round(relu, 3)) == (0.447, 0.591)  # the numbers its comment gives
    assert two < relu
    assert relu - two < lesson["conv_change"] - lesson["pool_change"]  # the gap narrows


# ---- bias and ReLU ----


def test_relu_is_above_zero_exactly_where_wx_passes_minus_b(lesson):
    """train page: max(0, w·x + b) > 0 exactly where w·x > −b: the bias is the threshold,
    for every channel and place of the image, and for another image."""
    model = lesson["model"]
    for image in (lesson["x"], lesson["test_x"][5:6]):
        with torch.no_grad():
            weighted = F.conv2d(image, model.conv1.weight)
            out = F.relu(model.conv1(image))
        threshold = -model.conv1.bias.detach()[None, :, None, None]
        assert torch.equal(out > 0, weighted > threshold)
    assert torch.equal(lesson["zero"], lesson["below"])  # what the cell's `True` compares
    assert lesson["zero"].shape == (6, 25, 25)
    assert lesson["zeroed"][4].item() == 0
    assert lesson["zeroed"][2].item() > 0.5


def test_without_the_biases_the_thresholds_move_and_accuracy_falls(lesson):
    """Exercise 3's answer: the biases are ReLU's thresholds, so setting them to 0 changes
    which places pass in the first layer's maps, and the test accuracy falls."""
    model, image = lesson["model"], lesson["test_x"][:50]
    with torch.no_grad():
        with_bias = F.relu(model.conv1(image)) > 0
        without = F.relu(F.conv2d(image, model.conv1.weight)) > 0
    assert (with_bias != without).float().mean().item() > 0.05
    out = lesson_run("train").outputs["no-bias-answer"]
    before, after = map(float, re.findall(r"[\d.]+", out))
    assert after < before - 0.1


def test_confusion_answer_lists_every_most_frequent_mistake(lesson):
    """Two mistakes tie for the most frequent, twice each: 7 → 4 and 9 → 0."""
    confusion = lesson["confusion"]
    assert confusion.sum().item() == 1000
    assert confusion.trace().item() == 1000 - len(lesson["wrong"])
    mistakes = lesson["mistakes"]
    lines = lesson_run("train").outputs["confusion-answer"].strip().splitlines()
    listed = [line for line in lines if "->" in line]
    assert len(listed) == int((mistakes == mistakes.max()).sum())
    assert listed == ["7 -> 4: 2", "9 -> 0: 2"]


# ---- the network in the browser ----


def test_the_network_file_holds_the_trained_weights_and_test_images(lesson):
    """The JSON the page's own forward pass reads: every layer's float32 weights as the model
    holds them, two test images per class, under 200 KB."""
    text = recipes.lesson_network("train", "model", "test_x", "test_y", 2)
    assert len(text.encode()) < 200_000
    network = json.loads(text)
    kinds = [layer["kind"] for layer in network["layers"]]
    assert kinds == ["conv", "relu", "pool", "conv", "relu", "pool", "flatten", "linear"]
    model = lesson["model"]
    weighted = [layer for layer in network["layers"] if "weight" in layer]
    for layer, module in zip(weighted, (model.conv1, model.conv2, model.fc), strict=True):
        weight = torch.tensor(layer["weight"], dtype=torch.float32)
        assert torch.equal(weight, module.weight.detach())
        assert torch.equal(torch.tensor(layer["bias"], dtype=torch.float32), module.bias.detach())
    labels = [example["label"] for example in network["examples"]]
    assert sorted(labels) == sorted(list(range(10)) * 2)
    for example in network["examples"]:
        assert np.asarray(example["pixels"]).shape == (28, 28)
