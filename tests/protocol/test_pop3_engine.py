"""POP3 server engine: RFC examples byte for byte, the state table, deletion, locking, UIDL, TOP."""

from __future__ import annotations

import hashlib

import pytest

from sim.protocol.examples import (
    RFC1939_DIGEST,
    RFC1939_MESSAGE_1,
    RFC1939_MESSAGE_2,
    RFC1939_SECRET,
    RFC1939_TIMESTAMP,
    rfc1939_config,
    rfc1939_store,
    rfc2449_capa_config,
    session_rfc1939,
    session_rfc2449_capa,
)
from sim.protocol.message import Message, synthesize
from sim.protocol.pop3 import (
    LEGAL_COMMANDS,
    Authenticated,
    AuthFailed,
    AuthMethod,
    CloseReason,
    CommandReceived,
    ErrorKind,
    LockRefused,
    MarkedDeleted,
    MarksCleared,
    MessageRetrieved,
    MessagesExpunged,
    Pop3Command,
    Pop3Config,
    Pop3Server,
    Pop3State,
    ProtocolError,
    SessionClosed,
    StateChanged,
    TlsRequested,
    TlsStarted,
    apop_digest,
)
from sim.protocol.store import Store

DOTTED = b"Subject: dots\r\n\r\n.hidden\r\nplain\r\n..two\r\n.\r\nend\r\n"


def make_store(*messages: bytes, user: str = "mrose", password: str = "secret") -> Store:
    store = Store()
    store.add_account(user, password)
    for data in messages:
        store.deliver(user, Message.from_bytes(data))
    return store


def rfc_store() -> Store:
    return make_store(RFC1939_MESSAGE_1, RFC1939_MESSAGE_2)


def send(engine: Pop3Server, line: bytes | str) -> tuple[list, bytes]:
    raw = line.encode() + b"\r\n" if isinstance(line, str) else line
    events = engine.receive_data(raw)
    return events, engine.outbox.data_to_send()


def logged_in(store: Store | None = None, **config: object) -> Pop3Server:
    engine = Pop3Server(store if store is not None else rfc_store(), Pop3Config(**config))
    engine.outbox.data_to_send()
    send(engine, "USER mrose")
    _, reply = send(engine, "PASS secret")
    assert reply.startswith(b"+OK"), reply
    return engine


# -- RFC examples, byte for byte ------------------------------------------------------------------


def test_rfc1939_messages_have_the_rfc_sizes() -> None:
    assert len(RFC1939_MESSAGE_1) == 120 and Message.from_bytes(RFC1939_MESSAGE_1).size == 120
    assert len(RFC1939_MESSAGE_2) == 200 and Message.from_bytes(RFC1939_MESSAGE_2).size == 200
    assert hashlib.md5((RFC1939_TIMESTAMP + RFC1939_SECRET).encode()).hexdigest() == RFC1939_DIGEST
    assert apop_digest(RFC1939_TIMESTAMP, RFC1939_SECRET) == RFC1939_DIGEST


def test_rfc1939_section10_byte_for_byte() -> None:
    rec = session_rfc1939(render=True)
    assert rec.client_bytes == 95
    assert rec.server_bytes == 620
    counts = rec.server_counts
    assert counts.framing == 300
    assert counts.header + counts.body + counts.attachment == 320
    expected = [
        (b"", b"+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"),
        (
            b"APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n",
            b"+OK mrose's maildrop has 2 messages (320 octets)\r\n",
        ),
        (b"STAT\r\n", b"+OK 2 320\r\n"),
        (b"LIST\r\n", b"+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n"),
        (b"RETR 1\r\n", b"+OK 120 octets\r\n" + RFC1939_MESSAGE_1 + b".\r\n"),
        (b"DELE 1\r\n", b"+OK message 1 deleted\r\n"),
        (b"RETR 2\r\n", b"+OK 200 octets\r\n" + RFC1939_MESSAGE_2 + b".\r\n"),
        (b"DELE 2\r\n", b"+OK message 2 deleted\r\n"),
        (b"QUIT\r\n", b"+OK dewey POP3 server signing off (maildrop empty)\r\n"),
    ]
    assert [(e.client, e.server) for e in rec.exchanges] == expected
    assert [e.round_trips for e in rec.exchanges] == [0] + [1] * 8


