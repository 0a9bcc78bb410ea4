"""States, commands and events of the POP3 server engine (see :mod:`sim.protocol.pop3`).

Everything here is data: enums for the vocabulary, frozen dataclasses for what happened, and the
table of which command is legal in which state.  The engine consults the table before it looks at a
command's arguments, so "illegal in this state" is decided in exactly one place.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Pop3State(enum.Enum):
    """RFC 1939 §3 session states."""

    AUTHORIZATION = "AUTHORIZATION"
    TRANSACTION = "TRANSACTION"
    UPDATE = "UPDATE"


class Pop3Command(enum.Enum):
    """Every command keyword the engine knows (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034
    AUTH)."""

    USER = "USER"
    PASS = "PASS"
    APOP = "APOP"
    STAT = "STAT"
    LIST = "LIST"
    RETR = "RETR"
    DELE = "DELE"
    NOOP = "NOOP"
    RSET = "RSET"
    TOP = "TOP"
    UIDL = "UIDL"
    QUIT = "QUIT"
    CAPA = "CAPA"
    STLS = "STLS"
    AUTH = "AUTH"


_AUTH = frozenset(
    {
        Pop3Command.USER,
        Pop3Command.PASS,
        Pop3Command.APOP,
        Pop3Command.QUIT,
        Pop3Command.CAPA,
        Pop3Command.STLS,
        Pop3Command.AUTH,
    }
)
_TRANS = frozenset(
    {
        Pop3Command.STAT,
        Pop3Command.LIST,
        Pop3Command.RETR,
        Pop3Command.DELE,
        Pop3Command.NOOP,
        Pop3Command.RSET,
        Pop3Command.TOP,
        Pop3Command.UIDL,
        Pop3Command.QUIT,
        Pop3Command.CAPA,
    }
)

#: Which commands may be issued in which state (RFC 1939 §4-§7, RFC 2449 §5, RFC 2595 §4).
#: UPDATE is entered only by QUIT and the session ends there, so nothing is legal in it.
LEGAL_COMMANDS: dict[Pop3State, frozenset[Pop3Command]] = {
    Pop3State.AUTHORIZATION: _AUTH,
    Pop3State.TRANSACTION: _TRANS,
    Pop3State.UPDATE: frozenset(),
}


class AuthMethod(enum.Enum):
    """How a client proved who it is."""

    USER_PASS = "USER/PASS"
    APOP = "APOP"
    SASL_PLAIN = "AUTH PLAIN"


class ErrorKind(enum.Enum):
    """Why a command line got ``-ERR`` (other than a failed login or a locked maildrop)."""

    LINE_TOO_LONG = "line too long"  # > 255 octets with CRLF (RFC 2449 §4)
    BAD_OCTETS = "non-printable or non-ASCII octets"
    EMPTY_LINE = "empty command"
    UNKNOWN_COMMAND = "unknown command"
    WRONG_STATE = "command not allowed in this state"
    BAD_ARGUMENTS = "bad arguments"
    NO_SUCH_MESSAGE = "no such message"
    NOT_AVAILABLE = "not available"  # e.g. STLS without TLS, APOP not enabled
    OUT_OF_SEQUENCE = "out of sequence"  # e.g. PASS without USER


class CloseReason(enum.Enum):
    QUIT = "quit"
    CONNECTION_LOST = "connection lost"


@dataclass(frozen=True)
class CommandReceived:
    """A syntactically framed command line with a known keyword (PASS argument redacted)."""

    command: Pop3Command
    args: tuple[str, ...]


@dataclass(frozen=True)
class ProtocolError:
    """A line answered with ``-ERR``; ``command`` is None when no keyword could be recognised."""

    kind: ErrorKind
    command: Pop3Command | None
    detail: str


@dataclass(frozen=True)
class StateChanged:
    old: Pop3State
    new: Pop3State


@dataclass(frozen=True)
class Authenticated:
    """Login succeeded and the maildrop is locked; ``messages``/``octets`` describe the snapshot."""

    user: str
    method: AuthMethod
    messages: int
    octets: int


@dataclass(frozen=True)
class AuthFailed:
    user: str
    method: AuthMethod


@dataclass(frozen=True)
class LockRefused:
    """Credentials were right but another session holds the maildrop (RFC 1939 §4)."""

    user: str


@dataclass(frozen=True)
class MessageRetrieved:
    """RETR (``top_lines`` None) or TOP: ``octets`` unstuffed payload octets sent."""

    number: int
    uid: int
    octets: int
    top_lines: int | None = None


@dataclass(frozen=True)
class MarkedDeleted:
    number: int
    uid: int


@dataclass(frozen=True)
class MarksCleared:
    """RSET unmarked these message numbers."""

    numbers: tuple[int, ...]


@dataclass(frozen=True)
class MessagesExpunged:
    """UPDATE state removed these INBOX UIDs from the store."""

    uids: tuple[int, ...]


@dataclass(frozen=True)
class TlsRequested:
    """STLS answered ``+OK``: the adapter must start TLS, then call ``engine.tls_started()``."""


@dataclass(frozen=True)
class TlsStarted:
    """TLS is up; the session is back to a fresh AUTHORIZATION state (RFC 2595 §4)."""


@dataclass(frozen=True)
class SessionClosed:
    reason: CloseReason
    deleted: int  # messages actually removed from the maildrop (0 unless QUIT reached UPDATE)


Pop3Event = (
    CommandReceived
    | ProtocolError
    | StateChanged
    | Authenticated
    | AuthFailed
    | LockRefused
    | MessageRetrieved
    | MarkedDeleted
    | MarksCleared
    | MessagesExpunged
    | TlsRequested
    | TlsStarted
    | SessionClosed
)
