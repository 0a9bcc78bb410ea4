"""Under QRESYNC the model's memoised IMAP costs equal direct engine runs, octet for octet.

Each case builds a real store by real operations (appends, flag changes, expunges), so modseqs,
UIDs and sequence numbers are whatever the engine made them; the model's cost is then computed
from those numbers alone and compared with the counts of the same operation on the engine."""

from __future__ import annotations

import random

import pytest

from sim.inputs.scenario import TlsMode
from sim.model.imap_costs import _FILLER, ImapCosts, _config, flag_names
from sim.outputs.metrics import FLAG_NAMES
from sim.protocol.imap.server import ImapServer
from sim.protocol.imap_client import ImapClient, SyncMode, connect
from sim.protocol.message import Attachment, synthesize
from sim.protocol.store import Mailbox, Store, StoredMessage


def _bits(stored: StoredMessage) -> int:
    return sum(bit for bit, name in FLAG_NAMES if name in stored.flags)


def _store(rng: random.Random, n: int, pads: int = 0) -> tuple[Store, Mailbox]:
    store = Store()
    acct = store.add_account("user", "secret")
    for i in range(pads):
        acct.create(f"pad{i}")
    box = acct.inbox
    box.uidnext = rng.choice([1, 8, 95, 990])
    for _ in range(n):
        box.append(_FILLER, flag_names(rng.randrange(16)))
    for m in list(box.messages):
        if rng.random() < 0.3:
            box.set_flags(m.uid, flag_names(rng.randrange(16)))
    return store, box


def _client(store: Store, tls: TlsMode, folder: str | None = "INBOX") -> ImapClient:
    c = connect(
        ImapServer(store, _config(tls, True)),
        "user",
        "secret",
        starttls=tls is TlsMode.STARTTLS,
        mailbox=None,
    )
    c.enable("QRESYNC")
    if folder:
        c.select(folder)
    c.take_record()
    return c


def _counts(c: ImapClient) -> tuple[int, tuple[int, int, int, int], int]:
    rec = c.take_record()
    k = rec.server_counts
    return rec.client_bytes, (k.framing, k.header, k.body, k.attachment), rec.round_trips


def _same(cost, direct) -> None:  # type: ignore[no-untyped-def]
    (up, down, rt) = cost
    assert (sum(up), down, rt) == direct


def _case(seed: int):  # type: ignore[no-untyped-def]
    """The same store, message and target every time for one seed (operations change stores)."""
    rng = random.Random(seed)
    store, box = _store(rng, rng.choice([0, 3, 12, 40]))
    msg = synthesize(
        seed=seed,
        text_size=rng.randint(50, 20_000),
        attachments=[Attachment("a.bin", rng.randint(100, 90_000))] if rng.random() < 0.5 else [],
    )
    if rng.random() < 0.5:  # a high modseq (many changes before this message)
        box.highestmodseq = rng.choice([98, 997, 12_345])
    target = box.append(msg, flag_names(rng.randrange(16)))
    return store, box, msg, target


@pytest.mark.parametrize("seed", range(5))
def test_per_message_operations_under_qresync_equal_engine_runs(  # type: ignore[no-untyped-def]
    seed: int, mail_sizes
) -> None:
    tls = list(TlsMode)[seed % 3]
    costs = ImapCosts(tls, qresync=True)
    for k in range(12):
        case = seed * 100 + k
        _, box, msg, target = _case(case)
        mail, uid = mail_sizes(msg), target.uid
        seq, bits, ms = len(box.messages), _bits(target), target.modseq
        nxt = box.highestmodseq + 1
        cases = [
            (
                costs.sync_headers(mail, lambda: msg, seq, uid, bits, ms),
                lambda c: c.sync_headers(uid, SyncMode.HEADERS),
            ),
            (
                costs.fetch_text(mail, lambda: msg, seq, uid, bits, new_modseq=nxt),
                lambda c: c.fetch_body(uid, "1"),
            ),
            (
                costs.fetch_text(mail, lambda: msg, seq, uid, bits, peek=True),
                lambda c: c.fetch_body(uid, "1", mark_seen=False),
            ),
            (
                costs.fetch_full(mail, lambda: msg, seq, uid, bits, ms),
                lambda c: c.fetch_full([uid]),
            ),
            (costs.store_flags(seq, uid, 4), lambda c: c.store_flags([uid], ["\\Flagged"])),
            (costs.delete(seq, uid), lambda c: c.delete([uid])),
        ]
        if mail.att:
            cases.append(
                (
                    costs.fetch_attachment(mail, lambda: msg, seq, uid, 4096),
                    lambda c: c.fetch_attachment(uid, "2", mail.att, 4096),
                )
            )
        for cost, op in cases:
            store, *_ = _case(case)
            c = _client(store, tls)
            op(c)
            _same(cost, _counts(c))


