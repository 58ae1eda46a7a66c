"""`make audit` calibrates Lighthouse's CPU slowdown to the machine as Lighthouse documents."""

from __future__ import annotations

import pytest
from audit import Calibration, cpu_multiplier


@pytest.mark.parametrize(
    ("index", "multiplier"),
    [
        (150, 1.0),
        (475, 1.5),
        (786, 1 + 636 / 650),  # this project's 2-core machines: about 2×, not 4×
        (800, 2.0),
        (1050, 2.5),
        (1300, 3.0),
        (1533, 4.0),  # the calculator's own marks: 1533 is 4×, 2000 about 6×
        (2000, 3 + 700 / 233),
    ],
)
def test_multiplier_follows_lighthouses_calculator(index, multiplier):
    """The slowdown is the calculator's line: 150 → 1×, 800 → 2×, 1300 → 3×, +1× per 233."""
    assert cpu_multiplier(index) == pytest.approx(multiplier)


def test_a_host_too_slow_to_emulate_the_device_is_refused():
    """Below 150 the calculator gives no multiplier: the host is slower than the device."""
    with pytest.raises(ValueError, match="too slow"):
        cpu_multiplier(149)


def test_calibration_follows_the_latest_runs():
    """Each run's slowdown comes from the median index of the three latest runs, so a machine
    that gets busier mid-audit is emulated as the same device."""
    calibration = Calibration([786, 800, 2000])
    assert calibration.multiplier() == pytest.approx(2.0)
    calibration.add(1300)
    calibration.add(1300)
    assert calibration.multiplier() == pytest.approx(3.0)
    calibration.add(100)
    calibration.add(100)
    assert calibration.multiplier() == 1.0  # too slow to emulate: no slowdown at all
    assert calibration.used == pytest.approx([2.0, 3.0, 1.0])
    assert calibration.seen == [786, 800, 2000, 1300, 1300, 100, 100]