def test_rfc1939_counts_only_equal_rendered() -> None:
    lean, full = session_rfc1939(render=False), session_rfc1939(render=True)
    assert (lean.client_bytes, lean.server_bytes) == (95, 620)
    assert [e.server_counts for e in lean.exchanges] == [e.server_counts for e in full.exchanges]


def test_rfc1939_session_empties_the_maildrop() -> None:
    store = rfc1939_store()
    engine = Pop3Server(store, rfc1939_config())
    from sim.protocol.examples import RFC1939_COMMANDS

    events = []
    for line in RFC1939_COMMANDS:
        events += send(engine, line)[0]
    assert store.accounts["mrose"].inbox.messages == []
    assert MessagesExpunged((1, 2)) in events
    assert events[-1] == SessionClosed(CloseReason.QUIT, 2)
    assert engine.closed and engine.state is Pop3State.UPDATE
    assert store.accounts["mrose"].pop3_lock is None


def test_exact_sizes_of_user_pass_stat() -> None:
    engine = Pop3Server(rfc_store())
    engine.outbox.data_to_send()
    assert len(b"USER mrose\r\n") == 12
    _, reply = send(engine, b"USER mrose\r\n")
    assert reply == b"+OK send PASS\r\n"
    assert len(b"PASS secret\r\n") == 13
    events, reply = send(engine, b"PASS secret\r\n")
    assert reply == b"+OK mrose's maildrop has 2 messages (320 octets)\r\n"
    assert events == [
        CommandReceived(Pop3Command.PASS, ("***",)),
        StateChanged(Pop3State.AUTHORIZATION, Pop3State.TRANSACTION),
        Authenticated("mrose", AuthMethod.USER_PASS, 2, 320),
    ]
    _, reply = send(engine, b"STAT\r\n")
    assert reply == b"+OK 2 320\r\n" and len(reply) == 11


def test_rfc2449_capa_example_is_165_octets() -> None:
    rec = session_rfc2449_capa()
    capa = rec.exchanges[1]
    assert capa.client == b"CAPA\r\n"
    assert capa.server == (
        b"+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL CRAM-MD5 KERBEROS_V4\r\n"
        b"RESP-CODES\r\nLOGIN-DELAY 900\r\nPIPELINING\r\nEXPIRE 60\r\nUIDL\r\n"
        b"IMPLEMENTATION Shlemazle-Plotz-v302\r\n.\r\n"
    )
    assert capa.server_bytes == 165
    assert rfc2449_capa_config().expire == 60


@pytest.mark.parametrize(
    "expire, line",
    [(0, b"EXPIRE 0\r\n"), (14, b"EXPIRE 14\r\n"), ("NEVER", b"EXPIRE NEVER\r\n"), (None, None)],
)
def test_capa_expire_values(expire: object, line: bytes | None) -> None:
    engine = Pop3Server(Store(), Pop3Config(expire=expire))  # type: ignore[arg-type]
    _, reply = send(engine, "CAPA")
    if line is None:
        assert b"EXPIRE" not in reply
    else:
        assert line in reply


def test_stls_listed_only_before_login_and_before_tls() -> None:
    engine = Pop3Server(rfc_store(), Pop3Config(tls_available=True))
    _, reply = send(engine, "CAPA")
    assert reply.endswith(b"STLS\r\n.\r\n")
    engine = logged_in(tls_available=True)
    _, reply = send(engine, "CAPA")
    assert b"STLS" not in reply and b"USER\r\n" in reply
    _, reply = send(Pop3Server(Store()), "CAPA")
    assert b"STLS" not in reply


# -- the state table ------------------------------------------------------------------------------

