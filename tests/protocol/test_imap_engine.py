"""IMAP engine behaviour: states, literals, limits, fetch/search/store, sessions seeing each other."""

from __future__ import annotations

import pytest
from test_imap_support import PASSWORD, USER, logged_in, make_store, selected, send

from sim.protocol.imap import (
    LEGAL_COMMANDS,
    CommandCompleted,
    ImapCommand,
    ImapConfig,
    ImapServer,
    ImapState,
    InternalError,
    StartTlsRequested,
    StateChanged,
    Status,
    UpdatesSent,
)
from sim.protocol.imap.response import fetch_items, parse_responses, parts_of
from sim.protocol.message import ByteKind

# -- the command-per-state table ------------------------------------------------------------------

APPEND_MESSAGE = b"Subject: hi\r\n\r\nhello\r\n"
SAMPLE: dict[ImapCommand, bytes] = {
    ImapCommand.CAPABILITY: b"CAPABILITY",
    ImapCommand.NOOP: b"NOOP",
    ImapCommand.LOGOUT: b"LOGOUT",
    ImapCommand.STARTTLS: b"STARTTLS",
    ImapCommand.LOGIN: f"LOGIN {USER} {PASSWORD}".encode(),
    ImapCommand.AUTHENTICATE: b"AUTHENTICATE PLAIN",
    ImapCommand.ENABLE: b"ENABLE IMAP4rev2",
    ImapCommand.SELECT: b"SELECT INBOX",
    ImapCommand.EXAMINE: b"EXAMINE INBOX",
    ImapCommand.CREATE: b"CREATE Projects",
    ImapCommand.DELETE: b"DELETE Archive",
    ImapCommand.RENAME: b"RENAME Archive Old",
    ImapCommand.SUBSCRIBE: b"SUBSCRIBE INBOX",
    ImapCommand.UNSUBSCRIBE: b"UNSUBSCRIBE INBOX",
    ImapCommand.LIST: b'LIST "" *',
    ImapCommand.LSUB: b'LSUB "" *',
    ImapCommand.NAMESPACE: b"NAMESPACE",
    ImapCommand.STATUS: b"STATUS INBOX (MESSAGES UNSEEN)",
    ImapCommand.APPEND: b"APPEND INBOX {%d+}\r\n" % len(APPEND_MESSAGE) + APPEND_MESSAGE,
    ImapCommand.IDLE: b"IDLE",
    ImapCommand.CHECK: b"CHECK",
    ImapCommand.CLOSE: b"CLOSE",
    ImapCommand.UNSELECT: b"UNSELECT",
    ImapCommand.EXPUNGE: b"EXPUNGE",
    ImapCommand.SEARCH: b"SEARCH ALL",
    ImapCommand.FETCH: b"FETCH 1 FLAGS",
    ImapCommand.STORE: b"STORE 1 +FLAGS (\\Flagged)",
    ImapCommand.COPY: b"COPY 1 Archive",
    ImapCommand.MOVE: b"MOVE 1 Archive",
    ImapCommand.UID: b"UID FETCH 1:* FLAGS",
}
NEXT_STATE = {
    ImapCommand.LOGIN: ImapState.AUTHENTICATED,
    ImapCommand.SELECT: ImapState.SELECTED,
    ImapCommand.EXAMINE: ImapState.SELECTED,
    ImapCommand.CLOSE: ImapState.AUTHENTICATED,
    ImapCommand.UNSELECT: ImapState.AUTHENTICATED,
    ImapCommand.LOGOUT: ImapState.LOGOUT,
}
CONFIG = ImapConfig(starttls=True)


def _engine_in(state: ImapState) -> ImapServer:
    if state is ImapState.NOT_AUTHENTICATED:
        engine = ImapServer(make_store(), CONFIG)
        engine.outbox.data_to_send()
        return engine
    if state is ImapState.AUTHENTICATED:
        return logged_in(config=CONFIG)
    if state is ImapState.SELECTED:
        return selected(config=CONFIG)
    engine = logged_in(config=CONFIG)
    send(engine, "t9 LOGOUT")
    return engine


