"""CONDSTORE and QRESYNC (RFC 7162): a reconnecting client resynchronises from a mod-sequence."""

from __future__ import annotations

from test_imap_support import PASSWORD, USER, logged_in, make_store, send

from sim.protocol.imap import ImapConfig, ImapServer
from sim.protocol.imap_client import Resync, Updates, connect
from sim.protocol.message import synthesize

CONFIG = ImapConfig(condstore=True)


def test_off_by_default_and_announced_when_on() -> None:
    assert b"CONDSTORE" not in send(logged_in(), "a CAPABILITY")
    caps = send(logged_in(config=CONFIG), "a CAPABILITY")
    assert b" CONDSTORE QRESYNC\r\n" in caps
    engine = logged_in()
    assert send(engine, "b ENABLE QRESYNC") == b"* ENABLED\r\nb OK ENABLE completed\r\n"


def test_condstore_select_fetch_store_carry_modseq() -> None:
    store = make_store()
    engine = logged_in(store, CONFIG)
    out = send(engine, "a SELECT INBOX (CONDSTORE)")
    assert b"* OK [HIGHESTMODSEQ 6] Highest\r\n" in out  # 5 appends after modseq 1
    assert send(engine, "b FETCH 2 (FLAGS MODSEQ)") == (
        b"* 2 FETCH (FLAGS () MODSEQ (3))\r\nb OK FETCH completed\r\n"
    )
    assert send(engine, "c STORE 2 +FLAGS (\\Seen)") == (
        b"* 2 FETCH (FLAGS (\\Seen) MODSEQ (7))\r\nc OK +FLAGS completed\r\n"
    )
    assert send(engine, "d UID FETCH 1:* (FLAGS) (CHANGEDSINCE 6)") == (
        b"* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (7))\r\nd OK UID FETCH completed\r\n"
    )
    assert send(engine, "e FETCH 1 (FLAGS) (CHANGEDSINCE 1 VANISHED)").startswith(b"e BAD")
    other = logged_in(store, CONFIG)
    send(other, "f SELECT INBOX")
    send(other, "g STORE 3 +FLAGS.SILENT (\\Flagged)")
    assert (
        send(engine, "h NOOP")
        == b"* 3 FETCH (FLAGS (\\Flagged) MODSEQ (8))\r\nh OK NOOP completed\r\n"
    )


def test_qresync_select_reports_vanished_and_changed_in_one_round_trip() -> None:
    store = make_store()
    phone = logged_in(store, CONFIG)
    assert send(phone, "a ENABLE QRESYNC") == b"* ENABLED QRESYNC\r\na OK ENABLE completed\r\n"
    send(phone, "b SELECT INBOX")
    send(phone, "c LOGOUT")  # the phone remembers UIDVALIDITY 1, HIGHESTMODSEQ 6
    laptop = logged_in(store, CONFIG)
    send(laptop, "d SELECT INBOX")
    send(laptop, "e STORE 1 +FLAGS.SILENT (\\Seen)")
    send(laptop, "f UID MOVE 2:3 Archive")
    again = logged_in(store, CONFIG)
    send(again, "g ENABLE QRESYNC")
    out = send(again, "h SELECT INBOX (QRESYNC (1 6))")
    assert out.endswith(
        b"* OK [HIGHESTMODSEQ 9] Highest\r\n* VANISHED (EARLIER) 2:3\r\n"
        b"* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (7))\r\n"
        b"h OK [READ-WRITE] SELECT completed\r\n"
    )
    assert b"* OK [HIGHESTMODSEQ 9] Highest\r\n" in out
    # live expunges are VANISHED, not EXPUNGE, once QRESYNC is on
    send(laptop, "i UID STORE 4 +FLAGS.SILENT (\\Deleted)")
    send(laptop, "j EXPUNGE")
    assert send(again, "k NOOP") == b"* VANISHED 4\r\nk OK NOOP completed\r\n"
    assert send(again, "l UID FETCH 1:* (FLAGS) (CHANGEDSINCE 6 VANISHED)") == (
        b"* VANISHED (EARLIER) 2:4\r\n* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (7))\r\n"
        b"l OK UID FETCH completed\r\n"
    )
    wrong = logged_in(store, CONFIG)
    send(wrong, "m ENABLE QRESYNC")
    assert b"VANISHED" not in send(wrong, "n SELECT INBOX (QRESYNC (99 6))")  # UIDVALIDITY changed
    plain = logged_in(store, CONFIG)
    assert send(plain, "o SELECT INBOX (QRESYNC (1 6))").startswith(b"o BAD")


def test_client_resync_costs_less_than_a_full_flag_fetch() -> None:
    store = make_store()
    for seed in range(40):
        store.deliver(USER, synthesize(seed=100 + seed))
    first = connect(ImapServer(store, CONFIG), USER, PASSWORD, mailbox=None)
    assert first.enable("QRESYNC") == {"QRESYNC"}
    info = first.select("INBOX")
    first.logout()
    laptop = connect(ImapServer(store, CONFIG), USER, PASSWORD)
    laptop.store_flags([7], ["\\Flagged"])
    laptop.delete([9])
    # a plain client re-fetches every flag; QRESYNC asks only for what changed
    plain = connect(ImapServer(store, CONFIG), USER, PASSWORD)
    plain.take_record()
    flags = plain.fetch_flags()
    full = plain.take_record()
    quick = connect(ImapServer(store, CONFIG), USER, PASSWORD, mailbox=None)
    quick.enable("QRESYNC")
    quick.take_record()
    resync_info = quick.select("INBOX", qresync=(info.uidvalidity, info.highestmodseq))
    resync = quick.take_record()
    assert quick.last_resync == Resync(vanished=(9,), changed=((7, frozenset({"\\Flagged"})),))
    assert resync_info.highestmodseq > info.highestmodseq
    assert len(flags) == 44 and flags[7] == frozenset({"\\Flagged"})
    assert resync.round_trips == full.round_trips == 1
    assert resync.server_bytes < full.server_bytes
    assert quick.fetch_changes(info.highestmodseq) == quick.last_resync
    laptop.delete([10])
    assert quick.noop() == Updates(vanished=(10,))
