"""Every setting under ``extra.cnnviz`` is checked when the configuration loads: a wrong type
or value is refused in one line naming the key, the value and what is expected."""

from __future__ import annotations

import pytest
from project import copy_project, edit, mkdocs_build

from cnnviz.errors import CnnvizError
from cnnviz.settings import CACHE_MAX_MB, Settings, read_settings

WRONG = {
    "null": None,
    "number": 5,
    "string for list": "road.png",
    "list of mixed": ["road.png", 5],
    "mapping": {"road.png": True},
    "list holding null": [None],
    "empty string": [""],
}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, Settings()),
        ({"cnnviz": None}, Settings()),
        ({"cnnviz": {}}, Settings()),
        ({"cnnviz": {"gallery": []}}, Settings()),
        ({"cnnviz": {"gallery": ["a.png", "b/c.jpg"]}}, Settings(gallery=("a.png", "b/c.jpg"))),
        ({"cnnviz": {"cache_max_mb": 0}}, Settings(cache_max_mb=0.0)),
        ({"cnnviz": {"cache_max_mb": 0.5}}, Settings(cache_max_mb=0.5)),
    ],
)
def test_good_settings_are_read_with_their_defaults(extra, expected):
    assert read_settings(extra) == expected
    assert Settings().cache_max_mb == CACHE_MAX_MB


@pytest.mark.parametrize("value", list(WRONG.values()), ids=list(WRONG))
def test_a_wrong_gallery_is_refused_in_one_line(value):
    """`gallery` must be a list of paths: each wrong type names the key, the value as written
    and what is expected, instead of a traceback or a gallery read letter by letter."""
    with pytest.raises(CnnvizError) as caught:
        read_settings({"cnnviz": {"gallery": value}})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("mkdocs.yml: extra.cnnviz.gallery must be a list of image paths")
    assert message.endswith(f"not {value!r}")


@pytest.mark.parametrize(
    "value",
    [None, "lots", [200], {"mb": 200}, True, -1, float("inf"), float("nan")],
    ids=["null", "string", "list", "mapping", "bool", "negative", "inf", "nan"],
)
def test_a_wrong_cache_cap_is_refused_in_one_line(value):
    with pytest.raises(CnnvizError) as caught:
        read_settings({"cnnviz": {"cache_max_mb": value}})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("mkdocs.yml: extra.cnnviz.cache_max_mb must be a number")
    assert message.endswith(f"not {value!r}")


@pytest.mark.parametrize("section", [5, "gallery", ["gallery"]], ids=["number", "string", "list"])
def test_a_section_that_is_not_a_mapping_is_refused(section):
    with pytest.raises(CnnvizError, match=r"^mkdocs.yml: extra.cnnviz must be a mapping"):
        read_settings({"cnnviz": section})


def test_an_unknown_key_is_refused_naming_the_known_ones():
    """A misspelt key would otherwise be ignored without a word."""
    with pytest.raises(CnnvizError) as caught:
        read_settings({"cnnviz": {"galery": ["a.png"]}})
    assert str(caught.value) == (
        "mkdocs.yml: extra.cnnviz has no setting 'galery' (its settings: gallery, cache_max_mb)"
    )


def test_a_long_value_is_cut_in_the_message():
    with pytest.raises(CnnvizError) as caught:
        read_settings({"cnnviz": {"gallery": "x" * 500}})
    assert len(str(caught.value)) < 200
    assert str(caught.value).endswith("...")


@pytest.mark.site
@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("    gallery: [5]", "extra.cnnviz.gallery must be a list of image paths"),
        ("    gallery:", "extra.cnnviz.gallery must be a list of image paths (strings), e.g. "),
        ('    gallery: "road.png"', "not 'road.png'"),
        ("    galery: []", "extra.cnnviz has no setting 'galery'"),
    ],
    ids=["number in list", "null", "string", "misspelt"],
)
def test_a_wrong_setting_stops_the_build_in_one_line_before_rendering(tmp_path, setting, line):
    """The build stops when the config loads, in one line, no traceback, nothing rendered."""
    root = copy_project(tmp_path / "project")
    edit(root / "mkdocs.yml", "    gallery: []", setting)
    result = mkdocs_build(tmp_path / "site", "http://127.0.0.1:8000/", root / "mkdocs.yml")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    errors = [text for text in result.stderr.splitlines() if "mkdocs.yml: extra.cnnviz" in text]
    assert len(errors) == 1
    assert line in errors[0]
    assert "results:" not in result.stderr