LINES = {
    Pop3Command.USER: "USER mrose",
    Pop3Command.PASS: "PASS secret",
    Pop3Command.APOP: "APOP mrose " + apop_digest("<0.0@pop.lab.example>", "secret"),
    Pop3Command.STAT: "STAT",
    Pop3Command.LIST: "LIST",
    Pop3Command.RETR: "RETR 1",
    Pop3Command.DELE: "DELE 1",
    Pop3Command.NOOP: "NOOP",
    Pop3Command.RSET: "RSET",
    Pop3Command.TOP: "TOP 1 0",
    Pop3Command.UIDL: "UIDL",
    Pop3Command.QUIT: "QUIT",
    Pop3Command.CAPA: "CAPA",
    Pop3Command.STLS: "STLS",
    Pop3Command.AUTH: "AUTH PLAIN AG1yb3NlAHNlY3JldA==",
}
A, T, U = Pop3State.AUTHORIZATION, Pop3State.TRANSACTION, Pop3State.UPDATE
# (state, command) -> state after, written out from RFC 1939 §4-§6, RFC 2449, RFC 2595, RFC 5034
EXPECTED_LEGAL = {
    (A, Pop3Command.USER): A,
    (A, Pop3Command.PASS): T,
    (A, Pop3Command.APOP): T,
    (A, Pop3Command.QUIT): A,
    (A, Pop3Command.CAPA): A,
    (A, Pop3Command.STLS): A,
    (A, Pop3Command.AUTH): T,
    (T, Pop3Command.STAT): T,
    (T, Pop3Command.LIST): T,
    (T, Pop3Command.RETR): T,
    (T, Pop3Command.DELE): T,
    (T, Pop3Command.NOOP): T,
    (T, Pop3Command.RSET): T,
    (T, Pop3Command.TOP): T,
    (T, Pop3Command.UIDL): T,
    (T, Pop3Command.CAPA): T,
    (T, Pop3Command.QUIT): U,
}


def test_every_command_has_a_handler() -> None:
    from sim.protocol.pop3 import _HANDLERS

    assert set(_HANDLERS) == set(Pop3Command)


def test_legal_table_matches_the_rfcs() -> None:
    for state in Pop3State:
        legal = {c for (s, c) in EXPECTED_LEGAL if s is state}
        assert LEGAL_COMMANDS[state] == legal


def engine_in(state: Pop3State) -> Pop3Server:
    if state is A:
        engine = Pop3Server(rfc_store(), Pop3Config(tls_available=True, sasl_plain=True))
        engine.outbox.data_to_send()
        return engine
    return logged_in(tls_available=True)


def observable(engine: Pop3Server) -> tuple:
    return (
        engine.state,
        engine.closed,
        engine.awaiting_tls,
        engine.message_count,
        engine.marked,
        engine._pending_user,
    )


@pytest.mark.parametrize("state", [A, T])
@pytest.mark.parametrize("command", list(Pop3Command))
def test_every_command_in_every_state(state: Pop3State, command: Pop3Command) -> None:
    engine = engine_in(state)
    if state is A and command is Pop3Command.PASS:
        send(engine, "USER mrose")
    before = observable(engine)
    events, reply = send(engine, LINES[command])
    assert events[0] == CommandReceived(command, events[0].args)
    if (state, command) in EXPECTED_LEGAL:
        assert reply.startswith(b"+OK"), reply
        assert engine.state is EXPECTED_LEGAL[(state, command)]
        assert engine.closed == (command is Pop3Command.QUIT)
        assert engine.awaiting_tls == (command is Pop3Command.STLS)
    else:
        assert reply == (f"-ERR {command.value} not allowed in {state.value} state\r\n").encode()
        assert events[1:] == [ProtocolError(ErrorKind.WRONG_STATE, command, reply[5:-2].decode())]
        assert observable(engine) == before


def test_update_state_takes_no_more_input() -> None:
    engine = logged_in()
    send(engine, "QUIT")
    assert engine.state is U and engine.closed
    for line in LINES.values():
        assert send(engine, line) == ([], b"")
    assert engine.connection_lost() == []


def test_quit_in_authorization_closes_without_update() -> None:
    store = rfc_store()
    engine = Pop3Server(store, Pop3Config(hostname="dewey"))
    engine.outbox.data_to_send()
    events, reply = send(engine, "QUIT")
    assert reply == b"+OK dewey POP3 server signing off\r\n"
    assert events[-1] == SessionClosed(CloseReason.QUIT, 0)
    assert engine.state is A and engine.closed


# -- deletion, RSET, locking ----------------------------------------------------------------------


