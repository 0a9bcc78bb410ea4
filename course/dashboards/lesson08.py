"""Lesson 8 — search: on the server (IMAP) or in what the device holds (POP3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import figures
from course.dashboards.base import ControlKind, Dashboard, Progress, which
from course.dashboards.common import (
    DAYS,
    LEAVE_DAYS_LOW,
    SEED,
    control,
    nan_to,
    numbers,
    pct,
    short,
)
from course.predict import format_value


def _phone_search_bytes(result: Any) -> float:
    """Mean wire bytes of the phone's searches in ``result`` (0 when it searched locally)."""
    xs = [s.up_bytes + s.down_bytes for s in result.searches if short(s.device) == "phone"]
    return sum(xs) / len(xs) if xs else 0.0


class Lesson8Dashboard(Dashboard):
    """IMAP searches on the server, POP3 on the device (DESIGN.md §5, row 8)."""

    lesson = 8
    title = "Can you find old mail from any device?"
    figure_name = "search_recall_and_cost"
    controls = (
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
        DAYS,
        SEED,
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        from sim.lessons.experiments import lesson8_search

        return lesson8_search(**values)

    def compute_results(self, data: Any) -> dict[str, float | str]:
        np_, ni = pct(data.new_device_recall_pop3), pct(data.new_device_recall_imap)
        return {
            "recall_pct_phone_pop3": pct(data.phone_recall_pop3),
            "recall_pct_phone_imap": pct(data.phone_recall_imap),
            "recall_pct_new_device_pop3": np_,
            "recall_pct_new_device_imap": ni,
            "search_kb_phone_pop3": _phone_search_bytes(data.pop3) / 1e3,
            "search_kb_phone_imap": _phone_search_bytes(data.imap) / 1e3,
            "better_recall_new_device": which(nan_to(np_), nan_to(ni), abs_tol=1.0),
        }

    def summary(self, data: Any) -> str:
        r = numbers(self.compute_results(data))
        return (
            f"The phone's searches found {format_value(r['recall_pct_phone_pop3'], '%')} of the "
            f"matching mail under POP3 and {format_value(r['recall_pct_phone_imap'], '%')} under IMAP. "
            f"A brand-new device searching at the end found "
            f"{format_value(r['recall_pct_new_device_pop3'], '%')} under POP3 and "
            f"{format_value(r['recall_pct_new_device_imap'], '%')} under IMAP, which cost "
            f"{format_value(data.new_device_search_bytes_imap / 1e3, 'kB')} on the wire and "
            f"{format_value(data.new_device_search_s_imap, 's')}.\n"
            f"A POP3 search costs no bytes — it only sees what the device already downloaded."
        )

    def draw(self, fig: Figure, data: Any) -> None:
        """Share of matching mail each device's search finds (left) and its bytes on the wire."""
        self.draw_on(self.make_axes(fig, data), data)

    def make_axes(self, fig: Figure, data: Any) -> list[Axes]:
        """Recall and cost, side by side."""
        fig.clear()  # as figures.search_recall: an exported figure may not be empty
        return list(fig.subplots(1, 2))

    def draw_on(self, axes: Sequence[Axes], data: Any) -> None:
        left, right = axes
        figures.draw_search_recall(
            left,
            right,
            ["phone", "new device"],
            [data.phone_recall_pop3, data.new_device_recall_pop3],
            [data.phone_recall_imap, data.new_device_recall_imap],
            [_phone_search_bytes(data.pop3), 0.0],
            [_phone_search_bytes(data.imap), float(data.new_device_search_bytes_imap)],
        )


DASHBOARD = Lesson8Dashboard
