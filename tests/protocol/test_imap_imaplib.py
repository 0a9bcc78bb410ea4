"""Python's imaplib drives the engine in-process (its transport swapped for the engine's buffers).

The live-server tests do the same over a socket; this one needs no network and shows that
imaplib's own parser accepts every reply the engine gives to a full session.
"""

from __future__ import annotations

import email
import imaplib
import re

from test_imap_support import PASSWORD, USER, make_store

from sim.protocol.imap import ImapServer
from sim.protocol.message import synthesize
from sim.protocol.store import Store


class EngineIMAP4(imaplib.IMAP4):
    """imaplib.IMAP4 whose socket is an ImapServer engine."""

    def __init__(self, engine: ImapServer) -> None:
        self._engine = engine
        self._pending = b""
        super().__init__("engine.invalid")

    def open(self, host: str = "", port: int = 0, timeout: float | None = None) -> None:
        self.host, self.port, self.sock, self.file = host, port, None, None

    def _pull(self) -> None:
        data = self._engine.outbox.data_to_send()
        if not data:
            raise imaplib.IMAP4.abort("engine sent nothing more")
        self._pending += data

    def read(self, size: int) -> bytes:
        while len(self._pending) < size:
            self._pull()
        out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def readline(self) -> bytes:
        while b"\n" not in self._pending:
            self._pull()
        end = self._pending.index(b"\n") + 1
        out, self._pending = self._pending[:end], self._pending[end:]
        return out

    def send(self, data: bytes) -> None:
        self._engine.receive_data(data)

    def shutdown(self) -> None:
        pass


def test_imaplib_full_session() -> None:
    store = make_store()
    client = EngineIMAP4(ImapServer(store))
    assert "IMAP4REV1" in client.capabilities and "IDLE" in client.capabilities
    assert client.login(USER, PASSWORD)[0] == "OK"
    typ, boxes = client.list()
    assert typ == "OK" and [b.split(b' "/" ')[1] for b in boxes] == [b"INBOX", b"Archive", b"Sent"]
    typ, data = client.select("INBOX")
    assert (typ, data) == ("OK", [b"5"])
    typ, data = client.fetch("2", "(RFC822.SIZE RFC822)")
    assert typ == "OK"
    head, raw = data[0]  # type: ignore[misc]
    size = int(re.search(rb"RFC822.SIZE (\d+)", head).group(1))  # type: ignore[union-attr]
    assert size == len(raw) == store.accounts[USER].inbox.messages[1].size
    message = email.message_from_bytes(raw)
    assert message["Subject"] == "Note 2" and message.is_multipart()
    assert [p.get_filename() for p in message.walk() if p.get_filename()] == ["report.pdf"]
    assert len(message.get_payload()[1].get_payload(decode=True)) == 200_000
    typ, data = client.fetch("1:*", "(UID FLAGS BODYSTRUCTURE ENVELOPE)")
    assert typ == "OK" and len(data) == 5
    typ, data = client.uid("SEARCH", None, "TEXT", "zebra")
    assert (typ, data) == ("OK", [b"3"])
    assert client.store("1", "+FLAGS", "(\\Flagged)")[0] == "OK"
    assert client.copy("1", "Archive")[0] == "OK"
    typ, data = client.uid("MOVE", "4", "Archive")
    assert typ == "OK"
    assert client.create("Projects/2026")[0] == "OK"
    assert client.rename("Projects/2026", "Done")[0] == "OK"
    assert client.delete("Done")[0] == "OK"
    typ, data = client.append(
        "Sent", "(\\Seen)", None, b"Subject: sent\r\nFrom: alice@example.org\r\n\r\nhi\r\n"
    )
    assert typ == "OK" and data[0].startswith(b"[APPENDUID ")  # type: ignore[union-attr]
    typ, data = client.status("Archive", "(MESSAGES UIDNEXT)")
    assert (typ, data) == ("OK", [b"Archive (MESSAGES 2 UIDNEXT 3)"])
    client.store("2", "+FLAGS", "(\\Deleted)")
    typ, data = client.expunge()
    assert (typ, data) == ("OK", [b"4", b"2"])  # imaplib keeps MOVE's EXPUNGE (seq 4) too
    assert client.close()[0] == "OK"
    assert client.logout()[0] == "BYE"
    assert [m.uid for m in store.accounts[USER].inbox.messages] == [1, 3, 5]


def test_imaplib_sees_another_sessions_changes() -> None:
    store: Store = make_store()
    one = EngineIMAP4(ImapServer(store))
    two = EngineIMAP4(ImapServer(store))
    for c in (one, two):
        c.login(USER, PASSWORD)
        c.select("INBOX")
    one.store("3", "+FLAGS", "(\\Seen \\Answered)")
    typ, data = two.fetch("3", "(FLAGS)")
    assert typ == "OK" and b"\\Seen" in data[0] and b"\\Answered" in data[0]  # type: ignore[operator]
    store.deliver(USER, synthesize(seed=42))
    two.noop()
    assert two.response("EXISTS")[1][-1] == b"6"
    one.logout()
    two.logout()
