"""IMAP cases where a client acts on what it last heard, checked against the engine.

* A polling client's first command after others changed INBOX normally brings their untagged
  updates -- unless that command is a SELECT of another folder, which closes INBOX unreported.
* A client that has not heard that another device moved or deleted a message names the UID it
  knew: the server answers OK and changes nothing (the move or delete elsewhere stands).
* Acting offline on a stale copy of a message deleted elsewhere revives its intent (DESIGN's
  definition) but not the message: the metric shows the conflict.
"""

from __future__ import annotations

from typing import Any

import pytest
from exchange_records import octets_at

from sim.inputs.scenario import (
    DAY,
    DeviceSpec,
    ImapPolicy,
    LinkSpec,
    Scenario,
    TlsMode,
    UserSpec,
    WorkloadSpec,
)
from sim.inputs.workload import Action, ActionKind, Interval, MessageSpec, Trace, build_message
from sim.model import Protocol
from sim.model.imap_costs import _config
from sim.model.simulation import simulate_with_world
from sim.model.world import World
from sim.outputs.results import Result
from sim.protocol.imap.server import ImapServer
from sim.protocol.imap_client import ImapClient, connect
from sim.protocol.store import Store

FAST = LinkSpec(1e10, 1e10, 0.1)
POLL = ImapPolicy(idle=False, poll_interval_s=300.0)  # ticks at 300 s, 600 s, 900 s ...
IDLE = ImapPolicy()
ALWAYS = (Interval(0.0, DAY),)


