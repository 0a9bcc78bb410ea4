"""Sans-IO IMAP4rev2 server engine (see :mod:`.server` for the theory of operation).

Modules: :mod:`.framing` (bytes -> whole commands with literals, limits), :mod:`.parser` (grammar
readers, sequence sets), :mod:`.events` (states, command table, events), :mod:`.config`,
:mod:`.server` (the engine), :mod:`.view` (one session's sequence numbers and catch-up),
:mod:`.fetch`, :mod:`.search`, :mod:`.formatting` (ENVELOPE, BODYSTRUCTURE, strings) and
:mod:`.response` (client side: parsing what a server sent).
"""

from .config import ImapConfig
from .events import (
    LEGAL_COMMANDS,
    CloseReason,
    CommandCompleted,
    ConnectionClosed,
    FlagsStored,
    IdleEnded,
    IdleStarted,
    ImapCommand,
    ImapEvent,
    ImapState,
    InternalError,
    LoggedIn,
    LoginFailed,
    MailboxClosed,
    MailboxesChanged,
    MailboxSelected,
    MessageAppended,
    MessagesCopied,
    MessagesExpunged,
    MessagesFetched,
    StartTlsRequested,
    StateChanged,
    Status,
    UpdatesSent,
)
from .server import ImapServer

__all__ = [
    "LEGAL_COMMANDS",
    "CloseReason",
    "CommandCompleted",
    "ConnectionClosed",
    "FlagsStored",
    "IdleEnded",
    "IdleStarted",
    "ImapCommand",
    "ImapConfig",
    "ImapEvent",
    "ImapServer",
    "ImapState",
    "InternalError",
    "LoggedIn",
    "LoginFailed",
    "MailboxClosed",
    "MailboxSelected",
    "MailboxesChanged",
    "MessageAppended",
    "MessagesCopied",
    "MessagesExpunged",
    "MessagesFetched",
    "StartTlsRequested",
    "StateChanged",
    "Status",
    "UpdatesSent",
]
