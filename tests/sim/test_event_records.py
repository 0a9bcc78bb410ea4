"""Event records (``simulate(..., record_events=True)``) say what happened, and add up to the totals."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from test_invariants import scenarios

from sim.inputs.presets import preset
from sim.inputs.scenario import DAY, CrashSpec
from sim.inputs.workload import generate
from sim.model import Protocol, simulate
from sim.outputs.records import RecordKind
from sim.outputs.results import Result

# an IMAP radio wake-up is one of these exchanges; a POP3 one is every connection opened
WAKING_IMAP = {
    RecordKind.CONNECT,
    RecordKind.PUSH,
    RecordKind.KEEPALIVE,
    RecordKind.IDLE_REISSUE,
    RecordKind.EMPTY_POLL,
    RecordKind.POLL,
}


def _both(sc) -> tuple[Result, Result]:  # type: ignore[no-untyped-def]
    trace = generate(sc)
    return tuple(simulate(sc, p, trace, record_events=True) for p in Protocol)  # type: ignore[return-value]


def _check_totals(r: Result) -> None:
    """Per device: the records' bytes are the wire bytes, their new connections the sessions."""
    for d in r.devices:
        mine = [x for x in r.records if x.device == d.device]
        assert sum((x.up_bytes + x.down_bytes) * x.count for x in mine) == d.wire_bytes
        # the protocol octets by kind are the device's traffic before TLS and TCP/IP
        for kind, (up, down) in enumerate(
            zip(
                (d.up.framing, d.up.header, d.up.body, d.up.attachment),
                (d.down.framing, d.down.header, d.down.body, d.down.attachment),
            )
        ):
            assert sum(x.protocol_up[kind] * x.count for x in mine) == up
            assert sum(x.protocol_down[kind] * x.count for x in mine) == down
        assert sum(x.count for x in mine if x.new_connection) == d.sessions
        assert sum(x.count for x in mine if x.kind is RecordKind.LOCK_REFUSAL) == d.lock_refusals
        assert sum(x.kind is RecordKind.CRASH for x in mine) == d.crashes
        if r.protocol == "pop3":
            assert d.radio_wakeups == d.sessions
        else:
            assert d.radio_wakeups == sum(x.count for x in mine if x.kind in WAKING_IMAP)
    times = [x.time_s for x in r.records]
    assert times == sorted(times)
    for x in r.records:
        assert x.since_s <= x.time_s and x.count >= 1 and x.up_bytes >= 0 and x.down_bytes >= 0
        assert x.up_bytes >= sum(x.protocol_up) and x.down_bytes >= sum(x.protocol_down)


def test_records_add_up_and_change_nothing_else() -> None:
    sc = dataclasses.replace(
        preset("family", days=3, seed=4),
        crashes=CrashSpec(at=(("alex/phone", 1.5 * DAY),), backup_age_s=6 * 3600.0),
    )
    trace = generate(sc)
    for proto in Protocol:
        plain = simulate(sc, proto, trace)
        recorded = simulate(sc, proto, trace, record_events=True)
        assert plain.records == ()
        assert repr(dataclasses.replace(recorded, records=())) == repr(plain)
        _check_totals(recorded)
        crash = [x for x in recorded.records if x.kind in (RecordKind.CRASH, RecordKind.RESTORE)]
        assert [(x.kind, x.device, x.time_s) for x in crash] == [
            (RecordKind.CRASH, "alex/phone", 1.5 * DAY),
            (RecordKind.RESTORE, "alex/phone", 1.5 * DAY),
        ]


def test_pop3_records_one_empty_poll_per_tick() -> None:
    """Empty polls are booked in closed form but recorded at their ticks: every 10 minutes
    while the phone is online (and none while it is not)."""
    sc = preset("family", days=2, seed=1)
    trace = generate(sc)
    pop3 = simulate(sc, Protocol.POP3, trace, record_events=True)
    ticks = [
        x.time_s
        for x in pop3.records
        if x.device == "alex/phone" and x.kind in (RecordKind.POLL, RecordKind.EMPTY_POLL)
    ]
    assert all(trace.is_online(0, t) for t in ticks)
    spans = [[t for t in ticks if iv.start <= t < iv.end] for iv in trace.online[0]]
    assert sum(map(len, spans)) == len(ticks) > 200
    for span in spans:
        assert {round(b - a, 6) for a, b in itertools.pairwise(span)} <= {600.0}


def test_idle_pushes_are_recorded_at_the_arrivals() -> None:
    sc = preset("family", days=2, seed=1)
    trace = generate(sc)
    imap = simulate(sc, Protocol.IMAP, trace, record_events=True)
    pushes = {
        x.time_s for x in imap.records if x.device == "alex/phone" and x.kind is RecordKind.PUSH
    }
    online = {m.time for m in trace.messages if trace.is_online(0, m.time)}
    offline = {m.time for m in trace.messages} - online
    assert online <= pushes and len(online) > 20  # every arrival while online is pushed
    assert offline and not offline & pushes  # the rest wait for the next connect


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_records_add_up_in_random_scenarios(sc) -> None:  # type: ignore[no-untyped-def]
    for r in _both(sc):
        _check_totals(r)


def test_final_state_is_the_worlds_end_state() -> None:
    """``Result.final`` (what the lessons count from) says what the model's world holds at the
    end: the intents, the server's folders and flags, every device's copies, what is gone."""
    from sim.model.simulation import simulate_with_world

    sc = dataclasses.replace(
        preset("family", days=3, seed=2), crashes=CrashSpec(at=(("alex/laptop", 2.0 * DAY),))
    )
    trace = generate(sc)
    for proto in Protocol:
        r, w = simulate_with_world(sc, proto, trace, final_state=True)
        final = r.final
        assert final is not None and simulate(sc, proto, trace).final is None
        assert final.intent() == dict(w.intent)
        assert final.on_server() == {mid: s for u in w.users for mid, s in u.where.items()}
        for dev in w.devices:
            assert final.held(dev.name) == {m: (c.folder, c.flags) for m, c in dev.local.items()}
            assert final.reached(dev.name) == dev.infected_reached
        assert dict(final.gone) == {
            mid: w.last_reason.get(mid) for mid in w.delivered if w.copies[mid] <= 0
        }
        assert len(final.gone) == r.conservation.lost_total
