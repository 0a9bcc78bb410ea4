"""What a control shows a learner: readouts in plain numbers, sensible values when turned on."""

from __future__ import annotations

import pytest

from course.dashboards import make
from course.dashboards.base import ControlKind
from course.dashboards.common import control
from course.widgets import ControlView


def _view(lesson: int, name: str) -> ControlView:
    return ControlView(make(lesson).control(name))


def test_leave_on_server_offers_thunderbirds_14_days_when_ticked() -> None:
    view = _view(1, "leave_on_server_days")
    assert view.get() is None  # off: delete after download
    view._toggle.value = True  # type: ignore[union-attr]
    assert view.get() == 14  # not 0 days, which nobody turns it on for


def test_a_log_slider_reads_out_its_value_written_out() -> None:
    view = _view(2, "bandwidth_kbps")
    assert view._readout.value == "10,000"  # not "1.00e+4"
    view.set(50.0)
    assert view._readout.value == "50"


def test_a_float_slider_shows_the_decimals_of_its_step() -> None:
    share = _view(7, "infected_share")._main
    assert share.readout_format == ".3f"  # the sourced 0.2 % reads 0.002, not 0.00
    assert _view(3, "poll_interval_min")._main.readout_format == ".0f"


def test_on_value_must_lie_in_the_models_range() -> None:
    with pytest.raises(ValueError, match=r"on_value=99 is outside 0\.\.60"):
        control("leave_on_server_days", "x", ControlKind.OPTIONAL_INT, None, on_value=99)
