"""End to end: what an idling device pays when another device of the user changes mail.

Device ``a`` idles on INBOX all day while device ``b`` flags, files and deletes messages.  Every
octet and round trip the model charges ``a`` at each of ``b``'s actions equals a real client doing
the same against the engine, with ``b`` a second real session on the same store:

* a flag change in INBOX: the pushed ``FETCH (FLAGS ...)`` line;
* a move out of INBOX: the pushed EXPUNGE, then the client looks into the folder the message went
  to (DONE, SELECT it, list its flags, SELECT INBOX, IDLE);
* a delete in INBOX: two pushes a round trip apart -- the ``\\Deleted`` flag change, then the
  EXPUNGE -- and DONE/IDLE;
* a change in another folder: nothing (IDLE watches the selected mailbox only) -- ``a`` sees it
  when it next looks into that folder: here when its user files a message kept there (DONE,
  SELECT the folder, list it, UID MOVE, SELECT INBOX, IDLE).
"""

from __future__ import annotations

from typing import Any

import pytest
from exchange_records import exchanges_at, octets_of

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
from sim.protocol.imap.server import ImapServer
from sim.protocol.imap_client import ImapClient, connect
from sim.protocol.store import Store

FAST = LinkSpec(1e10, 1e10, 0.1)
# b's actions: (time, kind, target message, folder)
ACTIONS = (
    (1000.0, ActionKind.FLAG, 0, None),  # INBOX flag change
    (1100.0, ActionKind.FILE, 1, "Work"),  # out of INBOX: Work holds 1 message
    (1200.0, ActionKind.FILE, 2, "Work"),  # again: Work holds 2
    (1300.0, ActionKind.DELETE, 3, None),  # INBOX delete
    (1400.0, ActionKind.FLAG, 1, None),  # in Work: no push
    (1500.0, ActionKind.DELETE, 2, None),  # in Work: no push
    (1600.0, ActionKind.FORWARD, 4, None),
)  # $Forwarded in INBOX, plus an APPEND to Sent
A_FILES_AT = 1700.0  # then a files message 1 (in Work, flagged by b at 1400) into Family
A_SEARCHES_AT = 1800.0  # and searches: every non-empty folder, Sent's own messages found too


