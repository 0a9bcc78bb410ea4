"""Lesson 10 — capstone: pick a user profile and a configuration, see every metric, choose."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
    which,
    which_smaller,
)
from course.dashboards.common import DAYS, LEAVE_DAYS_LOW, SEED, control, key_of, mb, pct
from course.predict import format_value

PROFILES = (
    ("family: phone, laptop, desktop", "family"),
    ("traveller: metered slow phone + laptop", "traveller"),
    ("single desktop", "single"),
    ("campus: 500 users × 3 devices (slow: about 10 s per day)", "campus"),
)


def _fetch_options() -> tuple[tuple[str, Any], ...]:
    from sim.inputs.scenario import FetchMode

    labels = {
        "headers_only": "headers only",
        "bodies_on_open": "bodies when opened",
        "full_offline": "everything, for offline use",
    }
    return tuple((labels.get(m.value, m.value), m) for m in FetchMode)


def _tls_options() -> tuple[tuple[str, Any], ...]:
    from sim.inputs.scenario import TlsMode

    labels = {
        "none": "none (110/143)",
        "starttls": "STLS/STARTTLS (110/143)",
        "implicit": "implicit TLS (995/993)",
    }
    return tuple((labels.get(m.value, m.value), m) for m in TlsMode)


def _enum_default(options: tuple[tuple[str, Any], ...], value: str) -> Any:
    return next(v for _, v in options if v.value == value)


DELAY_DEVICES = (
    ("the (first user's) phone", "phone"),
    ("the laptop", "laptop"),
    ("the desktop", "desktop"),
    ("all devices (pooled)", "all"),
)
# the short device names of each profile's users (sim.inputs.presets)
PROFILE_DEVICES = {
    "family": ("phone", "laptop", "desktop"),
    "traveller": ("phone", "laptop"),
    "single": ("desktop",),
    "campus": ("phone", "laptop", "desktop"),
}


def delay_of(result: Any, device: str) -> Any:
    """The notification :class:`sim.outputs.results.Delay` of the first device called ``device``
    (``"phone"``), or pooled over all devices (``"all"``, or a profile without such a device:
    :func:`delay_label` says so)."""
    for d in result.devices:
        if device != "all" and d.device.rsplit("/", 1)[-1] == device:
            return d.notification_delay
    return result.summary.notification_delay


def delay_label(profile: str, device: str) -> str:
    """Whose delay :func:`delay_of` gives, in words."""
    if device == "all":
        return "pooled over all devices"
    if device not in PROFILE_DEVICES[profile]:
        return f"pooled: the {profile} profile has no {device}"
    return f"the {device}" if profile != "campus" else f"the first user's {device}"


@dataclass(frozen=True)
class CapstoneData:
    pop3: Any
    imap: Any


class Lesson10Dashboard(Dashboard):
    """Every headline metric for one profile and configuration, POP3 beside IMAP."""

    lesson = 10
    title = "Capstone: which protocol would you choose?"
    figure_name = "scorecard"
    figure_size = (10.0, 5.6)
    controls = (
        Control("profile", "user profile", ControlKind.CHOICE, "family", options=PROFILES),
        Control(
            "tls",
            "TLS",
            ControlKind.CHOICE,
            _enum_default(_tls_options(), "implicit"),
            options=_tls_options(),
        ),
        control(
            "poll_interval_min", "poll interval", ControlKind.FLOAT, 10.0, step=1.0, unit="min"
        ),
        control(
            "leave_on_server_days",
            "POP3: leave on server",
            ControlKind.OPTIONAL_INT,
            None,
            low=LEAVE_DAYS_LOW,
            on_value=14,  # Thunderbird's new-account default
            unit="days",
            off_label="delete after download",
        ),
        Control("imap_idle", "IMAP uses IDLE", ControlKind.TOGGLE, True),
        Control("imap_qresync", "IMAP resyncs by QRESYNC", ControlKind.TOGGLE, False),
        dataclasses.replace(
            control(
                "crash_day",
                "first device crashes on day",
                ControlKind.OPTIONAL_INT,
                None,
                off_label="no crash",
            ),
            max_from="days",
        ),
        Control(
            "imap_fetch",
            "IMAP downloads",
            ControlKind.CHOICE,
            _enum_default(_fetch_options(), "full_offline"),
            options=_fetch_options(),
        ),
        Control(
            "delay_device",
            "notification delay of",
            ControlKind.CHOICE,
            "phone",
            options=DELAY_DEVICES,
        ),
        DAYS,
        SEED,
    )

    def check(self, values: Mapping[str, Any]) -> None:
        day = values["crash_day"]
        if day is not None and day > values["days"]:
            raise ValueError(
                f"crash_day: {day} is after the end of the run (days={values['days']}); "
                f"allowed 0..{values['days']}"
            )

    def __init__(self, **values: Any) -> None:
        # the runs by every control but ``delay_device`` (which device's delay the scorecard
        # shows): choosing another device runs nothing again
        self._runs: Recent[CapstoneData] = Recent()
        super().__init__(**values)

    def clear_cache(self) -> None:
        super().clear_cache()
        self._runs.clear()

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> CapstoneData:
        key = key_of(values, (k for k in values if k != "delay_device"))
        data = self._runs.fetch(key, lambda: self._simulate(values, progress))
        progress(1.0)
        return data

    def _simulate(self, values: Mapping[str, Any], progress: Progress) -> CapstoneData:
        from sim.lessons.experiments import capstone

        # campus runs its users in shards on every core (the same results as one run)
        r = capstone(
            profile=values["profile"],
            tls=values["tls"],
            poll_interval_min=values["poll_interval_min"],
            leave_on_server_days=values["leave_on_server_days"],
            imap_idle=values["imap_idle"],
            imap_qresync=values["imap_qresync"],
            crash_day=values["crash_day"],
            imap_fetch=values["imap_fetch"],
            days=values["days"],
            seed=values["seed"],
            progress=progress,
        )
        return CapstoneData(r.pop3, r.imap)

    def _metrics(self, data: CapstoneData) -> list[tuple[str, str, float, float, str]]:
        p, i = data.pop3, data.imap

        def dev(r: Any) -> float:
            return sum(d.storage_bytes for d in r.devices)

        def per_day(r: Any) -> float:
            return r.summary.radio_wakeups / len(r.devices) / (r.duration_s / 86400.0)

        which_dev = self.values["delay_device"]
        whose = delay_label(self.values["profile"], which_dev)
        return [
            (
                "Bytes on the wire (all devices)",
                "MB",
                mb(p.summary.wire_bytes),
                mb(i.summary.wire_bytes),
                "lower",
            ),
            *(
                [
                    (
                        "Bytes on metered links",
                        "MB",
                        mb(p.summary.metered_wire_bytes),
                        mb(i.summary.metered_wire_bytes),
                        "lower",
                    )
                ]
                if any(d.metered for d in p.devices)
                else []
            ),
            (
                "Mail kept on the server",
                "MB",
                mb(p.summary.server_storage_bytes),
                mb(i.summary.server_storage_bytes),
                "trade-off",
            ),
            ("Mail kept on the devices", "MB", mb(dev(p)), mb(dev(i)), "trade-off"),
            (
                "Consistency across devices",
                "%",
                pct(p.summary.consistency_mean_share),
                pct(i.summary.consistency_mean_share),
                "higher",
            ),
            (
                f"Median notification delay ({whose})",
                "s",
                delay_of(p, which_dev).median_s,
                delay_of(i, which_dev).median_s,
                "lower",
            ),
            (
                f"Messages some device never got (of {p.conservation.delivered} delivered)",
                "messages",
                float(p.summary.missed_messages),
                float(i.summary.missed_messages),
                "lower",
            ),
            ("Radio wake-ups per device and day (battery)", "", per_day(p), per_day(i), "lower"),
            (
                "Time with a connection open",
                "h",
                p.summary.connection_time_s / 3600,
                i.summary.connection_time_s / 3600,
                "trade-off",
            ),
            (
                "Lost in crashes",
                "messages",
                float(p.summary.crash_lost_messages),
                float(i.summary.crash_lost_messages),
                "lower",
            ),
            (
                "Search recall",
                "%",
                pct(p.summary.search_recall_share),
                pct(i.summary.search_recall_share),
                "higher",
            ),
        ]

    def compute_results(self, data: CapstoneData) -> dict[str, float | str]:
        p, i = data.pop3.summary, data.imap.summary
        wp, wi = mb(p.wire_bytes), mb(i.wire_bytes)
        cp, ci = pct(p.consistency_mean_share), pct(i.consistency_mean_share)
        return {
            "wire_mb_pop3": wp,
            "wire_mb_imap": wi,
            "consistency_pct_pop3": cp,
            "consistency_pct_imap": ci,
            "median_delay_s_pop3": delay_of(data.pop3, self.values["delay_device"]).median_s,
            "median_delay_s_imap": delay_of(data.imap, self.values["delay_device"]).median_s,
            "less_wire": which_smaller(wp, wi, abs_tol=0.05),
            "more_consistent": which(cp, ci, abs_tol=1.0),
        }

    def summary(self, data: CapstoneData) -> str:
        lines = []
        if self.values["profile"] == "campus":
            lines.append("Campus: every number is a total over 500 users and their 1,500 devices.")
        for title, unit, p, i, better in self._metrics(data):
            if better in ("lower", "higher"):
                winner = (which_smaller if better == "lower" else which)(p, i, abs_tol=1e-9)
                verdict = {"pop3": "POP3 better", "imap": "IMAP better", "same": "a tie"}[winner]
            else:
                verdict = "a trade-off"
            lines.append(
                f"{title}: POP3 {format_value(p, unit)}, IMAP {format_value(i, unit)} ({verdict})."
            )
        return "\n".join(lines)

    def draw(self, fig: Figure, data: CapstoneData) -> None:
        """Every metric as a row, POP3 beside IMAP."""
        self.draw_on(self.make_axes(fig, data), data)

    def make_axes(self, fig: Figure, data: CapstoneData) -> list[Axes]:
        """One axes: a row per metric (a row more or less takes no new axes)."""
        fig.clear()  # as figures.scorecard: an exported figure may not be empty
        return [fig.subplots()]

    def draw_on(self, axes: Sequence[Axes], data: CapstoneData) -> None:
        figures.draw_scorecard(axes[0], self._metrics(data))

    def key_figures(self) -> list[tuple[str, FigureDrawer]]:
        data = self.data
        return super().key_figures() + [
            ("bandwidth_by_kind", lambda fig: figures.bandwidth_by_kind(fig, data.pop3, data.imap)),
        ]


DASHBOARD = Lesson10Dashboard
