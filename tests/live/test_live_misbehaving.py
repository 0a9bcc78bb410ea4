"""Clients that vanish mid-command or send over-long lines: the server survives, serves the next."""

from __future__ import annotations

import contextlib
import imaplib
import poplib
import socket
from collections.abc import Callable

from live_support import SOCKET_TIMEOUT, Served, retry


def raw(served: Served, service: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", served.port(service)), timeout=SOCKET_TIMEOUT)
    sock.settimeout(SOCKET_TIMEOUT)
    return sock


def read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\r\n"):
        chunk = sock.recv(1)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    return data


def pop3_works(served: Served) -> None:
    client = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT)
    client.user("alice")
    client.pass_(served.password("alice"))
    assert client.stat()[0] == 6
    client.quit()


def imap_works(served: Served) -> None:
    client = imaplib.IMAP4("127.0.0.1", served.port("imap"), timeout=SOCKET_TIMEOUT)
    client.login("alice", served.password("alice"))
    typ, data = client.select("INBOX")
    assert typ == "OK" and data == [b"6"]
    client.logout()


def test_pop3_half_lines_drops_and_long_lines(serve: Callable[..., Served]) -> None:
    served = serve()
    # half a command, then gone
    sock = raw(served, "pop3")
    assert read_line(sock).startswith(b"+OK")
    sock.sendall(b"USER ali")
    sock.close()
    # logged in, half a RETR, then gone: nothing deleted, lock released
    sock = raw(served, "pop3")
    read_line(sock)
    sock.sendall(b"USER alice\r\nPASS " + served.password("alice").encode() + b"\r\n")
    assert read_line(sock).startswith(b"+OK")
    assert read_line(sock).startswith(b"+OK")
    sock.sendall(b"DELE 1\r\nRE")
    assert read_line(sock).startswith(b"+OK")
    sock.close()
    # an over-long line is refused and the session goes on
    sock = raw(served, "pop3")
    read_line(sock)
    sock.sendall(b"NOOP " + b"x" * 100_000 + b"\r\nCAPA\r\n")
    assert read_line(sock).startswith(b"-ERR")
    assert read_line(sock).startswith(b"+OK")
    sock.close()
    # a line that never ends: the server keeps only a bounded buffer
    sock = raw(served, "pop3")
    read_line(sock)
    sock.sendall(b"x" * 1_000_000)
    sock.close()
    retry(lambda: pop3_works(served))  # the drop frees the lock as soon as the server sees it


def test_imap_half_lines_half_literals_and_oversized_input(serve: Callable[..., Served]) -> None:
    served = serve()
    password = served.password("alice").encode()
    # half a command line, then gone
    sock = raw(served, "imap")
    assert read_line(sock).startswith(b"* OK")
    sock.sendall(b"a1 LOGIN alice")
    sock.close()
    # half a literal, then gone
    sock = raw(served, "imap")
    read_line(sock)
    sock.sendall(b"a1 LOGIN alice " + password + b"\r\na2 SELECT INBOX\r\n")
    assert read_line(sock).startswith(b"a1 OK")
    sock.sendall(b"a3 APPEND INBOX {5000}\r\n")
    line = read_line(sock)
    while not line.startswith(b"+"):  # the SELECT answer, then the continuation
        line = read_line(sock)
    sock.sendall(b"x" * 1000)
    sock.close()
    # an over-long line is refused with BAD and the connection still answers
    sock = raw(served, "imap")
    read_line(sock)
    sock.sendall(b"a1 NOOP " + b"y" * 200_000 + b"\r\na2 CAPABILITY\r\n")
    replies = [read_line(sock)]
    while not replies[-1].startswith(b"a2 "):
        replies.append(read_line(sock))
    assert any(b"BAD" in r for r in replies[:-1])
    assert replies[-1].startswith(b"a2 OK")
    sock.close()
    # an over-long literal is refused before any of it is sent
    sock = raw(served, "imap")
    read_line(sock)
    sock.sendall(b"a1 LOGIN alice " + password + b"\r\n")
    read_line(sock)
    sock.sendall(b"a2 APPEND INBOX {999999999999}\r\n")
    reply = read_line(sock)
    assert reply.startswith(b"a2 BAD") or reply.startswith(b"a2 NO"), reply
    sock.sendall(b"a3 LOGOUT\r\n")
    assert read_line(sock).startswith(b"* BYE")
    sock.close()
    # a line that never ends, then gone
    sock = raw(served, "imap")
    read_line(sock)
    sock.sendall(b"z" * 1_000_000)
    sock.close()
    imap_works(served)
    pop3_works(served)


def test_many_clients_vanishing_at_once(serve: Callable[..., Served]) -> None:
    served = serve()
    socks = [raw(served, service) for service in ("pop3", "imap") * 10]
    for sock in socks:
        sock.sendall(b"a1 NOOP\r\nUSER al")
    for sock in socks:
        sock.close()
    imap_works(served)
    retry(lambda: pop3_works(served))


def test_client_vanishing_during_a_large_reply(serve: Callable[..., Served]) -> None:
    served = serve()
    inbox = served.demo.store.accounts["alice"].inbox.messages
    biggest = max(range(len(inbox)), key=lambda i: inbox[i].size) + 1
    sock = raw(served, "pop3")
    read_line(sock)
    sock.sendall(
        b"USER alice\r\nPASS "
        + served.password("alice").encode()
        + b"\r\n"
        + b"DELE 1\r\n"
        + b"RETR %d\r\n" % biggest * 200
    )  # megabytes of replies
    assert sock.recv(1024)
    sock.close()  # mid-reply: the server's writes now fail
    retry(lambda: pop3_works(served))  # lock released, DELE 1 not applied (6 messages)
    imap_works(served)


def test_garbage_from_many_clients(serve: Callable[..., Served]) -> None:
    import random

    served = serve()
    rng = random.Random(20260302)
    tokens = [
        b"\r\n",
        b"\n",
        b"{5}\r\n",
        b"{99999}\r\n",
        b"a1 ",
        b"USER alice",
        b"RETR 1",
        b"FETCH 1:* BODY[]",
        b"IDLE",
        b"DONE",
        b"\x00",
        b"\xff\xfe",
        b".",
        b"STLS",
        b"STARTTLS",
        b"LOGIN alice x",
        b"(",
        b")",
        b'"',
        b"*",
        b" " * 300,
    ]
    for i in range(30):
        sock = raw(served, "pop3" if i % 2 else "imap")
        sock.sendall(b"".join(rng.choice(tokens) for _ in range(rng.randrange(1, 60))))
        if i % 3 == 0:
            with contextlib.suppress(OSError):
                sock.recv(65536)  # sometimes read what came back, sometimes not
        sock.close()
    retry(lambda: pop3_works(served))
    imap_works(served)