@pytest.mark.parametrize("state", list(ImapState))
@pytest.mark.parametrize("command", list(ImapCommand))
def test_every_command_in_every_state(state: ImapState, command: ImapCommand) -> None:
    engine = _engine_in(state)
    line = b"x1 " + SAMPLE[command] + b"\r\n"
    events = engine.receive_data(line)
    out = engine.outbox.data_to_send()
    if state is ImapState.LOGOUT:  # a closed engine takes no input at all
        assert engine.closed and events == [] and out == b""
        return
    if command is ImapCommand.IDLE and command in LEGAL_COMMANDS[state]:
        assert out == b"+ idling\r\n"
        events = engine.receive_data(b"DONE\r\n")
        out = engine.outbox.data_to_send()
    done = [e for e in events if isinstance(e, CommandCompleted)]
    assert len(done) == 1 and done[0].tag == "x1"
    if command in LEGAL_COMMANDS[state]:
        expected = Status.NO if command is ImapCommand.AUTHENTICATE else Status.OK
        assert done[0].status is expected, out
        assert engine.state is NEXT_STATE.get(command, state)
        if command is ImapCommand.STARTTLS:
            assert any(isinstance(e, StartTlsRequested) for e in events)
    else:
        assert done[0].status is Status.BAD
        assert out.endswith(
            b"x1 BAD "
            + command.value.encode()
            + f" not allowed in state {state.value}\r\n".encode()
        )
        assert engine.state is state
        assert not any(isinstance(e, StateChanged) for e in events)
    assert not any(isinstance(e, InternalError) for e in events)


def test_failed_login_and_unknown_command() -> None:
    engine = ImapServer(make_store())
    engine.outbox.data_to_send()
    assert (
        send(engine, "a LOGIN alice wrong")
        == b"a NO [AUTHENTICATIONFAILED] Authentication failed\r\n"
    )
    assert send(engine, "b FROB") == b"b BAD unknown command FROB\r\n"
    assert send(engine, "") == b"* BAD missing or invalid tag\r\n"
    assert send(engine, "c") == b"c BAD missing command\r\n"
    assert engine.state is ImapState.NOT_AUTHENTICATED


def test_select_failure_leaves_selected_state() -> None:
    engine = selected()
    out = send(engine, "a SELECT Nowhere")
    assert out == (
        b"* OK [CLOSED] Previous mailbox is now closed\r\na NO [NONEXISTENT] no such mailbox\r\n"
    )
    assert engine.state is ImapState.AUTHENTICATED


# -- TLS -----------------------------------------------------------------------------------------


def test_starttls_upgrade_point_and_logindisabled() -> None:
    engine = ImapServer(make_store(), ImapConfig(starttls=True, cleartext_login=False))
    engine.outbox.data_to_send()
    caps = send(engine, "a CAPABILITY")
    assert b" STARTTLS LOGINDISABLED\r\n" in caps
    assert send(engine, f"b LOGIN {USER} {PASSWORD}") == (
        b"b NO [PRIVACYREQUIRED] LOGIN is disabled until TLS is active\r\n"
    )
    # pipelined plaintext behind STARTTLS is dropped (no command injection)
    events = engine.receive_data(b"c STARTTLS\r\nd LOGIN alice s3cret\r\n")
    assert engine.outbox.data_to_send() == b"c OK Begin TLS negotiation now\r\n"
    assert any(isinstance(e, StartTlsRequested) for e in events)
    assert engine.receive_data(b"e NOOP\r\n") == [] and engine.outbox.pending == 0
    engine.tls_started()
    caps = send(engine, "f CAPABILITY")
    assert b"STARTTLS" not in caps and b"LOGINDISABLED" not in caps
    assert send(engine, f"g LOGIN {USER} {PASSWORD}") == b"g OK LOGIN completed\r\n"
    assert send(engine, "h STARTTLS").startswith(b"h BAD")


def test_implicit_tls_has_no_starttls() -> None:
    engine = ImapServer(make_store(), ImapConfig(implicit_tls=True, cleartext_login=False))
    engine.outbox.data_to_send()
    caps = send(engine, "a CAPABILITY")
    assert b"STARTTLS" not in caps and b"LOGINDISABLED" not in caps


def test_greeting_with_capability() -> None:
    engine = ImapServer(make_store(), ImapConfig(greeting_capability=True))
    greeting = engine.outbox.data_to_send()
    assert greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 IMAP4rev2 ")
    assert greeting.endswith(b"] IMAP4rev2 Service Ready\r\n")


# -- literals and limits ---------------------------------------------------------------------------


def test_synchronising_literals_get_continuations() -> None:
    engine = ImapServer(make_store())
    engine.outbox.data_to_send()
    assert send(engine, b"a LOGIN {5}\r\n") == b"+ Ready for literal data\r\n"
    assert send(engine, b"alice {6}\r\n") == b"+ Ready for literal data\r\n"
    assert send(engine, b"s3cret\r\n") == b"a OK LOGIN completed\r\n"


def test_non_synchronising_literal_needs_no_continuation() -> None:
    engine = ImapServer(make_store())
    engine.outbox.data_to_send()
    assert send(engine, b"a LOGIN {5+}\r\nalice {6+}\r\ns3cret\r\n") == b"a OK LOGIN completed\r\n"


