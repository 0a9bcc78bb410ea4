"""RFC 9051 §8 sample exchanges reproduced byte for byte (FACTS.md lists the figures)."""

from __future__ import annotations

from sim.protocol.imap import ImapServer, ImapState
from sim.protocol.imap_examples import (
    RFC9051_FETCH_FULL,
    RFC9051_PASSWORD,
    RFC9051_USER,
    rfc9051_engine,
    rfc9051_message12,
)
from sim.protocol.message import synthesize
from sim.protocol.store import Store

HEADER_342 = (
    b"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
    b"From: Terry Gray <gray@cac.washington.edu>\r\n"
    b"Subject: IMAP4rev2 WG mtg summary and minutes\r\n"
    b"To: imap@cac.washington.edu\r\n"
    b"cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
    b"Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
    b"\r\n"
)


def _selected() -> ImapServer:
    engine = rfc9051_engine()
    assert engine.outbox.data_to_send() == b"* OK IMAP4rev2 Service Ready\r\n"
    engine.receive_data(f"a001 login {RFC9051_USER} {RFC9051_PASSWORD}\r\n".encode())
    assert engine.outbox.data_to_send() == b"a001 OK LOGIN completed\r\n"
    engine.receive_data(b"a002 select inbox\r\n")
    out = engine.outbox.data_to_send()
    assert out.startswith(b"* 18 EXISTS\r\n")
    assert b"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n" in out
    assert out.endswith(b"a002 OK [READ-WRITE] SELECT completed\r\n")
    assert engine.state is ImapState.SELECTED
    return engine


def test_message12_sizes() -> None:
    m = rfc9051_message12()
    assert m.header_size == 342
    assert m.body_size == 3028
    assert m.root.body_lines() == 92
    assert m.header_bytes() == HEADER_342


def test_fetch_full_is_the_rfc_text() -> None:
    engine = _selected()
    command = b"a003 fetch 12 full\r\n"
    assert len(command) == 20
    engine.receive_data(command)
    counts = engine.outbox.peek_counts()
    out = engine.outbox.data_to_send()
    assert out == RFC9051_FETCH_FULL
    assert len(out) == 585
    assert counts.framing == 585 and counts.total == 585


def test_fetch_body_header_is_60_framing_plus_342_literal() -> None:
    engine = _selected()
    command = b"a004 fetch 12 body[header]\r\n"
    assert len(command) == 28
    engine.receive_data(command)
    counts = engine.outbox.peek_counts()
    assert (counts.framing, counts.header, counts.body, counts.attachment) == (60, 342, 0, 0)
    out = engine.outbox.data_to_send()
    assert out == (
        b"* 12 FETCH (BODY[HEADER] {342}\r\n" + HEADER_342 + b")\r\na004 OK FETCH completed\r\n"
    )


def test_store_deleted_is_37_plus_26() -> None:
    engine = _selected()
    command = b"a005 store 12 +flags \\deleted\r\n"
    assert len(command) == 31
    engine.receive_data(command)
    out = engine.outbox.data_to_send()
    untagged, tagged = out.split(b"\r\n")[:2]
    assert untagged + b"\r\n" == b"* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\n"
    assert len(untagged) + 2 == 37
    assert tagged + b"\r\n" == b"a005 OK +FLAGS completed\r\n"
    assert len(tagged) + 2 == 26


def test_logout_of_the_sample_session() -> None:
    engine = _selected()
    engine.receive_data(b"a006 logout\r\n")
    assert engine.outbox.data_to_send() == (
        b"* BYE IMAP4rev2 server terminating connection\r\na006 OK LOGOUT completed\r\n"
    )
    assert engine.closed and engine.state is ImapState.LOGOUT


def test_noop_is_11_then_24() -> None:
    engine = _selected()
    command = b"a002 NOOP\r\n"
    assert len(command) == 11
    engine.receive_data(command)
    out = engine.outbox.data_to_send()
    assert out == b"a002 OK NOOP completed\r\n"
    assert len(out) == 24


def test_idle_round_bytes() -> None:
    store = Store()
    store.add_account("u", "p")
    for seed in range(3):
        store.deliver("u", synthesize(seed=seed))
    engine = ImapServer(store)
    engine.outbox.data_to_send()
    engine.receive_data(b"a000 LOGIN u p\r\na001 SELECT INBOX\r\n")
    engine.outbox.data_to_send()
    idle = b"a002 IDLE\r\n"
    assert len(idle) == 11
    engine.receive_data(idle)
    assert engine.outbox.data_to_send() == b"+ idling\r\n"  # 10 octets
    engine.refresh()
    assert engine.outbox.data_to_send() == b""  # nothing changed, nothing pushed
    store.deliver("u", synthesize(seed=9))
    engine.refresh()
    pushed = engine.outbox.data_to_send()
    assert pushed == b"* 4 EXISTS\r\n" and len(pushed) == 12
    done = b"DONE\r\n"
    assert len(done) == 6
    engine.receive_data(done)
    out = engine.outbox.data_to_send()
    assert out == b"a002 OK IDLE terminated\r\n" and len(out) == 25
