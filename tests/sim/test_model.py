"""The model on hand-checkable cases: one message, one device, a known link."""

from __future__ import annotations

import math

import pytest
from exchange_records import exchanges_at

from sim.inputs.scenario import (
    DAY,
    DeviceSpec,
    LinkSpec,
    Scenario,
    TlsMode,
    UserSpec,
    WorkloadSpec,
)
from sim.inputs.workload import Interval, MessageSpec, Trace, build_message, generate
from sim.model import Protocol, simulate
from sim.model.poll_ticks import Timeline
from sim.model.world import phase_of
from sim.protocol.imap.server import ImapServer
from sim.protocol.imap_client import SyncMode, connect
from sim.protocol.pop3 import Pop3Server
from sim.protocol.pop3_client import PollOptions, poll
from sim.protocol.profiles import imap_config, pop3_config
from sim.protocol.store import Store

RTT = 0.1
BW = 1e10  # so fast that transmission time is negligible: times are round trips
ARRIVAL = 1000.0


def tiny() -> tuple[Scenario, Trace]:
    dev = DeviceSpec(name="desktop", link=LinkSpec(BW, BW, RTT))
    sc = Scenario(
        users=(UserSpec("u", (dev,)),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="tiny",
    )
    spec = MessageSpec(
        id=0, user=0, time=ARRIVAL, text_size=500, attachment_size=0, keywords=("topic0001",)
    )
    day = (Interval(0.0, DAY),)
    trace = Trace(sc, (spec,), (), (), (day,), (day,), (), (), ())
    return sc, trace


def test_pop3_one_message_bytes_and_delay_from_the_transcripts() -> None:
    sc, trace = tiny()
    msg = build_message(trace.messages[0], sc)
    # the transcripts of an empty poll and of the poll that fetches the message
    store = Store()
    store.add_account("user", "secret")
    config = pop3_config(sc.server_profile.value)  # the texts the model prices
    empty = poll(Pop3Server(store, config), PollOptions("user", "secret"), render=True).record
    store.accounts["user"].inbox.append(msg)
    work = poll(Pop3Server(store, config), PollOptions("user", "secret"), render=True).record
    empty_down = sum(len(e.server or b"") for e in empty.exchanges)
    work_down = sum(len(e.server or b"") for e in work.exchanges)
    empty_up = sum(len(e.client) for e in empty.exchanges)
    work_up = sum(len(e.client) for e in work.exchanges)
    commands = len(work.exchanges) - 1  # the greeting is not a command
    # poll ticks of the device: start-up offset, then every 10 minutes
    tl = Timeline([(0.0, DAY)], 600.0, phase_of(sc.seed, "u/desktop") * 600.0)
    tick = tl.next_tick(ARRIVAL)
    ticks = tl.ticks_between(0.0, DAY)

    r = simulate(sc, Protocol.POP3, trace)
    d = r.device("u/desktop")
    assert d.sessions == ticks
    assert d.empty_polls == ticks - 1
    down = d.down
    assert down.framing + down.header + down.body + down.attachment == (
        (ticks - 1) * empty_down + work_down
    )
    assert down.header + down.body + down.attachment == msg.size
    assert d.up.framing == (ticks - 1) * empty_up + work_up
    # shown when the fetching session ends: TCP handshake + greeting + one round trip a command
    assert d.notification_delay.median_s == pytest.approx(
        tick - ARRIVAL + RTT * (2 + commands), abs=1e-3
    )
    assert d.received_messages == 1 and d.missed_messages == 0
    assert d.storage_bytes == msg.size
    assert r.summary.server_storage_bytes == 0  # deleted after download (at QUIT)


def test_imap_one_message_pushed_and_fetched_from_the_transcripts() -> None:
    sc, trace = tiny()
    msg = build_message(trace.messages[0], sc)
    store = Store()
    acct = store.add_account("user", "secret")
    c = connect(ImapServer(store, imap_config(sc.server_profile.value)), "user", "secret")
    c.idle_start()
    c.take_record()
    acct.inbox.append(msg)
    c.idle_push()
    c.idle_done()
    c.sync_headers(1, SyncMode.HEADERS)
    c.fetch_full([1])  # full offline sync (the default policy)
    c.idle_start()
    rec = c.take_record()
    rounds = sum(e.round_trips for e in rec.exchanges)
    r = simulate(sc, Protocol.IMAP, trace)
    d = r.device("u/desktop")
    # the push travels half a round trip, then DONE, the two fetches and IDLE again
    assert d.notification_delay.median_s == pytest.approx(
        ARRIVAL * 0 + RTT / 2 + RTT * rounds, abs=1e-3
    )
    assert rounds == 4
    assert d.down.header == 2 * msg.header_size  # header sync, then the whole message
    assert d.down.body + d.down.attachment == msg.size - msg.header_size
    assert d.storage_bytes == msg.size
    assert r.summary.server_storage_bytes == msg.size
    assert d.sessions == 1  # one connection, held all day
    assert d.connection_time_s == pytest.approx(DAY)


def test_same_seed_same_result_and_trace_does_not_depend_on_protocol() -> None:
    from sim.inputs.presets import preset

    sc = preset("family", days=2, seed=5)
    t1, t2 = generate(sc), generate(sc)
    assert t1 == t2
    a = simulate(sc, Protocol.POP3, t1)
    b = simulate(sc, Protocol.POP3, generate(sc))
    assert repr(a) == repr(b)
    simulate(sc, Protocol.IMAP, t1)
    assert t1 == t2  # the IMAP run did not change the trace


def test_bad_protocol_and_foreign_trace_are_refused() -> None:
    from sim.inputs.scenario import ScenarioError

    sc, trace = tiny()
    with pytest.raises(ScenarioError, match="protocol"):
        simulate(sc, "pop3", trace)  # type: ignore[arg-type]
    other = Scenario(duration_s=DAY, seed=2)
    with pytest.raises(ScenarioError, match="trace"):
        simulate(other, Protocol.POP3, trace)
    with pytest.raises(ScenarioError, match="grid_step_s"):
        simulate(sc, Protocol.POP3, trace, grid_step_s=1.0)


def test_a_trace_out_of_time_order_is_refused_by_name() -> None:
    """The driver takes arrivals and actions in the trace's order: an edited trace that breaks
    it must be refused, naming the item, not run with an action at the wrong time."""
    import dataclasses

    from sim.inputs.presets import preset
    from sim.inputs.scenario import ScenarioError

    sc = preset("family", days=3, seed=1)
    tr = generate(sc)
    late = dataclasses.replace(tr.actions[0], time=tr.actions[5].time + 1.0)
    bad = dataclasses.replace(tr, actions=(late, *tr.actions[1:]))
    with pytest.raises(ScenarioError, match=r"trace\.actions\[1\]\.time"):
        simulate(sc, Protocol.IMAP, bad)
    swapped = dataclasses.replace(tr, messages=(tr.messages[1], tr.messages[0], *tr.messages[2:]))
    with pytest.raises(ScenarioError, match=r"trace\.messages\[1\]\.time"):
        simulate(sc, Protocol.POP3, swapped)
    same_time = dataclasses.replace(
        tr,
        messages=(
            dataclasses.replace(tr.messages[1], time=tr.messages[0].time),
            dataclasses.replace(tr.messages[0], time=tr.messages[0].time),
            *tr.messages[2:],
        ),
    )
    with pytest.raises(ScenarioError, match=r"trace\.messages\[0\]\.id"):
        simulate(sc, Protocol.POP3, same_time)
    assert simulate(sc, Protocol.POP3, tr).events > 0  # the generated trace itself is fine


def test_pop3_lock_conflict_refuses_the_second_session() -> None:
    """Two devices polling at the same instant: the second finds the maildrop locked."""
    _sc, trace = tiny()
    a = DeviceSpec(name="a", link=LinkSpec(1e4, 1e4, 2.0))
    b = DeviceSpec(name="b", link=LinkSpec(1e4, 1e4, 2.0))
    sc2 = Scenario(
        users=(UserSpec("u", (a, b)),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="lock",
    )
    day = (Interval(0.0, DAY),)
    tr = Trace(sc2, trace.messages, (), (), (day, day), (day, day), (), (), ())
    r = simulate(sc2, Protocol.POP3, tr)
    got = [d.received_messages for d in r.devices]
    assert sorted(got) == [0, 1]  # one downloads and deletes, the other never sees it
    assert sum(d.missed_messages for d in r.devices) == 1
    assert math.isfinite(r.summary.notification_delay.median_s)


@pytest.mark.parametrize("protocol", list(Protocol))
def test_quarantined_mail_is_counted_lost_to_quarantine(protocol: Protocol) -> None:
    """A message the server quarantines after a signature update is gone from every device that
    hears of it; the conservation count must give quarantine as the reason, not a user delete
    (the IMAP client used to take the cleared intent for a delete)."""
    import dataclasses

    from sim.inputs.presets import preset
    from sim.model.simulation import simulate_with_world
    from sim.outputs.results import LossReason

    sc = preset("family", days=30, seed=2)
    sc = dataclasses.replace(
        sc, workload=dataclasses.replace(sc.workload, infected_share=0.2, zero_day_share=1.0)
    )
    r, w = simulate_with_world(sc, protocol)
    gone = [mid for mid in w.delivered if not w.on_server(mid) and w.copies[mid] <= 0]
    quarantined = sum(1 for mid in gone if mid in w.quarantined)
    lost = dict(r.conservation.lost)
    assert quarantined > 20  # the case is exercised
    assert lost.get(LossReason.QUARANTINE, 0) == quarantined
    assert lost.get(LossReason.USER_DELETE, 0) == len(gone) - quarantined


@pytest.mark.parametrize("idle", [True, False])
def test_reading_a_message_fetched_headers_only_costs_one_fetch(idle: bool) -> None:
    """Opening a message whose body is not on the device is ``UID FETCH uid (BODY[1])``: the
    server sets \\Seen and says so in the reply, so the client sends no STORE after it; an
    idling client wraps it in DONE ... IDLE, a polling one sends it as it is."""
    from sim.inputs.scenario import FetchMode, ImapPolicy
    from sim.inputs.workload import Action, ActionKind

    pol = ImapPolicy(idle=idle, fetch_mode=FetchMode.BODIES_ON_OPEN, poll_interval_s=600.0)
    dev = DeviceSpec(name="a", link=LinkSpec(BW, BW, RTT), imap=pol)
    sc = Scenario(
        users=(UserSpec("u", (dev,)),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="open",
    )
    spec = MessageSpec(
        id=0, user=0, time=ARRIVAL, text_size=700, attachment_size=0, keywords=("topic0001",)
    )
    day = (Interval(0.0, DAY),)
    trace = Trace(
        sc, (spec,), (), (Action(5000.0, 0, 0, ActionKind.READ, 0),), (day,), (day,), (), (), ()
    )
    r = simulate(sc, Protocol.IMAP, trace, record_events=True)
    charged = [
        (sum(e.protocol_up), sum(e.protocol_down), e.round_trips)
        for e in exchanges_at(r, "u/a", 5000.0)
    ]
    store = Store()
    store.add_account("user", "secret").inbox.append(build_message(spec, sc))
    c = connect(ImapServer(store, imap_config(sc.server_profile.value)), "user", "secret")
    if idle:
        c.idle_start()
    c.take_record()
    if idle:
        c.idle_done()
    c.fetch_body(1, "1", mark_seen=True)
    if idle:
        c.idle_start()
    rec = c.take_record()
    assert [e.client.split()[1] for e in rec.exchanges if e.client[:1] == b"a"] == (
        [b"UID", b"IDLE"] if idle else [b"UID"]
    )
    k = rec.server_counts
    assert charged == [(rec.client_bytes, k.total, rec.round_trips)]
    assert r.summary.server_storage_bytes == build_message(spec, sc).size
