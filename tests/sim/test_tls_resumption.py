"""TLS 1.3 session resumption (RFC 8446 §2.2): a scenario parameter every TLS session obeys.

A resumed handshake sends no certificate chain: fewer TLS octets per session, the same protocol
octets and round trips.  Off (the default), the numbers are those of the full handshake."""

from __future__ import annotations

import dataclasses

import pytest

from sim.inputs.network import TLS_ASSUMPTIONS, Link
from sim.inputs.presets import preset
from sim.inputs.scenario import LinkSpec, Scenario, ScenarioError, TlsMode
from sim.model import Protocol, simulate
from sim.model.wire_cost import WireCalc, session_wire
from sim.protocol.outbox import Counts
from sim.protocol.session import Exchange, SessionRecord

LINK = LinkSpec(down_Bps=250_000.0, up_Bps=62_500.0, rtt_s=0.1)
SAVED = 3507  # full 4 581 - resumed 1 074 handshake octets


def _poll() -> SessionRecord:
    """Greeting, USER, PASS, STAT, QUIT (octets only; the content does not matter here)."""
    ex = [
        Exchange(b"", Counts(framing=40)),
        Exchange(b"USER u\r\n", Counts(framing=5)),
        Exchange(b"PASS p\r\n", Counts(framing=5)),
        Exchange(b"STAT\r\n", Counts(framing=12)),
        Exchange(b"QUIT\r\n", Counts(framing=5)),
    ]
    return SessionRecord("pop3", tuple(ex))


def test_the_assumptions_state_both_handshakes() -> None:
    a = TLS_ASSUMPTIONS
    assert a.handshake(False) == (517, 4000, 64)  # today's full handshake, unchanged
    assert a.handshake_octets(False) == 4581
    assert a.handshake(True) == (560, 450, 64)
    assert a.handshake_octets(True) == 1074
    assert a.handshake_octets(False) - a.handshake_octets(True) == SAVED


def test_default_is_off_and_documented() -> None:
    assert Scenario().tls_resumption is False
    assert preset("family").tls_resumption is False
    doc = {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(Scenario)}[
        "tls_resumption"
    ]
    assert "ticket" in doc


@pytest.mark.parametrize("value", [1, "yes", None])
def test_validation_names_field_value_and_range(value: object) -> None:
    with pytest.raises(ScenarioError) as info:
        Scenario(tls_resumption=value)  # type: ignore[arg-type]
    err = info.value
    assert (err.owner, err.field, err.value, err.allowed) == (
        "Scenario",
        "tls_resumption",
        value,
        "True or False",
    )
    assert str(err) == f"Scenario.tls_resumption={value!r}: allowed True or False"
    with pytest.raises(ScenarioError, match="tls_resumption"):
        preset("family", tls_resumption=value)


@pytest.mark.parametrize("tls", [TlsMode.IMPLICIT, TlsMode.STARTTLS])
def test_a_resumed_session_costs_fewer_tls_octets_only(tls: TlsMode) -> None:
    full = Link(LINK, tls).session(_poll())
    resumed = Link(LINK, tls, tls_resumption=True).session(_poll())
    for side in ("up", "down"):
        a, b = getattr(full, side), getattr(resumed, side)
        assert (a.framing, a.header, a.body, a.attachment) == (
            b.framing,
            b.header,
            b.body,
            b.attachment,
        )
    assert full.up.tls - resumed.up.tls == 517 - 560
    assert full.down.tls - resumed.down.tls == 4000 - 450
    assert full.round_trips == resumed.round_trips  # resumption saves octets, not round trips
    # the server flight shrinks from 3 segments to 1 (and one pure ACK fewer comes back)
    assert full.down.transport - resumed.down.transport == 2 * 52
    assert full.up.transport - resumed.up.transport == 52
    assert resumed.duration_s < full.duration_s


def test_resumption_changes_nothing_without_tls() -> None:
    assert Link(LINK, TlsMode.NONE, tls_resumption=True).session(_poll()) == Link(
        LINK, TlsMode.NONE
    ).session(_poll())


@pytest.mark.parametrize("resumed", [False, True])
@pytest.mark.parametrize("tls", list(TlsMode))
@pytest.mark.parametrize(
    ("up", "down", "rt", "connect"),
    [(0, 0, 0, True), (60, 300, 3, True), (5000, 90_000, 7, True), (31, 62, 1, False)],
)
def test_the_models_fast_path_prices_resumption_like_the_network(
    resumed: bool, tls: TlsMode, up: int, down: int, rt: int, connect: bool
) -> None:
    want = Link(LINK, tls, tls_resumption=resumed).counts(
        up,
        Counts(framing=down),
        rt,
        connect=connect,
        close=connect,
        flights=rt + (1 if connect else 0),
    )
    w = session_wire(LINK, tls, up, down, rt, connect=connect, close=connect, resumed=resumed)
    if tls is not TlsMode.STARTTLS:  # (the model's records carry STARTTLS's upgrade exchange)
        assert (w.tls_up, w.tls_down) == (want.up.tls, want.down.tls)
        assert (w.tcp_up, w.tcp_down) == (want.up.transport, want.down.transport)
    calc = WireCalc(LINK, tls, resumed)
    assert calc.session(up, down, rt, connect) == w
    assert calc.session(up, down, rt, connect) is calc.session(up, down, rt, connect)  # memo


@pytest.fixture(scope="module")
def runs() -> dict[tuple[TlsMode, bool, Protocol], object]:
    out = {}
    for tls in (TlsMode.IMPLICIT, TlsMode.NONE):
        for resumed in (False, True):
            sc = preset("family", days=2, seed=3, tls=tls, tls_resumption=resumed)
            for proto in Protocol:
                out[tls, resumed, proto] = simulate(sc, proto)
    return out


def _content(r: object) -> tuple[int, ...]:
    return tuple(
        sum(getattr(getattr(d, side), kind) for d in r.devices)  # type: ignore[attr-defined]
        for side in ("up", "down")
        for kind in ("framing", "header", "body", "attachment")
    )


@pytest.mark.parametrize("proto", list(Protocol))
def test_every_session_of_a_run_resumes(runs: dict, proto: Protocol) -> None:
    full, resumed = runs[TlsMode.IMPLICIT, False, proto], runs[TlsMode.IMPLICIT, True, proto]
    assert _content(full) == _content(resumed)  # the same protocol and content octets
    for a, b in zip(full.devices, resumed.devices, strict=True):
        assert a.sessions == b.sessions > 0
        assert a.received_messages == b.received_messages
        # every connection (polls booked in closed form included) saved the same octets
        assert (a.up.tls + a.down.tls) - (b.up.tls + b.down.tls) == SAVED * a.sessions
        assert a.down.tcp - b.down.tcp == 2 * 52 * a.sessions
    assert resumed.summary.wire_bytes < full.summary.wire_bytes


@pytest.mark.parametrize("proto", list(Protocol))
def test_without_tls_resumption_is_a_no_op(runs: dict, proto: Protocol) -> None:
    a, b = runs[TlsMode.NONE, False, proto], runs[TlsMode.NONE, True, proto]
    assert repr(a) == repr(b)


def test_off_is_exactly_the_scenario_without_the_field() -> None:
    sc = preset("single", days=1, seed=2)
    off = dataclasses.replace(sc, tls_resumption=False)
    assert off == sc
    assert repr(simulate(sc, Protocol.POP3)) == repr(simulate(off, Protocol.POP3))
