"""Network cost model: hand-checked sessions, TLS modes, closed-form totals."""

from __future__ import annotations

import ast
import inspect

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.inputs.network as N
from sim.inputs.network import (
    TCP_ASSUMPTIONS,
    TLS_ASSUMPTIONS,
    Direction,
    Link,
    SessionCost,
    WireBytes,
    records,
    segments,
    session_cost,
)
from sim.inputs.scenario import LinkSpec, TlsMode
from sim.protocol.outbox import Counts
from sim.protocol.session import Exchange, SessionRecord

# A slow link with round numbers so that every figure below can be checked by hand.
SLOW = LinkSpec(down_Bps=2000.0, up_Bps=1000.0, rtt_s=0.1)


def _stat_session() -> SessionRecord:
    """Greeting (20 octets), STAT (6) -> 11 octets."""
    return SessionRecord(
        "pop3",
        [
            Exchange(b"", Counts(framing=20), round_trips=0),
            Exchange(b"STAT\r\n", Counts(framing=11)),
        ],
    )


def test_assumptions_are_stated_once() -> None:
    assert TLS_ASSUMPTIONS.version == "TLS 1.3"
    assert TLS_ASSUMPTIONS.record_overhead == 22 and TLS_ASSUMPTIONS.max_record == 16_384
    assert TCP_ASSUMPTIONS.mss + TCP_ASSUMPTIONS.segment_overhead == 1500
    assert records(0) == 0 and records(1) == 1 and records(16_384) == 1 and records(16_385) == 2
    assert segments(1448) == 1 and segments(1449) == 2


def test_plain_session_by_hand() -> None:
    cost = Link(SLOW, TlsMode.NONE).session(_stat_session())
    # open: 1 RTT + SYN 60 & ACK 52 up (112/1000 s), SYN-ACK 60 down (60/2000 s)   -> 0.242
    # greeting: 1 RTT + (20 + 52 segment) / 2000                                   -> 0.378
    # STAT: 1 RTT + (6 + 52) / 1000 + (11 + 52) / 2000                             -> 0.5675
    assert cost.exchange_end_s == pytest.approx((0.378, 0.5675))
    assert cost.duration_s == pytest.approx(0.5675)
    assert cost.round_trips == 3
    # teardown: FIN + ACK up (104), FIN+ACK down (52)
    assert cost.up == WireBytes(framing=6, transport=112 + 52 + 104)
    assert cost.down == WireBytes(framing=31, transport=60 + 52 + 52 + 52)
    assert cost.total == 6 + 268 + 31 + 216


def test_implicit_tls_session_by_hand() -> None:
    cost = Link(SLOW, TlsMode.IMPLICIT).session(_stat_session())
    # after TCP (0.242): 1 RTT; ClientHello 517+52 up; server flight 4000 + 3*52 down; Finished
    # 64+52 up -> 0.342 + 0.569 + 2.078 + 0.116 = 3.105; greeting 1 RTT + (20+22+52)/2000 -> 3.252
    # STAT: 1 RTT + (6+22+52)/1000 + (11+22+52)/2000 -> 3.4745
    assert cost.exchange_end_s == pytest.approx((3.252, 3.4745))
    assert cost.round_trips == 4
    assert cost.up.tls == 517 + 64 + 22 + 24  # hello, finished, one record, close_notify
    assert cost.down.tls == 4000 + 22 + 22 + 24
    # up: SYN+ACK 112, hello 52, ACK of the 3-segment server flight 52, finished 52, STAT 52,
    # close_notify 52, teardown 104
    assert cost.up.transport == 112 + 52 + 52 + 52 + 52 + 52 + 104
    assert cost.down.transport == 60 + 3 * 52 + 52 + 52 + 52 + 52
    assert (cost.up.framing, cost.down.framing) == (6, 31)


