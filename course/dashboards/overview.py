"""Lesson 0 — the model in five minutes: one family's devices, POP3 above IMAP, on one timeline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matplotlib.figure import Figure

from course import figures
from course.adapters import timeline_data
from course.dashboards.base import Control, ControlKind, Dashboard, Progress
from course.dashboards.common import SEED, control, device_of
from course.progress import no_progress, scaled
from course.style import Protocol
from course.timeline import TimelineData

PROFILES = (
    ("family: phone, laptop, desktop", "family"),
    ("traveller: slow phone + laptop", "traveller"),
    ("single desktop", "single"),
    ("two POP3 clients (lesson 6)", "two_clients"),
)


TIMELINE_GRID_S = 600.0  # timelines sample what each device holds every 10 minutes


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
    """The trace, the POP3 result and the IMAP result of ``scenario`` (same trace for both).

    ``progress`` gets the fraction done of the pair: the POP3 run fills 0..0.5, IMAP 0.5..1.
    ``grid_step_s`` is the spacing of the result's time series (finer for timelines);
    ``record_events`` keeps the runs' event records (timelines are drawn from them).
    """
    from sim.model import Protocol as ModelProtocol
    from sim.model import run
    from sim.workload import generate

    report = progress or no_progress
    trace = generate(scenario)
    step = min(grid_step_s, scenario.duration_s)
    pop3 = run(
        scenario,
        ModelProtocol.POP3,
        trace,
        progress=scaled(report, 0.0, 0.5),
        grid_step_s=step,
        record_events=record_events,
    )
    imap = run(
        scenario,
        ModelProtocol.IMAP,
        trace,
        progress=scaled(report, 0.5, 1.0),
        grid_step_s=step,
        record_events=record_events,
    )
    return trace, pop3, imap


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
        from sim.presets import preset

        scenario = preset(values["profile"], days=values["days"], seed=values["seed"])
        trace, pop3, imap = run_both(
            scenario, progress, grid_step_s=TIMELINE_GRID_S, record_events=True
        )
        return OverviewData(
            pop3,
            imap,
            timeline_data(trace, pop3, Protocol.POP3),
            timeline_data(trace, imap, Protocol.IMAP),
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
        figures.timeline(fig, data.timeline_pop3, data.timeline_imap)


def timeline_drawer(scenario: Any, window_days: float | None = None) -> Any:
    """A figure drawer: the timeline of ``scenario``'s first user, POP3 above IMAP."""
    trace, pop3, imap = run_both(scenario, grid_step_s=TIMELINE_GRID_S, record_events=True)
    window = window_days * 86400.0 if window_days else None
    tp = timeline_data(trace, pop3, Protocol.POP3, window_s=window)
    ti = timeline_data(trace, imap, Protocol.IMAP, window_s=window)
    return lambda fig: figures.timeline(fig, tp, ti)


def overview_figures() -> list[tuple[str, Any]]:
    """Lesson 0's exported figure: the timeline at default settings."""
    return OverviewDashboard().key_figures()
