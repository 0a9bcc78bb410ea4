"""Lesson 3 — push or poll: notification delay against the poll interval, and what waiting costs."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import figures
from course.dashboards.base import (
    Control,
    ControlKind,
    Dashboard,
    FigureDrawer,
    Progress,
    Recent,
    which_smaller,
)
from course.dashboards.common import DAYS, SEED, control, key_of, numbers
from course.predict import format_value
from course.timeline import TimelineData, draw_timelines, legend_handles

if TYPE_CHECKING:
    from sim.lessons.experiments import Lesson3Result

# the timeline is a run of its own: it needs the model's event records, which the lesson's
# experiment does not keep, and a week of them at timeline resolution costs a quarter second
ONE_DAY_NOTE = " in one day (a separate 1-day run at these settings)"


def _seconds(x: float) -> str:
    from course.figures import _fmt_seconds

    return _fmt_seconds(x)


@dataclass(frozen=True)
class Lesson3Data:
    """The lesson's experiment and the one-day timeline of the same settings, per protocol."""

    run: Lesson3Result
    day_pop3: TimelineData
    day_imap: TimelineData


ONE_DAY_CONTROLS = (
    "poll_interval_min",
    "idle",
    "nat_timeout_min",
    "keepalive_min",
    "tls_resumption",
    "seed",
)
"""The controls :func:`one_day_scenario` reads (the timelines are the same whatever the others)."""


def one_day_scenario(values: Mapping[str, Any]) -> Any:
    """The scenario :func:`sim.lessons.experiments.lesson3_notification` runs for ``values``, one day
    long: poll interval, IDLE, router timeout, server keepalive, TLS resumption and seed.
    (sim does not hand out that scenario; ``tests/course/test_lesson_figures.py`` checks that
    this one runs to the experiment's numbers.)"""
    from sim.inputs.presets import preset

    every = 60.0 * values["poll_interval_min"]
    nat = values["nat_timeout_min"]
    scenario = preset("family", days=1, seed=values["seed"])

    def change(d: Any) -> Any:
        return dataclasses.replace(
            d,
            pop3=dataclasses.replace(d.pop3, poll_interval_s=every),
            imap=dataclasses.replace(d.imap, idle=values["idle"], poll_interval_s=every),
            link=dataclasses.replace(
                d.link, nat_idle_timeout_s=None if nat is None else 60.0 * nat
            ),
        )

    users = tuple(
        dataclasses.replace(u, devices=tuple(change(d) for d in u.devices)) for u in scenario.users
    )
    scenario = dataclasses.replace(scenario, users=users, tls_resumption=values["tls_resumption"])
    if values["keepalive_min"] is not None:
        scenario = dataclasses.replace(
            scenario,
            server=dataclasses.replace(
                scenario.server, idle_keepalive_s=60.0 * values["keepalive_min"]
            ),
        )
    return scenario


def one_day_timelines(values: Mapping[str, Any]) -> tuple[TimelineData, TimelineData]:
    """POP3's and IMAP's timelines of :func:`one_day_scenario` (both on the same trace)."""
    from course.adapters import timeline_data
    from course.dashboards.overview import run_both
    from course.style import Protocol
    from sim.lessons.experiments import TIMELINE_GRID_S

    trace, pop3, imap = run_both(
        one_day_scenario(values), grid_step_s=TIMELINE_GRID_S, record_events=True
    )
    return (timeline_data(trace, pop3, Protocol.POP3), timeline_data(trace, imap, Protocol.IMAP))


def _delay_axes(fig: Figure, spec: Any) -> list[Axes]:
    """In grid cell ``spec``: the delay distribution (left), overhead and wake-ups (right)."""
    grid = spec.subgridspec(2, 2, width_ratios=(1.7, 1))
    return [fig.add_subplot(grid[:, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])]


