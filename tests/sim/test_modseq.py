"""The model numbers modseqs exactly as the engine's store does, and QRESYNC only saves framing.

The mirror test replays every modseq-relevant server operation of whole model runs on a real
:class:`sim.protocol.store.Store` (one account per user) and compares, after each operation, the
message's UID and modseq, the folder's HIGHESTMODSEQ and what has vanished since any earlier
modseq."""

from __future__ import annotations

import dataclasses

import pytest
from exchange_records import octets_at

from sim.inputs.presets import preset
from sim.inputs.scenario import Scenario
from sim.model import Protocol, simulate
from sim.model.imap_costs import _FILLER
from sim.model.modseq import ModseqBook
from sim.protocol.store import Account, Store


def with_qresync(sc: Scenario, on: bool = True, only: str | None = None) -> Scenario:
    users = tuple(
        dataclasses.replace(
            u,
            devices=tuple(
                dataclasses.replace(d, imap=dataclasses.replace(d.imap, qresync=on))
                if only is None or d.name == only
                else d
                for d in u.devices
            ),
        )
        for u in sc.users
    )
    return dataclasses.replace(sc, users=users)


class Mirror:
    """A real store fed the same operations as the book (patched in by the test)."""

    def __init__(self) -> None:
        self.store = Store()
        self.accounts: dict[int, Account] = {}
        self.uid_of: dict[tuple[int, int], int] = {}
        self.checked = {"append": 0, "flags": 0, "expunge": 0}

    def box(self, user: int, folder: str):  # type: ignore[no-untyped-def]
        acct = self.accounts.get(user)
        if acct is None:
            acct = self.accounts[user] = self.store.add_account(f"u{user}", "pw")
        return acct.get(folder) or acct.create(folder)

    def sums(self, book: ModseqBook, user: int, folder: str) -> None:
        """The running MODSEQ-digit sum a full QRESYNC listing is priced with."""
        box = self.box(user, folder)
        assert book.msum[user].get(folder, 0) == sum(len(str(m.modseq)) for m in box.messages)

    def append(self, book: ModseqBook, user: int, folder: str, mid: int) -> None:
        stored = self.box(user, folder).append(_FILLER)
        self.uid_of[(user, mid)] = stored.uid
        assert book.of[mid] == stored.modseq
        assert book.highest(user, folder) == self.box(user, folder).highestmodseq
        self.sums(book, user, folder)
        self.checked["append"] += 1

    def flags(self, book: ModseqBook, user: int, folder: str, mid: int) -> None:
        box = self.box(user, folder)
        uid = self.uid_of[(user, mid)]
        stored = box.by_uid(uid)
        assert stored is not None
        # any real change bumps the modseq once; toggle a flag the model does not track
        assert box.set_flags(uid, stored.flags ^ {"\\Draft"})
        assert book.of[mid] == stored.modseq == box.highestmodseq
        self.sums(book, user, folder)
        self.checked["flags"] += 1

    def expunge(self, book: ModseqBook, user: int, folder: str, mid: int, uid: int) -> None:
        box = self.box(user, folder)
        assert self.uid_of.pop((user, mid)) == uid
        before = box.highestmodseq
        assert box.expunge([uid]) == [uid]
        assert book.highest(user, folder) == box.highestmodseq
        for since in (0, before // 2, before - 1, before):
            engine = sorted(
                {c.uid for c in box.changes if c.kind.name == "EXPUNGE" and c.modseq > since}
            )
            assert book.vanished_since(user, folder, since) == engine
        self.sums(book, user, folder)
        self.checked["expunge"] += 1


@pytest.mark.parametrize(
    "name,days,seed", [("family", 10, 1), ("traveller", 14, 2), ("two_clients", 7, 3)]
)
def test_modseqs_follow_the_engine_store(
    name: str, days: int, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    mirror = Mirror()
    orig = {k: getattr(ModseqBook, k) for k in ("append", "flags", "expunge")}

    def wrap(kind: str):  # type: ignore[no-untyped-def]
        def method(self, user, folder, mid, *rest):  # type: ignore[no-untyped-def]
            if kind == "expunge":  # check against the engine before the book moves on
                orig[kind](self, user, folder, mid, *rest)
                getattr(mirror, kind)(self, user, folder, mid, *rest)
            else:
                orig[kind](self, user, folder, mid, *rest)
                getattr(mirror, kind)(self, user, folder, mid)

        return method

    for kind in orig:
        monkeypatch.setattr(ModseqBook, kind, wrap(kind))
    sc = with_qresync(preset(name, days=days, seed=seed))
    sc = dataclasses.replace(
        sc,
        workload=dataclasses.replace(
            sc.workload, delete_per_day=10.0, file_per_day=6.0, flag_per_day=5.0
        ),
    )
    simulate(sc, Protocol.IMAP)
    assert min(mirror.checked.values()) > 5, mirror.checked


def test_qresync_changes_framing_only_and_saves_it_on_reconnects() -> None:
    """Same trace, same messages fetched: the content octets are equal, and a device that
    reconnects often (the traveller's phone) spends far less on resync framing."""
    sc = preset("traveller", days=14, seed=5)
    plain, quick = simulate(sc, Protocol.IMAP), simulate(with_qresync(sc), Protocol.IMAP)
    for a, b in zip(plain.devices, quick.devices):
        assert (a.down.header, a.down.body, a.down.attachment) == (
            b.down.header,
            b.down.body,
            b.down.attachment,
        )
        assert (a.up.header, a.up.body, a.up.attachment) == (
            b.up.header,
            b.up.body,
            b.up.attachment,
        )
        assert a.received_messages == b.received_messages
        assert b.down.framing < a.down.framing
    phone = next(d for d in sc.users[0].devices if d.kind.value == "phone").name
    a, b = plain.device(f"{sc.users[0].name}/{phone}"), quick.device(f"{sc.users[0].name}/{phone}")
    assert b.down.framing < 0.6 * a.down.framing
    # POP3 has no QRESYNC: its run is untouched by the parameter
    assert simulate(sc, Protocol.POP3) == simulate(with_qresync(sc), Protocol.POP3)


def test_mixed_clients_share_one_server_numbering() -> None:
    """Only one device uses QRESYNC: the others' changes still number the server's modseqs
    (the run works, and that device alone pays less framing)."""
    sc = preset("family", days=7, seed=4)
    phone = sc.users[0].devices[0].name
    mixed = with_qresync(sc, only=phone)
    plain, quick = simulate(sc, Protocol.IMAP), simulate(mixed, Protocol.IMAP)
    for a, b in zip(plain.devices, quick.devices):
        if a.device.endswith("/" + phone):
            assert b.down.framing < a.down.framing
        else:
            assert a == b


def test_a_qresync_reconnect_costs_what_the_engine_sends() -> None:
    """End to end: device a is offline from 1000 s to 3000 s while mail arrives and device b
    flags one message and deletes another.  Every octet a's reconnect pays equals a real client
    doing the same against the engine: ENABLE QRESYNC, SELECT INBOX (QRESYNC (1 1)) answered with
    VANISHED (EARLIER) and the changed lines, the new message's header and body, IDLE."""
    from sim.inputs.network import TCP_ASSUMPTIONS
    from sim.inputs.scenario import (
        DAY,
        DeviceSpec,
        ImapPolicy,
        LinkSpec,
        TlsMode,
        UserSpec,
        WorkloadSpec,
    )
    from sim.inputs.workload import Action, ActionKind, Interval, MessageSpec, Trace, build_message
    from sim.model.imap_costs import _config
    from sim.protocol.imap.server import ImapServer
    from sim.protocol.imap_client import SyncMode, connect

    q = ImapPolicy(qresync=True)
    devs = (
        DeviceSpec(name="a", link=LinkSpec(1e10, 1e10, 0.1), imap=q),
        DeviceSpec(name="b", link=LinkSpec(1e10, 1e10, 0.1), imap=q),
    )
    sc = Scenario(
        users=(UserSpec("u", devs),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="qresync",
    )
    specs = tuple(
        MessageSpec(
            id=i, user=0, time=t, text_size=300 + 50 * i, attachment_size=0, keywords=("topic0001",)
        )
        for i, t in enumerate((100.0, 200.0, 1500.0))
    )
    actions = (Action(2000.0, 0, 1, ActionKind.FLAG, 0), Action(2500.0, 0, 1, ActionKind.DELETE, 1))
    a_online = (Interval(0.0, 1000.0), Interval(3000.0, DAY))
    day = (Interval(0.0, DAY),)
    trace = Trace(sc, specs, (), actions, (day, day), (a_online, day), (), (), ())

    model = octets_at(simulate(sc, Protocol.IMAP, trace, record_events=True), "u/a", 3000.0)

    store = Store()
    box = store.add_account("user", "secret").inbox
    msgs = [build_message(s, sc) for s in specs]
    box.append(msgs[0])
    box.append(msgs[1])
    since = 1  # a's last SELECT saw an empty INBOX (HIGHESTMODSEQ 1)
    box.append(msgs[2])
    box.set_flags(1, {"\\Flagged"})  # b flags the first message
    box.set_flags(2, {"\\Deleted"})  # b deletes the second: STORE \Deleted, UID EXPUNGE
    box.expunge([2])
    c = connect(ImapServer(store, _config(TlsMode.NONE, True)), "user", "secret", mailbox=None)
    c.enable("QRESYNC")
    c.select("INBOX", qresync=(box.uidvalidity, since))
    assert c.last_resync.vanished == (2,) and {u for u, _ in c.last_resync.changed} == {1, 3}
    c.sync_headers(3, SyncMode.HEADERS)
    c.fetch_full([3])
    c.idle_start()
    rec = c.record
    k = rec.server_counts
    setup = TCP_ASSUMPTIONS.handshake_round_trips + 1  # the model's connect: TCP, the greeting
    assert model == (
        rec.client_bytes,
        (k.framing, k.header, k.body, k.attachment),
        rec.round_trips + setup,
    )