@pytest.mark.parametrize("seed", range(4))
def test_pushes_under_qresync_carry_uid_and_modseq_and_vanished(seed: int) -> None:
    tls = list(TlsMode)[seed % 3]
    costs = ImapCosts(tls, qresync=True)
    for k in range(15):
        case = 50 + seed * 100 + k
        _, box, _, target = _case(case)
        seq, uid = len(box.messages), target.uid
        # a real change (the same flags again would push nothing)
        bits = (_bits(target) + 1 + random.Random(case).randrange(15)) % 16
        changes = 2 if not bits else 1  # the probe's way of reaching "no flags" takes two
        new_ms = box.highestmodseq + changes
        for cost, change in (
            (
                costs.push_flags(seq, bits, uid, new_ms),
                lambda b: (
                    [b.set_flags(uid, {"\\Draft"}), b.set_flags(uid, set())]
                    if not bits
                    else b.set_flags(uid, flag_names(bits))
                ),
            ),
            (costs.push_expunge(seq, uid), lambda b: b.expunge([uid])),
        ):
            store, box2, _, _ = _case(case)
            c = _client(store, tls)
            c.idle_start()
            c.take_record()
            change(box2)
            c.idle_push()
            _same(cost, _counts(c))
    # the digits matter: a modseq or UID of another length is another price
    assert costs.push_flags(1, 1, 5, 9) != costs.push_flags(1, 1, 5, 10)
    assert costs.push_expunge(1, 9) != costs.push_expunge(1, 10)