class Lesson3Dashboard(Dashboard):
    """POP3 polls and disconnects; IMAP IDLE is told about new mail (DESIGN.md §5, row 3)."""

    lesson = 3
    title = "How soon does new mail show up?"
    figure_name = "notification_delay"
    figure_size = (10.0, 9.2)
    figure_notes: ClassVar[dict[str, str]] = {
        "timeline_one_day": "This figure is a separate one-day run of the same preset and seed at "
        "these settings (the simulated days setting aside): the timeline needs "
        "the run's event records."
    }
    controls = (
        control(
            "poll_interval_min", "poll interval", ControlKind.FLOAT, 10.0, step=1.0, unit="min"
        ),
        Control(
            "idle",
            "IMAP uses IDLE (off: IMAP polls at the same interval)",
            ControlKind.TOGGLE,
            True,
        ),
        control(
            "nat_timeout_min",
            "home router timeout",
            ControlKind.OPTIONAL_INT,
            None,
            unit="min",
            off_label="no such router",
            on_value=5,
        ),  # home routers forget after 5-10 min (Fastmail)
        control(
            "keepalive_min",
            "server keepalive after",
            ControlKind.OPTIONAL_INT,
            None,
            unit="min of silence",
            off_label="no keepalive",
            on_value=2,
        ),  # Dovecot's
        Control("tls_resumption", "TLS session resumption", ControlKind.TOGGLE, False),
        Control(
            "device",
            "whose figures",
            ControlKind.CHOICE,
            "phone",
            options=(
                ("the phone", "phone"),
                ("the laptop", "laptop"),
                ("the desktop", "desktop"),
                ("all devices (pooled)", "all"),
            ),
        ),
        DAYS,
        SEED,
    )

    def check(self, values: Mapping[str, Any]) -> None:
        from sim.inputs.scenario import nat_forgets_a_polling_client

        nat = values["nat_timeout_min"]
        poll = values["poll_interval_min"]
        if nat_forgets_a_polling_client(
            None if nat is None else 60.0 * nat, values["idle"], 60.0 * poll
        ):
            raise ValueError(
                f"nat_timeout_min: a router that forgets after {nat} min, with IMAP polling every "
                f"{values['poll_interval_min']:g} min, is not modelled; allowed: IDLE on, no "
                f"router, or at least {values['poll_interval_min']:g} min"
            )

    def __init__(self, **values: Any) -> None:
        # the runs behind a setting outlive a change of what only picks among them: the experiment's
        # by every control but ``device`` (whose figures), the one-day timelines by
        # ONE_DAY_CONTROLS (not ``days`` either); a few recent of each, cleared with the cache
        self._runs: Recent[Lesson3Result] = Recent()
        self._days: Recent[tuple[TimelineData, TimelineData]] = Recent()
        super().__init__(**values)

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Lesson3Data:
        from sim.lessons.experiments import lesson3_for_device, lesson3_notification

        # the runs of every control but ``device``, seen from the device asked for (a cached
        # run seen from another device: nothing to simulate)
        key = key_of(values, (k for k in values if k != "device"))
        run = lesson3_for_device(
            self._runs.fetch(key, lambda: lesson3_notification(**values)), values["device"]
        )
        progress(0.8)
        days = self._days.fetch(key_of(values, ONE_DAY_CONTROLS), lambda: one_day_timelines(values))
        return Lesson3Data(run, *days)

    def clear_cache(self) -> None:
        super().clear_cache()
        self._runs.clear()
        self._days.clear()

    def compute_results(self, data: Lesson3Data) -> dict[str, float | str]:
        run = data.run
        p, i = run.pop3_delay.median_s, run.imap_delay.median_s
        return {
            "median_delay_s_pop3": p,
            "median_delay_s_imap": i,
            "overhead_kb_day_pop3": run.overhead_bytes_per_day_pop3 / 1e3,
            "overhead_kb_day_imap": run.overhead_bytes_per_day_imap / 1e3,
            "faster_notice": which_smaller(p, i, abs_tol=1.0),
        }

    def summary(self, data: Lesson3Data) -> str:
        r = numbers(self.compute_results(data))
        run = data.run
        mode = (
            "IDLE"
            if self.values["idle"]
            else f"polling every {self.values['poll_interval_min']:g} min"
        )
        who = (
            "Pooled over all devices (an always-online phone and computers that are off at "
            "night together)"
            if self.values["device"] == "all"
            else f"On the {run.device.split('/')[-1]}"
        )
        pairs = run.pop3_delay.pairs
        return (
            f"{who}: half of the messages it showed appeared within "
            f"{_seconds(r['median_delay_s_pop3'])} under POP3 (polling every "
            f"{self.values['poll_interval_min']:g} min) and within "
            f"{_seconds(r['median_delay_s_imap'])} under IMAP ({mode}); 95 % within "
            f"{_seconds(run.pop3_delay.p95_s)} vs {_seconds(run.imap_delay.p95_s)}. "
            f"Never shown, of {pairs} (message, device) pairs: {run.pop3_delay.never} under "
            f"POP3, {run.imap_delay.never} under IMAP.\n"
            f"Waiting costs bytes and the battery: per device and day, "
            f"{format_value(r['overhead_kb_day_pop3'], 'kB')} of protocol overhead, "
            f"{run.wakeups_per_day_pop3:.0f} radio wake-ups and "
            f"{_seconds(run.connection_s_per_day_pop3)} with a connection open under POP3; "
            f"{format_value(r['overhead_kb_day_imap'], 'kB')}, "
            f"{run.wakeups_per_day_imap:.0f} wake-ups and "
            f"{_seconds(run.connection_s_per_day_imap)} open under IMAP." + self._silence_note(run)
        )

    def _silence_note(self, run: Lesson3Result) -> str:
        """What the router and the keepalive did to IMAP's kept-open connections."""
        nat, ka = self.values["nat_timeout_min"], self.values["keepalive_min"]
        if nat is None and ka is None:
            return ""
        connects = sum(d.sessions for d in run.imap.devices)
        days = self.values["days"]
        text = "\n"
        if nat is not None:
            text += (
                f"Behind a router that forgets a connection after {nat} min of silence"
                + (f", with a server keepalive after {ka} min of silence" if ka else "")
                + f", IMAP connected {connects} times in {days} days. "
            )
        else:
            text += (
                f"With a server keepalive after {ka} min of silence, IMAP connected "
                f"{connects} times in {days} days. "
            )
        if nat is not None and (ka is None or ka >= nat):
            text += (
                "The router forgot each idle connection before the next IDLE re-issue, "
                "so pushes were lost until the client wrote again and reconnected."
            )
        else:
            text += "The connections stayed up; the keepalives cost octets, not delay."
        return text

    def draw(self, fig: Figure, data: Lesson3Data) -> None:
        """How soon mail shows up and what waiting costs (top), and one day of the same settings
        device by device (below): the polls and pushes behind the delays."""
        self.draw_on(self.make_axes(fig, data), data)

    def make_axes(self, fig: Figure, data: Lesson3Data) -> list[Axes]:
        """The delay distribution, overhead and wake-ups (top), POP3's and IMAP's day (below)."""
        grid = fig.add_gridspec(2, 1, height_ratios=(1.0, 1.25))
        rows = grid[1].subgridspec(2, 1)
        return _delay_axes(fig, grid[0]) + [fig.add_subplot(rows[0]), fig.add_subplot(rows[1])]

    def draw_on(self, axes: Sequence[Axes], data: Lesson3Data) -> None:
        cdf, overhead, wakeups, top, bottom = axes
        self._draw_delay([cdf, overhead, wakeups], data.run)
        draw_timelines(
            [top, bottom], [data.day_pop3, data.day_imap], note=ONE_DAY_NOTE, time_axis_on_each=True
        )
        bottom.legend(
            handles=legend_handles(data.day_pop3.held_unit),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.32),
            ncols=7,
            fontsize=8,
            handlelength=1.4,
        )

    def _draw_delay(self, axes: Sequence[Axes], run: Lesson3Result) -> None:
        """The delay distribution and, beside it, overhead and wake-ups, on :func:`_delay_axes`."""
        cdf, top, bottom = axes
        device = None if self.values["device"] == "all" else run.device
        figures.draw_delay_cdf(cdf, run.pop3, run.imap, device=device)
        per = (
            "per device and day (mean)"
            if device is None
            else f"the {device.split('/')[-1]}, per day"
        )
        figures.grouped_bars(
            top,
            [per],
            [run.overhead_bytes_per_day_pop3 / 1e3],
            [run.overhead_bytes_per_day_imap / 1e3],
            "overhead (kB)",
            None,
        )
        top.set_title("Protocol overhead", loc="left")
        figures.grouped_bars(
            bottom,
            [per],
            [run.wakeups_per_day_pop3],
            [run.wakeups_per_day_imap],
            "radio wake-ups",
            None,
            legend=False,
        )
        bottom.set_title("Radio wake-ups (battery)", loc="left")

    def key_figures(self) -> list[tuple[str, FigureDrawer]]:
        """The delay figure and the one-day timeline, each as a figure of its own."""
        data = self.data

        def delay(fig: Figure) -> None:
            fig.clear()
            self._draw_delay(_delay_axes(fig, fig.add_gridspec(1, 1)[0]), data.run)

        return [
            (self.figure_name, delay),
            ("timeline_one_day", lambda fig: figures.timeline(fig, data.day_pop3, data.day_imap)),
        ]


DASHBOARD = Lesson3Dashboard