def test_oversized_synchronising_literal_is_refused_and_session_recovers() -> None:
    engine = selected(config=ImapConfig(max_literal=100))
    out = send(engine, b"a SEARCH TEXT {101}\r\n")
    assert (
        out
        == b"a BAD literal too large: literal of 101 octets; allowed at most 100 per command\r\n"
    )
    assert send(engine, "b NOOP") == b"b OK NOOP completed\r\n"


def test_oversized_non_synchronising_literal_is_skipped() -> None:
    engine = selected(config=ImapConfig(max_literal=100))
    out = send(engine, b"a SEARCH TEXT {300+}\r\n" + b"x" * 300 + b" ALL\r\nb NOOP\r\n")
    assert out == (
        b"a BAD literal too large: literal of 300 octets; allowed at most 100 per command\r\n"
        b"b OK NOOP completed\r\n"
    )


def test_append_has_its_own_literal_limit() -> None:
    engine = logged_in(config=ImapConfig(max_literal=10, max_append=1000))
    message = b"Subject: a\r\n\r\n" + b"y" * 500 + b"\r\n"
    out = send(engine, b"a APPEND Sent (\\Seen) {%d}\r\n" % len(message))
    assert out == b"+ Ready for literal data\r\n"
    out = send(engine, message + b"\r\n")
    assert out == b"a OK [APPENDUID 3 1] APPEND completed\r\n"
    assert len(out) == 39


def test_over_long_line_is_refused_whole_or_bytewise() -> None:
    line = b"a1 NOOP " + b"x" * 9000 + b"\r\nb2 NOOP\r\n"
    expected = b"a1 BAD line too long: line longer than 8192 octets\r\nb2 OK NOOP completed\r\n"
    engine = logged_in()
    assert send(engine, line) == expected
    engine = logged_in()
    for i in range(len(line)):
        engine.receive_data(line[i : i + 1])
    assert engine.outbox.data_to_send() == expected


def test_huge_numbers_are_bad_not_errors() -> None:
    engine = selected()
    assert send(engine, "a FETCH 99999999999999999999 FLAGS").startswith(
        b"a BAD FETCH: a message number"
    )
    assert send(engine, "b FETCH 6 FLAGS") == (
        b"b BAD FETCH: message sequence number out of range: mailbox has 5 messages\r\n"
    )
    assert send(engine, "c UID FETCH 4294967295 FLAGS") == b"c OK UID FETCH completed\r\n"
    assert send(engine, "c UID FETCH 4294967295:* FLAGS") == (
        b"* 5 FETCH (UID 5 FLAGS ())\r\nc OK UID FETCH completed\r\n"
    )  # n:* covers the last UID
    assert send(engine, "d UID FETCH 4294967296 FLAGS").startswith(b"d BAD")


# -- fetch -----------------------------------------------------------------------------------------


def test_bodystructure_of_a_synthesized_multipart_parses_recursively() -> None:
    store = make_store()
    engine = selected(store)
    out = send(engine, "a FETCH 2 (BODYSTRUCTURE BODY)")
    responses = parse_responses(out)
    seq, items = fetch_items(responses[0])  # type: ignore[misc]
    assert seq == 2
    message = store.accounts[USER].inbox.messages[1].message
    for name in ("BODYSTRUCTURE", "BODY"):
        parts = parts_of(items[name])
        assert [p.section for p in parts] == ["1", "2"]
        assert parts[0].media_type == "text/plain" and not parts[0].attachment
        assert parts[1].media_type == "application/pdf" and parts[1].attachment
        for p in parts:
            assert p.size == message.part([int(p.section)]).body_size
    structure = items["BODYSTRUCTURE"]
    assert isinstance(structure, list) and structure[2] == "mixed"
    assert structure[3][0] == "boundary"  # multipart extension data: the parameters
    assert structure[1][8] == ["attachment", ["filename", "report.pdf"]]


def test_partial_fetch_counts_attachment_octets() -> None:
    store = make_store()
    message = store.accounts[USER].inbox.messages[1].message
    part = message.part([2])
    engine = selected(store)
    total = 0
    origin = 0
    while origin < part.body_size:
        engine.receive_data(f"a UID FETCH 2 (BODY.PEEK[2]<{origin}.65536>)\r\n".encode())
        counts = engine.outbox.peek_counts()
        out = engine.outbox.data_to_send()
        length = min(65536, part.body_size - origin)
        head = f"* 2 FETCH (UID 2 BODY[2]<{origin}> {{{length}}}\r\n".encode()
        assert out.startswith(head)
        assert counts.attachment == length
        assert counts.framing == len(head) + 3 + len(b"a OK UID FETCH completed\r\n")
        start = message.offset_of(part) + part.header_size + origin
        assert out[len(head) : len(head) + length] == message.render()[start : start + length]
        total += length
        origin += 65536
    assert total == part.body_size == 273686
    assert send(engine, "b FETCH 2 BODY.PEEK[2]<999999.10>").startswith(
        b"* 2 FETCH (BODY[2]<999999> {0}\r\n)\r\n"
    )


