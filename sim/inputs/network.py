"""The network: a device's link and what a protocol session costs on it, in octets and seconds.

Theory of operation
-------------------
The protocol engines count what POP3 and IMAP put on the wire (a
:class:`~sim.protocol.session.SessionRecord`: per command, the client's bytes, the server's octets
by kind, the round trips).  A real session also pays for TCP (handshake, segment headers, pure ACKs,
teardown) and, with TLS, for the TLS handshake, per-record overhead and close_notify; and it takes
time.  This module adds exactly that, as pure functions (no SimPy): :class:`Link` is the device's
path to the server -- like the ``Cable`` of SimPy's latency example it is an object of its own,
not part of the sender or the receiver -- and :meth:`Link.session` turns a record into a
:class:`SessionCost` (wire octets by direction and kind, round trips, duration, and when each
exchange completes).

Every assumption is stated once, in :data:`TCP_ASSUMPTIONS` and :data:`TLS_ASSUMPTIONS`.

Timeline (seconds from the client's SYN; ``R`` = the link's round-trip time):

* TCP handshake: 1 R (SYN out, SYN-ACK back; the client's ACK travels with its next data).
* Implicit TLS (993/995): 1 R for the TLS 1.3 handshake (ClientHello out, server flight back;
  the client's Finished travels with its first command).  A resumed handshake
  (``Link.tls_resumption``, the scenario's ``tls_resumption``) also takes 1 R but carries far
  fewer octets: no certificate chain crosses the link (RFC 8446 §2.2).
* Greeting: servers speak first, so the greeting costs 1 R after the connection is usable
  (whatever ``round_trips`` the record gives the greeting exchange).
* STLS/STARTTLS: the upgrade command is an ordinary exchange (taken from the record, or added if
  the record has none), followed by 1 R of TLS 1.3 handshake; only what follows is encrypted.
* Each other exchange: its ``round_trips`` x R; server pushes recorded with 0 round trips cost no R.
* Transmission: octets / bandwidth in each direction, added serially (no TCP slow start, no
  overlap of transmission with propagation) -- a simple, conservative model.
* Teardown costs octets but no waiting.  A connection is torn down once: an exchange on a
  connection that stays open (``connect=False, close=False``: a push, an IDLE re-issue, a
  keepalive) closes nothing.
* Pure ACKs: the receiver acknowledges every second segment of a flight; an answer carries the
  ACK of what it answers.  When the server writes on an open connection and the client answers
  nothing (a keepalive), each flight still gets one pure ACK back (a delayed ACK, sent within
  0.5 s: RFC 9293 §3.8.6.3).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from ..protocol.outbox import Counts
from ..protocol.session import Exchange, SessionRecord
from .scenario import LinkSpec, TlsMode

# -- assumptions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TcpAssumptions:
    """TCP/IPv4 octets.  Every segment has a 20-octet IPv4 and a 20-octet TCP header plus the
    12-octet timestamp option (RFC 7323) = 52; SYN and SYN-ACK carry 20 octets of options
    (MSS, SACK-permitted, timestamps, window scale) = 60.  MSS 1448 = 1500 MTU - 52.  The receiver
    sends one pure ACK for every second full segment of a flight (delayed ACK, RFC 1122 §4.2.3.2);
    other ACKs ride on the next data.  Teardown: client FIN, server FIN+ACK, client ACK."""

    mss: int = 1448
    segment_overhead: int = 52
    syn: int = 60
    syn_ack: int = 60
    teardown_up: int = 2 * 52  # FIN, last ACK
    teardown_down: int = 52  # FIN+ACK
    handshake_round_trips: int = 1


@dataclass(frozen=True)
class TlsAssumptions:
    """TLS 1.3 (RFC 8446) handshakes with an X25519 key share: a *full* handshake with a
    two-certificate chain, and a *resumed* one (RFC 8446 §2.2, PSK with (EC)DHE from a session
    ticket of an earlier connection).  Octets are whole records including their 5-octet headers.

    Full handshake (4 581 octets):

    * client flight 1: ClientHello of 517 octets (clients commonly pad it to 512 + 5; ASSUMED);
    * server flight: ServerHello, ChangeCipherSpec, EncryptedExtensions, Certificate,
      CertificateVerify, Finished (and session tickets) ~ 4000 octets, dominated by the
      certificate chain (ASSUMED: a Let's Encrypt-style leaf + intermediate);
    * client flight 2: ChangeCipherSpec (6) + Finished (58) = 64.

    Resumed handshake (1 074 octets, ASSUMED: a session ticket of ~ 200 octets, as stateless
    tickets of common servers are; RFC 8446 §4.2.11, §4.6.1):

    * client flight 1: ClientHello ~ 560 octets -- the hello above without its padding (~ 300)
      plus a ``pre_shared_key`` extension carrying the ticket, its age and a 32-octet binder
      (~ 250), no longer padded because it already exceeds 512;
    * server flight: ServerHello with ``key_share`` and ``pre_shared_key`` (133),
      ChangeCipherSpec (6), EncryptedExtensions + Finished in one protected record (64) and one
      fresh NewSessionTicket (247) = 450 -- no Certificate, no CertificateVerify;
    * client flight 2: 64, as in a full handshake.

    Resumption saves octets, not time: it still takes one round trip (no 0-RTT early data, which
    RFC 8446 §2.3 warns can be replayed; ASSUMED not used by mail clients).

    Every protected record adds 22 octets: 5 header + 1 inner content type + 16 AEAD tag,
    carrying at most 16 384 octets of data (RFC 8446 §5.2); a flight of n octets uses
    ceil(n / 16384) records.  close_notify: one 24-octet alert record each way.
    One round trip before the client may send data (1-RTT), as in RFC 8446 §2."""

    version: str = "TLS 1.3"
    client_hello: int = 517
    server_flight: int = 4000
    client_finished: int = 64
    resumed_client_hello: int = 560
    resumed_server_flight: int = 450
    record_overhead: int = 22
    max_record: int = 16_384
    close_notify: int = 24
    handshake_round_trips: int = 1

    def handshake(self, resumed: bool = False) -> tuple[int, int, int]:
        """Octets of (ClientHello, server flight, client Finished) of a full or resumed
        handshake."""
        if resumed:
            return self.resumed_client_hello, self.resumed_server_flight, self.client_finished
        return self.client_hello, self.server_flight, self.client_finished

    def handshake_octets(self, resumed: bool = False) -> int:
        """All handshake octets, both directions (full 4 581, resumed 1 074)."""
        return sum(self.handshake(resumed))


TCP_ASSUMPTIONS = TcpAssumptions()
TLS_ASSUMPTIONS = TlsAssumptions()

# The upgrade exchange added when a STARTTLS-mode record does not contain one (RFC 2595 examples).
_UPGRADE = {
    "pop3": (b"STLS\r\n", len(b"+OK Begin TLS negotiation\r\n")),
    "imap": (b"a000 STARTTLS\r\n", len(b"a000 OK Begin TLS negotiation now\r\n")),
}


# -- results ---------------------------------------------------------------------------------------


class Direction(enum.Enum):
    UP = "up"  # device -> server
    DOWN = "down"  # server -> device


@dataclass(frozen=True)
class WireBytes:
    """Octets on the wire in one direction, by what they carry.  ``framing``..``attachment`` are
    the protocol's own octets (:class:`~sim.protocol.message.ByteKind`); ``tls`` is handshake,
    record overhead and close_notify; ``transport`` is TCP/IP headers, handshake and teardown."""

    framing: int = 0
    header: int = 0
    body: int = 0
    attachment: int = 0
    tls: int = 0
    transport: int = 0

    @property
    def protocol(self) -> int:
        return self.framing + self.header + self.body + self.attachment

    @property
    def total(self) -> int:
        return self.protocol + self.tls + self.transport

    def __add__(self, other: WireBytes) -> WireBytes:
        return WireBytes(
            self.framing + other.framing,
            self.header + other.header,
            self.body + other.body,
            self.attachment + other.attachment,
            self.tls + other.tls,
            self.transport + other.transport,
        )

    def times(self, n: int) -> WireBytes:
        """The octets of ``n`` identical sessions (closed-form accounting of idle polls)."""
        return WireBytes(
            self.framing * n,
            self.header * n,
            self.body * n,
            self.attachment * n,
            self.tls * n,
            self.transport * n,
        )


@dataclass(frozen=True)
class SessionCost:
    """What one session cost: octets each way, round trips paid (including connection set-up),
    duration in seconds, and when (seconds after the session started) each recorded exchange had
    fully arrived -- e.g. the moment a RETR's message is on the device."""

    up: WireBytes
    down: WireBytes
    round_trips: int
    duration_s: float
    exchange_end_s: tuple[float, ...] = ()

    @property
    def total(self) -> int:
        return self.up.total + self.down.total


# -- the link --------------------------------------------------------------------------------------


def records(octets: int, tls: TlsAssumptions = TLS_ASSUMPTIONS) -> int:
    """TLS records for one flight of ``octets`` application data."""
    return -(-octets // tls.max_record) if octets > 0 else 0


def segments(octets: int, tcp: TcpAssumptions = TCP_ASSUMPTIONS) -> int:
    """TCP segments for one flight of ``octets`` (including any TLS overhead)."""
    return -(-octets // tcp.mss) if octets > 0 else 0


def transfer_time(octets: int, bandwidth_Bps: float) -> float:
    """Seconds to put ``octets`` on a link of ``bandwidth_Bps`` octets per second."""
    return octets / bandwidth_Bps


@dataclass(frozen=True)
class Link:
    """A device's path to the server: its :class:`LinkSpec` and the scenario's TLS mode and
    ``tls_resumption`` (every TLS handshake on the link resumes a session: see
    :class:`TlsAssumptions`)."""

    spec: LinkSpec
    tls: TlsMode
    tcp_assumptions: TcpAssumptions = TCP_ASSUMPTIONS
    tls_assumptions: TlsAssumptions = TLS_ASSUMPTIONS
    tls_resumption: bool = False

    def one_way_s(self, octets: int, direction: Direction) -> float:
        """Half a round trip plus transmission: when a pushed message (an IDLE ``* N EXISTS``)
        sent now is fully at the other end."""
        bw = self.spec.up_Bps if direction is Direction.UP else self.spec.down_Bps
        return self.spec.rtt_s / 2 + transfer_time(octets, bw)

    def connect_round_trips(self) -> int:
        """Round trips before the greeting is on the device: TCP, implicit TLS, the greeting."""
        rt = self.tcp_assumptions.handshake_round_trips + 1
        if self.tls is TlsMode.IMPLICIT:
            rt += self.tls_assumptions.handshake_round_trips
        return rt

    def session(
        self, record: SessionRecord, *, connect: bool = True, close: bool = True
    ) -> SessionCost:
        """The cost of a recorded session.  ``connect=False``: the record continues an open
        connection (an IMAP IDLE round), so no TCP/TLS set-up and no greeting; ``close=False``:
        the connection stays open afterwards (no teardown)."""
        return _Meter(self, connect, close).run(record)

    def counts(
        self,
        up: Counts | int,
        down: Counts,
        round_trips: int,
        *,
        connect: bool = True,
        close: bool = True,
        flights: int | None = None,
        protocol: str = "pop3",
    ) -> SessionCost:
        """Closed-form cost of a session known only by totals: ``up`` client octets (framing, or
        a :class:`Counts` when uploading a message), ``down`` server octets by kind (greeting
        included), paid in ``round_trips`` command round trips -- *not* counting the greeting,
        whose round trip is added with the connection set-up when ``connect`` -- and ``flights``
        request/reply pairs (default: one per round trip; TLS records and pure ACKs are counted
        per flight, the octets split evenly over the flights).  With STARTTLS and ``connect`` the
        upgrade exchange of ``protocol`` ("pop3" or "imap") is added."""
        up_c = up if isinstance(up, Counts) else Counts(framing=up)
        n = max(1, flights if flights is not None else round_trips)
        ex = [Exchange(b"", Counts(), round_trips=round_trips if i == 0 else 0) for i in range(n)]
        return _Meter(self, connect, close).run_totals(ex, up_c, down, protocol)


class _Meter:
    """Walks one session's exchanges and adds TCP, TLS and time (one place for the arithmetic)."""

    def __init__(self, link: Link, connect: bool, close: bool) -> None:
        self.link, self.connect, self.close = link, connect, close
        self.tcp, self.tlsa = link.tcp_assumptions, link.tls_assumptions
        self.up = {"framing": 0, "header": 0, "body": 0, "attachment": 0, "tls": 0, "transport": 0}
        self.down = dict(self.up)
        self.rtts = 0
        self.t = 0.0
        self.encrypted = connect is False and link.tls is not TlsMode.NONE
        # the server writes on an open connection and the client sends nothing back (a
        # keepalive): no reply carries the client's ACK, so it sends a pure one for every flight
        # (a delayed ACK: RFC 9293 §3.8.6.3 asks for one within 0.5 s) -- set by the walks
        self.lone = False

    # -- primitives ------------------------------------------------------------------------------
    def _flight(
        self, side: dict[str, int], other: dict[str, int], payload: int, bandwidth: float
    ) -> None:
        """One flight of ``payload`` protocol octets: TLS records, TCP segments, pure ACKs back."""
        if payload <= 0:
            return
        tls = records(payload, self.tlsa) * self.tlsa.record_overhead if self.encrypted else 0
        side["tls"] += tls
        segs = segments(payload + tls, self.tcp)
        side["transport"] += segs * self.tcp.segment_overhead
        acks = segs // 2 if not (self.lone and side is self.down) else max(1, segs // 2)
        other["transport"] += acks * self.tcp.segment_overhead
        self.t += transfer_time(payload + tls + segs * self.tcp.segment_overhead, bandwidth)

    def _raw(
        self, side: dict[str, int], other: dict[str, int], kind: str, octets: int, bandwidth: float
    ) -> None:
        """Octets sent as they are (TLS handshake): ``kind``, segment headers, pure ACKs back."""
        segs = segments(octets, self.tcp)
        side[kind] += octets
        side["transport"] += segs * self.tcp.segment_overhead
        other["transport"] += (segs // 2) * self.tcp.segment_overhead
        self.t += transfer_time(octets + segs * self.tcp.segment_overhead, bandwidth)

    def _wait(self, round_trips: int) -> None:
        self.rtts += round_trips
        self.t += round_trips * self.link.spec.rtt_s

    def _tls_handshake(self) -> None:
        spec, a = self.link.spec, self.tlsa
        hello, flight, finished = a.handshake(self.link.tls_resumption)
        self._wait(a.handshake_round_trips)
        self._raw(self.up, self.down, "tls", hello, spec.up_Bps)
        self._raw(self.down, self.up, "tls", flight, spec.down_Bps)
        self._raw(self.up, self.down, "tls", finished, spec.up_Bps)
        self.encrypted = True

    def _open(self) -> None:
        spec = self.link.spec
        self._wait(self.tcp.handshake_round_trips)
        self.up["transport"] += self.tcp.syn + self.tcp.segment_overhead  # SYN, ACK
        self.down["transport"] += self.tcp.syn_ack
        self.t += transfer_time(self.tcp.syn + self.tcp.segment_overhead, spec.up_Bps)
        self.t += transfer_time(self.tcp.syn_ack, spec.down_Bps)
        if self.link.tls is TlsMode.IMPLICIT:
            self._tls_handshake()

    def _shut(self) -> None:
        if self.encrypted:
            for side in (self.up, self.down):
                side["tls"] += self.tlsa.close_notify
                side["transport"] += self.tcp.segment_overhead
        self.up["transport"] += self.tcp.teardown_up
        self.down["transport"] += self.tcp.teardown_down

    def _exchange(self, client: int, server: Counts, round_trips: int) -> None:
        spec = self.link.spec
        self._wait(round_trips)
        self.up["framing"] += client
        self._flight(self.up, self.down, client, spec.up_Bps)
        for kind in ("framing", "header", "body", "attachment"):
            self.down[kind] += getattr(server, kind)
        self._flight(self.down, self.up, server.total, spec.down_Bps)

    def _result(self, ends: Sequence[float]) -> SessionCost:
        return SessionCost(
            WireBytes(**self.up), WireBytes(**self.down), self.rtts, self.t, tuple(ends)
        )

    # -- walks -----------------------------------------------------------------------------------
    def run(self, record: SessionRecord) -> SessionCost:
        starttls = self.connect and self.link.tls is TlsMode.STARTTLS
        upgrade_at = _upgrade_index(record) if starttls else None
        missing_upgrade = starttls and upgrade_at is None
        ends: list[float] = []
        self.lone = not self.connect and not any(ex.client for ex in record.exchanges)
        if self.connect:
            self._open()
        for i, ex in enumerate(record.exchanges):
            greeting = self.connect and i == 0 and not ex.client
            if missing_upgrade and not greeting:
                self._synthetic_upgrade(record.protocol)
                missing_upgrade = False
            self._exchange(len(ex.client), ex.server_counts, 1 if greeting else ex.round_trips)
            ends.append(self.t)
            if i == upgrade_at:
                self._tls_handshake()
        if missing_upgrade:
            self._synthetic_upgrade(record.protocol)
        if self.close:
            self._shut()
        return self._result(ends)

    def _synthetic_upgrade(self, protocol: str) -> None:
        cmd, reply = _UPGRADE.get(protocol.lower(), _UPGRADE["pop3"])
        self._exchange(len(cmd), Counts(framing=reply), 1)
        self._tls_handshake()

    def run_totals(
        self, flights: list[Exchange], up: Counts, down: Counts, protocol: str
    ) -> SessionCost:
        self.lone = not self.connect and up.total == 0
        if self.connect:
            self._open()
            self._wait(1)  # the greeting (its octets are part of ``down``)
            if self.link.tls is TlsMode.STARTTLS:
                self._synthetic_upgrade(protocol)
        n = len(flights)
        spec = self.link.spec
        for i, ex in enumerate(flights):
            self._wait(ex.round_trips)
            share_up = up.total // n + (1 if i < up.total % n else 0)
            share_down = down.total // n + (1 if i < down.total % n else 0)
            self._flight(self.up, self.down, share_up, spec.up_Bps)
            self._flight(self.down, self.up, share_down, spec.down_Bps)
        for kind in ("framing", "header", "body", "attachment"):
            self.up[kind] += getattr(up, kind)
            self.down[kind] += getattr(down, kind)
        if self.close:
            self._shut()
        return self._result(())


def _upgrade_index(record: SessionRecord) -> int | None:
    """Index of the STLS / STARTTLS exchange in ``record`` (None if the client never asked)."""
    for i, ex in enumerate(record.exchanges):
        words = ex.client.strip().upper().split()
        if words == [b"STLS"] or (len(words) == 2 and words[1] == b"STARTTLS"):
            return i
    return None


def session_cost(
    record: SessionRecord,
    link: LinkSpec,
    tls: TlsMode,
    *,
    connect: bool = True,
    close: bool = True,
    tls_resumption: bool = False,
) -> SessionCost:
    """Shorthand for ``Link(link, tls, tls_resumption=...).session(record, connect=...,
    close=...)``."""
    return Link(link, tls, tls_resumption=tls_resumption).session(
        record, connect=connect, close=close
    )
