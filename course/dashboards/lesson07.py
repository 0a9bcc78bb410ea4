"""Lesson 7 — viruses: where infected copies land before a signature update recognises them,
and where the scanning work happens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import figures, style
from course.dashboards.base import Control, ControlKind, Dashboard, Progress, which
from course.dashboards.common import LEAVE_DAYS_LOW, SEED, by_short, control, order_devices, plural
from course.predict import format_value
from sim.inputs.defaults import ZERO_DAY_SHARE


def _defaults() -> dict[str, Any]:
    """The experiment's own defaults (the model's infected share, signature delay; the seed)."""
    import inspect

    from sim.lessons.experiments import lesson7_virus

    return {k: p.default for k, p in inspect.signature(lesson7_virus).parameters.items()}


_D = _defaults()


def _minutes(seconds: float) -> str:
    m = seconds / 60.0
    if m < 1:
        return "under a minute"
    return f"{m:.0f} min" if m < 90 else f"{m / 60:.1f} h"


def _clock(t: float) -> str:
    """Simulated seconds -> ``day 4, 15:16`` (day 1 starts at 0 s)."""
    day, rest = divmod(t, 86400.0)
    return f"day {int(day) + 1}, {int(rest // 3600):02d}:{int(rest % 3600 // 60):02d}"


class Lesson7Dashboard(Dashboard):
    """Scanning is easier when mail stays on the server (DESIGN.md §5, row 7)."""

    lesson = 7
    title = "Where do infected copies land?"
    figure_name = "virus_copies"
    assumptions = (
        f"the model's assumed virus figures: {100 * _D['infected_share']:g} % of mail infected "
        f"by default, {100 * ZERO_DAY_SHARE:g} % of infected messages unknown to the "
        "signatures at delivery (zero-days), each recognised by a signature update after an "
        "exponentially distributed delay; the provider's server scans at delivery and rescans "
        "stored mail at each update, and every device scans what it downloads with the same "
        "signatures"
    )
    controls = (
        control(
            "infected_share",
            "infected share of mail",
            ControlKind.FLOAT,
            _D["infected_share"],
            step=0.001,
        ),
        control(
            "signature_delay_h",
            "signature update after (mean)",
            ControlKind.FLOAT,
            _D["signature_delay_h"],
            step=1.0,
            unit="h",
        ),
        control(
            "leave_on_server_days",
            "POP3 leaves copies for",
            ControlKind.OPTIONAL_INT,
            _D["leave_on_server_days"],
            low=LEAVE_DAYS_LOW,
            unit="days",
            off_label="POP3 deletes after download",
        ),
        Control(
            "imap_offline", "IMAP keeps offline copies of every message", ControlKind.TOGGLE, False
        ),
        control("days", "simulated days", ControlKind.INT, _D["days"], unit="days"),
        control("seed", SEED.label, ControlKind.SEED, _D["seed"]),
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        from sim.lessons.experiments import lesson7_virus

        return lesson7_virus(**values)

    def _copies(self, data: Any) -> tuple[list[str], dict[str, float], dict[str, float]]:
        pop3 = by_short((d.device, d.infected_reached) for d in data.pop3.devices)
        imap = by_short((d.device, d.infected_reached) for d in data.imap.devices)
        return order_devices(sorted(set(pop3) | set(imap))), pop3, imap

    def compute_results(self, data: Any) -> dict[str, float | str]:
        p, i = float(data.copies_pop3), float(data.copies_imap)
        return {
            "exposed_pop3": p,
            "exposed_imap": i,
            "caught_by_rescan_pop3": float(data.virus_pop3.caught_by_rescan),
            "caught_by_rescan_imap": float(data.virus_imap.caught_by_rescan),
            "more_exposed": which(p, i, abs_tol=0.5),
        }

    def _message_line(self, z: Any) -> str:
        where = []
        for name, copies in (("POP3", z.copies_pop3), ("IMAP", z.copies_imap)):
            if copies:
                got = ", ".join(
                    f"the {style.device_label(d)} after {_minutes(t - z.arrived_s)}"
                    for d, t in copies
                )
                where.append(f"{name} put it on {got}")
            else:
                where.append(f"{name} put it on no device")
        when = (
            f"a signature update recognised it {_minutes(z.detected_s - z.arrived_s)} later"
            if z.detected_s is not None
            else "no signature update recognised it before the end of the run"
        )
        return f"- arrived {_clock(z.arrived_s)}; {when}. Before that, {'; '.join(where)}."

    def summary(self, data: Any) -> str:
        vp, vi = data.virus_pop3, data.virus_imap
        zero = len(data.zero_days)
        if not vp.infected_delivered:
            return (
                f"No infected message arrived in this run: at a share of "
                f"{format_value(100 * self.values['infected_share'], '%')} most weeks bring "
                f"none. Raise the share or try other seeds (the default seed, "
                f"{_D['seed']}, is a week in which one arrives).\n"
                f"Scanning still costs work: the devices scanned "
                f"{format_value(vp.device_scan_bytes / 1e6, 'MB')} under POP3 and "
                f"{format_value(vi.device_scan_bytes / 1e6, 'MB')} under IMAP; the server "
                f"{format_value(vp.server_scan_bytes / 1e6, 'MB')} vs "
                f"{format_value(vi.server_scan_bytes / 1e6, 'MB')}."
            )
        passed = (
            f"{plural(zero, 'zero-day')} got through: no signature knew "
            f"{'it' if zero == 1 else 'them'} yet."
            if zero
            else "Nothing got through."
        )
        head = (
            f"{plural(vp.infected_delivered, 'infected message')} arrived; the server's scan at "
            f"delivery stopped {vp.caught_at_delivery} under both protocols (the same scan). "
            f"{passed}"
        )
        lines = [head]
        shown = data.zero_days[:3]
        lines += [self._message_line(z) for z in shown]
        if zero > len(shown):
            lines.append(f"- ... and {zero - len(shown)} more.")
        kept = ""
        if data.kept_off_devices_pop3 or data.kept_off_devices_imap:
            kept = (
                f" Zero-days recognised before any device held them: "
                f"{data.kept_off_devices_pop3} (POP3), {data.kept_off_devices_imap} (IMAP)."
            )
        lines.append(
            f"Infected copies on devices, counted as (message, device) pairs: "
            f"{data.copies_pop3} under POP3, {data.copies_imap} under IMAP. A server rescan "
            f"quarantined {plural(vp.caught_by_rescan, 'message')} under POP3 and "
            f"{plural(vi.caught_by_rescan, 'message')} under IMAP.{kept}"
        )
        lines.append(
            f"Scanning: the devices scanned {format_value(vp.device_scan_bytes / 1e6, 'MB')} "
            f"under POP3 and {format_value(vi.device_scan_bytes / 1e6, 'MB')} under IMAP; the "
            f"server {format_value(vp.server_scan_bytes / 1e6, 'MB')} vs "
            f"{format_value(vi.server_scan_bytes / 1e6, 'MB')}."
        )
        return "\n".join(lines)

    def draw(self, fig: Figure, data: Any) -> None:
        self.draw_on(self.make_axes(fig, data), data)

    def make_axes(self, fig: Figure, data: Any) -> list[Axes]:
        """Infected messages, infected copies per device, scanning work (side by side)."""
        fig.clear()  # as figures.virus_copies: an exported figure may come with something on it
        return figures.virus_axes(fig)

    def draw_on(self, axes: Sequence[Axes], data: Any) -> None:
        names, pop3, imap = self._copies(data)
        figures.draw_virus_copies(
            axes,
            names,
            [pop3.get(n, 0) for n in names],
            [imap.get(n, 0) for n in names],
            data.virus_pop3,
            data.virus_imap,
        )


DASHBOARD = Lesson7Dashboard
