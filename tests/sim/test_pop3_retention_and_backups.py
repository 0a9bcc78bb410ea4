"""POP3 leave-on-server days, re-downloads and backups, each against what RFC 1939 and the
engine's ``poll()`` do (each case was once wrong in the model).

* headers-first with leave-on-server for N days: the days count from first sight (the TOP), and a
  message opened later (RETR on open) is still deleted when its days are up;
* a message downloaded again after a crash is a duplicate download but is stored once;
* a backup holds the copy as it was when taken (headers only, if the body came later), and the
  client's memory (UIDL list, first-seen times) comes back from the same backup.
"""

from __future__ import annotations

from typing import Any

from sim.inputs.scenario import (
    DAY,
    DeviceSpec,
    LinkSpec,
    Pop3Policy,
    Scenario,
    TlsMode,
    UserSpec,
    WorkloadSpec,
)
from sim.inputs.workload import Action, ActionKind, Crash, Interval, MessageSpec, Trace
from sim.model import Protocol
from sim.model.poll_ticks import Timeline
from sim.model.simulation import simulate_with_world
from sim.model.world import World, phase_of

FAST = LinkSpec(1e10, 1e10, 0.01)


def _run(
    pol: Pop3Policy,
    msgs: tuple[tuple[float, int], ...],
    actions: tuple[Action, ...] = (),
    crashes: tuple[Crash, ...] = (),
    days: float = 1.0,
) -> tuple[Any, World, list[float]]:
    sc = Scenario(
        users=(UserSpec("u", (DeviceSpec(name="d", link=FAST, pop3=pol),)),),
        tls=TlsMode.NONE,
        duration_s=days * DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="pop3",
    )
    specs = tuple(
        MessageSpec(
            id=i, user=0, time=t, text_size=size, attachment_size=0, keywords=("topic0001",)
        )
        for i, (t, size) in enumerate(msgs)
    )
    day = (Interval(0.0, sc.duration_s),)
    trace = Trace(sc, specs, (), actions, (day,), (day,), crashes, (), ())
    removed: list[float] = []
    orig = World.server_remove

    def spy(self, user, mid, t, reason):  # type: ignore[no-untyped-def]
        removed.append(t)
        return orig(self, user, mid, t, reason)

    World.server_remove = spy  # type: ignore[method-assign]
    try:
        result, world = simulate_with_world(sc, Protocol.POP3, trace)
    finally:
        World.server_remove = orig  # type: ignore[method-assign]
    return result, world, removed


def _ticks(pol: Pop3Policy) -> Timeline:
    iv = pol.poll_interval_s
    return Timeline([(0.0, DAY)], iv, phase_of(1, "u/d") * iv)


def test_headers_first_copies_are_deleted_when_their_days_are_up_counted_from_the_top() -> None:
    """A 5 kB message is TOP'd at the first tick after 1000 s and opened (RETR) at 3000 s; it is
    kept 0.1 day.  The DELE comes at the first tick 0.1 day after the TOP, in a session of its
    own, and never again (empty polls list an empty maildrop)."""
    pol = Pop3Policy(
        leave_on_server=True, leave_days=0.1, headers_first=True, headers_first_min_bytes=2000
    )
    _result, world, removed = _run(
        pol, ((1000.0, 5000),), (Action(3000.0, 0, 0, ActionKind.READ, 0),)
    )
    tl = _ticks(pol)
    top = tl.next_tick(1000.0)
    assert removed == [tl.next_tick(top + 0.1 * DAY)]
    assert not world.users[0].where  # gone from the server
    assert world.devices[0].local[0].body  # the device keeps its copy


def test_a_message_downloaded_again_after_a_crash_is_stored_once() -> None:
    """Leave-on-server with UIDL; a crash without a backup makes the client forget what it
    downloaded, so it downloads the three messages again: three duplicates on the wire, three
    copies on the device (the storage metric counts each once)."""
    pol = Pop3Policy(leave_on_server=True, leave_days=None)
    result, world, _ = _run(
        pol,
        ((1000.0, 500), (2000.0, 3000), (3000.0, 700)),
        crashes=(Crash(6000.0, 0, None),),
        days=0.3,
    )
    dev = world.devices[0]
    held = sum(c.bytes for c in dev.local.values())
    assert len(dev.local) == 3
    assert result.device("u/d").storage_bytes == held
    assert dev.dup_count == 3 and dev.dup_bytes == held


def test_a_backup_holds_the_copy_as_it_was_and_the_client_memory_with_it() -> None:
    """TOP at the first tick after 1000 s, backup at 5000 s, opened (RETR) at 10 000 s, crash
    at 20 000 s: the restored copy is the header only, and the client knows it as headers-only
    (it fetches the body again when the message is next opened)."""
    pol = Pop3Policy(leave_on_server=True, headers_first=True, headers_first_min_bytes=2000)
    result, world, _ = _run(
        pol,
        ((1000.0, 5000),),
        (Action(10000.0, 0, 0, ActionKind.READ, 0),),
        crashes=(Crash(20000.0, 0, 5000.0),),
    )
    dev, mail = world.devices[0], world.mails[0]
    copy = dev.local[0]
    assert (copy.body, copy.bytes) == (False, mail.header)
    assert 0 in dev.client.headers_only and 0 not in dev.client.known  # type: ignore[attr-defined]
    assert result.device("u/d").storage_bytes == mail.header


def test_a_message_first_seen_after_the_backup_counts_its_days_again() -> None:
    """Kept 0.2 day.  Backup at 6000 s; message 2 arrives at 9000 s and is downloaded at the next
    tick; crash at 12 000 s: the restored memory lacks it, so it is downloaded again at the next
    tick and deleted 0.2 day after that download -- not after the first one."""
    pol = Pop3Policy(leave_on_server=True, leave_days=0.2)
    _, world, removed = _run(
        pol, ((1000.0, 500), (5000.0, 3000), (9000.0, 700)), crashes=(Crash(12000.0, 0, 6000.0),)
    )
    tl = _ticks(pol)
    again = tl.next_tick(12000.0)
    assert max(removed) == tl.next_tick(again + 0.2 * DAY)
    assert len(removed) == 3 and not world.users[0].where