def test_dele_only_marks_and_quit_removes() -> None:
    store = rfc_store()
    engine = logged_in(store)
    events, reply = send(engine, "DELE 1")
    assert reply == b"+OK message 1 deleted\r\n"
    assert events[-1] == MarkedDeleted(1, 1)
    assert send(engine, "STAT")[1] == b"+OK 1 200\r\n"
    assert send(engine, "LIST")[1] == b"+OK 1 message (200 octets)\r\n2 200\r\n.\r\n"
    assert send(engine, "LIST 1")[1] == b"-ERR message 1 already deleted\r\n"
    assert send(engine, "RETR 1")[1] == b"-ERR message 1 already deleted\r\n"
    assert send(engine, "DELE 1")[1] == b"-ERR message 1 already deleted\r\n"
    assert send(engine, "UIDL")[1] == b"+OK unique-id listing follows\r\n2 1.2\r\n.\r\n"
    assert len(store.accounts["mrose"].inbox.messages) == 2  # nothing removed yet
    events, reply = send(engine, "QUIT")
    assert reply == b"+OK pop.lab.example POP3 server signing off (1 message left)\r\n"
    assert events == [
        CommandReceived(Pop3Command.QUIT, ()),
        StateChanged(T, U),
        MessagesExpunged((1,)),
        SessionClosed(CloseReason.QUIT, 1),
    ]
    assert [m.uid for m in store.accounts["mrose"].inbox.messages] == [2]


def test_dropped_session_deletes_nothing_and_frees_the_lock() -> None:
    store = rfc_store()
    engine = logged_in(store)
    send(engine, "DELE 1")
    send(engine, "DELE 2")
    assert engine.connection_lost() == [SessionClosed(CloseReason.CONNECTION_LOST, 0)]
    inbox = store.accounts["mrose"].inbox
    assert [m.uid for m in inbox.messages] == [1, 2]
    assert store.accounts["mrose"].pop3_lock is None
    again = logged_in(store)
    assert send(again, "STAT")[1] == b"+OK 2 320\r\n"


def test_rset_unmarks() -> None:
    store = rfc_store()
    engine = logged_in(store)
    send(engine, "DELE 2")
    send(engine, "DELE 1")
    events, reply = send(engine, "RSET")
    assert reply == b"+OK maildrop has 2 messages (320 octets)\r\n"
    assert events[-1] == MarksCleared((1, 2))
    assert send(engine, "STAT")[1] == b"+OK 2 320\r\n"
    send(engine, "QUIT")
    assert len(store.accounts["mrose"].inbox.messages) == 2


def test_second_session_refused_while_locked() -> None:
    store = rfc_store()
    first = logged_in(store)
    second = Pop3Server(store, Pop3Config(), connection_id=7)
    assert second.outbox.data_to_send() == b"+OK POP3 server ready <7.0@pop.lab.example>\r\n"
    send(second, "USER mrose")
    events, reply = send(second, "PASS secret")
    assert reply == b"-ERR [IN-USE] maildrop already locked\r\n"
    assert events[-1] == LockRefused("mrose")
    assert second.state is A
    digest = apop_digest("<7.0@pop.lab.example>", "secret")
    assert send(second, f"APOP mrose {digest}")[1] == b"-ERR [IN-USE] maildrop already locked\r\n"
    assert second.state is A
    send(first, "QUIT")
    events, reply = send(second, f"APOP mrose {digest.upper()}")
    assert reply == b"+OK mrose's maildrop has 2 messages (320 octets)\r\n"
    assert events[-1] == Authenticated("mrose", AuthMethod.APOP, 2, 320)


def test_failed_logins() -> None:
    engine = Pop3Server(rfc_store())
    engine.outbox.data_to_send()
    assert send(engine, "PASS secret")[1] == b"-ERR send USER first\r\n"
    send(engine, "USER mrose")
    events, reply = send(engine, "PASS wrong")
    assert reply == b"-ERR [AUTH] invalid user name or password\r\n"
    assert events[-1] == AuthFailed("mrose", AuthMethod.USER_PASS)
    assert send(engine, "PASS secret")[1] == b"-ERR send USER first\r\n"  # USER is forgotten
    events, _ = send(engine, "APOP mrose " + "0" * 32)
    assert events[-1] == AuthFailed("mrose", AuthMethod.APOP)
    events, _ = send(engine, "APOP nobody " + "0" * 32)
    assert events[-1] == AuthFailed("nobody", AuthMethod.APOP)
    assert send(engine, "APOP mrose xyz")[1] == b"-ERR usage: APOP name digest\r\n"
    assert engine.state is A
    no_apop = Pop3Server(rfc_store(), Pop3Config(apop=False))
    assert no_apop.outbox.data_to_send() == b"+OK POP3 server ready\r\n"
    assert send(no_apop, "APOP mrose " + "0" * 32)[1] == b"-ERR APOP not available\r\n"
    no_user = Pop3Server(rfc_store(), Pop3Config(user_command=False))
    no_user.outbox.data_to_send()
    assert send(no_user, "USER mrose")[1] == b"-ERR USER not available, use APOP\r\n"