def test_starttls_upgrades_after_the_stls_exchange() -> None:
    rec = SessionRecord(
        "pop3",
        [
            Exchange(b"", Counts(framing=20), round_trips=0),
            Exchange(b"STLS\r\n", Counts(framing=27)),
            Exchange(b"STAT\r\n", Counts(framing=11)),
        ],
    )
    cost = Link(SLOW, TlsMode.STARTTLS).session(rec)
    plain = Link(SLOW, TlsMode.NONE).session(rec)
    assert cost.round_trips == plain.round_trips + 1  # the TLS handshake; STLS is in the record
    # only STAT and its reply are encrypted: one record each way, plus close_notify
    assert cost.up.tls == 517 + 64 + 22 + 24
    assert cost.down.tls == 4000 + 22 + 24
    assert cost.exchange_end_s[:2] == pytest.approx(plain.exchange_end_s[:2])


def test_starttls_adds_the_upgrade_when_the_record_lacks_it() -> None:
    pop = Link(SLOW, TlsMode.STARTTLS).session(_stat_session())
    assert pop.up.framing == 6 + len(b"STLS\r\n")
    assert pop.down.framing == 31 + len(b"+OK Begin TLS negotiation\r\n")
    assert pop.round_trips == 3 + 2  # the upgrade command and the TLS handshake
    imap = SessionRecord(
        "imap",
        [
            Exchange(b"", Counts(framing=20), round_trips=0),
            Exchange(b"a1 NOOP\r\n", Counts(framing=13)),
        ],
    )
    cost = Link(SLOW, TlsMode.STARTTLS).session(imap)
    assert cost.up.framing == 9 + len(b"a000 STARTTLS\r\n")


def test_tls_mode_round_trips_before_the_greeting() -> None:
    assert Link(SLOW, TlsMode.NONE).connect_round_trips() == 2
    assert Link(SLOW, TlsMode.STARTTLS).connect_round_trips() == 2
    assert Link(SLOW, TlsMode.IMPLICIT).connect_round_trips() == 3
    # RFC 8314's point: implicit TLS saves the upgrade round trip
    rt = {m: Link(SLOW, m).session(_stat_session()).round_trips for m in TlsMode}
    assert rt[TlsMode.IMPLICIT] == rt[TlsMode.STARTTLS] - 1 == rt[TlsMode.NONE] + 1


def test_open_connection_pays_no_setup() -> None:
    idle = SessionRecord(
        "imap",
        [
            Exchange(b"a2 IDLE\r\n", Counts(framing=10)),
            Exchange(b"", Counts(framing=12), round_trips=0),
            Exchange(b"DONE\r\n", Counts(framing=25)),
        ],
    )
    cost = Link(SLOW, TlsMode.IMPLICIT).session(idle, connect=False, close=False)
    assert cost.round_trips == 2  # the push costs no round trip
    assert cost.up.tls == 2 * 22 and cost.down.tls == 3 * 22
    assert cost.up.transport == 2 * 52 and cost.down.transport == 3 * 52
    # IDLE: 0.1 + (9+22+52)/1000 + (10+22+52)/2000; push (12+22+52)/2000; DONE ...
    assert cost.exchange_end_s[0] == pytest.approx(0.1 + 0.083 + 0.042)
    assert cost.exchange_end_s[1] == pytest.approx(cost.exchange_end_s[0] + 0.043)