def _scenario(
    pols: tuple[ImapPolicy, ...],
    actions: tuple[Action, ...],
    n: int = 3,
    online: tuple[tuple[Interval, ...], ...] | None = None,
    sent: tuple[MessageSpec, ...] = (),
) -> tuple[Scenario, Trace]:
    devs = tuple(DeviceSpec(name=chr(ord("a") + i), link=FAST, imap=p) for i, p in enumerate(pols))
    sc = Scenario(
        users=(UserSpec("u", devs),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="stale",
    )
    specs = tuple(
        MessageSpec(
            id=i,
            user=0,
            time=10.0 * (i + 1),
            text_size=300 + 40 * i,
            attachment_size=0,
            keywords=("topic0001",),
        )
        for i in range(n)
    )
    trace = Trace(
        sc,
        specs,
        sent,
        actions,
        tuple(ALWAYS for _ in devs),
        online or tuple(ALWAYS for _ in devs),
        (),
        (),
        (),
    )
    return sc, trace


def _run(sc: Scenario, trace: Trace) -> tuple[Result, World]:
    """The IMAP run of ``trace``, with its event records (what each device exchanged)."""
    return simulate_with_world(sc, Protocol.IMAP, trace, record_events=True)


def _sessions(sc: Scenario, trace: Trace, *folders: str) -> tuple[Any, ImapClient, ImapClient]:
    """The engine's account holding the trace's messages (and ``folders``, created empty), and
    two logged-in sessions on it: devices a and b."""
    store = Store()
    account = store.add_account("user", "secret")
    for folder in ("Sent", *folders):
        account.create(folder)
    for spec in trace.messages:
        account.inbox.append(build_message(spec, sc))

    def session() -> ImapClient:
        c = connect(ImapServer(store, _config(TlsMode.NONE, False)), "user", "secret")
        c.take_record()
        return c

    return account, session(), session()


def _octets(c: ImapClient) -> tuple[int, tuple[int, int, int, int], int]:
    rec = c.take_record()
    k = rec.server_counts
    return rec.client_bytes, (k.framing, k.header, k.body, k.attachment), rec.round_trips


def test_a_polling_visit_to_another_folder_hears_nothing_of_inbox() -> None:
    """Polling a flags a message it filed in Work just after b flagged one in INBOX: the
    SELECT of Work closes INBOX, so b's change is not reported with it."""
    acts = (
        Action(400.0, 0, 0, ActionKind.FILE, 2, "Work"),
        Action(700.0, 0, 1, ActionKind.FLAG, 0),
        Action(710.0, 0, 0, ActionKind.FLAG, 2),
    )
    sc, trace = _scenario((POLL, POLL), acts)
    result, _ = _run(sc, trace)
    _, a, b = _sessions(sc, trace, "Work")
    a.move([3], "Work")
    a.noop()
    a.take_record()
    b.store_flags([1], ["\\Flagged"])
    a.select("Work")
    a.fetch_flags(1)
    a.store_flags([1], ["\\Flagged"])
    a.select("INBOX")
    assert octets_at(result, "u/a", 710.0) == _octets(a)


def test_a_polling_search_from_an_empty_inbox_hears_nothing_of_it() -> None:
    """b replies to the only INBOX message and deletes it; polling a then searches: its first
    command is SELECT Sent (INBOX is empty), so the EXPUNGE is never sent; the search record
    carries the octets charged."""
    sent = (
        MessageSpec(
            id=1,
            user=0,
            time=650.0,
            text_size=200,
            attachment_size=0,
            keywords=("topic0001",),
            outgoing=True,
            reply_to=0,
        ),
    )
    acts = (
        Action(650.0, 0, 1, ActionKind.REPLY, 0, outgoing=sent[0]),
        Action(700.0, 0, 1, ActionKind.DELETE, 0),
        Action(710.0, 0, 0, ActionKind.SEARCH, query="topic0001"),
    )
    sc, trace = _scenario((POLL, IDLE), acts, n=1, sent=sent)
    result, world = _run(sc, trace)
    _, a, b = _sessions(sc, trace)
    b.append("Sent", build_message(sent[0], sc))
    b.store_flags([1], ["\\Answered"])
    b.delete([1])
    a.select("Sent")
    assert a.search("TEXT topic0001") == [1]  # the reply is found in Sent
    a.select("INBOX")
    engine = _octets(a)
    assert octets_at(result, "u/a", 710.0) == engine
    record = world.search_records[-1]
    assert (record.up_bytes, record.down_bytes) == (engine[0], sum(engine[1]))


@pytest.mark.parametrize("kind", [ActionKind.DELETE, ActionKind.FLAG, ActionKind.FILE])
def test_a_polling_client_acting_on_a_message_moved_away_changes_nothing(kind: ActionKind) -> None:
    """b files message 0 into Work at 700 s; polling a, not yet told (its tick is at 900 s),
    acts on its INBOX copy at 710 s.  Its command names INBOX UID 1, which is gone: OK,
    nothing changes -- the message stays in Work, unflagged -- and at the tick a learns."""
    acts = (
        Action(700.0, 0, 1, ActionKind.FILE, 0, "Work"),
        Action(710.0, 0, 0, kind, 0, "Family" if kind is ActionKind.FILE else None),
    )
    sc, trace = _scenario((POLL, POLL), acts)
    result, world = _run(sc, trace)
    assert world.users[0].where[0] == ("Work", 0)
    assert world.devices[0].local[0].state() == ("Work", 0)  # learnt at the tick (900 s)
    account, a, b = _sessions(sc, trace, "Work", "Family")
    b.move([1], "Work")
    if kind is ActionKind.DELETE:
        a.delete([1])
    elif kind is ActionKind.FLAG:
        a.store_flags([1], ["\\Flagged"])
    else:
        a.move([1], "Family")
    assert octets_at(result, "u/a", 710.0) == _octets(a)  # with b's EXPUNGE in the first reply
    work = account.get("Work")
    assert [(m.uid, set(m.flags)) for m in work.messages] == [(1, set())]


def test_an_offline_change_to_a_message_moved_meanwhile_changes_nothing() -> None:
    """a is offline from 650 s to 800 s; b files message 0 into Work at 700 s; a flags its
    INBOX copy at 720 s.  The queued STORE names INBOX UID 1 at the reconnect: nothing."""
    acts = (
        Action(700.0, 0, 1, ActionKind.FILE, 0, "Work"),
        Action(720.0, 0, 0, ActionKind.FLAG, 0),
    )
    online = ((Interval(0.0, 650.0), Interval(800.0, DAY)), ALWAYS)
    sc, trace = _scenario((IDLE, IDLE), acts, online=online)
    _, world = simulate_with_world(sc, Protocol.IMAP, trace)
    assert world.users[0].where[0] == ("Work", 0)
    assert world.devices[0].local[0].state() == ("Work", 0)
    assert world.intent[0] == ("INBOX", 4)  # the latest action's result, as a showed it


def test_a_change_to_a_message_deleted_elsewhere_is_a_conflict_the_metric_shows() -> None:
    """b deletes, in Work, a message idling a shows there (not pushed: IDLE watches INBOX); a,
    offline by then, flags its stale copy.  The intent is the result of the latest action --
    flagged in Work (DESIGN's definition) -- but the queued STORE names a UID that is gone, so
    no device or server holds the message at the end: those pairs stay inconsistent."""
    acts = (
        Action(400.0, 0, 0, ActionKind.FILE, 0, "Work"),
        Action(500.0, 0, 1, ActionKind.DELETE, 0),
        Action(700.0, 0, 0, ActionKind.FLAG, 0),
    )
    online = ((Interval(0.0, 600.0), Interval(800.0, DAY)), ALWAYS)
    sc, trace = _scenario((IDLE, IDLE), acts, online=online)
    result, world = simulate_with_world(sc, Protocol.IMAP, trace)
    assert world.intent[0] == ("Work", 4)
    assert world.copies[0] == 0 and 0 not in world.users[0].where
    assert result.consistency_share[-1] == pytest.approx(4 / 6)  # 2 of 6 pairs: message 0


def test_a_polling_visit_finds_the_message_gone_and_sends_nothing_more() -> None:
    """Polling a shows message 0 in Work; b moves it on to Family; a's user opens Work to flag
    it: the listing shows Work empty, so a sends no STORE and selects INBOX again."""
    acts = (
        Action(400.0, 0, 0, ActionKind.FILE, 0, "Work"),
        Action(700.0, 0, 1, ActionKind.FILE, 0, "Family"),
        Action(710.0, 0, 0, ActionKind.FLAG, 0),
    )
    sc, trace = _scenario((POLL, POLL), acts)
    result, world = _run(sc, trace)
    assert world.users[0].where[0] == ("Family", 0)
    assert world.devices[0].local[0].state() == ("Family", 0)
    _, a, b = _sessions(sc, trace, "Work", "Family")
    a.move([1], "Work")
    a.noop()
    a.take_record()
    b.select("Work")
    b.move([1], "Family")
    a.select("Work")
    assert a.fetch_flags(1) == {}  # (an empty folder: no command)
    a.select("INBOX")
    assert octets_at(result, "u/a", 710.0) == _octets(a)


def test_a_stale_move_into_a_new_folder_then_a_visit_there() -> None:
    """b files message 0 into Work; polling a, not yet told, files its INBOX copy into Family
    (a folder the server has not seen used before: the stale MOVE changes nothing), then its
    user opens Family to flag it: a selects the (empty) Family, learns the message is not
    there, and sends nothing more.  (The model used to fail on the unknown folder.)"""
    acts = (
        Action(700.0, 0, 1, ActionKind.FILE, 0, "Work"),
        Action(710.0, 0, 0, ActionKind.FILE, 0, "Family"),
        Action(750.0, 0, 0, ActionKind.FLAG, 0),
    )
    sc, trace = _scenario((POLL, IDLE), acts)
    result, world = _run(sc, trace)
    assert world.users[0].where[0] == ("Work", 0)
    assert world.devices[0].local[0].state() == ("Work", 0)
    _, a, b = _sessions(sc, trace, "Work", "Family")
    b.move([1], "Work")
    a.move([1], "Family")
    a.take_record()
    a.select("Family")
    a.select("INBOX")
    assert octets_at(result, "u/a", 750.0) == _octets(a)
