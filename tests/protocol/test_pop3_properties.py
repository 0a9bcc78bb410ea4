"""Property tests of the POP3 engine: any input gets a defined reply, chunking never matters,
over-long lines are refused, and RETR/TOP put exactly the counted, correctly stuffed bytes on the
wire."""

from __future__ import annotations

import itertools
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.protocol.examples import RFC1939_MESSAGE_1, RFC1939_MESSAGE_2
from sim.protocol.message import Message, line_split
from sim.protocol.pop3 import (
    MAX_COMMAND_LINE,
    AuthFailed,
    ErrorKind,
    LockRefused,
    Pop3Command,
    Pop3Config,
    Pop3Server,
    Pop3State,
    ProtocolError,
    apop_digest,
)
from sim.protocol.store import Store

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOTTED = b"Subject: dots\r\n\r\n.hidden\r\nplain\r\n.\r\n"
CONFIG = Pop3Config(tls_available=True)
DIGEST = apop_digest("<0.0@pop.lab.example>", "secret")


def make_store() -> Store:
    store = Store()
    store.add_account("mrose", "secret")
    for data in (RFC1939_MESSAGE_1, RFC1939_MESSAGE_2, DOTTED):
        store.deliver("mrose", Message.from_bytes(data))
    return store


keywords = st.sampled_from([c.value for c in Pop3Command] + ["stat", "Retr", "XTND", "AUTH"])
arguments = st.sampled_from(
    [
        "",
        " 1",
        " 2",
        " 3",
        " 4",
        " 0",
        " 1 0",
        " 2 3",
        " 3 999",
        " 99999999999999",
        " -1",
        " x",
        " mrose",
        " secret",
        " 1 2 3",
        f" mrose {DIGEST}",
        "  1",
        " 1 ",
    ]
)
command_line = st.builds(
    lambda k, a, lf: (k + a).encode() + lf, keywords, arguments, st.sampled_from([b"\r\n", b"\n"])
)
login = st.just([b"USER mrose\r\n", b"PASS secret\r\n"])
garbage_line = st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"") + b"\r\n")
long_line = st.integers(MAX_COMMAND_LINE - 1, 700).map(lambda n: b"N" * n + b"\r\n")
lines = st.lists(
    st.one_of(command_line, command_line, login.map(b"".join), garbage_line, long_line), max_size=25
)


def status_lines_ok(out: bytes) -> bool:
    return all(len(line) + 2 <= 512 for line in out.split(b"\r\n"))


@SETTINGS
@given(lines)
def test_every_line_gets_one_defined_reply(sequence: list[bytes]) -> None:
    store = make_store()
    engine = Pop3Server(store, CONFIG)
    assert engine.outbox.data_to_send().startswith(b"+OK ")
    for chunk in sequence:
        for line in re.findall(rb"[^\n]*\n", chunk):
            if engine.closed:
                assert engine.receive_data(line) == []
                assert engine.outbox.data_to_send() == b""
                continue
            if engine.awaiting_tls:
                engine.tls_started()
            events = engine.receive_data(line)
            out = engine.outbox.data_to_send()
            assert out.startswith((b"+OK", b"-ERR")), (line, out)
            assert out.endswith(b"\r\n") and status_lines_ok(out)
            refused = any(isinstance(e, (ProtocolError, AuthFailed, LockRefused)) for e in events)
            assert out.startswith(b"-ERR") == refused
            assert engine.state in Pop3State
            if engine.state is Pop3State.TRANSACTION:
                assert store.accounts["mrose"].pop3_lock is engine
    if not engine.closed:
        engine.connection_lost()
        assert len(store.accounts["mrose"].inbox.messages) == 3  # a drop deletes nothing
    assert store.accounts["mrose"].pop3_lock is None


