"""Lesson 1 — where mail lives: storage on the server and on each device, what a new device sees."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import figures
from course.dashboards.base import Control, ControlKind, Dashboard, FigureDrawer, Progress, which
from course.dashboards.common import DAYS, LEAVE_DAYS_LOW, SEED, control, device_of, mb, numbers
from course.predict import format_value


def _fetch_options() -> tuple[tuple[str, Any], ...]:
    from sim.inputs.scenario import FetchMode

    labels = {
        FetchMode.HEADERS_ONLY: "headers only",
        FetchMode.BODIES_ON_OPEN: "bodies when opened",
        FetchMode.FULL_OFFLINE: "everything, for offline use",
    }
    return tuple((labels[m], m) for m in FetchMode)


def _default_fetch() -> Any:
    from sim.inputs.scenario import FetchMode

    return FetchMode.BODIES_ON_OPEN


class Lesson1Dashboard(Dashboard):
    """POP3 downloads to the device; IMAP keeps mail on the server (DESIGN.md §5, row 1)."""

    lesson = 1
    title = "Where does the mail live?"
    figure_name = "storage_over_time"
    figure_size = (10.0, 7.6)
    controls = (
        DAYS,
        SEED,
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
        Control("headers_first", "POP3: headers first (TOP)", ControlKind.TOGGLE, False),
        Control(
            "fetch",
            "IMAP: download",
            ControlKind.CHOICE,
            _default_fetch(),
            options=_fetch_options(),
        ),
        Control("attachments_eager", "IMAP: attachments eagerly", ControlKind.TOGGLE, False),
        control(
            "attachments_opened_pct",
            "attachments the user opens",
            ControlKind.FLOAT,
            50.0,
            step=5.0,
            unit="%",
        ),
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        from sim.lessons.experiments import lesson1_where_mail_lives

        return lesson1_where_mail_lives(**values)

    def compute_results(self, data: Any) -> dict[str, float | str]:
        phone_pop3 = mb(device_of(data.pop3, "phone").storage_bytes)
        phone_imap = mb(device_of(data.imap, "phone").storage_bytes)
        return {
            "phone_mb_pop3": phone_pop3,
            "phone_mb_imap": phone_imap,
            "server_mb_pop3": mb(data.pop3.summary.server_storage_bytes),
            "server_mb_imap": mb(data.imap.summary.server_storage_bytes),
            "new_device_messages_pop3": float(data.new_device_pop3),
            "new_device_messages_imap": float(data.new_device_imap),
            "more_on_phone": which(phone_pop3, phone_imap, abs_tol=0.05),
        }

    def summary(self, data: Any) -> str:
        r = numbers(self.compute_results(data))
        days = self.values["days"]
        return (
            f"After {days} days, {data.delivered} messages had arrived. "
            f"The server keeps {format_value(r['server_mb_pop3'], 'MB')} under POP3 and "
            f"{format_value(r['server_mb_imap'], 'MB')} under IMAP; the phone holds "
            f"{format_value(r['phone_mb_pop3'], 'MB')} under POP3 and "
            f"{format_value(r['phone_mb_imap'], 'MB')} under IMAP.\n"
            f"A brand-new device set up now would find {data.new_device_pop3} of "
            f"{data.delivered} messages under POP3 and {data.new_device_imap} under IMAP. "
            f"The phone downloaded {format_value(mb(data.phone_down_bytes_pop3), 'MB')} (POP3) vs "
            f"{format_value(mb(data.phone_down_bytes_imap), 'MB')} (IMAP)."
        )

    def draw(self, fig: Figure, data: Any) -> None:
        """Where the mail is over time (top) and, from the same run, what each device's bytes on
        the wire carried (bottom): the mechanism behind the storage curves."""
        self.draw_on(self.make_axes(fig, data), data)

    def make_axes(self, fig: Figure, data: Any) -> list[Axes]:
        """Storage, POP3 | IMAP (top), and bytes on the wire, POP3 | IMAP (bottom)."""
        grid = fig.add_gridspec(2, 2, height_ratios=(1.15, 1.0))
        storage = figures.protocol_pair(fig, grid[0, 0], grid[0, 1], "where the mail is")
        wire = figures.protocol_pair(
            fig, grid[1, 0], grid[1, 1], "what the bytes on the wire carried", sharey=False
        )
        return [*storage, *wire]

    def draw_on(self, axes: Sequence[Axes], data: Any) -> None:
        storage_pop3, storage_imap, wire_pop3, wire_imap = axes
        figures.draw_storage(storage_pop3, storage_imap, data.pop3, data.imap)
        figures.draw_bandwidth(wire_pop3, wire_imap, data.pop3, data.imap)
        # below the panel: inside it would cover a bar whenever IMAP's bars are long
        wire_imap.legend(
            handles=figures.kind_legend_handles(),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.2),
            ncols=3,
            fontsize=8,
        )

    def key_figures(self) -> list[tuple[str, FigureDrawer]]:
        """The dashboard's two rows, each as a figure of its own."""
        data = self.data
        return [
            ("storage_over_time", lambda fig: figures.storage_over_time(fig, data.pop3, data.imap)),
            ("bandwidth_by_kind", lambda fig: figures.bandwidth_by_kind(fig, data.pop3, data.imap)),
        ]


DASHBOARD = Lesson1Dashboard
