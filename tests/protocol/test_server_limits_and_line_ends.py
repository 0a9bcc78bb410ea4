"""The servers' limits and line ends: bounded memory before login (literals), quotas, CRLF
line ends, RFC 3501 SELECT replies, mailbox caps and a LIST whose work is linear."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st
from test_imap_support import PASSWORD, USER, logged_in, make_store, selected, send

from sim.protocol.imap import CloseReason, ConnectionClosed, ImapConfig, ImapServer
from sim.protocol.imap.response import fetch_items, parse_responses
from sim.protocol.imap.server import ListPattern
from sim.protocol.message import Message
from sim.protocol.pop3 import Pop3Server
from sim.protocol.store import Store

BIG = 64 * 1024 * 1024


def fresh(config: ImapConfig | None = None) -> ImapServer:
    engine = ImapServer(make_store(), config)
    engine.outbox.data_to_send()
    return engine


# -- 1. literals before login, quota ----------------------------------------------------------------


def test_large_literal_before_login_is_refused_without_continuation() -> None:
    engine = fresh()
    out = send(engine, b"a APPEND INBOX {%d}\r\n" % BIG)
    assert out == (
        b"a NO [TOOBIG] literal of 67108864 octets; allowed at most 4096 before authentication\r\n"
    )
    assert b"+ " not in out and engine._framer.buffered == 0
    assert send(engine, f"b LOGIN {USER} {PASSWORD}") == b"b OK LOGIN completed\r\n"


def test_login_literal_within_the_preauth_limit_still_works() -> None:
    engine = fresh()
    assert send(engine, b"a LOGIN {5}\r\n") == b"+ Ready for literal data\r\n"
    assert send(engine, b"alice s3cret\r\n") == b"a OK LOGIN completed\r\n"


def test_refused_literal_sent_anyway_ends_the_connection() -> None:
    engine = fresh()
    send(engine, b"a LOGIN {10000}\r\n")
    events = engine.receive_data(b"\x89PNG" + b"x" * 9996 + b"\r\n")
    assert engine.closed
    assert ConnectionClosed(CloseReason.PROTOCOL_ERROR) in events
    assert (
        engine.outbox.data_to_send() == b"* BYE literal data sent after the literal was refused\r\n"
    )


def test_non_synchronising_literal_before_login_is_bad_and_hangs_up_unread() -> None:
    engine = fresh()
    engine.receive_data(b"a LOGIN {%d+}\r\n" % BIG + b"x" * 100_000)
    assert engine.closed and engine._framer.buffered == 0
    assert engine.outbox.data_to_send() == (
        b"a BAD [TOOBIG] literal of 67108864 octets; allowed at most 4096 before authentication\r\n"
        b"* BYE literal too large before authentication\r\n"
    )


def test_append_beyond_the_quota_gets_overquota_before_any_octet() -> None:
    engine = logged_in(config=ImapConfig(quota=make_store().accounts[USER].size + 1000))
    assert send(engine, b"a APPEND Sent {1001}\r\n") == (
        b"a NO [OVERQUOTA] literal of 1001 octets; allowed at most 1000 within the account's "
        b"quota\r\n"
    )
    message = b"Subject: q\r\n\r\n" + b"y" * 600 + b"\r\n"
    assert send(engine, b"b APPEND Sent {%d}\r\n" % len(message)) == b"+ Ready for literal data\r\n"
    assert send(engine, message + b"\r\n").startswith(b"b OK [APPENDUID")
    out = send(engine, b"c APPEND Sent {%d+}\r\n" % len(message) + message + b"\r\nd NOOP\r\n")
    assert out.startswith(b"c NO [OVERQUOTA] literal of 616 octets; allowed at most 384")
    assert out.endswith(b"d OK NOOP completed\r\n")


def test_bare_lf_growth_and_copy_are_held_to_the_quota() -> None:
    used = make_store().accounts[USER].size
    engine = selected(config=ImapConfig(quota=used + 10))
    out = send(engine, b"a APPEND Sent {8+}\r\n1\n2\n3\n4\n\r\n")  # 8 octets, 12 once CRLF
    assert out.startswith(b"a NO [OVERQUOTA]")
    assert send(engine, "b COPY 1 Archive").startswith(b"b NO [OVERQUOTA]")
    assert send(engine, "c MOVE 1 Archive").endswith(b"c OK MOVE completed\r\n")  # no growth


# -- 2. line ends ------------------------------------------------------------------------------------

CRAFTED = b"From: a@b\nSubject: hello\n\nfirst\n.\n+OK forged\n.\r\nlast\r"


def test_append_normalises_bare_lf_and_cr_to_crlf() -> None:
    engine = selected(mailbox="Sent")
    engine.receive_data(b"a APPEND Sent {%d+}\r\n" % len(CRAFTED) + CRAFTED + b"\r\n")
    engine.outbox.data_to_send()
    out = send(engine, "b FETCH 1 (ENVELOPE BODY.PEEK[HEADER] BODY.PEEK[])")
    fetched = fetch_items(parse_responses(out)[0])
    assert fetched is not None
    items = fetched[1]
    assert items["BODY[]"] == (
        b"From: a@b\r\nSubject: hello\r\n\r\nfirst\r\n.\r\n+OK forged\r\n.\r\nlast\r\n"
    )
    assert items["BODY[HEADER]"] == b"From: a@b\r\nSubject: hello\r\n\r\n"
    assert b'"hello"' in out  # the ENVELOPE subject


def test_pop3_frames_any_stored_line_ends() -> None:
    store = Store()
    store.add_account("u", "p")
    store.deliver("u", Message.from_bytes(CRAFTED))  # stored as is, bare LF and CR included
    engine = Pop3Server(store)
    engine.receive_data(b"USER u\r\nPASS p\r\n")
    engine.outbox.data_to_send()
    engine.receive_data(b"RETR 1\r\n")
    counts = engine.outbox.peek_counts()
    wire = engine.outbox.data_to_send()
    assert wire == (
        b"+OK %d octets\r\n" % len(CRAFTED) + b"From: a@b\r\nSubject: hello\r\n\r\n"
        b"first\r\n..\r\n+OK forged\r\n..\r\nlast\r\n.\r\n"
    )
    assert counts.total == len(wire)


# -- 3. RFC 3501 sessions ----------------------------------------------------------------------------


def test_rev1_select_reports_recent_and_first_unseen() -> None:
    engine = logged_in()
    engine.store.accounts[USER].inbox.set_flags(1, {"\\Seen"})
    out = send(engine, "a SELECT INBOX")
    assert out.startswith(b"* 5 EXISTS\r\n* 0 RECENT\r\n* OK [UNSEEN 2] First unseen.\r\n* FLAGS (")
    out = send(engine, "b EXAMINE Archive")  # empty: RECENT, but no UNSEEN
    assert b"* 0 RECENT\r\n" in out and b"UNSEEN" not in out


def test_rev2_select_has_neither_recent_nor_unseen() -> None:
    engine = logged_in()
    send(engine, "a ENABLE IMAP4rev2")
    out = send(engine, "b SELECT INBOX")
    assert b"RECENT" not in out and b"UNSEEN" not in out


def test_recent_cannot_be_stored_and_create_existing_says_alreadyexists() -> None:
    engine = selected()
    assert send(engine, r"a STORE 1 +FLAGS (\Recent)") == (
        b"a BAD STORE: \\Recent cannot be stored\r\n"
    )
    assert send(engine, "b CREATE Archive") == b"b NO [ALREADYEXISTS] mailbox already exists\r\n"
    assert send(engine, "c CREATE Archive/") == b"c NO [ALREADYEXISTS] mailbox already exists\r\n"


def test_create_beyond_the_mailbox_cap_says_limit() -> None:
    engine = logged_in(config=ImapConfig(max_mailboxes=4))  # INBOX, Archive, Sent + one
    assert send(engine, "a CREATE One") == b"a OK CREATE completed\r\n"
    assert send(engine, "b CREATE Two") == b"b NO [LIMIT] at most 4 mailboxes per account\r\n"


# -- 4. LIST patterns --------------------------------------------------------------------------------


def reference_match(pattern: str, name: str) -> bool:
    """The definition, as a regex: fine for the short inputs hypothesis draws."""
    body = "".join(".*" if c == "*" else "[^/]*" if c == "%" else re.escape(c) for c in pattern)
    return re.fullmatch(body, name, re.DOTALL) is not None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab/*%", max_size=12), st.text(alphabet="ab/", max_size=12))
def test_list_pattern_agrees_with_the_definition(pattern: str, name: str) -> None:
    assert ListPattern(pattern).matches(name) == reference_match(pattern, name)


def test_wildcard_runs_collapse_so_work_is_independent_of_stars() -> None:
    assert ListPattern("*" * 1022).pattern == "*"
    assert ListPattern("a%%*%b%%").pattern == "a*b%"
    engine = logged_in()
    engine.store.accounts[USER].create("x" * 255)
    start = time.perf_counter()
    out = send(engine, b'a LIST "" "' + b"*" * 1022 + b'"\r\n')
    assert time.perf_counter() - start < 5  # tripwire only: it took 36 s before, 1 ms now
    assert b'"/" ' + b"x" * 255 + b"\r\n" in out


def test_list_over_thousands_of_folders_marks_children_correctly() -> None:
    store = make_store(0)
    account = store.accounts[USER]
    names = [f"p{i:02d}/c{j:02d}" for i in range(100) for j in range(50)]
    for name in names:
        account.create(name)
    engine = logged_in(store)
    start = time.perf_counter()
    out = send(engine, 'a LIST "" "*"')
    assert time.perf_counter() - start < 5  # tripwire only: 16 s before, 0.06 s now
    lines = out.split(b"\r\n")
    assert len(lines) == 3 + 100 + 5000 + 2  # INBOX Archive Sent, 100 parents, children, OK, ""
    assert b'* LIST (\\Noselect \\HasChildren) "/" p07' in lines
    assert b'* LIST (\\HasNoChildren) "/" p07/c49' in lines


def test_large_literal_as_a_sasl_response_also_hangs_up() -> None:
    engine = fresh(ImapConfig(auth_plain=True))
    assert send(engine, "a AUTHENTICATE PLAIN") == b"+ \r\n"
    engine.receive_data(b"{%d+}\r\n" % BIG + b"x" * 10_000)
    assert engine.closed and engine._framer.buffered == 0
    assert engine.outbox.data_to_send() == (
        b"a BAD AUTHENTICATE cancelled\r\n* BYE literal too large before authentication\r\n"
    )
