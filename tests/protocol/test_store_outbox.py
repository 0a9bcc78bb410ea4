"""The mailbox store and the outbox: what both engines stand on."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.protocol.message import Attachment, Message, synthesize
from sim.protocol.outbox import Outbox, stuffed_extra
from sim.protocol.session import SessionRecord, record
from sim.protocol.store import ChangeKind, Store, StoreError


def _store() -> Store:
    store = Store()
    store.add_account("alice", "pw")
    return store


def test_uids_ascend_and_changes_are_logged_with_rising_modseq():
    store = _store()
    box = store.accounts["alice"].inbox
    a = store.deliver("alice", synthesize(seed=1))
    b = store.deliver("alice", synthesize(seed=2))
    assert (a.uid, b.uid, box.uidnext) == (1, 2, 3)
    assert box.set_flags(1, {"\\Seen"}) is True
    assert box.set_flags(1, {"\\Seen"}) is False  # no change, no log entry
    assert box.expunge([2, 99]) == [2]
    kinds = [c.kind for c in box.changes]
    assert kinds == [ChangeKind.EXISTS, ChangeKind.EXISTS, ChangeKind.FLAGS, ChangeKind.EXPUNGE]
    modseqs = [c.modseq for c in box.changes]
    assert modseqs == sorted(modseqs) and len(set(modseqs)) == 4
    assert box.by_uid(2) is None and box.by_uid(1) is a


def test_listeners_hear_every_change():
    store = _store()
    account = store.accounts["alice"]
    heard = []
    account.listeners.append(lambda: heard.append(1))
    store.deliver("alice", synthesize(seed=1))
    account.inbox.set_flags(1, {"\\Flagged"})
    account.create("Work")
    account.rename("Work", "Jobs")
    account.delete("Jobs")
    assert len(heard) == 4  # create is silent until something lands in it


def test_folder_rules():
    account = _store().accounts["alice"]
    assert account.get("inbox") is account.inbox
    account.create("Work")
    account.create("Work/2026")
    account.rename("Work", "Jobs")
    assert sorted(account.mailboxes) == ["INBOX", "Jobs", "Jobs/2026"]
    with pytest.raises(StoreError):
        account.create("Jobs")
    with pytest.raises(StoreError):
        account.delete("INBOX")
    with pytest.raises(StoreError):
        account.rename("Nope", "X")


def test_renaming_inbox_moves_its_messages():
    store = _store()
    store.deliver("alice", synthesize(seed=1))
    account = store.accounts["alice"]
    account.rename("INBOX", "Old")
    assert len(account.inbox.messages) == 0 and len(account.get("Old").messages) == 1


def test_bad_user_names_are_refused_clearly():
    with pytest.raises(ValueError, match="user='a b'"):
        Store().add_account("a b", "x")


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 10**9),
    att=st.integers(0, 20000),
    start=st.integers(0, 40000),
    length=st.integers(0, 40000),
)
def test_counts_equal_rendered_length(seed, att, start, length):
    m = synthesize(seed=seed, text_size=700, attachments=[Attachment("f", att)])
    a, b = Outbox(), Outbox()
    for box in (a, b):
        box.write(b"* 1 FETCH (BODY[] {n}\r\n")
        box.write_payload(m, start, length)
        box.write(b")\r\n")
    counts = a.take_counts()
    data = b.data_to_send()
    assert counts.total == len(data)
    assert a.pending == 0 and b.pending == 0


def test_stuffing_counts_and_renders():
    m = Message.from_bytes(b"Subject: s\r\n\r\n.a\r\nb\r\n.\r\n")
    box = Outbox()
    wire = box.write_payload(m, stuffed=True)
    assert wire == m.size + 2
    assert box.data_to_send() == b"Subject: s\r\n\r\n..a\r\nb\r\n..\r\n"
    assert stuffed_extra(b".x\r\n.y\r\nz") == 2


def test_record_keeps_framing_readable_without_rendering():
    m = synthesize(seed=5, text_size=4000)
    box = Outbox()
    session = SessionRecord("pop3")
    box.write(b"+OK message follows\r\n")
    box.write_payload(m, stuffed=True)
    box.write(b".\r\n")
    seen = record(session, box, b"RETR 1\r\n", render=False)
    assert seen == b"+OK message follows\r\n.\r\n"
    assert session.server_bytes == m.size + 24 and session.client_bytes == 8
    assert session.exchanges[0].server is None
    assert session.server_counts.framing == 24
