"""Lesson 0 — the model in five minutes: one family's devices, POP3 above IMAP, on one timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import figures
from course.adapters import timeline_data
from course.dashboards.base import Control, ControlKind, Dashboard, Progress
from course.dashboards.common import SEED, control, device_of
from course.style import Protocol
from course.timeline import TimelineData, draw_timeline_figure, timeline_axes

PROFILES = (
    ("family: phone, laptop, desktop", "family"),
    ("traveller: slow phone + laptop", "traveller"),
    ("single desktop", "single"),
    ("two POP3 clients (lesson 6)", "two_clients"),
)


@dataclass(frozen=True)
class OverviewData:
    """Both runs of one scenario and their timelines."""

    pop3: Any
    imap: Any
    timeline_pop3: TimelineData
    timeline_imap: TimelineData


def run_both(
    scenario: Any,
    progress: Progress | None = None,
    grid_step_s: float = 3600.0,
    record_events: bool = False,
) -> tuple[Any, Any, Any]:
    """The trace, the POP3 result and the IMAP result of ``scenario`` (same trace for both):
    :func:`sim.lessons.experiments.both_protocols`, reporting to ``progress`` when given.
    Without one the runs are not cut into the hundred steps a progress report takes (the same
    results, fewer SimPy steps: ``tests/course/test_lesson_figures.py``)."""
    from sim.lessons.experiments import both_protocols

    return both_protocols(
        scenario,
        progress=progress,
        grid_step_s=grid_step_s,
        record_events=record_events,
    )


class OverviewDashboard(Dashboard):
    """What the model does, at a glance: mail arriving, devices polling or being told, reading."""

    lesson = 0
    title = "The model in five minutes"
    figure_name = "timeline"
    figure_size = (11.0, 6.4)
    controls = (
        Control("profile", "who", ControlKind.CHOICE, "family", options=PROFILES),
        control("days", "days shown", ControlKind.INT, 2, unit="days", high=7),
        SEED,
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> OverviewData:
        from sim.lessons.experiments import lesson0_overview

        r = lesson0_overview(
            profile=values["profile"], days=values["days"], seed=values["seed"], progress=progress
        )
        return OverviewData(
            r.pop3,
            r.imap,
            timeline_data(r.trace, r.pop3, Protocol.POP3),
            timeline_data(r.trace, r.imap, Protocol.IMAP),
        )

    def compute_results(self, data: OverviewData) -> dict[str, float | str]:
        return {
            "delivered": float(data.pop3.conservation.delivered),
            "server_mb_pop3": data.pop3.summary.server_storage_bytes / 1e6,
            "server_mb_imap": data.imap.summary.server_storage_bytes / 1e6,
        }

    def summary(self, data: OverviewData) -> str:
        delivered = data.pop3.conservation.delivered
        days = self.values["days"]
        lines = [f"{delivered} messages arrived in {days} day{'' if days == 1 else 's'}."]
        for d in data.pop3.devices:
            name = d.device.rsplit("/", 1)[-1]
            di = device_of(data.imap, name)
            lines.append(
                f"The {name} showed {d.received_messages} of them under POP3 and "
                f"{di.received_messages} under IMAP."
            )
        lines.append(
            "Read the picture top to bottom: the same arrivals and the same user, two protocols."
        )
        return " ".join(lines)

    def draw(self, fig: Figure, data: OverviewData) -> None:
        self.draw_on(self.make_axes(fig, data), data)

    def make_axes(self, fig: Figure, data: OverviewData) -> list[Axes]:
        """POP3's timeline above IMAP's (:func:`course.figures.timeline`'s axes)."""
        return timeline_axes(fig, 2)

    def draw_on(self, axes: Sequence[Axes], data: OverviewData) -> None:
        draw_timeline_figure(axes, [data.timeline_pop3, data.timeline_imap])


def timeline_drawer(scenario: Any, window_days: float | None = None) -> Any:
    """A figure drawer: the timeline of ``scenario``'s first user, POP3 above IMAP."""
    from sim.lessons.experiments import TIMELINE_GRID_S

    trace, pop3, imap = run_both(scenario, grid_step_s=TIMELINE_GRID_S, record_events=True)
    window = window_days * 86400.0 if window_days else None
    tp = timeline_data(trace, pop3, Protocol.POP3, window_s=window)
    ti = timeline_data(trace, imap, Protocol.IMAP, window_s=window)
    return lambda fig: figures.timeline(fig, tp, ti)


def overview_figures() -> list[tuple[str, Any]]:
    """Lesson 0's exported figure: the timeline at default settings."""
    return OverviewDashboard().key_figures()