def test_password_with_spaces_is_one_argument() -> None:
    store = make_store(RFC1939_MESSAGE_1, password="two words")
    engine = Pop3Server(store)
    send(engine, "USER mrose")
    assert send(engine, "PASS two words")[1].startswith(b"+OK mrose's maildrop has 1 message ")


# -- UIDL, TOP, stuffing --------------------------------------------------------------------------


def uidl_map(engine: Pop3Server) -> dict[int, str]:
    reply = send(engine, "UIDL")[1]
    lines = reply.split(b"\r\n")[1:-2]
    return {int(n): u.decode() for n, u in (ln.split(b" ") for ln in lines)}


def test_uidl_stable_across_sessions() -> None:
    store = make_store(RFC1939_MESSAGE_1, RFC1939_MESSAGE_2, DOTTED)
    first = logged_in(store)
    ids = uidl_map(first)
    assert ids == {1: "1.1", 2: "1.2", 3: "1.3"}
    for uid in ids.values():
        assert 1 <= len(uid) <= 70 and all(0x21 <= ord(c) <= 0x7E for c in uid)
    assert send(first, "UIDL 2")[1] == b"+OK 2 1.2\r\n"
    send(first, "DELE 1")
    send(first, "QUIT")
    store.deliver("mrose", Message.from_bytes(RFC1939_MESSAGE_1))
    second = logged_in(store)
    assert uidl_map(second) == {1: "1.2", 2: "1.3", 3: "1.4"}  # numbers shift, ids do not
    assert second.unique_id(1) == "1.2"


def test_top_sizes() -> None:
    msg = synthesize(seed=5, text_size=1000)
    store = Store()
    store.add_account("mrose", "secret")
    store.deliver("mrose", msg)
    engine = logged_in(store)
    for lines, expected in [(0, msg.header_size), (3, msg.top_size(3)), (10**9, msg.size)]:
        engine.receive_data(f"TOP 1 {lines}\r\n".encode())
        counts = engine.outbox.peek_counts()
        data = engine.outbox.data_to_send()
        status = b"+OK top of message follows\r\n"
        assert data == status + msg.render()[:expected] + b".\r\n"
        assert counts.total == len(status) + expected + 3
        assert counts.framing == len(status) + 3
    assert msg.top_size(3) == msg.header_size + 3 * 74
    assert send(engine, "TOP 1 -1")[1] == b"-ERR invalid line count (allowed 0..999999999999)\r\n"
    assert send(engine, "TOP 1")[1] == b"-ERR usage: TOP msg n\r\n"
    assert send(engine, "TOP 9 0")[1] == b"-ERR no such message\r\n"
    events, _ = send(engine, "TOP 1 0")
    assert events[-1] == MessageRetrieved(1, 1, msg.header_size, 0)


def test_stuffing_of_dot_lines() -> None:
    store = make_store(DOTTED)
    engine = logged_in(store)
    size = len(DOTTED)
    assert send(engine, "LIST 1")[1] == f"+OK 1 {size}\r\n".encode()  # unstuffed size
    engine.receive_data(b"RETR 1\r\n")
    counts = engine.outbox.peek_counts()
    wire = engine.outbox.data_to_send()
    status = f"+OK {size} octets\r\n".encode()
    dots = 3  # ".hidden", "..two" and "." start with '.'
    assert wire == (
        status + b"Subject: dots\r\n\r\n..hidden\r\nplain\r\n...two\r\n..\r\nend\r\n" + b".\r\n"
    )
    assert len(wire) == counts.total == len(status) + size + dots + 3
    assert Message.from_bytes(DOTTED).dot_lines == 3
    assert len(wire) == len(status) + size + Message.from_bytes(DOTTED).dot_lines + 3


