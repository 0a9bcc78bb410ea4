"""Sans-IO IMAP4rev2 server engine (see :mod:`.server` for the theory of operation)."""

from .config import ImapConfig
from .events import (
    LEGAL_COMMANDS, CloseReason, CommandCompleted, ConnectionClosed, FlagsStored, IdleEnded,
    IdleStarted, ImapCommand, ImapEvent, ImapState, InternalError, LoggedIn, LoginFailed,
    MailboxClosed, MailboxesChanged, MailboxSelected, MessageAppended, MessagesCopied,
    MessagesExpunged, MessagesFetched, StartTlsRequested, StateChanged, Status, UpdatesSent,
)
from .server import ImapServer

__all__ = [
    "LEGAL_COMMANDS", "CloseReason", "CommandCompleted", "ConnectionClosed", "FlagsStored",
    "IdleEnded", "IdleStarted", "ImapCommand", "ImapConfig", "ImapEvent", "ImapServer",
    "ImapState", "InternalError", "LoggedIn", "LoginFailed", "MailboxClosed", "MailboxesChanged",
    "MailboxSelected", "MessageAppended", "MessagesCopied", "MessagesExpunged", "MessagesFetched",
    "StartTlsRequested", "StateChanged", "Status", "UpdatesSent",
]
