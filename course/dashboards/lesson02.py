"""Lesson 2 — ports and TLS: the round trips before a client can log in, and what is in clear."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matplotlib.figure import Figure

from course import figures
from course.dashboards.base import ControlKind, Dashboard, Progress
from course.dashboards.common import control
from course.style import Protocol


def _row_protocol(row: Any) -> Protocol:
    value = getattr(row.protocol, "value", row.protocol)
    return Protocol.POP3 if str(value).lower().startswith("pop") else Protocol.IMAP


def _row_key(row: Any) -> str:
    """``pop3_110``, ``pop3_110_stls``, ``pop3_995``, ``imap_143``, ``imap_143_starttls``, ``imap_993``."""
    proto = _row_protocol(row)
    mode = str(getattr(row.tls, "value", row.tls)).lower()
    key = f"{proto.value.lower()}_{row.port}"
    if mode == "starttls":
        key += "_stls" if proto is Protocol.POP3 else "_starttls"
    return key


def _row_label(row: Any) -> str:
    proto = _row_protocol(row)
    mode = str(getattr(row.tls, "value", row.tls)).lower()
    extra = {"none": "no TLS", "starttls": "STLS" if proto is Protocol.POP3 else "STARTTLS",
             "implicit": "implicit TLS"}.get(mode, mode)
    return f"{proto.value} {row.port} ({extra})"


class Lesson2Dashboard(Dashboard):
    """POP3 uses 110/995, IMAP 143/993; what TLS costs and hides (DESIGN.md §5, row 2)."""

    lesson = 2
    title = "Ports, TLS and the first round trips"
    figure_name = "connection_setup"
    controls = (
        control("rtt_ms", "round-trip time", ControlKind.LOG_FLOAT, 50.0, unit="ms"),
        control("bandwidth_kbps", "bandwidth", ControlKind.LOG_FLOAT, 10000.0, unit="kbit/s"),
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        from sim.experiments import lesson2_ports_and_tls

        return lesson2_ports_and_tls(**values)

    def _rows(self, data: Any) -> dict[str, Any]:
        return {_row_key(r): r for r in data.rows}

    def compute_results(self, data: Any) -> dict[str, float | str]:
        rows = self._rows(data)
        rt = {k: float(r.round_trips) for k, r in rows.items()}
        pop_clear = rows["pop3_110"].password_in_clear
        imap_clear = rows["imap_143"].password_in_clear
        clear = {(True, True): "both", (True, False): "pop3", (False, True): "imap",
                 (False, False): "neither"}[(bool(pop_clear), bool(imap_clear))]
        return {
            "round_trips_pop3_110_stls": rt["pop3_110_stls"],
            "round_trips_pop3_995": rt["pop3_995"],
            "round_trips_imap_143_starttls": rt["imap_143_starttls"],
            "round_trips_imap_993": rt["imap_993"],
            "starttls_extra_round_trips": rt["imap_143_starttls"] - rt["imap_993"],
            "cleartext_password": clear,
        }

    def summary(self, data: Any) -> str:
        rows = self._rows(data)
        r = self.compute_results(data)
        ms = lambda k: f"{1000 * rows[k].setup_s:.0f} ms"  # noqa: E731
        return (
            f"Before the first command after login: POP3 needs {r['round_trips_pop3_110_stls']:.0f} round "
            f"trips on 110 with STLS ({ms('pop3_110_stls')}) but {r['round_trips_pop3_995']:.0f} on 995 "
            f"({ms('pop3_995')}); IMAP needs {r['round_trips_imap_143_starttls']:.0f} on 143 with "
            f"STARTTLS ({ms('imap_143_starttls')}) and {r['round_trips_imap_993']:.0f} on 993 "
            f"({ms('imap_993')}).\n"
            f"Without TLS (110, 143) the password crosses the wire readable for "
            f"{'both protocols' if r['cleartext_password'] == 'both' else r['cleartext_password']}."
        )

    def draw(self, fig: Figure, data: Any) -> None:
        rows = [dict(label=_row_label(r), protocol=_row_protocol(r), round_trips=r.round_trips,
                     seconds=r.setup_s, cleartext=bool(r.password_in_clear)) for r in data.rows]
        figures.connection_setup(fig, rows)


DASHBOARD = Lesson2Dashboard
