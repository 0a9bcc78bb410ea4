"""From a session's protocol octets to wire octets and seconds: a fast path of ``sim.inputs.network``.

Theory of operation
-------------------
:mod:`sim.inputs.network` states the TCP and TLS assumptions and prices a session from its record
(:meth:`sim.inputs.network.Link.session`) or from totals (:meth:`sim.inputs.network.Link.counts`).  The model
prices thousands of sessions per run from memoised totals, so it needs the totals version without
building exchange objects: :func:`session_wire` is that arithmetic, with the same assumptions
(imported, not copied) and the same rules -- the octets of a session are spread evenly over one
flight per round trip, each flight pays TLS record overhead and TCP segment headers, the receiver
sends a pure ACK for every second segment.  ``tests/sim/test_model_costs.py`` checks that it
equals ``Link.counts`` exactly for plain and implicit-TLS sessions.

Two conventions of the model: a new connection's greeting costs one round trip (as in
``Link.session``), so ``connect=True`` adds it; and with STARTTLS the upgrade command is already in
the engine's record, so only the TLS handshake is added (``Link.counts`` would add a synthetic
upgrade exchange).  ``resumed`` (the scenario's ``tls_resumption``) prices every handshake as a
TLS 1.3 resumption (``TlsAssumptions.handshake(True)``), as ``Link(..., tls_resumption=True)`` does.
"""

from __future__ import annotations

from typing import Final, NamedTuple

from ..inputs.network import TCP_ASSUMPTIONS as TCP
from ..inputs.network import TLS_ASSUMPTIONS as TLS
from ..inputs.scenario import LinkSpec, TlsMode

# A session's protocol octets, as World.charge takes them: (client octets by kind, server octets by
# kind, round trips); kinds are (framing, header, body, attachment), the client sends framing only.
# Both clients' cost tables (.pop3_costs, .imap_costs) produce it.
Cost = tuple[tuple[int, int, int, int], tuple[int, int, int, int], int]

_SEG: Final = TCP.segment_overhead
_MSS: Final = TCP.mss
_REC: Final = TLS.max_record
_RO: Final = TLS.record_overhead


class Wire(NamedTuple):
    """Extra octets each way (TCP/IP, TLS) and the duration of one session (a named tuple:
    the model books one per session, so it is built and read at tuple speed)."""

    tcp_up: int
    tcp_down: int
    tls_up: int
    tls_down: int
    duration_s: float


