"""States, commands, the command-per-state table and the events of the IMAP server engine.

Everything here is data.  The engine consults :data:`LEGAL_COMMANDS` before it looks at a command's
arguments, so "not allowed in this state" is decided in exactly one place (RFC 9051 §3, §6).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ImapState(enum.Enum):
    """RFC 9051 §3 connection states."""

    NOT_AUTHENTICATED = "not authenticated"
    AUTHENTICATED = "authenticated"
    SELECTED = "selected"
    LOGOUT = "logout"


class ImapCommand(enum.Enum):
    """Command keywords the engine knows.  UID FETCH etc. are UID with ``uid=True`` sub-commands."""

    CAPABILITY = "CAPABILITY"
    NOOP = "NOOP"
    LOGOUT = "LOGOUT"
    STARTTLS = "STARTTLS"
    LOGIN = "LOGIN"
    AUTHENTICATE = "AUTHENTICATE"
    ENABLE = "ENABLE"
    SELECT = "SELECT"
    EXAMINE = "EXAMINE"
    CREATE = "CREATE"
    DELETE = "DELETE"
    RENAME = "RENAME"
    SUBSCRIBE = "SUBSCRIBE"
    UNSUBSCRIBE = "UNSUBSCRIBE"
    LIST = "LIST"
    LSUB = "LSUB"
    NAMESPACE = "NAMESPACE"
    STATUS = "STATUS"
    APPEND = "APPEND"
    IDLE = "IDLE"
    CHECK = "CHECK"
    CLOSE = "CLOSE"
    UNSELECT = "UNSELECT"
    EXPUNGE = "EXPUNGE"
    SEARCH = "SEARCH"
    FETCH = "FETCH"
    STORE = "STORE"
    COPY = "COPY"
    MOVE = "MOVE"
    UID = "UID"


_ANY = frozenset({ImapCommand.CAPABILITY, ImapCommand.NOOP, ImapCommand.LOGOUT})
_NOT_AUTH = _ANY | {ImapCommand.STARTTLS, ImapCommand.LOGIN, ImapCommand.AUTHENTICATE}
_AUTH = _ANY | {
    ImapCommand.ENABLE,
    ImapCommand.SELECT,
    ImapCommand.EXAMINE,
    ImapCommand.CREATE,
    ImapCommand.DELETE,
    ImapCommand.RENAME,
    ImapCommand.SUBSCRIBE,
    ImapCommand.UNSUBSCRIBE,
    ImapCommand.LIST,
    ImapCommand.LSUB,
    ImapCommand.NAMESPACE,
    ImapCommand.STATUS,
    ImapCommand.APPEND,
    ImapCommand.IDLE,
}
_SELECTED = (_AUTH - {ImapCommand.ENABLE}) | {
    ImapCommand.CHECK,
    ImapCommand.CLOSE,
    ImapCommand.UNSELECT,
    ImapCommand.EXPUNGE,
    ImapCommand.SEARCH,
    ImapCommand.FETCH,
    ImapCommand.STORE,
    ImapCommand.COPY,
    ImapCommand.MOVE,
    ImapCommand.UID,
}

#: Which commands may be issued in which state (RFC 9051 §6.1-§6.4; ENABLE only before a mailbox
#: is selected, RFC 5161 §3.1).  Nothing is legal in LOGOUT.
LEGAL_COMMANDS: dict[ImapState, frozenset[ImapCommand]] = {
    ImapState.NOT_AUTHENTICATED: frozenset(_NOT_AUTH),
    ImapState.AUTHENTICATED: frozenset(_AUTH),
    ImapState.SELECTED: frozenset(_SELECTED),
    ImapState.LOGOUT: frozenset(),
}

#: Commands after which untagged EXPUNGE may be sent (RFC 9051 §7.5.1: never during FETCH, STORE
#: or SEARCH by sequence number; UID variants are fine).
EXPUNGE_FORBIDDEN = frozenset({ImapCommand.FETCH, ImapCommand.STORE, ImapCommand.SEARCH})

UID_SUBCOMMANDS = frozenset(
    {
        ImapCommand.FETCH,
        ImapCommand.STORE,
        ImapCommand.COPY,
        ImapCommand.MOVE,
        ImapCommand.SEARCH,
        ImapCommand.EXPUNGE,
    }
)


class Status(enum.Enum):
    OK = "OK"
    NO = "NO"
    BAD = "BAD"


class CloseReason(enum.Enum):
    LOGOUT = "logout"
    CONNECTION_LOST = "connection lost"
    PROTOCOL_ERROR = "protocol error"  # the server hung up: e.g. a refused literal sent anyway


# -- events ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandCompleted:
    """A tagged reply was sent.  ``command`` is None when no known keyword could be read;
    ``uid`` marks UID FETCH/STORE/...; ``tag`` is ``*`` for an untagged BAD."""

    tag: str
    command: ImapCommand | None
    uid: bool
    status: Status
    text: str


@dataclass(frozen=True)
class StateChanged:
    old: ImapState
    new: ImapState


@dataclass(frozen=True)
class LoggedIn:
    user: str


@dataclass(frozen=True)
class LoginFailed:
    user: str
    reason: str


@dataclass(frozen=True)
class MailboxSelected:
    mailbox: str
    read_only: bool
    exists: int


@dataclass(frozen=True)
class MailboxClosed:
    mailbox: str
    expunged: int  # messages removed silently by CLOSE


@dataclass(frozen=True)
class StartTlsRequested:
    """Tagged OK sent: flush the outbox, run the TLS handshake, then call ``tls_started()``."""


@dataclass(frozen=True)
class IdleStarted:
    tag: str


@dataclass(frozen=True)
class IdleEnded:
    tag: str


@dataclass(frozen=True)
class UpdatesSent:
    """Untagged mailbox updates the session caught up on: EXPUNGEs, flag FETCHes, new EXISTS."""

    mailbox: str
    expunged: int
    flag_updates: int
    exists: int | None  # the new message count, when an EXISTS was sent
    while_idle: bool


@dataclass(frozen=True)
class MessagesFetched:
    """A FETCH (``uid`` for UID FETCH) answered for these UIDs; ``seen_set`` got \\Seen implicitly."""

    mailbox: str
    uids: tuple[int, ...]
    seen_set: tuple[int, ...]


@dataclass(frozen=True)
class FlagsStored:
    mailbox: str
    uids: tuple[int, ...]


@dataclass(frozen=True)
class MessagesExpunged:
    mailbox: str
    uids: tuple[int, ...]


@dataclass(frozen=True)
class MessagesCopied:
    source: str
    target: str
    uids: tuple[int, ...]
    new_uids: tuple[int, ...]
    moved: bool


@dataclass(frozen=True)
class MessageAppended:
    mailbox: str
    uid: int
    size: int


@dataclass(frozen=True)
class MailboxesChanged:
    """CREATE, DELETE or RENAME succeeded."""

    command: ImapCommand
    names: tuple[str, ...]


@dataclass(frozen=True)
class InternalError:
    """A bug: the engine answered ``NO [SERVERBUG]`` instead of raising.  Tests assert none occur."""

    detail: str


@dataclass(frozen=True)
class ConnectionClosed:
    reason: CloseReason


ImapEvent = (
    CommandCompleted
    | StateChanged
    | LoggedIn
    | LoginFailed
    | MailboxSelected
    | MailboxClosed
    | StartTlsRequested
    | IdleStarted
    | IdleEnded
    | UpdatesSent
    | MessagesFetched
    | FlagsStored
    | MessagesExpunged
    | MessagesCopied
    | MessageAppended
    | MailboxesChanged
    | InternalError
    | ConnectionClosed
)
