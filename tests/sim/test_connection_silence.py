"""A kept-open IMAP connection and the silence on it: server keepalives and NAT timeouts.

One always-online desktop on a fast link, IDLE re-issued every 24 minutes, one message arriving
at 1000 s: the counts below are worked out by hand from those numbers."""

from __future__ import annotations

import dataclasses
import math

import pytest
from exchange_records import exchanges_at, octets_at

from sim.inputs.presets import preset
from sim.inputs.scenario import (
    DAY,
    DeviceSpec,
    ImapPolicy,
    LinkSpec,
    Scenario,
    ScenarioError,
    ServerProfileName,
    ServerSpec,
    TlsMode,
    UserSpec,
    WorkloadSpec,
)
from sim.inputs.workload import Interval, MessageSpec, Trace
from sim.model import Protocol, simulate
from sim.outputs.records import RecordKind

RTT = 0.1
BW = 1e10
ARRIVAL = 1000.0  # 1000 s after the connect: inside the first IDLE stretch (re-issue at 1440)
REISSUE = 1440.0
TICKS = int(DAY // REISSUE)  # re-issue ticks in the day, the connect at 0 included: 60


def one_desktop(
    *, nat: float | None = None, keepalive: float | None = None, message: bool = True
) -> tuple[Scenario, Trace]:
    dev = DeviceSpec(
        name="desktop",
        link=LinkSpec(BW, BW, RTT, nat_idle_timeout_s=nat),
        imap=ImapPolicy(idle_reissue_s=REISSUE),
    )
    sc = Scenario(
        users=(UserSpec("u", (dev,)),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        server=ServerSpec(idle_keepalive_s=keepalive),
        name="silence",
    )
    specs = (
        (
            MessageSpec(
                id=0,
                user=0,
                time=ARRIVAL,
                text_size=500,
                attachment_size=0,
                keywords=("topic0001",),
            ),
        )
        if message
        else ()
    )
    day = (Interval(0.0, DAY),)
    return sc, Trace(sc, specs, (), (), (day,), (day,), (), (), ())


def desktop(sc: Scenario, trace: Trace):  # type: ignore[no-untyped-def]
    return simulate(sc, Protocol.IMAP, trace).device("u/desktop")


def test_keepalives_fill_every_silence_longer_than_their_interval() -> None:
    """Keepalive every 120 s of silence: 11 in each 24-minute IDLE stretch (at 120 .. 1320 s),
    60 stretches a day; the push at 1000 s starts a new silence inside the first stretch."""
    quiet = desktop(*one_desktop(message=False))
    chatty = desktop(*one_desktop(keepalive=120.0, message=False))
    assert chatty.down.framing - quiet.down.framing == 60 * 11 * len(b"* OK Still here\r\n")
    assert chatty.up.framing == quiet.up.framing and chatty.sessions == quiet.sessions == 1
    assert chatty.up.tcp > quiet.up.tcp  # the device acknowledges each keepalive segment
    # with the message: stretch 1 is split at 1000 s (8 keepalives before it, then 3 in the
    # 440 s left less the push's own few milliseconds), the rest as before
    with_mail = desktop(*one_desktop(keepalive=120.0))
    no_ka = desktop(*one_desktop())
    assert with_mail.down.framing - no_ka.down.framing == (8 + 3 + 59 * 11) * 17


def test_a_nat_that_forgets_after_five_minutes_turns_idle_into_reconnects() -> None:
    """NAT timeout 300 s < re-issue 1440 s: after every connect the connection is forgotten at
    +300 s, and each later re-issue finds it gone (a DONE into the void, a reset, a connect)."""
    base = desktop(*one_desktop())
    nat = desktop(*one_desktop(nat=300.0))
    assert base.sessions == 1 and base.empty_polls == TICKS - 1
    assert nat.sessions == TICKS and nat.empty_polls == 0  # every re-issue became a reconnect
    assert nat.up.framing > base.up.framing
    # the message came at 1000 s, 700 s after the NAT forgot the connection: no push; it is
    # fetched at the first re-issue (1440 s) after the DONE's reset and a new connect
    assert base.notification_delay.median_s < 1.0
    assert nat.notification_delay.median_s > REISSUE - ARRIVAL
    assert nat.notification_delay.median_s < REISSUE - ARRIVAL + 10 * RTT
    assert nat.received_messages == base.received_messages == 1


def test_keepalives_more_often_than_the_nat_forgets_keep_the_connection() -> None:
    kept = desktop(*one_desktop(nat=300.0, keepalive=120.0))
    plain_ka = desktop(*one_desktop(keepalive=120.0))
    assert kept == plain_ka  # the NAT never sees 300 s of silence
    too_rare = desktop(*one_desktop(nat=300.0, keepalive=600.0))
    assert too_rare == desktop(*one_desktop(nat=300.0))  # forgotten before the first keepalive


def test_a_nat_slower_than_the_reissue_changes_nothing() -> None:
    assert desktop(*one_desktop(nat=REISSUE + 60.0)) == desktop(*one_desktop())


def test_polling_client_behind_a_faster_nat_is_refused_clearly() -> None:
    with pytest.raises(ScenarioError) as info:
        DeviceSpec(
            link=LinkSpec(nat_idle_timeout_s=300.0),
            imap=ImapPolicy(idle=False, poll_interval_s=600.0),
        )
    assert info.value.field == "link.nat_idle_timeout_s" and info.value.value == 300.0
    assert "poll_interval_s" in str(info.value)
    DeviceSpec(
        link=LinkSpec(nat_idle_timeout_s=900.0), imap=ImapPolicy(idle=False, poll_interval_s=600.0)
    )


def _family(nat: float | None, keepalive: float | None) -> Scenario:
    sc = preset("family", days=7, seed=2)
    users = tuple(
        dataclasses.replace(
            u,
            devices=tuple(
                dataclasses.replace(d, link=dataclasses.replace(d.link, nat_idle_timeout_s=nat))
                for d in u.devices
            ),
        )
        for u in sc.users
    )
    return dataclasses.replace(
        sc, users=users, server=dataclasses.replace(sc.server, idle_keepalive_s=keepalive)
    )


def test_family_push_delay_grows_from_seconds_to_minutes_behind_a_forgetful_nat() -> None:
    plain = simulate(_family(None, None), Protocol.IMAP).summary
    nat = simulate(_family(300.0, None), Protocol.IMAP).summary
    cured = simulate(_family(300.0, 120.0), Protocol.IMAP).summary
    assert plain.notification_delay.median_s < 5.0
    assert nat.notification_delay.median_s > 120.0
    assert cured.notification_delay.median_s == pytest.approx(
        plain.notification_delay.median_s, rel=0.05
    )
    assert cured.wire_bytes > plain.wire_bytes  # keepalives cost octets
    assert math.isfinite(nat.notification_delay.p95_s)
    # POP3 polls open a connection each time: the NAT and keepalives leave it alone
    assert simulate(_family(300.0, 120.0), Protocol.POP3) == simulate(
        _family(None, None), Protocol.POP3
    )


def _two_devices(
    a: DeviceSpec,
    b: DeviceSpec,
    actions: tuple,  # type: ignore[type-arg]
    arrival: float = ARRIVAL,
) -> tuple[Scenario, Trace]:
    """Devices ``a`` and ``b`` of one user, online all day; one message at ``arrival``."""
    sc = Scenario(
        users=(UserSpec("u", (a, b)),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="two",
    )
    spec = MessageSpec(
        id=0, user=0, time=arrival, text_size=500, attachment_size=0, keywords=("topic0001",)
    )
    day = (Interval(0.0, DAY),)
    return sc, Trace(sc, (spec,), (), actions, (day, day), (day, day), (), (), ())


def _two_desktops(actions: tuple) -> tuple[Scenario, Trace]:  # type: ignore[type-arg]
    return _two_devices(*(DeviceSpec(name=n, link=LinkSpec(BW, BW, RTT)) for n in "ab"), actions)


def test_an_action_that_changes_nothing_on_the_server_sends_nothing() -> None:
    """Device a reads the message (STORE \\Seen, pushed to b); b reading it afterwards finds it
    already \\Seen: no command, no IDLE interruption, no push to a."""
    from sim.inputs.workload import Action, ActionKind

    read_a = Action(2000.0, 0, 0, ActionKind.READ, 0)
    read_b = Action(3000.0, 0, 1, ActionKind.READ, 0)
    once = simulate(_two_desktops((read_a,))[0], Protocol.IMAP, _two_desktops((read_a,))[1])
    sc, trace = _two_desktops((read_a, read_b))
    twice = simulate(sc, Protocol.IMAP, trace)
    assert once.devices == twice.devices
    assert once.summary.wire_bytes == twice.summary.wire_bytes


def _poller_and_idler(actions: tuple, arrival: float) -> tuple[Scenario, Trace]:  # type: ignore[type-arg]
    return _two_devices(
        DeviceSpec(
            name="a", link=LinkSpec(BW, BW, RTT), imap=ImapPolicy(idle=False, poll_interval_s=600.0)
        ),
        DeviceSpec(name="b", link=LinkSpec(BW, BW, RTT)),
        actions,
        arrival,
    )


@pytest.mark.parametrize(
    "case,octets",
    [
        ("new mail", len(b"* 1 EXISTS\r\n")),
        # the arrival at 100 s is announced at a's tick at 600 s, then b's change at 1200 s
        ("flagged elsewhere", len(b"* 1 EXISTS\r\n") + len(b"* 1 FETCH (FLAGS (\\Flagged))\r\n")),
        ("deleted elsewhere", len(b"* 1 EXISTS\r\n") + len(b"* 1 EXPUNGE\r\n")),
    ],
)
def test_a_polling_clients_noop_carries_what_other_sessions_changed(
    case: str, octets: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Device a polls every 10 minutes on a kept-open connection; b (IDLE) acts.  What changed
    reaches a as untagged lines in the reply to its next NOOP -- the exact lines, once."""
    from sim.inputs.workload import Action, ActionKind
    from sim.model.imap_device import ImapDeviceClient

    if case == "new mail":  # arrives at 1000 s, a's tick at 1200 s announces it
        sc, trace = _poller_and_idler((), 1000.0)
    else:  # arrives at 100 s (a fetches it at 600 s); b acts at 700 s; a's tick at 1200 s
        kind = ActionKind.FLAG if case == "flagged elsewhere" else ActionKind.DELETE
        sc, trace = _poller_and_idler((Action(700.0, 0, 1, kind, 0),), 100.0)
    with_lines = simulate(sc, Protocol.IMAP, trace).device("u/a")
    monkeypatch.setattr(ImapDeviceClient, "_untagged", lambda self: 0)
    without = simulate(sc, Protocol.IMAP, trace).device("u/a")
    assert with_lines.down.framing - without.down.framing == octets


# -- regressions found in review ---------------------------------------------------------------


def test_a_polling_clients_own_delete_reply_numbers_others_expunges_before_its_own() -> None:
    """b deletes UID 10, then polling a deletes UID 1: the engine reports '* 10 EXPUNGE' in the
    reply to a's STORE (UID 1 is still in a's view then), not '* 9 EXPUNGE'."""
    from sim.inputs.workload import Action, ActionKind, build_message
    from sim.model.imap_costs import _config
    from sim.protocol.imap.server import ImapServer
    from sim.protocol.imap_client import connect
    from sim.protocol.store import Store

    devs = (
        DeviceSpec(
            name="a", link=LinkSpec(BW, BW, RTT), imap=ImapPolicy(idle=False, poll_interval_s=600.0)
        ),
        DeviceSpec(name="b", link=LinkSpec(BW, BW, RTT)),
    )
    sc = Scenario(
        users=(UserSpec("u", devs),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="order",
    )
    specs = tuple(
        MessageSpec(
            id=i, user=0, time=10.0 * (i + 1), text_size=300, attachment_size=0, keywords=("t",)
        )
        for i in range(10)
    )
    actions = (Action(700.0, 0, 1, ActionKind.DELETE, 9), Action(800.0, 0, 0, ActionKind.DELETE, 0))
    day = (Interval(0.0, DAY),)
    r = simulate(
        sc,
        Protocol.IMAP,
        Trace(sc, specs, (), actions, (day, day), (day, day), (), (), ()),
        record_events=True,
    )
    store = Store()
    box = store.add_account("user", "secret").inbox
    c = connect(ImapServer(store, _config(TlsMode.NONE)), "user", "secret", mailbox="INBOX")
    for s in specs:
        box.append(build_message(s, sc))
    c.noop()  # a's tick at 600 s: all ten announced
    c.take_record()
    box.set_flags(10, {"\\Deleted"})  # b's delete
    box.expunge([10])
    c.delete([1])  # a's delete, whose reply carries '* 10 EXPUNGE'
    rec = c.take_record()
    k = rec.server_counts
    assert octets_at(r, "u/a", 800.0) == (
        rec.client_bytes,
        (k.framing, k.header, k.body, k.attachment),
        rec.round_trips,
    )


def test_a_polling_client_stores_a_flag_it_has_not_heard_was_set() -> None:
    """b flags the message at 700 s; polling a, not yet told, flags it too at 800 s: a sends its
    STORE (and hears of b's change in the reply), although the server state does not change."""
    from sim.inputs.workload import Action, ActionKind

    sc, trace = _poller_and_idler(
        (Action(700.0, 0, 1, ActionKind.FLAG, 0), Action(800.0, 0, 0, ActionKind.FLAG, 0)), 100.0
    )
    sc = dataclasses.replace(sc, server_profile=ServerProfileName.RFC)  # the octets below
    r = simulate(sc, Protocol.IMAP, dataclasses.replace(trace, scenario=sc), record_events=True)
    exchanged = exchanges_at(r, "u/a", 800.0)
    assert len(exchanged) == 1
    down, rt = exchanged[0].protocol_down, exchanged[0].round_trips
    assert rt == 1 and down[0] == len(b"a005 OK +FLAGS completed\r\n") + len(
        b"* 1 FETCH (FLAGS (\\Flagged))\r\n"
    )


def test_a_polling_tick_with_work_is_not_also_booked_as_an_empty_poll() -> None:
    base = desktop(*one_desktop(message=False))
    polling = dataclasses.replace
    for n_msgs in (0, 1):
        sc, trace = one_desktop(message=bool(n_msgs))
        dev = polling(sc.users[0].devices[0], imap=ImapPolicy(idle=False, poll_interval_s=600.0))
        sc = polling(sc, users=(polling(sc.users[0], devices=(dev,)),))
        d = simulate(sc, Protocol.IMAP, dataclasses.replace(trace, scenario=sc)).device("u/desktop")
        ticks_after_connect = int(DAY // 600) - 1
        assert d.empty_polls == ticks_after_connect - n_msgs
    assert base.sessions == 1


def test_a_nat_check_from_before_an_exchange_past_the_period_end_is_dropped() -> None:
    """Online [0, 1441) s on a slow link: a 2.4 MB push runs from 350 s past the end of the
    period; the connection carried traffic all along, so the message at 1200 s is pushed and no
    reconnect happens -- as without the NAT."""

    def go(nat: float | None):  # type: ignore[no-untyped-def]
        dev = DeviceSpec(
            name="d",
            link=LinkSpec(2e3, 2e3, RTT, nat_idle_timeout_s=nat),
            imap=ImapPolicy(idle_reissue_s=REISSUE),
        )
        sc = Scenario(
            users=(UserSpec("u", (dev,)),),
            tls=TlsMode.NONE,
            duration_s=DAY,
            workload=WorkloadSpec(messages_per_day=0.0),
            name="straddle",
        )
        specs = tuple(
            MessageSpec(id=i, user=0, time=t, text_size=size, attachment_size=0, keywords=("t",))
            for i, (t, size) in enumerate(((100.0, 500), (350.0, 2_400_000), (1200.0, 500)))
        )
        ivs = (Interval(0.0, 1441.0),)
        r = simulate(sc, Protocol.IMAP, Trace(sc, specs, (), (), (ivs,), (ivs,), (), (), ()))
        return dataclasses.replace(r, events=0)  # (NAT checks that find it alive are events)

    assert go(300.0) == go(None)


def test_prices_do_not_leak_from_one_run_into_the_next() -> None:
    """The same message id, seq and UID in two runs: the second run's bigger message is priced
    as itself (a reused fetch price used to outlive its run)."""

    def one(text: int):  # type: ignore[no-untyped-def]
        sc, trace = one_desktop()
        spec = dataclasses.replace(trace.messages[0], text_size=text)
        return simulate(sc, Protocol.IMAP, dataclasses.replace(trace, messages=(spec,)))

    one(500)
    assert one(50_000).device("u/desktop").down.body == 50_000


def test_a_polling_tick_at_a_connect_is_the_connect() -> None:
    """A message at 700 s, after the last tick of the online period [0, 1000): the next tick is
    the start of the next period, where the client connects and resynchronises anyway -- one
    session, no NOOP and second listing after it."""
    dev = DeviceSpec(
        name="desktop",
        link=LinkSpec(BW, BW, RTT),
        imap=ImapPolicy(idle=False, poll_interval_s=600.0),
    )
    sc = Scenario(
        users=(UserSpec("u", (dev,)),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="tick-at-connect",
    )
    spec = MessageSpec(
        id=0, user=0, time=700.0, text_size=500, attachment_size=0, keywords=("topic0001",)
    )
    ivs = (Interval(0.0, 1000.0), Interval(2000.0, DAY))
    r = simulate(
        sc,
        Protocol.IMAP,
        Trace(sc, (spec,), (), (), (ivs,), (ivs,), (), (), ()),
        record_events=True,
    )
    d = r.device("u/desktop")
    assert d.received_messages == 1 and d.sessions == 2
    exchanged = exchanges_at(r, "u/desktop", 2000.0)
    noop = len(b"a000 NOOP\r\n")
    assert all(sum(e.protocol_up) != noop for e in exchanged)  # no tick besides the connect
    # the connect (with its resync), then the new message's fetch
    assert [e.kind for e in exchanged] == [RecordKind.CONNECT, RecordKind.FETCH]