@pytest.mark.parametrize("seed", range(6))
def test_qresync_select_and_full_listing_equal_engine_runs(seed: int) -> None:
    """Connect or SELECT with ``(QRESYNC (uidvalidity modseq))`` after random changes: the fixed
    part from the memo plus the VANISHED line and one changed line per message newer than the
    client's modseq; a first sync is a plain SELECT plus the full listing with MODSEQs."""
    rng = random.Random(900 + seed)
    tls = list(TlsMode)[seed % 3]
    costs = ImapCosts(tls, qresync=True)
    seen = {"vanished": 0, "changed": 0, "first": 0, "two-digit validity": 0}
    for _k in range(10):
        folder = rng.choice(["INBOX", "Work"])
        pads = rng.choice([0, 0, 9])
        store, inbox = _store(rng, rng.choice([0, 4, 30]), pads)
        box = inbox
        if folder != "INBOX":
            box = store.accounts["user"].create(folder)
            box.uidnext = rng.choice([1, 40, 700])
            for _ in range(rng.choice([1, 5, 25])):
                box.append(_FILLER, flag_names(rng.randrange(16)))
        if rng.random() < 0.3 and box.messages:
            box.set_flags(box.messages[0].uid, {"$Forwarded"})
        since = box.highestmodseq
        first_sync = rng.random() < 0.25
        # changes after the client's last sync
        for m in list(box.messages):
            r = rng.random()
            if r < 0.2:
                box.set_flags(m.uid, flag_names(rng.randrange(16)))
            elif r < 0.35:
                box.expunge([m.uid])
        for _ in range(rng.choice([0, 1, 3])):
            box.append(_FILLER, flag_names(rng.randrange(16)))
        if rng.random() < 0.3:
            box.highestmodseq += rng.choice([90, 9000])  # changes elsewhere pushed it up
        keywords = any(not f.startswith("\\") for m in box.messages for f in m.flags)
        n, uidnext, highest = len(box.messages), box.uidnext, box.highestmodseq
        if first_sync:
            lines = 0
            if n:
                base = costs.flags_resync_base()
                lines = sum(
                    costs.changed_line(i, m.uid, _bits(m), m.modseq)
                    for i, m in enumerate(box.messages, 1)
                )
        else:
            gone = sorted(
                {ch.uid for ch in box.changes if ch.kind.name == "EXPUNGE" and ch.modseq > since}
            )
            changed = [
                costs.changed_line(i, m.uid, _bits(m), m.modseq)
                for i, m in enumerate(box.messages, 1)
                if m.modseq > since
            ]
            lines = costs.vanished_line(gone) + sum(changed)
            seen["vanished"] += bool(gone)
            seen["changed"] += bool(changed)
        arg = None if first_sync else since
        unseen = next((i for i, m in enumerate(box.messages, 1) if "\\Seen" not in m.flags), 0)
        seen["first"] += first_sync
        seen["two-digit validity"] += box.uidvalidity >= 10
        if folder == "INBOX":
            cost = costs.connect(n, uidnext, keywords, highest, arg, unseen)
            c = connect(
                ImapServer(store, _config(tls, True)),
                "user",
                "secret",
                starttls=tls is TlsMode.STARTTLS,
                mailbox=None,
            )
            c.enable("QRESYNC")
            c.select("INBOX", qresync=None if first_sync else (box.uidvalidity, since))
        else:
            cost = costs.select(folder, n, uidnext, keywords, box.uidvalidity, highest, arg, unseen)
            c = _client(store, tls)
            c.select(folder, qresync=None if first_sync else (box.uidvalidity, since))
        if first_sync and n:
            cost = _add(cost, base)
            cost = _add(cost, ((0, 0, 0, 0), (lines, 0, 0, 0), 0))
            c.fetch_flags(1)
        elif not first_sync:
            cost = _add(cost, ((0, 0, 0, 0), (lines, 0, 0, 0), 0))
        _same(cost, _counts(c))
    assert seen["vanished"] and seen["changed"] and seen["first"], seen


def _add(a, b):  # type: ignore[no-untyped-def]
    from sim.model.imap_costs import add

    return add(a, b)


@pytest.mark.parametrize("qresync", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_untagged_updates_after_a_polling_clients_noop_equal_the_engine(
    seed: int, qresync: bool
) -> None:
    """Another session flags, expunges and delivers; this session's next NOOP carries the
    updates -- EXPUNGE numbered in view order (or VANISHED), FLAGS lines, EXISTS."""
    from sim.model.imap_costs import untagged_updates

    rng = random.Random(40 + seed)
    tls = list(TlsMode)[seed % 3]
    costs = ImapCosts(tls, qresync=qresync)
    noop = costs.noop()
    for _k in range(15):
        store, box = _store(rng, rng.choice([0, 1, 6, 40, 120]))
        if qresync:
            c = _client(store, tls)
        else:
            c = connect(
                ImapServer(store, _config(tls)), "user", "secret", starttls=tls is TlsMode.STARTTLS
            )
            c.take_record()
        announced = box.messages[-1].uid if box.messages else 0
        if qresync and rng.random() < 0.3:
            box.highestmodseq += 990  # the changes below get modseqs of another length
        gone: list[int] = []
        dirty: set[int] = set()
        for m in list(box.messages):
            r = rng.random()
            if r < 0.25 and box.set_flags(m.uid, flag_names(rng.randrange(16))):
                dirty.add(m.uid)
            if rng.random() < 0.2:
                box.expunge([m.uid])
                gone.append(m.uid)
        for _ in range(rng.choice([0, 0, 1, 4])):
            box.append(_FILLER, flag_names(rng.randrange(16)))
        uids = [m.uid for m in box.messages]
        bits = {m.uid: _bits(m) for m in box.messages}
        mods = {m.uid: m.modseq for m in box.messages}
        expected = untagged_updates(
            uids, gone, dirty, announced, bits.__getitem__, mods.__getitem__ if qresync else None
        )
        c.noop()
        client, down, rt = _counts(c)
        assert (client, down, rt) == (sum(noop[0]), (noop[1][0] + expected, 0, 0, 0), noop[2])