def _flights(total: int, n: int, encrypted: bool, lone: bool = False) -> tuple[int, int, int]:
    """(tls octets, tcp octets of the sender, tcp octets of pure ACKs back) for ``total`` octets
    split over ``n`` flights as evenly as ``Link.counts`` splits them: ``r`` flights of ``q + 1``
    octets and ``n - r`` of ``q`` (integers only, so the order of the sums does not matter).
    ``lone``: nothing goes back to carry the ACK, so every flight gets at least one pure ACK
    (``sim.inputs.network``: a server's write on an open connection that the client does not answer)."""
    if total <= 0:
        return 0, 0, 0
    q, r = divmod(total, n)
    tls = tcp = acks = 0
    if r:
        size = q + 1
        t = (-(-size // _REC)) * _RO if encrypted else 0
        segs = -(-(size + t) // _MSS)
        tls = t * r
        tcp = segs * _SEG * r
        acks = (max(1, segs // 2) if lone else segs // 2) * _SEG * r
    if q > 0:  # n - r >= 1 flights of q octets
        count = n - r
        t = (-(-q // _REC)) * _RO if encrypted else 0
        segs = -(-(q + t) // _MSS)
        tls += t * count
        tcp += segs * _SEG * count
        acks += (max(1, segs // 2) if lone else segs // 2) * _SEG * count
    return tls, tcp, acks


def session_wire(
    link: LinkSpec,
    tls: TlsMode,
    up: int,
    down: int,
    round_trips: int,
    *,
    connect: bool = True,
    close: bool | None = None,
    resumed: bool = False,
) -> Wire:
    """TCP/TLS octets and duration of a session of ``up``/``down`` protocol octets paid in
    ``round_trips`` command round trips (``connect=False``: on an open connection;
    ``resumed``: its TLS handshake resumes a session).  ``close`` (default: ``connect``) adds
    the connection's close: a new connection is booked with its close, an exchange on an open
    connection (a push, an IDLE re-issue, a keepalive) closes nothing."""
    if close is None:
        close = connect
    rtts = round_trips
    t = 0.0
    tcp_up = tcp_down = tls_up = tls_down = 0
    encrypted = tls is not TlsMode.NONE
    if connect:
        rtts += TCP.handshake_round_trips + 1  # TCP handshake, then the server's greeting
        tcp_up += TCP.syn + _SEG
        tcp_down += TCP.syn_ack
        t += (TCP.syn + _SEG) / link.up_Bps + TCP.syn_ack / link.down_Bps
        if encrypted:
            rtts += TLS.handshake_round_trips
            ch, sf, cf = TLS.handshake(resumed)
            s_ch, s_sf, s_cf = -(-ch // _MSS), -(-sf // _MSS), -(-cf // _MSS)
            tls_up += ch + cf
            tls_down += sf
            tcp_up += (s_ch + s_cf + s_sf // 2) * _SEG  # segments, pure ACKs of the server flight
            tcp_down += (s_sf + s_ch // 2 + s_cf // 2) * _SEG
            t += (ch + cf + (s_ch + s_cf) * _SEG) / link.up_Bps + (sf + s_sf * _SEG) / link.down_Bps
    n = max(1, round_trips + (1 if connect else 0))
    a_tls, a_tcp, a_ack = _flights(up, n, encrypted)
    b_tls, b_tcp, b_ack = _flights(down, n, encrypted, lone=not connect and up <= 0)
    tls_up += a_tls
    tls_down += b_tls
    tcp_up += a_tcp + b_ack
    tcp_down += b_tcp + a_ack
    t += (up + a_tls + a_tcp) / link.up_Bps + (down + b_tls + b_tcp) / link.down_Bps
    if close:
        if encrypted:
            tls_up += TLS.close_notify
            tls_down += TLS.close_notify
            tcp_up += _SEG
            tcp_down += _SEG
        tcp_up += TCP.teardown_up
        tcp_down += TCP.teardown_down
    return Wire(tcp_up, tcp_down, tls_up, tls_down, t + rtts * link.rtt_s)


class WireCalc:
    """:func:`session_wire` for one (link, TLS mode, resumption), with the connection set-up and
    close constants computed once and results memoised by (up, down, round trips, connect) --
    the link, the mode and ``resumed`` are fixed per calculator, so they need not be in the key.

    The float operations are the same as :func:`session_wire`'s, in the same order, so durations
    are bit-identical (``tests/sim/test_fast_paths_equal_definitions.py`` checks it)."""

    __slots__ = ("up_Bps", "down_Bps", "rtt_s", "encrypted", "base", "memo", "ups")

    def __init__(self, link: LinkSpec, tls: TlsMode, resumed: bool = False) -> None:
        self.up_Bps = link.up_Bps
        self.down_Bps = link.down_Bps
        self.rtt_s = link.rtt_s
        self.encrypted = tls is not TlsMode.NONE
        # per ``connect``: (extra round trips, tcp_up, tcp_down, tls_up, tls_down, set-up seconds)
        self.base: dict[bool, tuple[int, int, int, int, int, float]] = {}
        for connect in (False, True):
            w = session_wire(link, tls, 0, 0, 0, connect=connect, resumed=resumed)
            rtts = 0
            t = 0.0
            if connect:
                rtts += TCP.handshake_round_trips + 1
                t += (TCP.syn + _SEG) / link.up_Bps + TCP.syn_ack / link.down_Bps
                if self.encrypted:
                    rtts += TLS.handshake_round_trips
                    ch, sf, cf = TLS.handshake(resumed)
                    s_ch, s_sf, s_cf = -(-ch // _MSS), -(-sf // _MSS), -(-cf // _MSS)
                    t += (ch + cf + (s_ch + s_cf) * _SEG) / link.up_Bps + (
                        sf + s_sf * _SEG
                    ) / link.down_Bps
            # with no payload the flights add nothing: w holds set-up + close octets exactly
            self.base[connect] = (rtts, w.tcp_up, w.tcp_down, w.tls_up, w.tls_down, t)
        self.memo: dict[tuple[int, int, int, bool], Wire] = {}
        # _flights() of the client's octets by (octets, flights): a client sends the same
        # commands poll after poll, so these repeat even when the server's octets do not
        self.ups: dict[tuple[int, int], tuple[int, int, int]] = {}

    def session(self, up: int, down: int, round_trips: int, connect: bool = True) -> Wire:
        """The :class:`Wire` of a session (a new connection is booked with its close, as
        :func:`session_wire` books it; an exchange on an open one closes nothing), memoised
        in ``memo`` under ``(up, down, round_trips, connect)``: a repeated session (the same
        idle poll booked again and again) shares one."""
        key = (up, down, round_trips, connect)
        w = self.memo.get(key)
        if w is not None:
            return w
        rtts, tcp_up, tcp_down, tls_up, tls_down, t = self.base[connect]
        n = round_trips + 1 if connect else round_trips
        if n < 1:
            n = 1
        enc = self.encrypted
        if up > 0:
            fl = self.ups.get((up, n))
            if fl is None:
                if len(self.ups) >= 8192:
                    self.ups.clear()
                fl = self.ups[up, n] = _flights(up, n, enc)
            a_tls, a_tcp, a_ack = fl
        else:
            a_tls = a_tcp = a_ack = 0
        if down > 0:
            b_tls, b_tcp, b_ack = _flights(down, n, enc, lone=not connect and up <= 0)
        else:
            b_tls = b_tcp = b_ack = 0
        t += (up + a_tls + a_tcp) / self.up_Bps + (down + b_tls + b_tcp) / self.down_Bps
        w = Wire(
            tcp_up + a_tcp + b_ack,
            tcp_down + b_tcp + a_ack,
            tls_up + a_tls,
            tls_down + b_tls,
            t + (rtts + round_trips) * self.rtt_s,
        )
        if len(self.memo) >= 8192:  # bounded: most repeats are recent (same maildrop, same op)
            self.memo.clear()
        self.memo[key] = w
        return w
