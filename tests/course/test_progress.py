"""Progress plumbing: scaling, throttling and the bar widget."""

from __future__ import annotations

import pytest

from course.progress import ProgressBar, scaled, throttled


def test_scaled_maps_a_step_into_its_share() -> None:
    seen: list[float] = []
    half = scaled(seen.append, 0.5, 1.0)
    for f in (0.0, 0.5, 1.0, 2.0):
        half(f)
    assert seen == [0.5, 0.75, 1.0, 1.0]
    with pytest.raises(ValueError, match="start <= end"):
        scaled(seen.append, 0.8, 0.2)


def test_throttled_forwards_steps_and_the_end() -> None:
    seen: list[float] = []
    report = throttled(seen.append, step=0.25)
    for i in range(101):
        report(i / 100)
    assert seen == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_progress_bar_shows_while_running() -> None:
    bar = ProgressBar()
    assert bar.widget.layout.visibility == "hidden"
    bar.start()
    assert bar.widget.layout.visibility == "visible"
    bar(0.4)
    assert bar.bar.value == pytest.approx(0.4)
    bar.done()
    assert bar.widget.layout.visibility == "hidden" and bar.bar.value == 1.0
