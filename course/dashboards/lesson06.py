"""Lesson 6 — leaving mail on the server: the article's two-client advice, duplicates, misses and
the POP3 maildrop lock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import figures, style
from course.dashboards.base import Control, ControlKind, Dashboard, Progress, which
from course.dashboards.common import (
    DAYS,
    LEAVE_DAYS_LOW,
    SEED,
    by_short,
    control,
    mb,
    order_devices,
    plural,
)
from course.predict import format_value

# both computers' download bandwidth (kbit/s; None: the presets' links); RANGES["bandwidth_kbps"]
LINKS: tuple[tuple[str, Any], ...] = (
    ("fast (Wi-Fi 20 Mbit/s, wired 50 Mbit/s)", None),
    ("2 Mbit/s", 2000.0),
    ("512 kbit/s", 512.0),
    ("128 kbit/s", 128.0),
    ("56 kbit/s (a modem)", 56.0),
)


class Lesson6Dashboard(Dashboard):
    """POP3 can leave copies on the server; with two clients, one may miss mail (DESIGN.md §5, row 6)."""

    lesson = 6
    title = "Two POP3 clients, one mailbox: who gets what?"
    figure_name = "two_clients_and_lock"
    preset = "two_clients"
    assumptions = (
        "the preset's online hours (laptop 7-9 h and 18-23 h, desktop 9-17 h, or also 18-23 h "
        "when switched on); the model's documented message sizes and rates; each client polls "
        "on its own clock, a little after it comes online"
    )
    controls = (
        control(
            "first_leave_days",
            "laptop leaves copies for",
            ControlKind.OPTIONAL_INT,
            14,
            low=LEAVE_DAYS_LOW,
            unit="days",
            off_label="laptop deletes after download",
        ),
        Control("second_leaves", "desktop leaves copies too", ControlKind.TOGGLE, False),
        Control("uidl", "clients use UIDL", ControlKind.TOGGLE, True),
        control(
            "poll_interval_min", "poll interval", ControlKind.FLOAT, 10.0, step=1.0, unit="min"
        ),
        Control(
            "desktop_evenings",
            "desktop also on 18-23 h (beside the laptop)",
            ControlKind.TOGGLE,
            False,
        ),
        Control("bandwidth_kbps", "both computers' line", ControlKind.CHOICE, None, options=LINKS),
        DAYS,
        SEED,
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        from sim.lessons.experiments import lesson6_leave_on_server

        return lesson6_leave_on_server(**values)

    def _missed(self, data: Any) -> tuple[list[str], dict[str, float], dict[str, float]]:
        pop3, imap = by_short(data.missed_pop3), by_short(data.missed_imap)
        return order_devices(sorted(set(pop3) | set(imap))), pop3, imap

    def compute_results(self, data: Any) -> dict[str, float | str]:
        # distinct messages some device missed (a message both missed counts once)
        mp = float(data.pop3.summary.missed_messages)
        mi = float(data.imap.summary.missed_messages)
        return {
            "missed_messages_pop3": mp,
            "missed_messages_imap": mi,
            "duplicate_mb_pop3": mb(data.duplicate_bytes_pop3),
            "duplicate_mb_imap": mb(data.duplicate_bytes_imap),
            "server_mb_pop3": mb(data.server_bytes_pop3),
            "server_mb_imap": mb(data.server_bytes_imap),
            "lock_refusals_pop3": float(data.lock_refusals_pop3),
            "more_missed": which(mp, mi, abs_tol=0.5),
        }

    def summary(self, data: Any) -> str:
        names, pop3, imap = self._missed(data)
        delivered = data.pop3.conservation.delivered
        missed = "; ".join(
            f"the {style.device_label(n)} missed {pop3.get(n, 0):.0f} of {delivered} "
            f"under POP3 and {imap.get(n, 0):.0f} under IMAP"
            for n in names
        )
        refused = by_short(data.refusals_pop3)
        if data.lock_refusals_pop3:
            who = " and ".join(
                f"the {n} {plural(refused[n], 'time')}" for n in names if refused.get(n)
            )
            lock = (
                f"POP3 logins refused because the other client's session held the maildrop "
                f"lock: {data.lock_refusals_pop3} ({who}); each retried at its next poll."
            )
        else:
            lock = (
                "POP3 logins refused because the other client's session held the maildrop "
                "lock: 0 -- no session began while the other client's was still running."
            )
        hours = "; ".join(
            f"{style.device_label(n)} " + " and ".join(f"{a:g}-{b:g} h" for a, b in windows)
            for n, windows in data.online_h
        )
        return (
            f"Online: {hours}.\n"
            f"{missed[0].upper()}{missed[1:]}.\n"
            f"Downloaded more than once: {format_value(mb(data.duplicate_bytes_pop3), 'MB')} (POP3) vs "
            f"{format_value(mb(data.duplicate_bytes_imap), 'MB')} (IMAP). {lock} "
            f"Left on the server at the end: "
            f"{format_value(mb(data.server_bytes_pop3), 'MB')} (POP3) vs "
            f"{format_value(mb(data.server_bytes_imap), 'MB')} (IMAP)."
        )

    def draw(self, fig: Figure, data: Any) -> None:
        """Messages each device missed, bytes downloaded twice, logins the maildrop lock refused."""
        self.draw_on(self.make_axes(fig, data), data)

    def make_axes(self, fig: Figure, data: Any) -> list[Axes]:
        """Missed, duplicates and lock refusals, side by side."""
        fig.clear()  # as figures.two_clients_and_lock: an exported figure may not be empty
        return figures.two_clients_axes(fig)

    def draw_on(self, axes: Sequence[Axes], data: Any) -> None:
        names, pop3, imap = self._missed(data)
        refused = by_short(data.refusals_pop3)
        figures.draw_two_clients(
            axes,
            names,
            [pop3.get(n, 0) for n in names],
            [imap.get(n, 0) for n in names],
            data.pop3.conservation.delivered,
            data.duplicate_bytes_pop3,
            data.duplicate_bytes_imap,
            [refused.get(n, 0) for n in names],
        )


DASHBOARD = Lesson6Dashboard
