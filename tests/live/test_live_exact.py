"""The adapter moves bytes and nothing else: what a socket client receives is exactly what the
engine produces in-process for the same input, pipelined commands and literals included."""

from __future__ import annotations

import socket
from collections.abc import Callable

from live_support import SOCKET_TIMEOUT, Served

from sim.live.demo import build_demo
from sim.live.loopback import imap_factory, pop3_factory


def exchange(served: Served, service: str, payload: bytes, expected_len: int) -> bytes:
    sock = socket.create_connection(("127.0.0.1", served.port(service)), timeout=SOCKET_TIMEOUT)
    sock.sendall(payload)
    data = b""
    while len(data) < expected_len:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    sock.close()
    return data


def test_pop3_bytes_equal_the_engine_in_process(serve: Callable[..., Served]) -> None:
    served = serve(users=2, messages=6, seed=11)
    password = served.password("alice").encode()
    script = (
        b"CAPA\r\nUSER alice\r\nPASS " + password + b"\r\nSTAT\r\nLIST\r\nUIDL\r\n"
        b"RETR 1\r\nTOP 2 3\r\nRETR 3\r\nDELE 2\r\nRSET\r\nNOOP\r\nQUIT\r\n"
    )
    engine = pop3_factory(build_demo(2, 6, 11))()  # the server's first connection: id 1
    engine.receive_data(script)
    want = engine.outbox.data_to_send()
    assert b"-ERR" not in want and want.endswith(b"signing off (6 messages left)\r\n")
    assert exchange(served, "pop3", script, len(want)) == want


def test_imap_bytes_equal_the_engine_in_process(serve: Callable[..., Served]) -> None:
    served = serve(users=1, messages=4, seed=12)
    password = served.password("alice").encode()
    note = b"From: a@b\r\nSubject: note\r\n\r\nhi\r\n"
    script = (
        b"a1 LOGIN alice " + password + b"\r\na2 SELECT INBOX\r\n"
        b"a3 FETCH 1:* (FLAGS RFC822.SIZE BODYSTRUCTURE)\r\n"
        b"a4 UID FETCH 2 (BODY.PEEK[HEADER] BODY[TEXT]<0.100>)\r\n"
        b"a5 APPEND INBOX (\\Seen) {%d+}\r\n" % len(note) + note + b"\r\n"
        b"a6 STORE 1 +FLAGS (\\Flagged)\r\na7 SEARCH FLAGGED\r\na8 LOGOUT\r\n"
    )
    engine = imap_factory(build_demo(1, 4, 12))()
    engine.receive_data(script)
    want = engine.outbox.data_to_send()
    assert b"a8 OK" in want
    assert exchange(served, "imap", script, len(want)) == want