def test_sections_header_text_mime_and_fields() -> None:
    store = make_store()
    message = store.accounts[USER].inbox.messages[1].message
    engine = selected(store)
    data = message.render()
    for section, expected in [
        ("HEADER", data[: message.header_size]),
        ("TEXT", data[message.header_size :]),
        ("", data),
        ("1", message.part([1]).body_bytes()),
        ("2.MIME", message.part([2]).header_bytes()),
    ]:
        out = send(engine, f"a FETCH 2 BODY.PEEK[{section}]")
        head = f"* 2 FETCH (BODY[{section}] {{{len(expected)}}}\r\n".encode()
        assert out == head + expected + b")\r\na OK FETCH completed\r\n"
    out = send(engine, "b FETCH 2 BODY.PEEK[HEADER.FIELDS (Subject From)]")
    fields = b"From: Alice Example <alice@example.org>\r\nSubject: Note 2\r\n\r\n"
    assert out == (
        b"* 2 FETCH (BODY[HEADER.FIELDS (Subject From)] {%d}\r\n" % len(fields)
        + fields
        + b")\r\nb OK FETCH completed\r\n"
    )
    assert (
        send(engine, "c FETCH 2 BODY.PEEK[3]")
        == b"* 2 FETCH (BODY[3] NIL)\r\nc OK FETCH completed\r\n"
    )


def test_non_peek_fetch_sets_seen_and_reports_flags() -> None:
    store = make_store()
    engine = selected(store)
    engine.receive_data(b"a FETCH 1 BODY[TEXT]\r\n")
    counts = engine.outbox.peek_counts()
    out = engine.outbox.data_to_send()
    assert out.endswith(b" FLAGS (\\Seen))\r\na OK FETCH completed\r\n")
    assert counts.body == store.accounts[USER].inbox.messages[0].message.body_size
    assert "\\Seen" in store.accounts[USER].inbox.messages[0].flags
    assert send(engine, "b FETCH 1 RFC822.TEXT").count(b"FLAGS") == 0  # already seen
    examine = logged_in(store)
    send(examine, "e EXAMINE INBOX")
    send(examine, "f FETCH 2 BODY[TEXT]")
    assert "\\Seen" not in store.accounts[USER].inbox.messages[1].flags


def test_fetch_macros() -> None:
    engine = selected()
    fast = parse_responses(send(engine, "a FETCH 1 FAST"))
    assert list(fetch_items(fast[0])[1]) == ["FLAGS", "INTERNALDATE", "RFC822.SIZE"]  # type: ignore[index]
    full = parse_responses(send(engine, "b FETCH 1 FULL"))
    assert list(fetch_items(full[0])[1]) == [
        "FLAGS",
        "INTERNALDATE",
        "RFC822.SIZE",
        "ENVELOPE",  # type: ignore[index]
        "BODY",
    ]
    out = send(engine, "c FETCH 1 INTERNALDATE")
    assert out.startswith(b'* 1 FETCH (INTERNALDATE " 1-Jan-2026 00:00:00 +0000")')


# -- store, search, copy, move, expunge ----------------------------------------------------------


def test_store_variants_and_silent() -> None:
    engine = selected()
    assert send(engine, "a STORE 1:2 +FLAGS (\\Seen $Forwarded)") == (
        b"* 1 FETCH (FLAGS (\\Seen $Forwarded))\r\n* 2 FETCH (FLAGS (\\Seen $Forwarded))\r\n"
        b"a OK +FLAGS completed\r\n"
    )
    assert send(engine, "b STORE 1 -FLAGS.SILENT (\\Seen)") == b"b OK -FLAGS completed\r\n"
    assert send(engine, "c UID STORE 2 FLAGS (\\Draft)") == (
        b"* 2 FETCH (UID 2 FLAGS (\\Draft))\r\nc OK FLAGS completed\r\n"
    )
    assert send(engine, "d STORE 1 +FLAGS (\\Bogus)").startswith(b"d BAD")
    assert (
        send(engine, "e FETCH 1 FLAGS")
        == b"* 1 FETCH (FLAGS ($Forwarded))\r\ne OK FETCH completed\r\n"
    )


