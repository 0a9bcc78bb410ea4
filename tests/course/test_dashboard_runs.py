"""Dashboards keep their runs by the controls the runs read: a control that only picks what is
shown of them (lesson 10's delay device, lesson 9's Monte Carlo settings while it is off) runs
nothing again, and shows what a dashboard made at that setting shows.  (Lesson 3's device and
days: ``test_lesson_figures.py``.)"""

from __future__ import annotations

from typing import Any

import pytest

from course.dashboards import make
from course.dashboards.base import Recent
from course.dashboards.common import key_of


def test_recent_keeps_the_most_recently_used_few() -> None:
    kept: Recent[str] = Recent(size=2)
    kept.put(("a",), "A")
    kept.put(("b",), "B")
    assert kept.get(("a",)) == "A"  # now the most recent: "b" goes first
    kept.put(("c",), "C")
    assert kept.get(("b",)) is None
    assert (kept.get(("a",)), kept.get(("c",))) == ("A", "C")
    assert len(kept) == 2
    kept.clear()
    assert len(kept) == 0 and kept.get(("a",)) is None
    with pytest.raises(ValueError, match="size"):
        Recent(size=0)


def test_key_of_names_each_control_in_order() -> None:
    values = {"seed": 3, "days": 2, "device": "phone"}
    assert key_of(values, ["seed", "days"]) == (("days", 2), ("seed", 3))
    assert key_of(values, ["days", "seed"]) == key_of(values, ["seed", "days"])
    assert key_of(values, ["days"]) != key_of({**values, "days": 4}, ["days"])


def _same_as_fresh(board: Any) -> None:
    fresh = make(board.lesson, **board.values)
    assert repr(board.results) == repr(fresh.results)  # (NaN: no Monte Carlo)
    assert board.summary_text == fresh.summary_text
    assert repr(board.data) == repr(fresh.data)


def test_lesson10_delay_device_reuses_the_runs() -> None:
    board = make(10, days=2, seed=4)
    runs = board.data
    for device in ("laptop", "desktop", "phone"):
        board.set(delay_device=device)
        assert board.data.pop3 is runs.pop3 and board.data.imap is runs.imap
        _same_as_fresh(board)
    board.set(seed=5)  # a control the runs read: new runs
    assert board.data.pop3 is not runs.pop3
    _same_as_fresh(board)
    board.clear_cache()
    assert len(board._runs) == 0


def test_lesson9_monte_carlo_settings_reuse_the_crash_runs_while_it_is_off() -> None:
    board = make(9, days=3, seed=2, crash_day=2.0)
    crash = board.data.crash
    board.set(trials=5, crashes_per_year=2.0, accidental_deletes_per_year=1.0)
    assert board.data.crash is crash
    _same_as_fresh(board)
    board.set(backup_age_days=1)  # a control the crash reads: a new run
    assert board.data.crash is not crash
    _same_as_fresh(board)
    board.clear_cache()
    assert len(board._crashes) == 0


def test_the_heap_is_settled_once_before_the_first_dashboard() -> None:
    """The objects alive before the first dashboard are frozen out of the collector's sight
    (a full collection over them stalled an update by about 60 ms); a second dashboard freezes
    nothing more, so what dashboards make stays collectable."""
    import gc

    make(4)
    frozen = gc.get_freeze_count()
    assert frozen > 10_000  # the imported modules, matplotlib's and the model's tables
    make(5)
    # a second freeze would add the thousands of objects made since (the first dashboard's
    # figure and runs among them); frozen objects can still be freed by their reference counts
    # (after earlier tests in this process, a dashboard freed about 1,750), so not equal
    assert gc.get_freeze_count() <= frozen


def test_recent_fetch_makes_a_value_only_on_a_miss() -> None:
    made: list[str] = []

    def make(v: str) -> str:
        made.append(v)
        return v

    recent: Recent[str] = Recent(2)
    assert recent.fetch("a", lambda: make("A")) == "A"
    assert recent.fetch("a", lambda: make("other")) == "A"
    recent.fetch("b", lambda: make("B"))
    recent.fetch("c", lambda: make("C"))  # "a" is the least recent: forgotten
    assert recent.fetch("a", lambda: make("A2")) == "A2"
    assert made == ["A", "B", "C", "A2"]
