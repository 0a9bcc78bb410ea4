"""Python's poplib against ``python -m sim serve``: a real client over loopback."""

from __future__ import annotations

import email
import poplib
from collections.abc import Callable

import pytest
from live_support import SOCKET_TIMEOUT, Served, retry

from sim.protocol.pop3 import apop_digest


def login(served: Served, user: str) -> poplib.POP3:
    client = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT)
    client.user(user)
    client.pass_(served.password(user))
    return client


def test_full_session_sizes_content_and_delete_at_quit(serve: Callable[..., Served]) -> None:
    served = serve()
    expected = served.demo.store.accounts["alice"].inbox.messages
    assert len(expected) == 6
    client = login(served, "alice")
    assert client.stat() == (6, sum(m.size for m in expected))
    _, listing, _ = client.list()
    sizes = {int(n): int(s) for n, s in (ln.split() for ln in listing)}
    assert sizes == {i + 1: m.size for i, m in enumerate(expected)}
    _, uidl, _ = client.uidl()
    ids = [ln.split()[1] for ln in uidl]
    assert len(set(ids)) == 6
    for number, stored in enumerate(expected, start=1):
        _, lines, _ = client.retr(number)
        raw = b"\r\n".join(lines) + b"\r\n"  # poplib strips CRLF and undoes dot-stuffing
        assert len(raw) == sizes[number]
        assert raw == stored.message.render()
        parsed = email.message_from_bytes(raw)
        assert parsed["Message-ID"] == stored.message.field("Message-ID")
        assert parsed["Subject"] == stored.message.field("Subject")
    _, top, _ = client.top(1, 0)
    assert b"\r\n".join(top) + b"\r\n" == expected[0].message.header_bytes()
    client.dele(2)
    assert client.stat() == (5, sum(m.size for m in expected) - expected[1].size)
    client.quit()

    again = login(served, "alice")
    assert again.stat() == (5, sum(m.size for m in expected) - expected[1].size)
    _, uidl, _ = again.uidl()
    assert [ln.split()[1] for ln in uidl] == ids[:1] + ids[2:]  # ids stay stable across sessions
    again.quit()


def test_dropped_session_deletes_nothing(serve: Callable[..., Served]) -> None:
    served = serve()
    client = login(served, "bob")
    client.dele(1)
    client.dele(3)
    client.close()  # the socket goes away without QUIT

    def relogin() -> poplib.POP3:
        return login(served, "bob")  # refused with [IN-USE] until the server saw the drop

    again = retry(relogin)
    assert isinstance(again, poplib.POP3)
    assert again.stat()[0] == 6
    again.quit()


def test_second_session_on_locked_maildrop_is_refused(serve: Callable[..., Served]) -> None:
    served = serve()
    first = login(served, "carol")
    second = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT)
    second.user("carol")
    with pytest.raises(poplib.error_proto, match="IN-USE"):
        second.pass_(served.password("carol"))
    first.quit()
    second.user("carol")  # a failed PASS ends the USER/PASS pair; the session is still usable
    second.pass_(served.password("carol"))  # the lock was released at QUIT
    assert second.stat()[0] == 6
    second.quit()


def test_apop_login_with_greeting_timestamp(serve: Callable[..., Served]) -> None:
    served = serve()
    client = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT)
    timestamp = client.getwelcome().split()[-1].decode()
    assert timestamp.startswith("<") and timestamp.endswith(">")
    client.apop("alice", served.password("alice"))
    assert client.stat()[0] == 6
    client.quit()
    assert apop_digest(timestamp, served.password("alice")) != apop_digest(timestamp, "wrong")