@pytest.mark.parametrize(
    "criteria, hits",
    [
        ("ALL", [1, 2, 3, 4, 5]),
        ("SEEN", [1]),
        ("UNSEEN", [2, 3, 4, 5]),
        ("FLAGGED", [2]),
        ("UNFLAGGED", [1, 3, 4, 5]),
        ("DELETED", [4]),
        ("ANSWERED", []),
        ('SUBJECT "note 3"', [3]),
        ("FROM alice", [1, 2, 3, 4, 5]),
        ("TO nobody", []),
        ("BODY zebra", [3]),
        ("TEXT zebra", [3]),
        ('TEXT "Note 4"', [4]),
        ("LARGER 3000", [2]),
        ("SMALLER 1900", [1]),
        ("SINCE 1-Jan-2026", [1, 2, 3, 4, 5]),
        ("BEFORE 1-Jan-2026", []),
        ("ON 1-Jan-2026", [1, 2, 3, 4, 5]),
        ('SENTON "1-Jan-2026"', [1, 2, 3, 4, 5]),
        ("UID 2:3", [2, 3]),
        ("2,4:*", [2, 4, 5]),
        ("NOT SEEN NOT FLAGGED", [3, 4, 5]),
        ("OR SEEN FLAGGED", [1, 2]),
        ("(OR SEEN DELETED) UNFLAGGED", [1, 4]),
        ("CHARSET UTF-8 SUBJECT Note", [1, 2, 3, 4, 5]),
        ("KEYWORD $Forwarded", []),
        ("HEADER Message-ID lab.example", [1, 2, 3, 4, 5]),
    ],
)
def test_search(criteria: str, hits: list[int]) -> None:
    engine = selected()
    send(engine, "s1 STORE 1 +FLAGS.SILENT (\\Seen)")
    send(engine, "s2 STORE 2 +FLAGS.SILENT (\\Flagged)")
    send(engine, "s3 STORE 4 +FLAGS.SILENT (\\Deleted)")
    out = send(engine, f"a SEARCH {criteria}")
    assert (
        out == b"* SEARCH" + b"".join(b" %d" % n for n in hits) + b"\r\na OK SEARCH completed\r\n"
    )


def test_search_errors() -> None:
    engine = selected()
    assert send(engine, "a SEARCH CHARSET KOI8-R ALL") == (
        b"a NO [BADCHARSET] only UTF-8 and US-ASCII are supported\r\n"
    )
    assert send(engine, "b SEARCH FROB").startswith(b"b BAD SEARCH: unknown search key")
    assert send(engine, "c SEARCH " + "(" * 40 + "ALL" + ")" * 40).startswith(b"c BAD")
    assert send(engine, "d UID SEARCH UID 3:4") == b"* SEARCH 3 4\r\nd OK UID SEARCH completed\r\n"


def test_copy_move_expunge_with_uidplus() -> None:
    store = make_store()
    engine = selected(store)
    assert send(engine, "a COPY 1 Nowhere") == b"a NO [TRYCREATE] no such mailbox\r\n"
    assert send(engine, "b COPY 1:2 Archive") == b"b OK [COPYUID 2 1:2 1:2] COPY completed\r\n"
    assert send(engine, "c UID MOVE 3 Archive") == (
        b"* OK [COPYUID 2 3 3] Moved\r\n* 3 EXPUNGE\r\nc OK UID MOVE completed\r\n"
    )
    archive = store.accounts[USER].get("Archive")
    assert archive is not None and [m.uid for m in archive.messages] == [1, 2, 3]
    send(engine, "d STORE 1,3 +FLAGS.SILENT (\\Deleted)")
    assert send(engine, "e UID EXPUNGE 1") == b"* 1 EXPUNGE\r\ne OK UID EXPUNGE completed\r\n"
    assert send(engine, "f EXPUNGE") == b"* 2 EXPUNGE\r\nf OK EXPUNGE completed\r\n"
    assert [m.uid for m in store.accounts[USER].inbox.messages] == [2, 5]
    send(engine, "g STORE 2 +FLAGS.SILENT (\\Deleted)")
    assert send(engine, "h CLOSE") == b"h OK CLOSE completed\r\n"  # expunges silently
    assert [m.uid for m in store.accounts[USER].inbox.messages] == [2]


def test_mailbox_management_and_list_patterns() -> None:
    engine = logged_in()
    assert send(engine, "a CREATE Work/Projects/2026") == b"a OK CREATE completed\r\n"
    assert send(engine, "b CREATE INBOX").startswith(b"b NO")
    assert send(engine, 'c LIST "" %') == (
        b'* LIST (\\HasNoChildren) "/" INBOX\r\n* LIST (\\HasNoChildren \\Archive) "/" Archive\r\n'
        b'* LIST (\\HasNoChildren \\Sent) "/" Sent\r\n'
        b'* LIST (\\Noselect \\HasChildren) "/" Work\r\nc OK LIST completed\r\n'
    )
    assert send(engine, 'd LIST "" Work/*') == (
        b'* LIST (\\Noselect \\HasChildren) "/" Work/Projects\r\n'
        b'* LIST (\\HasNoChildren) "/" Work/Projects/2026\r\nd OK LIST completed\r\n'
    )
    assert send(engine, 'e LIST "" ""') == b'* LIST (\\Noselect) "/" ""\r\ne OK LIST completed\r\n'
    assert (
        send(engine, 'f LIST "" inbox')
        == b'* LIST (\\HasNoChildren) "/" INBOX\r\nf OK LIST completed\r\n'
    )
    assert send(engine, "g RENAME Work/Projects/2026 Done") == b"g OK RENAME completed\r\n"
    assert send(engine, "h DELETE Done") == b"h OK DELETE completed\r\n"
    assert send(engine, "i DELETE Done") == b"i NO [NONEXISTENT] no such mailbox\r\n"
    assert send(engine, 'j CREATE "With Space"') == b"j OK CREATE completed\r\n"
    assert b'"With Space"' in send(engine, 'k LIST "" *')
    assert send(engine, "l STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN SIZE)") == (
        b"* STATUS INBOX (MESSAGES 5 UIDNEXT 6 UIDVALIDITY 1 UNSEEN 5 SIZE 283851)\r\n"
        b"l OK STATUS completed\r\n"
    )


