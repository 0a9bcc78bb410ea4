"""Lesson 2 — ports and TLS: the round trips before a client can log in, and what is in clear."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from course import figures
from course.dashboards.base import ControlKind, Dashboard, FigureDrawer, Progress
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
    extra = {
        "none": "no TLS",
        "starttls": "STLS" if proto is Protocol.POP3 else "STARTTLS",
        "implicit": "implicit TLS",
    }.get(mode, mode)
    return f"{proto.label} {row.port} ({extra})"


@dataclass(frozen=True)
class Lesson2Data:
    """The experiment's per-connection totals and the timed steps behind them."""

    result: Any
    steps: tuple[dict[str, Any], ...]


class Lesson2Dashboard(Dashboard):
    """POP3 uses 110/995, IMAP 143/993; what TLS costs and hides (DESIGN.md §5, row 2)."""

    lesson = 2
    title = "Ports, TLS and the first round trips"
    figure_name = "connection_timeline"
    preset = None
    run_description = (
        "the connection set-up and login of each port and TLS mode, as the "
        "project's POP3 and IMAP engines write them, priced on one link"
    )
    assumptions = (
        "the model's TCP and TLS 1.3 assumptions (full handshake, no session "
        "resumption; handshake sizes as documented with the TLS parameters)"
    )
    controls = (
        control("rtt_ms", "round-trip time", ControlKind.LOG_FLOAT, 50.0, unit="ms"),
        control("bandwidth_kbps", "bandwidth", ControlKind.LOG_FLOAT, 10000.0, unit="kbit/s"),
    )

    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Lesson2Data:
        from sim.lessons.experiments import lesson2_ports_and_tls

        return Lesson2Data(lesson2_ports_and_tls(**values), tuple(connection_steps(**values)))

    def _rows(self, data: Lesson2Data) -> dict[str, Any]:
        return {_row_key(r): r for r in data.result.rows}

    def compute_results(self, data: Lesson2Data) -> dict[str, float | str]:
        rows = self._rows(data)
        rt = {k: float(r.round_trips) for k, r in rows.items()}
        pop_clear = rows["pop3_110"].password_in_clear
        imap_clear = rows["imap_143"].password_in_clear
        clear = {
            (True, True): "both",
            (True, False): "pop3",
            (False, True): "imap",
            (False, False): "neither",
        }[(bool(pop_clear), bool(imap_clear))]
        return {
            "round_trips_pop3_110_stls": rt["pop3_110_stls"],
            "round_trips_pop3_995": rt["pop3_995"],
            "round_trips_imap_143_starttls": rt["imap_143_starttls"],
            "round_trips_imap_993": rt["imap_993"],
            "starttls_extra_round_trips": rt["imap_143_starttls"] - rt["imap_993"],
            "cleartext_password": clear,
        }

    def summary(self, data: Lesson2Data) -> str:
        rows = self._rows(data)
        r = self.compute_results(data)

        def ms(k: str) -> str:
            return f"{1000 * rows[k].setup_s:.0f} ms"

        return (
            f"Before the first command after login: POP3 needs {r['round_trips_pop3_110_stls']:.0f} round "
            f"trips on 110 with STLS ({ms('pop3_110_stls')}) but {r['round_trips_pop3_995']:.0f} on 995 "
            f"({ms('pop3_995')}); IMAP needs {r['round_trips_imap_143_starttls']:.0f} on 143 with "
            f"STARTTLS ({ms('imap_143_starttls')}) and {r['round_trips_imap_993']:.0f} on 993 "
            f"({ms('imap_993')}).\n"
            f"Without TLS (110, 143) the password crosses the wire readable for "
            f"{'both protocols' if r['cleartext_password'] == 'both' else r['cleartext_password']}."
        )

    def draw(self, fig: Figure, data: Lesson2Data) -> None:
        """Each port and TLS mode as a row of timed steps, from the first packet to logged in."""
        self.draw_on(self.make_axes(fig, data), data)

    def make_axes(self, fig: Figure, data: Lesson2Data) -> list[Axes]:
        """One axes: a row per (protocol, port, TLS mode)."""
        fig.clear()  # as figures.connection_timeline: an exported figure may not be empty
        return [fig.subplots()]

    def draw_on(self, axes: Sequence[Axes], data: Lesson2Data) -> None:
        figures.draw_connection_timeline(axes[0], data.steps)

    def key_figures(self) -> list[tuple[str, FigureDrawer]]:
        rows = [
            {
                "label": _row_label(r),
                "protocol": _row_protocol(r),
                "round_trips": r.round_trips,
                "seconds": r.setup_s,
                "cleartext": bool(r.password_in_clear),
            }
            for r in self.data.result.rows
        ]
        return super().key_figures() + [
            ("round_trips", lambda fig: figures.connection_setup(fig, rows)),
        ]


def _command_word(client: bytes, protocol: Protocol) -> str:
    words = client.decode("ascii", "replace").split()
    if not words:
        return "greeting"
    if protocol is Protocol.IMAP and len(words) > 1:
        words = words[1:]  # drop the tag
    return words[0].upper()


def connection_steps(rtt_ms: float, bandwidth_kbps: float) -> list[dict[str, Any]]:
    """Per (protocol, port, TLS) the timed steps from SYN to logged in, as lesson 2 computes them.

    The sessions are the same engine-made login records and the same :class:`sim.inputs.network.Link`
    timing that :func:`sim.lessons.experiments.lesson2_ports_and_tls` uses (its ``_login_record``), so the
    end of each row is that function's ``setup_s``.
    """
    from sim.inputs.network import Link
    from sim.inputs.scenario import LinkSpec, TlsMode
    from sim.lessons.experiments import _login_record

    bps = bandwidth_kbps * 1000 / 8
    spec = LinkSpec(down_Bps=max(1e3, bps), up_Bps=max(1e3, bps), rtt_s=rtt_ms / 1000)
    r = spec.rtt_s
    rows = []
    for name in ("pop3", "imap"):
        proto = Protocol.POP3 if name == "pop3" else Protocol.IMAP
        for tls in TlsMode:
            record = _login_record(name, tls)
            ends = Link(spec, tls).session(record, close=False).exchange_end_s
            steps = [(0.0, r, "TCP", "tcp", False)]
            ready = r
            encrypted = tls is TlsMode.IMPLICIT
            if encrypted:
                steps.append((r, 2 * r, "TLS", "tls", False))
                ready = 2 * r
            previous, upgrade_next = ready, False
            for exchange, stop in zip(record.exchanges, ends):
                start = previous
                if upgrade_next:
                    steps.append((start, start + r, "TLS", "tls", False))
                    start, encrypted, upgrade_next = start + r, True, False
                word = _command_word(exchange.client, proto)
                steps.append((start, stop, word, "command", not encrypted))
                upgrade_next = word in ("STLS", "STARTTLS") and tls is TlsMode.STARTTLS
                previous = stop
            port = (
                {"none": 110, "starttls": 110, "implicit": 995}[tls.value]
                if name == "pop3"
                else {"none": 143, "starttls": 143, "implicit": 993}[tls.value]
            )
            label = f"{proto.label} {port} ({_MODE_LABEL[(name, tls.value)]})"
            rows.append({"label": label, "protocol": proto, "steps": steps})
    return rows


_MODE_LABEL = {
    ("pop3", "none"): "no TLS",
    ("pop3", "starttls"): "STLS",
    ("pop3", "implicit"): "implicit TLS",
    ("imap", "none"): "no TLS",
    ("imap", "starttls"): "STARTTLS",
    ("imap", "implicit"): "implicit TLS",
}


DASHBOARD = Lesson2Dashboard