def test_large_reply_splits_into_records_segments_and_acks() -> None:
    rec = SessionRecord(
        "pop3", [Exchange(b"RETR 1\r\n", Counts(framing=20, header=1000, body=49_000))]
    )
    cost = Link(SLOW, TlsMode.IMPLICIT).session(rec, connect=False, close=False)
    payload = 50_020
    assert cost.down.tls == 4 * 22  # ceil(50020 / 16384) = 4 records
    segs = -(-(payload + 88) // 1448)  # 35 segments
    assert cost.down.transport == segs * 52
    assert cost.up.transport == 52 + (segs // 2) * 52  # the command plus delayed ACKs
    assert (cost.down.header, cost.down.body, cost.down.attachment) == (1000, 49_000, 0)


def test_session_cost_shorthand_and_one_way() -> None:
    rec = _stat_session()
    assert session_cost(rec, SLOW, TlsMode.NONE) == Link(SLOW, TlsMode.NONE).session(rec)
    link = Link(SLOW, TlsMode.NONE)
    assert link.one_way_s(12, Direction.DOWN) == pytest.approx(0.05 + 0.006)
    assert link.one_way_s(12, Direction.UP) == pytest.approx(0.05 + 0.012)


def test_counts_matches_a_recorded_session_closely() -> None:
    rec = SessionRecord(
        "pop3",
        [
            Exchange(b"", Counts(framing=40), round_trips=0),
            Exchange(b"USER u\r\n", Counts(framing=5)),
            Exchange(b"PASS p\r\n", Counts(framing=5)),
            Exchange(b"RETR 1\r\n", Counts(framing=20, header=900, body=30_000, attachment=60_000)),
            Exchange(b"QUIT\r\n", Counts(framing=5)),
        ],
    )
    link = Link(LinkSpec(), TlsMode.IMPLICIT)
    exact = link.session(rec)
    total = link.counts(rec.client_bytes, rec.server_counts, 4, flights=5)
    assert total.up.protocol == exact.up.protocol and total.down.protocol == exact.down.protocol
    assert total.round_trips == exact.round_trips
    assert total.total == pytest.approx(exact.total, rel=0.02)
    assert total.duration_s == pytest.approx(exact.duration_s, rel=0.02)


def test_counts_plain_by_hand() -> None:
    cost = Link(SLOW, TlsMode.NONE).counts(6, Counts(framing=31), 1, flights=2)
    assert cost.round_trips == 3 and cost.up.framing == 6 and cost.down.framing == 31
    assert cost.down.transport == 60 + 2 * 52 + 52


def test_wire_bytes_arithmetic() -> None:
    a = WireBytes(1, 2, 3, 4, 5, 6)
    assert a + a == a.times(2) == WireBytes(2, 4, 6, 8, 10, 12)
    assert a.protocol == 10 and a.total == 21


@settings(max_examples=80, deadline=None)
@given(
    sizes=st.lists(
        st.tuples(st.integers(0, 200), st.integers(0, 200_000), st.integers(0, 2)),
        min_size=1,
        max_size=8,
    ),
    tls=st.sampled_from(TlsMode),
    rtt=st.floats(0.0, 1.0),
    bw=st.floats(1e3, 1e8),
)
def test_costs_are_consistent(
    sizes: list[tuple[int, int, int]], tls: TlsMode, rtt: float, bw: float
) -> None:
    ex = [Exchange(b"x" * c, Counts(body=s), round_trips=r) for c, s, r in sizes]
    rec = SessionRecord("imap", ex)
    link = Link(LinkSpec(down_Bps=bw, up_Bps=bw, rtt_s=rtt), tls)
    cost = link.session(rec)
    assert isinstance(cost, SessionCost)
    added = len(b"a000 STARTTLS\r\n") if tls is TlsMode.STARTTLS else 0  # upgrade not recorded
    assert cost.up.framing == rec.client_bytes + added and cost.down.body == rec.server_bytes
    assert cost.up.tls >= 0 and cost.down.transport > 0
    assert (cost.up.tls == 0) == (tls is TlsMode.NONE)
    assert list(cost.exchange_end_s) == sorted(cost.exchange_end_s)
    assert cost.duration_s >= cost.round_trips * rtt - 1e-9
    assert cost.duration_s >= (cost.down.total - cost.down.transport) / bw - 1e-9
    slower = Link(LinkSpec(down_Bps=bw, up_Bps=bw, rtt_s=rtt + 0.1), tls).session(rec)
    assert slower.duration_s > cost.duration_s and slower.total == cost.total


def test_network_is_pure() -> None:
    tree = ast.parse(inspect.getsource(N))
    imported = {
        a.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for a in node.names
    }
    imported |= {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
    }
    assert not imported & {"simpy", "random", "time", "socket", "asyncio"}
