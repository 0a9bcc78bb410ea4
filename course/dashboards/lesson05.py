"""Lesson 5 — read, answered, flagged: does the state follow the message to every device?"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import figures
from course.dashboards.base import ControlKind, Dashboard, FigureDrawer, Progress, which
from course.dashboards.common import DAYS, SEED, control, numbers, pct
from course.predict import format_value


class Lesson5Dashboard(Dashboard):
    """IMAP flags are visible from every client, POP3's are not (DESIGN.md §5, row 5)."""

    lesson = 5
    title = "Is a message read everywhere once you read it somewhere?"
    figure_name = "consistency_over_time"
    figure_size = (10.0, 8.0)
    controls = (
        control("phone_offline_h", "phone offline for", ControlKind.FLOAT, 0.0, step=1.0, unit="h"),
        DAYS,
        SEED,
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        from sim.lessons.experiments import lesson5_flags

        return lesson5_flags(**values)

    def compute_results(self, data: Any) -> dict[str, float | str]:
        cp = pct(data.pop3.summary.consistency_mean_share)
        ci = pct(data.imap.summary.consistency_mean_share)
        return {
            "consistency_pct_pop3": cp,
            "consistency_pct_imap": ci,
            "state_agreement_pct_pop3": pct(data.pop3.summary.state_agreement_mean_share),
            "state_agreement_pct_imap": pct(data.imap.summary.state_agreement_mean_share),
            "more_consistent": which(cp, ci, abs_tol=1.0),
        }

    def summary(self, data: Any) -> str:
        r = numbers(self.compute_results(data))
        flags = "; ".join(
            f"{flag}: {format_value(pct(p), '%')} vs {format_value(pct(i), '%')}"
            for (flag, p), (_, i) in zip(data.flag_agreement_pop3, data.flag_agreement_imap)
        )
        return (
            f"On average {format_value(r['consistency_pct_pop3'], '%')} of (message, device) pairs "
            f"were consistent under POP3 and {format_value(r['consistency_pct_imap'], '%')} under IMAP. "
            f"Where a device has the message, it shows the intended flags and folder "
            f"{format_value(r['state_agreement_pct_pop3'], '%')} of the time under POP3 vs "
            f"{format_value(r['state_agreement_pct_imap'], '%')} under IMAP.\n"
            f"Per flag at the end (POP3 vs IMAP) — {flags}."
        )

    def draw(self, fig: Figure, data: Any) -> None:
        """Consistency over time (top) and, from the same run, each flag's agreement at the end
        (below): which part of the state follows the message to every device."""
        self.draw_on(self.make_axes(fig, data), data)

    def make_axes(self, fig: Figure, data: Any) -> list[Axes]:
        """Consistency, POP3 | IMAP (top), and the flags' agreement across the width (below)."""
        grid = fig.add_gridspec(2, 2, height_ratios=(1.2, 1.0))
        pair = figures.protocol_pair(fig, grid[0, 0], grid[0, 1], "consistent pairs over time")
        return [*pair, fig.add_subplot(grid[1, :])]

    def draw_on(self, axes: Sequence[Axes], data: Any) -> None:
        left, right, flags = axes
        figures.draw_consistency(left, right, data.pop3, data.imap)
        figures.draw_flag_agreement(flags, data.flag_agreement_pop3, data.flag_agreement_imap)

    def key_figures(self) -> list[tuple[str, FigureDrawer]]:
        """The dashboard's two rows, each as a figure of its own."""
        data = self.data
        return [
            (
                self.figure_name,
                lambda fig: figures.consistency_over_time(fig, data.pop3, data.imap),
            ),
            (
                "flag_agreement",
                lambda fig: figures.flag_agreement(
                    fig, data.flag_agreement_pop3, data.flag_agreement_imap
                ),
            ),
        ]


DASHBOARD = Lesson5Dashboard