def test_message_without_final_crlf_gets_one_before_the_terminator() -> None:
    for data in (b"Subject: x\r\n\r\nno newline", b"Subject: x\r\n\r\nends with dot\r\n.", b"x"):
        engine = logged_in(make_store(data))
        wire = send(engine, "RETR 1")[1]
        body = wire.split(b"\r\n", 1)[1]
        stuffed = b"\r\n".join(
            b"." + ln if ln.startswith(b".") else ln for ln in data.split(b"\r\n")
        )
        assert body == stuffed + b"\r\n.\r\n"


def test_empty_message() -> None:
    engine = logged_in(make_store(b""))
    assert send(engine, "RETR 1")[1] == b"+OK 0 octets\r\n.\r\n"


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, reply, kind",
    [
        (b"\r\n", b"-ERR empty command\r\n", ErrorKind.EMPTY_LINE),
        (b"   \r\n", b"-ERR empty command\r\n", ErrorKind.EMPTY_LINE),
        (b"FOO bar\r\n", b"-ERR unknown command FOO\r\n", ErrorKind.UNKNOWN_COMMAND),
        (b" STAT\r\n", b"-ERR unknown command (blank)\r\n", ErrorKind.UNKNOWN_COMMAND),
        (
            b"ST\xc3\x84T\r\n",
            b"-ERR command contains non-printable or non-ASCII octets\r\n",
            ErrorKind.BAD_OCTETS,
        ),
        (
            b"STAT\x00\r\n",
            b"-ERR command contains non-printable or non-ASCII octets\r\n",
            ErrorKind.BAD_OCTETS,
        ),
        (b"RETR\r\n", b"-ERR usage: RETR msg\r\n", ErrorKind.BAD_ARGUMENTS),
        (b"RETR x\r\n", b"-ERR invalid message number\r\n", ErrorKind.BAD_ARGUMENTS),
        (b"RETR +1\r\n", b"-ERR invalid message number\r\n", ErrorKind.BAD_ARGUMENTS),
        (b"RETR 0\r\n", b"-ERR no such message\r\n", ErrorKind.NO_SUCH_MESSAGE),
        (b"RETR 999999999999\r\n", b"-ERR no such message\r\n", ErrorKind.NO_SUCH_MESSAGE),
        (b"RETR 9999999999999\r\n", b"-ERR invalid message number\r\n", ErrorKind.BAD_ARGUMENTS),
        (b"STAT 1\r\n", b"-ERR usage: STAT\r\n", ErrorKind.BAD_ARGUMENTS),
        (b"LIST 1 2\r\n", b"-ERR usage: LIST [msg]\r\n", ErrorKind.BAD_ARGUMENTS),
    ],
)
def test_bad_lines_in_transaction(line: bytes, reply: bytes, kind: ErrorKind) -> None:
    engine = logged_in()
    events, out = send(engine, line)
    assert out == reply
    assert events[-1] == ProtocolError(kind, events[-1].command, reply[5:-2].decode())
    assert engine.state is T
    assert send(engine, "STAT")[1] == b"+OK 2 320\r\n"


def test_lowercase_commands_and_bare_lf_accepted() -> None:
    engine = logged_in()
    assert send(engine, b"stat\n")[1] == b"+OK 2 320\r\n"
    assert send(engine, b"list 2\r\n")[1] == b"+OK 2 200\r\n"


def test_overlong_line_refused_and_engine_recovers() -> None:
    engine = Pop3Server(rfc_store())
    engine.outbox.data_to_send()
    ok_line = b"USER " + b"a" * 248 + b"\r\n"  # 255 octets: the longest allowed
    assert len(ok_line) == 255
    assert send(engine, ok_line)[1] == b"+OK send PASS\r\n"
    long_line = b"USER " + b"a" * 249 + b"\r\n"
    events, reply = send(engine, long_line)
    assert reply == b"-ERR line too long (max 255 octets)\r\n"
    assert events == [ProtocolError(ErrorKind.LINE_TOO_LONG, None, reply[5:-2].decode())]
    # a megabyte without a line end is never buffered; one reply when the line finally ends
    for _ in range(1000):
        assert engine.receive_data(b"x" * 1000) == []
        assert len(engine._buffer) <= 255
    assert send(engine, b"\r\nUSER mrose\r\nPASS secret\r\n")[1] == (
        b"-ERR line too long (max 255 octets)\r\n+OK send PASS\r\n"
        b"+OK mrose's maildrop has 2 messages (320 octets)\r\n"
    )