# -- several sessions on one account -------------------------------------------------------------


def test_two_sessions_see_each_others_flags_and_expunges() -> None:
    store = make_store()
    a = selected(store)
    b = selected(store)
    assert (
        send(a, "a1 STORE 2 +FLAGS (\\Flagged)")
        == b"* 2 FETCH (FLAGS (\\Flagged))\r\na1 OK +FLAGS completed\r\n"
    )
    assert send(b, "b1 NOOP") == b"* 2 FETCH (FLAGS (\\Flagged))\r\nb1 OK NOOP completed\r\n"
    assert send(a, "a2 NOOP") == b"a2 OK NOOP completed\r\n"  # its own change is not echoed
    send(a, "a3 STORE 3 +FLAGS.SILENT (\\Deleted)")
    assert send(a, "a4 EXPUNGE") == b"* 3 EXPUNGE\r\na4 OK EXPUNGE completed\r\n"
    # b must not learn of the expunge during FETCH/STORE/SEARCH; message 3 is still fetchable
    out = send(b, "b2 FETCH 3:4 (UID)")
    # (the \\Deleted flag news for message 3 is dropped: its EXPUNGE is pending)
    assert out == b"* 3 FETCH (UID 3)\r\n* 4 FETCH (UID 4)\r\nb2 OK FETCH completed\r\n"
    assert send(b, "b3 SEARCH ALL") == b"* SEARCH 1 2 3 4 5\r\nb3 OK SEARCH completed\r\n"
    assert send(b, "b4 NOOP") == b"* 3 EXPUNGE\r\nb4 OK NOOP completed\r\n"
    assert send(b, "b5 SEARCH ALL") == b"* SEARCH 1 2 3 4\r\nb5 OK SEARCH completed\r\n"


def test_idle_pushes_expunge_flags_and_exists() -> None:
    store = make_store()
    watcher = selected(store)
    actor = selected(store)
    assert send(watcher, "w1 IDLE") == b"+ idling\r\n"
    send(actor, "a1 STORE 1 +FLAGS.SILENT (\\Seen)")
    events = watcher.refresh()
    assert watcher.outbox.data_to_send() == b"* 1 FETCH (FLAGS (\\Seen))\r\n"
    assert events == [UpdatesSent("INBOX", 0, 1, None, True)]
    send(actor, "a2 UID MOVE 2 Archive")
    watcher.refresh()
    assert watcher.outbox.data_to_send() == b"* 2 EXPUNGE\r\n"
    from sim.protocol.message import synthesize

    store.deliver(USER, synthesize(seed=77))
    store.deliver(USER, synthesize(seed=78))
    watcher.refresh()
    assert watcher.outbox.data_to_send() == b"* 6 EXISTS\r\n"
    assert send(watcher, "DONE") == b"w1 OK IDLE terminated\r\n"
    assert send(watcher, "w2 NOOP") == b"w2 OK NOOP completed\r\n"


def test_idle_ended_by_anything_but_done_is_bad() -> None:
    engine = selected()
    send(engine, "i IDLE")
    assert send(engine, "j NOOP") == b"i BAD expected DONE\r\n"
    assert send(engine, "k NOOP") == b"k OK NOOP completed\r\n"


def test_new_message_reported_at_end_of_command() -> None:
    from sim.protocol.message import synthesize

    store = make_store()
    engine = selected(store)
    store.deliver(USER, synthesize(seed=50))
    assert (
        send(engine, "a FETCH 1 (UID)")
        == b"* 1 FETCH (UID 1)\r\n* 6 EXISTS\r\na OK FETCH completed\r\n"
    )


