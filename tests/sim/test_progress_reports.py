"""Progress is reported by the run's driver as it passes each hundredth of the simulated time,
not by cutting the run into a hundred steps: the same results as a run nobody watches, and
every hundredth reported once, in order, when the run has got there."""

from __future__ import annotations

from typing import Any

import pytest

from sim.inputs.presets import preset
from sim.inputs.workload import generate
from sim.model import Protocol, simulate
from sim.model.world import ProgressMarks, World


@pytest.mark.parametrize("protocol", list(Protocol))
@pytest.mark.parametrize(("name", "days", "seed"), [("family", 2, 3), ("traveller", 3, 8)])
def test_a_watched_run_equals_an_unwatched_one(
    protocol: Protocol, name: str, days: int, seed: int
) -> None:
    scenario = preset(name, days=days, seed=seed)
    trace = generate(scenario)
    reports: list[float] = []
    options = {"grid_step_s": 600.0, "record_events": True, "final_state": True}
    watched = simulate(scenario, protocol, trace, progress=reports.append, **options)
    quiet = simulate(scenario, protocol, trace, **options)
    assert repr(watched) == repr(quiet)
    assert reports == [k / 100 for k in range(1, 101)]


def test_marks_report_each_hundredth_once_when_reached() -> None:
    reports: list[float] = []
    marks = ProgressMarks(reports.append, 1000.0)
    assert marks.reach(5.0) == 10.0 and reports == []  # not there yet
    assert marks.reach(10.0) == 20.0 and reports == [0.01]  # a mark is reached at its time
    assert marks.reach(35.5) == 40.0 and reports == [0.01, 0.02, 0.03]
    assert marks.reach(35.5) == 40.0 and len(reports) == 3  # nothing twice
    marks.finish()
    assert reports == [k / 100 for k in range(1, 101)]
    assert marks.reach(2000.0) == float("inf") and len(reports) == 100


def test_reports_come_during_the_run_not_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report of k/100 comes once the driver has handed over the items before that time."""
    scenario = preset("family", days=2, seed=1)
    trace = generate(scenario)
    end = scenario.duration_s
    made: list[World] = []
    original = World.__init__

    def keep(self: World, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(World, "__init__", keep)
    seen: list[tuple[float, int]] = []
    simulate(
        scenario, Protocol.POP3, trace, progress=lambda f: seen.append((f, len(made[0].delivered)))
    )
    arrived_before = [sum(1 for m in trace.messages if m.time < f * end) for f, _ in seen]
    assert [n for _, n in seen] == arrived_before
    assert 0 < seen[49][1] < len(trace.messages)  # halfway: some of the mail, not all
