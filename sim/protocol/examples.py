"""Canned RFC example sessions (POP3 part), reproduced byte for byte by the engines.

RFC 1939 §10 shows a whole session: APOP with the greeting timestamp
``<1896.697170952@dbc.mtview.ca.us>`` and the secret ``tanstaaf``, then STAT, LIST, RETR and DELE of
two messages of 120 and 200 octets, then QUIT.  The RFC does not print the messages, so two concrete
messages of exactly those sizes (CRLF line ends, no line starting with '.') stand in for them.  The
client sends 95 octets; the server sends 300 octets of framing and the 320 octets of the messages.

RFC 2449 §5 shows a CAPA reply of 165 octets; :func:`rfc2449_capa_config` describes a server whose
CAPA reply is exactly that.
"""

from __future__ import annotations

from .message import Message
from .pop3 import Pop3Server
from .pop3_client import replay
from .pop3_config import Pop3Config
from .session import SessionRecord
from .store import Store

RFC1939_TIMESTAMP = "<1896.697170952@dbc.mtview.ca.us>"
RFC1939_USER = "mrose"
RFC1939_SECRET = "tanstaaf"
RFC1939_DIGEST = "c4c9334bac560ecc979e58001b3e22fb"

RFC1939_MESSAGE_1 = (
    b"From: mrose@dbc.mtview.ca.us\r\n"
    b"To: mrose\r\n"
    b"Subject: RFC 1939 example, message 1\r\n"
    b"\r\n"
    b"This is message one, 120 octets long.\r\n"
)
RFC1939_MESSAGE_2 = (
    b"From: mrose@dbc.mtview.ca.us\r\n"
    b"To: mrose\r\n"
    b"Subject: RFC 1939 example, message 2\r\n"
    b"\r\n"
    b"This is message two. It has a few more\r\n"
    b"lines, so that it is exactly 200 octets\r\n"
    b"long, counting a CRLF as two octets.\r\n"
)

RFC1939_COMMANDS = (
    f"APOP {RFC1939_USER} {RFC1939_DIGEST}",
    "STAT",
    "LIST",
    "RETR 1",
    "DELE 1",
    "RETR 2",
    "DELE 2",
    "QUIT",
)
_RFC1939_NOTES = (
    "log in: MD5 of the greeting timestamp and the secret",
    "number of messages and total octets",
    "size of each message",
    "download message 1 (120 octets)",
    "mark message 1; removed only at QUIT",
    "download message 2 (200 octets)",
    "mark message 2",
    "UPDATE state: the marked messages are removed",
)


def rfc1939_config() -> Pop3Config:
    """The server of RFC 1939 §10: host 'dewey', fixed APOP timestamp."""
    return Pop3Config(
        hostname="dewey", greeting="POP3 server ready", apop_timestamp=RFC1939_TIMESTAMP
    )


def rfc1939_store() -> Store:
    """User mrose (secret 'tanstaaf') with the two example messages in INBOX."""
    store = Store()
    store.add_account(RFC1939_USER, RFC1939_SECRET)
    store.deliver(RFC1939_USER, Message.from_bytes(RFC1939_MESSAGE_1))
    store.deliver(RFC1939_USER, Message.from_bytes(RFC1939_MESSAGE_2))
    return store


def session_rfc1939(render: bool = True) -> SessionRecord:
    """Replay RFC 1939 §10 against a fresh engine: client 95 octets, server 300 + 320."""
    server = Pop3Server(rfc1939_store(), rfc1939_config())
    return replay(server, RFC1939_COMMANDS, render=render, notes=_RFC1939_NOTES)


def rfc2449_capa_config() -> Pop3Config:
    """A server whose CAPA reply is the RFC 2449 §5 example (165 octets)."""
    return Pop3Config(
        expire=60,
        login_delay=900,
        pipelining=True,
        tls_available=False,
        implementation="Shlemazle-Plotz-v302",
        extra_capabilities=("SASL CRAM-MD5 KERBEROS_V4",),
    )


def session_rfc2449_capa(render: bool = True) -> SessionRecord:
    """Greeting plus the RFC 2449 §5 CAPA exchange."""
    server = Pop3Server(Store(), rfc2449_capa_config())
    return replay(server, ("CAPA",), render=render, notes=("list the server's extensions",))