def test_outbox_kinds_for_full_message() -> None:
    store = make_store()
    message = store.accounts[USER].inbox.messages[1].message
    engine = selected(store)
    engine.receive_data(b"a UID FETCH 2 BODY.PEEK[]\r\n")
    counts = engine.outbox.take_counts()
    kinds = message.kind_sizes()
    assert counts.header == kinds[ByteKind.HEADER]
    assert counts.body == kinds[ByteKind.BODY]
    assert counts.attachment == kinds[ByteKind.ATTACHMENT]
    assert counts.framing == len(
        b"* 2 FETCH (UID 2 BODY[] {%d}\r\n)\r\na OK UID FETCH completed\r\n" % message.size
    )


def test_connection_lost_deletes_nothing() -> None:
    store = make_store()
    engine = selected(store)
    send(engine, "a STORE 1 +FLAGS (\\Deleted)")
    engine.connection_lost()
    assert engine.closed and engine.state is ImapState.LOGOUT
    assert len(store.accounts[USER].inbox.messages) == 5
    assert engine.receive_data(b"b NOOP\r\n") == []


def test_idle_keepalive_and_refused_line_ends_idle() -> None:
    engine = selected(config=ImapConfig(max_line=256))
    assert engine.keepalive() is False and engine.outbox.pending == 0
    send(engine, "i IDLE")
    assert engine.keepalive() is True
    out = engine.outbox.data_to_send()
    assert out == b"* OK Still here\r\n" and len(out) == 17
    assert send(engine, b"x" * 300 + b"\r\n") == b"i BAD expected DONE\r\n"
    assert engine.idle_tag is None
    assert send(engine, "j NOOP") == b"j OK NOOP completed\r\n"


def test_eight_bit_headers_keep_exact_literal_sizes() -> None:
    """APPEND of raw 8-bit/UTF-8 header octets, then BODY[] and ENVELOPE: sizes stay exact."""
    engine = selected()
    raw = "Subject: Café ☕\r\nFrom: Zoë <z@example.org>\r\n\r\nbody\r\n".encode() + b"\xff\r\n"
    out = send(engine, b"a APPEND INBOX {%d+}\r\n" % len(raw) + raw + b"\r\n")
    assert out == b"* 6 EXISTS\r\na OK [APPENDUID 1 6] APPEND completed\r\n"
    out = send(engine, "b FETCH 6 (RFC822.SIZE BODY.PEEK[])")
    assert out == (
        b"* 6 FETCH (RFC822.SIZE %d BODY[] {%d}\r\n" % (len(raw), len(raw))
        + raw
        + b")\r\nb OK FETCH completed\r\n"
    )
    envelope = parse_responses(send(engine, "c FETCH 6 ENVELOPE"))
    items = fetch_items(envelope[0])[1]  # type: ignore[index]
    assert items["ENVELOPE"][1] == "Café ☕".encode()  # a literal: not quotable  # type: ignore[index]


def test_nul_octets_are_refused() -> None:
    engine = logged_in()
    assert (
        send(engine, b"a LOGIN \x00 \x00\r\n")
        == b"a BAD NUL octet: NUL is not allowed in a command\r\n"
    )
    assert send(engine, b"b SELECT {3+}\r\nINB\x00X\r\n") == (
        b"b BAD NUL octet: NUL is not allowed in a command\r\n"
    )
    assert send(engine, b"c NOOP\r\n") == b"c OK NOOP completed\r\n"


def test_list_wildcards_cannot_blow_up() -> None:
    from sim.protocol.imap.server import wildcard_match

    assert wildcard_match("*", "a/b") and not wildcard_match("%", "a/b")
    assert wildcard_match("a/%", "a/b") and wildcard_match("%/%", "a/b")
    assert wildcard_match("*b", "a/b") and not wildcard_match("*c", "a/b")
    assert wildcard_match("", "") and not wildcard_match("", "a")
    name = "a" * 250
    assert not wildcard_match("*a" * 300 + "b", name)  # instant: no backtracking
    engine = logged_in()
    assert send(engine, 'a LIST "" "' + "*a" * 400 + '"') == b"a OK LIST completed\r\n"
    assert send(engine, 'b LIST "" ' + "%" * 1100).startswith(b"b BAD LIST: LIST pattern of 1100")


def test_select_list_line_only_when_configured() -> None:
    assert b"* LIST" not in send(logged_in(), "a SELECT INBOX")  # rev1 answer by default
    engine = logged_in(config=ImapConfig(select_list=True))
    assert send(engine, "b SELECT INBOX").endswith(
        b'* LIST () "/" INBOX\r\nb OK [READ-WRITE] SELECT completed\r\n'
    )