def _model(qresync: bool) -> tuple[Scenario, Trace, dict[float, Any]]:
    pol = ImapPolicy(qresync=qresync)
    devs = (DeviceSpec(name="a", link=FAST, imap=pol), DeviceSpec(name="b", link=FAST, imap=pol))
    sc = Scenario(
        users=(UserSpec("u", devs),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="pushes",
    )
    specs = tuple(
        MessageSpec(
            id=i,
            user=0,
            time=100.0 * (i + 1),
            text_size=300 + 40 * i,
            attachment_size=0,
            keywords=("topic0001",),
        )
        for i in range(6)
    )
    sent = (
        MessageSpec(
            id=6,
            user=0,
            time=1600.0,
            text_size=200,
            attachment_size=0,
            keywords=("topic0001",),
            outgoing=True,
            reply_to=4,
        ),
    )
    actions = tuple(
        Action(
            t, 0, 1, kind, target, folder, outgoing=sent[0] if kind is ActionKind.FORWARD else None
        )
        for t, kind, target, folder in ACTIONS
    ) + (
        Action(A_FILES_AT, 0, 0, ActionKind.FILE, 1, "Family"),
        Action(A_SEARCHES_AT, 0, 0, ActionKind.SEARCH, query="topic0001"),
    )
    day = (Interval(0.0, DAY),)
    trace = Trace(sc, specs, sent, actions, (day, day), (day, day), (), (), ())
    result, world = simulate_with_world(sc, Protocol.IMAP, trace, record_events=True)
    charged: dict[float, Any] = {}  # a's exchanges at each of these times, where it had any
    for t in [a[0] for a in ACTIONS] + [A_FILES_AT, A_SEARCHES_AT]:
        exchanged = exchanges_at(result, "u/a", t)
        if exchanged:
            charged[t] = octets_of(exchanged)
    a = world.devices[0]
    charged["final"] = {mid: copy.state() for mid, copy in a.local.items()}
    return sc, trace, charged


def _octets(c: ImapClient) -> tuple[int, tuple[int, int, int, int], int]:
    rec = c.take_record()
    k = rec.server_counts
    return rec.client_bytes, (k.framing, k.header, k.body, k.attachment), rec.round_trips


@pytest.mark.parametrize("qresync", [False, True])
def test_pushes_to_an_idling_device_equal_the_engine(qresync: bool) -> None:
    sc, trace, charged = _model(qresync)
    store = Store()
    account = store.add_account("user", "secret")
    account.create("Sent")  # the model's Sent exists from the start (UIDVALIDITY 2)
    config = _config(TlsMode.NONE, qresync)

    def session() -> ImapClient:
        c = connect(
            ImapServer(store, config), "user", "secret", mailbox=None if qresync else "INBOX"
        )
        if qresync:
            c.enable("QRESYNC")
            c.select("INBOX")
        return c

    a, b = session(), session()
    for spec in trace.messages:
        account.inbox.append(build_message(spec, sc))
    uid = {i: i + 1 for i in range(len(trace.messages))}  # UIDs of the arrivals
    box_of = dict.fromkeys(uid, "INBOX")  # and the folder each is in
    a.idle_start()
    a.idle_push()  # the arrivals (what a fetches then is not part of this test)
    b.noop()
    a.take_record()
    since: dict[str, int] = {}  # QRESYNC: HIGHESTMODSEQ of a's last SELECT of each folder

    def look(folder: str) -> None:
        """a selects ``folder`` (QRESYNC: from its last sync of it) and, unless QRESYNC
        resynchronised it, lists its flags -- except INBOX, whose pushes kept a up to date."""
        if qresync and folder in since:
            box = account.get(folder)
            assert box is not None
            a.select(folder, qresync=(box.uidvalidity, since[folder]))
        else:
            a.select(folder)
            if folder != "INBOX":
                a.fetch_flags(1)
        since[folder] = a.selected.highestmodseq if a.selected else 0

    since["INBOX"] = 1  # a's connect selected an empty INBOX
    for t, kind, target, folder in ACTIONS:
        if kind is ActionKind.FLAG:
            b.select(box_of[target])
            b.store_flags([uid[target]], ["\\Flagged"])
        elif kind is ActionKind.FORWARD:
            b.append("Sent", build_message(trace.sent[0], sc))  # (nothing pushed to INBOX)
            b.select("INBOX")
            b.store_flags([uid[target]], ["$Forwarded"])
        elif kind is ActionKind.FILE:
            b.select("INBOX")
            assert folder is not None
            if account.get(folder) is None:
                account.create(folder)
            moved = b.move([uid[target]], folder)
            uid[target], box_of[target] = moved[0], folder
        else:
            b.select(box_of[target])
            b.store_flags([uid[target]], ["\\Deleted"])
            a.idle_push()  # the flag change reaches a before b's EXPUNGE does
            b.command(f"UID EXPUNGE {uid[target]}")
        pushed = a.idle_push()
        if kind is ActionKind.FILE and (pushed.expunged or pushed.vanished):
            a.idle_done()
            look(folder)  # type: ignore[arg-type]
            look("INBOX")
            a.idle_start()
        elif kind is ActionKind.DELETE and (pushed.expunged or pushed.vanished):
            a.idle_done()
            a.idle_start()
        engine = _octets(a)
        model = charged.get(t, (0, (0, 0, 0, 0), 0))
        assert model == engine, (t, kind.value)
    # the cases that push nothing really pushed nothing
    assert 1400.0 not in charged and 1500.0 not in charged
    # a's user files message 1, which a shows in Work: a looks into Work first
    account.create("Family")
    a.idle_done()
    look("Work")
    a.move([uid[1]], "Family")
    look("INBOX")
    a.idle_start()
    assert charged[A_FILES_AT] == _octets(a)
    # a searches every non-empty folder (Work is empty now) and selects INBOX again
    a.idle_done()
    hits = list(a.search("TEXT topic0001"))
    for folder in ("Sent", "Family"):
        a.select(folder)
        hits += a.search("TEXT topic0001")
    a.select("INBOX")
    a.idle_start()
    assert len(hits) == 5  # messages 0, 4 and 5 in INBOX, the forward in Sent, 1 in Family
    assert charged[A_SEARCHES_AT] == _octets(a)
    final = charged["final"]
    assert 2 not in final  # b's delete in Work reached a when a listed Work
    assert final[1] == ("Family", 4)  # with b's \Flagged, learnt there too (FLAGGED = 4)
