"""Metrics across crashes and new devices: virus exposure across a crash, POP3 sent mail in a
backup, idle traffic in the device series, mail that arrived before a device appeared, and the
folder a filing chose.  Each failed before its fix."""

from __future__ import annotations

import itertools

import pytest

from sim.inputs.scenario import DAY, DeviceSpec, LinkSpec, Scenario, TlsMode, UserSpec, WorkloadSpec
from sim.inputs.workload import (
    Action,
    ActionKind,
    Crash,
    Interval,
    MessageSpec,
    SignatureUpdate,
    Trace,
)
from sim.model import Protocol
from sim.model.simulation import simulate, simulate_with_world

FAST = LinkSpec(1e10, 1e10, 0.1)
DAYS = (Interval(0.0, DAY),)


def _scenario() -> Scenario:
    return Scenario(
        users=(UserSpec("u", (DeviceSpec(name="a", link=FAST, scans_mail=True),)),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="metrics",
    )


@pytest.mark.parametrize("protocol", list(Protocol))
@pytest.mark.parametrize("backup", [10000.0, None])
def test_an_infected_copy_that_comes_back_after_a_crash_keeps_counting(
    protocol: Protocol, backup: float | None
) -> None:
    """An infected message reaches the device soon after 1000 s; the device crashes at
    20 000 s and gets the copy back (from the backup at once, or by downloading it again); the
    device's scanner removes it when the signature arrives at 50 000 s.  Exposure is the time
    the copy was held: from its arrival to 50 000 s, less any time it was gone."""
    sc = _scenario()
    spec = MessageSpec(
        id=0,
        user=0,
        time=1000.0,
        text_size=300,
        attachment_size=0,
        keywords=("k",),
        infected=True,
        detectable_at=50000.0,
    )
    pol_leave = protocol is Protocol.POP3 and backup is None
    if pol_leave:  # POP3 must find it on the server again to download it again
        from sim.inputs.scenario import Pop3Policy

        dev = DeviceSpec(
            name="a",
            link=FAST,
            scans_mail=True,
            pop3=Pop3Policy(leave_on_server=True, leave_days=None),
        )
        sc = Scenario(
            users=(UserSpec("u", (dev,)),),
            tls=TlsMode.NONE,
            duration_s=DAY,
            workload=WorkloadSpec(messages_per_day=0.0),
            name="metrics",
        )
    trace = Trace(
        sc,
        (spec,),
        (),
        (),
        (DAYS,),
        (DAYS,),
        (Crash(20000.0, 0, backup),),
        (),
        (SignatureUpdate(50000.0, (0,)),),
    )
    result, world = simulate_with_world(sc, protocol, trace)
    reached = world.devices[0].infected_reached[0]
    gap = world.exposure_gap.get((0, 0), 0.0)
    assert result.virus.exposure_device_s == pytest.approx(50000.0 - reached - gap)
    # restored at the crash itself; or downloaded again (IMAP at once, POP3 at its next poll)
    assert (gap == 0.0) if backup is not None else (0.0 < gap < 700.0)
    assert result.virus.exposure_device_s > 40000.0  # not cut at the crash (19 000 s)


def test_pop3_sent_mail_comes_back_from_a_backup_and_is_lost_without_one() -> None:
    """A POP3 device replies at 2000 s (its sent copy exists only on the device) and at
    15 000 s; the backup is taken at 10 000 s; it crashes at 20 000 s.  The first reply comes
    back with the backup, the second is lost with the crash."""
    sc = _scenario()
    spec = MessageSpec(id=0, user=0, time=1000.0, text_size=300, attachment_size=0, keywords=("k",))
    sent = tuple(
        MessageSpec(
            id=1 + i,
            user=0,
            time=t,
            text_size=500 + 100 * i,
            attachment_size=0,
            keywords=("k",),
            outgoing=True,
            reply_to=0,
        )
        for i, t in enumerate((2000.0, 15000.0))
    )
    actions = tuple(Action(s.time, 0, 0, ActionKind.REPLY, 0, outgoing=s) for s in sent)
    trace = Trace(
        sc, (spec,), sent, actions, (DAYS,), (DAYS,), (Crash(20000.0, 0, 10000.0),), (), ()
    )
    result, world = simulate_with_world(sc, Protocol.POP3, trace)
    first, second = (world.mails[s.id].size for s in sent)
    dev = world.devices[0]
    assert dev.sent_bytes == first
    record = result.crashes[0]
    assert (record.wiped_messages, record.restored_messages) == (3, 2)  # the arrival, 2 replies
    assert (record.lost_messages, record.lost_bytes) == (1, second)
    assert result.device("u/a").storage_bytes == sum(c.bytes for c in dev.local.values()) + first


@pytest.mark.parametrize("protocol", list(Protocol))
def test_device_series_show_idle_traffic_when_it_happens(protocol: Protocol) -> None:
    """One message at 1 h and nothing else: the device's polls (POP3, every 10 min; without
    UIDL and leaving mail on the server, each one downloads the message again and keeps the
    copy) or IDLE re-issues (IMAP, every 24 min) go on all day.  They are counted in closed
    form, but each grid point must show those before it -- not all of them at the end."""
    from sim.inputs.scenario import Pop3Policy

    dev = DeviceSpec(
        name="a", link=FAST, pop3=Pop3Policy(leave_on_server=True, use_uidl=False, leave_days=None)
    )
    sc = Scenario(
        users=(UserSpec("u", (dev,)),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="series",
    )
    spec = MessageSpec(id=0, user=0, time=3600.0, text_size=300, attachment_size=0, keywords=("k",))
    result, _ = simulate_with_world(
        sc, protocol, Trace(sc, (spec,), (), (), (DAYS,), (DAYS,), (), (), ())
    )
    series = result.device_series("u/a")
    wire = series.wire_bytes
    assert all(b > a for a, b in itertools.pairwise(wire[1:]))  # more every hour, from hour 1 on
    assert wire[-1] == result.device("u/a").wire_bytes  # the last point is the end of the run
    if protocol is Protocol.POP3:  # a copy more at every poll: storage grows every hour too
        storage = series.storage_bytes
        assert all(b > a for a, b in itertools.pairwise(storage[2:]))


@pytest.mark.parametrize("protocol", list(Protocol))
def test_mail_that_came_before_a_device_appeared_is_missed_if_it_never_shows(
    protocol: Protocol,
) -> None:
    """Device b appears at 5000 s, long after a message delivered at 100 s.  Under POP3 with
    delete-after-download device a took it off the server first, so b never shows it: missed
    (b polled after it arrived).  Under IMAP b's first connect fetches it: not missed."""
    devs = (DeviceSpec(name="a", link=FAST), DeviceSpec(name="b", link=FAST, first_online_s=5000.5))
    sc = Scenario(
        users=(UserSpec("u", devs),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="late",
    )
    spec = MessageSpec(id=0, user=0, time=100.0, text_size=300, attachment_size=0, keywords=("k",))
    trace = Trace(sc, (spec,), (), (), (DAYS, DAYS), (DAYS, (Interval(5000.5, DAY),)), (), (), ())
    result, _ = simulate_with_world(sc, protocol, trace)
    b = result.device("u/b")
    assert (b.received_messages, b.missed_messages) == (
        (0, 1) if protocol is Protocol.POP3 else (1, 0)
    )


def test_lesson4_counts_a_copy_in_the_folder_the_filing_that_took_effect_chose() -> None:
    """POP3: device a downloads the message and its user files it into Work; later the user
    tries to file it into Family on device b, which never had it, so nothing happens.  The
    message is meant to be in Work, and a shows it there: that counts."""
    from sim.lessons.experiments import _filed, _in_folder

    devs = (
        DeviceSpec(name="a", link=FAST),  # b comes online after a has taken the message
        DeviceSpec(name="b", link=FAST, first_online_s=3000.0),
    )
    sc = Scenario(
        users=(UserSpec("u", devs),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="filed",
    )
    spec = MessageSpec(id=0, user=0, time=100.0, text_size=300, attachment_size=0, keywords=("k",))
    acts = (
        Action(5000.0, 0, 0, ActionKind.FILE, 0, "Work"),
        Action(6000.0, 0, 1, ActionKind.FILE, 0, "Family"),
    )
    later = (Interval(3000.0, DAY),)
    trace = Trace(sc, (spec,), (), acts, (DAYS, later), (DAYS, later), (), (), ())
    result = simulate(sc, Protocol.POP3, trace, final_state=True)
    assert result.final is not None and result.final.intent()[0] == ("Work", 0)
    assert dict(_in_folder(result, _filed(trace))) == {"u/a": 1, "u/b": 0}


@pytest.mark.parametrize("protocol", list(Protocol))
def test_a_message_arriving_as_a_device_appears_is_one_pair(protocol: Protocol) -> None:
    """Device b appears at 5000 s, the very instant a second message arrives: b has two
    (message, device) pairs, not three (the arrival and the appearance both used to add it)."""
    t = 5000.0
    devs = (DeviceSpec(name="a", link=FAST), DeviceSpec(name="b", link=FAST, first_online_s=t))
    sc = Scenario(
        users=(UserSpec("u", devs),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="appear",
    )
    specs = tuple(
        MessageSpec(id=i, user=0, time=at, text_size=300, attachment_size=0, keywords=("k",))
        for i, at in enumerate((100.0, t))
    )
    later = (Interval(t, DAY),)
    _, world = simulate_with_world(
        sc, protocol, Trace(sc, specs, (), (), (DAYS, DAYS), (DAYS, later), (), (), ())
    )
    rec, b = world.rec, world.devices[1]
    live = sum(1 for intent in world.intent.values() if intent is not None)
    assert rec.exist[1] + rec.dpairs[1] == live == 2
    assert rec.covered[1] == len(b.local)
