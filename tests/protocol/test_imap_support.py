"""Shared fixtures for the IMAP engine tests: a small deterministic store and a driver."""

from __future__ import annotations

from sim.protocol.imap import ImapConfig, ImapServer
from sim.protocol.message import Attachment, synthesize
from sim.protocol.store import Store

USER, PASSWORD = "alice", "s3cret"


def make_store(messages: int = 5) -> Store:
    """INBOX with ``messages`` messages (the second one has a 200 000-octet attachment),
    plus Archive and Sent."""
    store = Store()
    account = store.add_account(USER, PASSWORD)
    account.create("Archive")
    account.create("Sent")
    for i in range(messages):
        store.deliver(
            USER,
            synthesize(
                seed=i + 1,
                subject=f"Note {i + 1}",
                text_size=1500 + 100 * i,
                keywords=["zebra"] if i == 2 else [],
                attachments=[Attachment("report.pdf", 200_000, "application/pdf")]
                if i == 1
                else [],
            ),
        )
    return store


def send(engine: ImapServer, line: str | bytes) -> bytes:
    """Feed one command (CRLF added to str) and return everything the engine queued."""
    data = line.encode() + b"\r\n" if isinstance(line, str) else line
    engine.receive_data(data)
    return engine.outbox.data_to_send()


def logged_in(store: Store | None = None, config: ImapConfig | None = None) -> ImapServer:
    engine = ImapServer(store or make_store(), config)
    engine.outbox.data_to_send()
    assert send(engine, f"t0 LOGIN {USER} {PASSWORD}").endswith(b"t0 OK LOGIN completed\r\n")
    return engine


def selected(
    store: Store | None = None, mailbox: str = "INBOX", config: ImapConfig | None = None
) -> ImapServer:
    engine = logged_in(store, config)
    out = send(engine, f"t1 SELECT {mailbox}")
    assert out.endswith(b"t1 OK [READ-WRITE] SELECT completed\r\n"), out
    return engine