def test_authenticate_plain_with_and_without_initial_response() -> None:
    import base64

    token = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    config = ImapConfig(auth_plain=True)
    engine = ImapServer(make_store(), config)
    engine.outbox.data_to_send()
    assert b" AUTH=PLAIN SASL-IR\r\n" in send(engine, "a CAPABILITY")
    assert send(engine, f"b AUTHENTICATE PLAIN {token}") == b"b OK AUTHENTICATE completed\r\n"
    assert engine.state is ImapState.AUTHENTICATED
    engine = ImapServer(make_store(), config)
    engine.outbox.data_to_send()
    assert send(engine, "c AUTHENTICATE PLAIN") == b"+ \r\n"
    assert send(engine, token) == b"c OK AUTHENTICATE completed\r\n"
    engine = ImapServer(make_store(), config)
    engine.outbox.data_to_send()
    send(engine, "d AUTHENTICATE PLAIN")
    assert send(engine, "*") == b"d BAD AUTHENTICATE cancelled\r\n"
    assert send(engine, "e AUTHENTICATE PLAIN !!!") == b"e BAD the SASL response is not base64\r\n"
    wrong = base64.b64encode(f"\0{USER}\0nope".encode()).decode()
    assert send(engine, f"f AUTHENTICATE PLAIN {wrong}") == (
        b"f NO [AUTHENTICATIONFAILED] Authentication failed\r\n"
    )
    assert (
        send(engine, "g AUTHENTICATE CRAM-MD5")
        == b"g NO [CANNOT] unsupported mechanism CRAM-MD5\r\n"
    )
    assert engine.state is ImapState.NOT_AUTHENTICATED
    locked = ImapServer(
        make_store(), ImapConfig(auth_plain=True, starttls=True, cleartext_login=False)
    )
    locked.outbox.data_to_send()
    assert b"AUTH=PLAIN" not in send(locked, "h CAPABILITY")
    assert send(locked, f"i AUTHENTICATE PLAIN {token}").startswith(b"i NO [PRIVACYREQUIRED]")


def test_enable_imap4rev2_switches_to_rev2_response_forms() -> None:
    engine = logged_in()
    assert send(engine, "a ENABLE IMAP4rev2") == b"* ENABLED IMAP4rev2\r\na OK ENABLE completed\r\n"
    assert send(engine, "b ENABLE IMAP4rev2") == b"* ENABLED\r\nb OK ENABLE completed\r\n"
    assert send(engine, "c SELECT INBOX").endswith(
        b'* LIST () "/" INBOX\r\nc OK [READ-WRITE] SELECT completed\r\n'
    )
    send(engine, "d STORE 2:3 +FLAGS.SILENT (\\Seen)")
    assert (
        send(engine, "e SEARCH SEEN") == b'* ESEARCH (TAG "e") ALL 2:3\r\ne OK SEARCH completed\r\n'
    )
    assert send(engine, "f UID SEARCH UNSEEN") == (
        b'* ESEARCH (TAG "f") UID ALL 1,4:5\r\nf OK UID SEARCH completed\r\n'
    )
    assert send(engine, "g SEARCH DELETED") == b'* ESEARCH (TAG "g")\r\ng OK SEARCH completed\r\n'


def test_header_fields_not_and_nested_message_sections() -> None:
    engine = selected()
    out = send(
        engine,
        "a FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (Date Message-ID Content-Type "
        "Content-Transfer-Encoding MIME-Version)]",
    )
    rest = (
        b"From: Alice Example <alice@example.org>\r\nTo: Bob Example <bob@example.org>\r\n"
        b"Subject: Note 1\r\n\r\n"
    )
    assert out.endswith(b"{%d}\r\n" % len(rest) + rest + b")\r\na OK FETCH completed\r\n")
    inner = b"Subject: inner\r\nFrom: x@y\r\n\r\ninner body\r\n"
    raw = (
        b"Subject: outer\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\n"
        b"Content-Type: text/plain\r\n\r\nhello\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\n"
        + inner
        + b"\r\n--XX--\r\n"
    )
    send(engine, b"b APPEND INBOX {%d+}\r\n" % len(raw) + raw + b"\r\n")
    out = send(engine, "c FETCH 6 (BODY.PEEK[2.HEADER] BODY.PEEK[2.TEXT] BODY.PEEK[1.MIME])")
    assert out == (
        b"* 6 FETCH (BODY[2.HEADER] {29}\r\nSubject: inner\r\nFrom: x@y\r\n\r\n"
        b" BODY[2.TEXT] {12}\r\ninner body\r\n"
        b" BODY[1.MIME] {28}\r\nContent-Type: text/plain\r\n\r\n)\r\n"
        b"c OK FETCH completed\r\n"
    )
    parsed = parse_responses(send(engine, "d FETCH 6 BODYSTRUCTURE"))
    parts = parts_of(fetch_items(parsed[0])[1]["BODYSTRUCTURE"])  # type: ignore[index]
    assert [(p.section, p.media_type, p.size) for p in parts] == [
        ("1", "text/plain", 5),
        ("2", "message/rfc822", len(inner)),
    ]  # CRLF + "--XX" delimits
