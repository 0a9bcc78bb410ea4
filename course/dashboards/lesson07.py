"""Lesson 7 — viruses: infected mail reaching devices, scanning once vs on every device."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from course import figures
from course.dashboards.base import ControlKind, Dashboard, Progress, which
from course.dashboards.common import DAYS, SEED, control
from course.predict import format_value


class Lesson7Dashboard(Dashboard):
    """Scanning is easier when mail stays on the server (DESIGN.md §5, row 7)."""

    lesson = 7
    title = "Where is infected mail caught?"
    figure_name = "virus_exposure"
    controls = (
        control("infected_share", "infected share of mail", ControlKind.FLOAT, 0.05, step=0.01),
        control("signature_delay_h", "signature update after", ControlKind.FLOAT, 6.0, step=1.0,
                unit="h"),
        DAYS,
        SEED,
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        from sim.experiments import lesson7_virus

        return lesson7_virus(**values)

    def compute_results(self, data: Any) -> dict[str, float | str]:
        p, i = float(data.virus_pop3.reached_devices), float(data.virus_imap.reached_devices)
        return {"exposed_pop3": p, "exposed_imap": i, "more_exposed": which(p, i, abs_tol=0.5)}

    def summary(self, data: Any) -> str:
        vp, vi = data.virus_pop3, data.virus_imap
        return (
            f"{vp.infected_delivered} infected messages arrived; the server caught "
            f"{vp.caught_at_delivery} at delivery under both protocols (the same scan). "
            f"Later signature updates caught {vp.caught_by_rescan} more under POP3 and "
            f"{vi.caught_by_rescan} under IMAP.\n"
            f"Infected copies that reached a device before being caught: {vp.reached_devices} under "
            f"POP3, {vi.reached_devices} under IMAP. Devices scanned "
            f"{format_value(vp.device_scan_bytes / 1e6, 'MB')} under POP3 and "
            f"{format_value(vi.device_scan_bytes / 1e6, 'MB')} under IMAP; the server "
            f"{format_value(vp.server_scan_bytes / 1e6, 'MB')} vs "
            f"{format_value(vi.server_scan_bytes / 1e6, 'MB')}."
        )

    def draw(self, fig: Figure, data: Any) -> None:
        figures.virus_exposure(fig, data.virus_pop3, data.virus_imap)


DASHBOARD = Lesson7Dashboard
