"""Lesson 4 — folders: messages filed into folders, seen (or not) in that folder on every device."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import figures, style
from course.dashboards.base import ControlKind, Dashboard, Progress, which
from course.dashboards.common import DAYS, SEED, by_short, control, order_devices


class Lesson4Dashboard(Dashboard):
    """IMAP folders live on the server; POP3 has one maildrop (DESIGN.md §5, row 4)."""

    lesson = 4
    title = "Do folders follow you to other devices?"
    figure_name = "filed_messages_by_device"
    controls = (
        # the label says the unit: a unit of "per day" read "messages filed per day (per day)"
        control("file_per_day", "messages filed per day", ControlKind.FLOAT, 5.0, step=0.5),
        DAYS,
        SEED,
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        from sim.lessons.experiments import lesson4_folders

        return lesson4_folders(**values)

    def _seen(self, data: Any) -> tuple[list[str], dict[str, float], dict[str, float]]:
        pop3 = by_short(data.filed_seen_elsewhere_pop3)
        imap = by_short(data.filed_seen_elsewhere_imap)
        names = order_devices(sorted(set(pop3) | set(imap)))
        return names, pop3, imap

    def compute_results(self, data: Any) -> dict[str, float | str]:
        _, pop3, imap = self._seen(data)

        def get(d: Mapping[str, float], k: str) -> float:
            return float(d.get(k, 0.0))

        others_pop3 = sum(pop3.values())
        others_imap = sum(imap.values())
        return {
            "filed": float(data.filed),
            "phone_filed_pop3": get(pop3, "phone"),
            "phone_filed_imap": get(imap, "phone"),
            "new_device_filed_pop3": get(pop3, "new"),
            "new_device_filed_imap": get(imap, "new"),
            "folders_everywhere": which(others_pop3, others_imap, abs_tol=0.5),
        }

    def summary(self, data: Any) -> str:
        names, pop3, imap = self._seen(data)
        if data.filed == 0:
            return "No message was filed into a folder in this run: raise the filing rate."
        parts = [
            f"{style.device_label(n)}: {pop3.get(n, 0):.0f} (POP3) vs {imap.get(n, 0):.0f} (IMAP)"
            for n in names
        ]
        return (
            f"The user filed {data.filed} messages into folders, on whichever device they were "
            f"reading. How many of them each device shows in the intended folder — "
            + "; ".join(parts)
            + "."
        )

    def draw(self, fig: Figure, data: Any) -> None:
        """Per device, the filed messages it shows in the intended folder, against all filed."""
        self.draw_on(self.make_axes(fig, data), data)

    def make_axes(self, fig: Figure, data: Any) -> list[Axes]:
        """One axes: a pair of bars per device."""
        fig.clear()  # an exported figure may not be empty
        return [fig.subplots()]

    def draw_on(self, axes: Sequence[Axes], data: Any) -> None:
        (ax,) = axes
        names, pop3, imap = self._seen(data)
        figures.grouped_bars(
            ax,
            [style.device_label(n) for n in names],
            [pop3.get(n, 0) for n in names],
            [imap.get(n, 0) for n in names],
            "filed messages shown in the intended folder",
            "{:.0f}",
        )
        ax.axhline(data.filed, color=style.GREY, linestyle="--", linewidth=1.2)
        ax.text(
            -0.45,
            data.filed,
            f"filed: {data.filed}",
            va="bottom",
            ha="left",
            fontsize=9,
            color=style.GREY,
        )
        ax.set_ylim(0, max(data.filed, 1) * 1.25)
        ax.set_title("Filed messages each device shows in the intended folder", loc="left")


DASHBOARD = Lesson4Dashboard