def test_pipelined_commands_answered_in_order() -> None:
    engine = Pop3Server(rfc_store())
    engine.outbox.data_to_send()
    _, out = send(engine, b"USER mrose\r\nPASS secret\r\nSTAT\r\nQUIT\r\nSTAT\r\n")
    assert out == (
        b"+OK send PASS\r\n+OK mrose's maildrop has 2 messages (320 octets)\r\n"
        b"+OK 2 320\r\n+OK pop.lab.example POP3 server signing off (2 messages left)"
        b"\r\n"
    )


# -- STLS -----------------------------------------------------------------------------------------


def test_stls_upgrade_resets_and_discards_injected_commands() -> None:
    engine = Pop3Server(rfc_store(), Pop3Config(tls_available=True))
    engine.outbox.data_to_send()
    send(engine, "USER mrose")
    events, reply = send(engine, b"STLS\r\nPASS secret\r\n")  # injected plaintext after STLS
    assert reply == b"+OK Begin TLS negotiation\r\n"
    assert events == [CommandReceived(Pop3Command.STLS, ()), TlsRequested()]
    assert engine.receive_data(b"STAT\r\n") == [] and engine.outbox.data_to_send() == b""
    assert engine.tls_started() == [TlsStarted()]
    assert engine.tls_active and engine.state is A
    assert send(engine, "PASS secret")[1] == b"-ERR send USER first\r\n"  # fresh AUTHORIZATION
    _, capa = send(engine, "CAPA")
    assert b"STLS" not in capa
    assert send(engine, "STLS")[1] == b"-ERR command not permitted when TLS active\r\n"
    with pytest.raises(RuntimeError):
        engine.tls_started()
    assert send(Pop3Server(Store()), "STLS")[1].endswith(b"-ERR STLS not available\r\n")


# -- config validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"expire": -1}, "expire"),
        ({"expire": "SOMETIMES"}, "expire"),
        ({"expire": True}, "expire"),
        ({"hostname": "has space"}, "hostname"),
        ({"hostname": ""}, "hostname"),
        ({"greeting": "é"}, "greeting"),
        ({"greeting": "x" * 301}, "greeting"),
        ({"apop_timestamp": "no-brackets"}, "apop_timestamp"),
        ({"login_delay": -5}, "login_delay"),
        ({"extra_capabilities": ("TOP",)}, "extra_capabilities"),
        ({"extra_capabilities": ["SASL PLAIN"]}, "extra_capabilities"),
    ],
)
def test_config_validation_names_the_field(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        Pop3Config(**kwargs)


def test_engine_rejects_bad_connection_id() -> None:
    with pytest.raises(ValueError, match="connection_id"):
        Pop3Server(Store(), connection_id=-1)


def test_status_lines_bounded_by_512() -> None:
    engine = Pop3Server(
        Store(),
        Pop3Config(greeting="g" * 300, hostname="h" * 64, apop_timestamp="<" + "t" * 98 + ">"),
    )
    greeting = engine.outbox.data_to_send()
    assert len(greeting) <= 512 and greeting.endswith(b">\r\n")


def test_session_works_on_a_snapshot_taken_at_login() -> None:
    store = rfc_store()
    engine = logged_in(store)
    store.deliver("mrose", Message.from_bytes(DOTTED))  # arrives during the session
    assert send(engine, "STAT")[1] == b"+OK 2 320\r\n"
    assert send(engine, "RETR 3")[1] == b"-ERR no such message\r\n"
    store.accounts["mrose"].inbox.expunge([2])  # another client (IMAP) removed message 2
    assert send(engine, "RETR 2")[1].startswith(b"+OK 200 octets\r\n")  # still served
    send(engine, "DELE 1")
    send(engine, "DELE 2")
    events, reply = send(engine, "QUIT")
    assert MessagesExpunged((1,)) in events and events[-1] == SessionClosed(CloseReason.QUIT, 1)
    assert reply.endswith(b"(1 message left)\r\n")
    again = logged_in(store)
    assert (
        send(again, "LIST")[1]
        == f"+OK 1 message ({len(DOTTED)} octets)\r\n1 {len(DOTTED)}\r\n.\r\n".encode()
    )