def run(pieces: list[bytes]) -> tuple[list, bytes, list[int]]:
    store = make_store()
    engine = Pop3Server(store, CONFIG)
    events = []
    for piece in pieces:
        events += engine.receive_data(piece)
    uids = [m.uid for m in store.accounts["mrose"].inbox.messages]
    return events, engine.outbox.data_to_send(), uids


@SETTINGS
@given(lines, st.lists(st.integers(0, 4000), max_size=20))
def test_chunking_never_changes_events_or_output(sequence: list[bytes], cuts: list[int]) -> None:
    data = b"".join(sequence)
    whole = run([data])
    assert run([data[i : i + 1] for i in range(len(data))]) == whole
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    assert run([data[a:b] for a, b in itertools.pairwise(bounds)]) == whole


@SETTINGS
@given(
    st.integers(MAX_COMMAND_LINE - 1, 5000), st.binary(min_size=1, max_size=50), st.integers(1, 300)
)
def test_overlong_lines_refused_then_recovery(length: int, filler: bytes, step: int) -> None:
    body = (filler.replace(b"\n", b"x") * (length // len(filler) + 1))[:length]
    engine = Pop3Server(make_store(), CONFIG)
    engine.outbox.data_to_send()
    data = body + b"\r\nUSER mrose\r\n"
    events = []
    for i in range(0, len(data), step):
        events += engine.receive_data(data[i : i + step])
        assert len(engine._buffer) <= MAX_COMMAND_LINE
    out = engine.outbox.data_to_send()
    assert out == b"-ERR line too long (max 255 octets)\r\n+OK send PASS\r\n"
    assert events[0] == ProtocolError(
        ErrorKind.LINE_TOO_LONG, None, "line too long (max 255 octets)"
    )


def unstuff(multiline: bytes) -> bytes:
    """What a client recovers from a multi-line reply body (status line already removed)."""
    assert multiline.endswith(b"\r\n.\r\n") or multiline == b".\r\n"
    content = multiline[:-3]
    return b"\r\n".join(ln[1:] if ln.startswith(b".") else ln for ln in content.split(b"\r\n"))


message_bytes = st.lists(
    st.sampled_from(
        [
            b".",
            b"..",
            b"a",
            b"Subject: x",
            b"",
            b" folded",
            b"From: y",
            b"\r",
            b".",
            b"+OK forged",
            b".\n+OK forged",
        ]
    ),
    max_size=14,
).flatmap(
    lambda parts: st.sampled_from([b"\r\n", b"\n", b"\r"]).flatmap(
        lambda end: st.sampled_from([end.join(parts), end.join(parts) + end])
    )
)


@SETTINGS
@given(message_bytes, st.integers(0, 12))
def test_retr_and_top_wire_bytes_are_exact_and_recoverable(data: bytes, lines: int) -> None:
    msg = Message.from_bytes(data)
    assert msg.size == len(data)
    store = Store()
    store.add_account("u", "p")
    store.deliver("u", msg)
    engine = Pop3Server(store)
    engine.receive_data(b"USER u\r\nPASS p\r\n")
    engine.outbox.data_to_send()
    for command, expected in (
        (b"RETR 1\r\n", data),
        (f"TOP 1 {lines}\r\n".encode(), data[: msg.top_size(lines)]),
    ):
        engine.receive_data(command)
        counts = engine.outbox.peek_counts()
        wire = engine.outbox.data_to_send()
        assert counts.total == len(wire)
        status, _, rest = wire.partition(b"\r\n")
        assert status.startswith(b"+OK")
        # every line ends CRLF and the only lone "." line is the terminator, whatever the stored
        # line ends (bare LF or CR) were: nothing of the message can pass for a server reply
        assert b"\r" not in rest.replace(b"\r\n", b"") and b"\n" not in rest.replace(b"\r\n", b"")
        assert rest.split(b"\r\n").index(b".") == len(rest.split(b"\r\n")) - 2
        assert unstuff(rest) == b"".join(line + b"\r\n" for line in line_split(expected))
