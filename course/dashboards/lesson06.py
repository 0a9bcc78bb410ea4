"""Lesson 6 — leaving mail on the server: the article's two-client advice, duplicates and misses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from course import figures, style
from course.dashboards.base import Control, ControlKind, Dashboard, Progress, which
from course.dashboards.common import DAYS, SEED, by_short, control, mb, order_devices
from course.predict import format_value


class Lesson6Dashboard(Dashboard):
    """POP3 can leave copies on the server; with two clients, one may miss mail (DESIGN.md §5, row 6)."""

    lesson = 6
    title = "Two POP3 clients, one mailbox: who gets what?"
    figure_name = "missed_and_duplicates"
    controls = (
        control("first_leave_days", "laptop leaves copies for", ControlKind.OPTIONAL_INT, 14,
                unit="days", off_label="laptop deletes after download"),
        Control("second_leaves", "desktop leaves copies too", ControlKind.TOGGLE, False),
        Control("uidl", "clients use UIDL", ControlKind.TOGGLE, True),
        control("poll_interval_min", "poll interval", ControlKind.FLOAT, 10.0, step=1.0, unit="min"),
        DAYS,
        SEED,
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        from sim.experiments import lesson6_leave_on_server

        return lesson6_leave_on_server(**values)

    def _missed(self, data: Any) -> tuple[list[str], dict[str, float], dict[str, float]]:
        pop3, imap = by_short(data.missed_pop3), by_short(data.missed_imap)
        return order_devices(sorted(set(pop3) | set(imap))), pop3, imap

    def compute_results(self, data: Any) -> dict[str, float | str]:
        _, pop3, imap = self._missed(data)
        mp, mi = float(sum(pop3.values())), float(sum(imap.values()))
        return {
            "missed_messages_pop3": mp,
            "missed_messages_imap": mi,
            "duplicate_mb_pop3": mb(data.duplicate_bytes_pop3),
            "duplicate_mb_imap": mb(data.duplicate_bytes_imap),
            "server_mb_pop3": mb(data.server_bytes_pop3),
            "server_mb_imap": mb(data.server_bytes_imap),
            "more_missed": which(mp, mi, abs_tol=0.5),
        }

    def summary(self, data: Any) -> str:
        names, pop3, imap = self._missed(data)
        delivered = data.pop3.conservation.delivered
        missed = "; ".join(f"the {style.device_label(n)} missed {pop3.get(n, 0):.0f} of {delivered} "
                           f"under POP3 and {imap.get(n, 0):.0f} under IMAP" for n in names)
        return (
            f"{missed[0].upper()}{missed[1:]}.\n"
            f"Downloaded more than once: {format_value(mb(data.duplicate_bytes_pop3), 'MB')} (POP3) vs "
            f"{format_value(mb(data.duplicate_bytes_imap), 'MB')} (IMAP). "
            f"POP3 sessions refused because the other client held the maildrop lock: "
            f"{data.lock_refusals_pop3}. Left on the server at the end: "
            f"{format_value(mb(data.server_bytes_pop3), 'MB')} (POP3) vs "
            f"{format_value(mb(data.server_bytes_imap), 'MB')} (IMAP)."
        )

    def draw(self, fig: Figure, data: Any) -> None:
        names, pop3, imap = self._missed(data)
        figures.missed_and_duplicates(fig, names, [pop3.get(n, 0) for n in names],
                                      [imap.get(n, 0) for n in names],
                                      data.pop3.conservation.delivered,
                                      data.duplicate_bytes_pop3, data.duplicate_bytes_imap)


DASHBOARD = Lesson6Dashboard
