"""The mailbox store both protocol engines run over.

Theory of operation
-------------------
One :class:`Store` holds accounts; an :class:`Account` holds folders (:class:`Mailbox`) and the POP3
maildrop lock.  A mailbox keeps its messages in ascending UID order with flags and a CONDSTORE-style
modification sequence, and an append-only change log.  Engines never share per-session views: an IMAP
session remembers how far into a mailbox's log it has caught up and turns later entries into untagged
EXISTS / EXPUNGE / FETCH replies when the protocol allows; POP3 takes a snapshot of INBOX when it
locks the maildrop and expunges its marked messages only when QUIT reaches the UPDATE state.

Listeners registered on an account are called after every change, so a live server or the simulation
can wake idling IMAP sessions.  Nothing here does I/O or reads a clock: times are passed in.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .message import Message

INBOX = "INBOX"
DELIMITER = "/"
SYSTEM_FLAGS = frozenset({"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"})
MAX_MAILBOX_NAME = 255


class ChangeKind(enum.Enum):
    EXISTS = "exists"  # a message was added
    EXPUNGE = "expunge"  # a message was removed
    FLAGS = "flags"  # a message's flags changed


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    uid: int
    modseq: int


@dataclass
class StoredMessage:
    uid: int
    message: Message
    flags: set[str] = field(default_factory=set)
    modseq: int = 1

    @property
    def size(self) -> int:
        return self.message.size


class StoreError(Exception):
    """A store operation that the protocol must refuse (the text is safe to show to the client)."""


class Mailbox:
    """A folder: messages by ascending UID, UIDVALIDITY/UIDNEXT, a modseq counter and a change log."""

    def __init__(self, name: str, uidvalidity: int, notify: Callable[[], None]) -> None:
        self.name = name
        self.uidvalidity = uidvalidity
        self.uidnext = 1
        self.highestmodseq = 1
        self.messages: list[StoredMessage] = []
        self.changes: list[Change] = []
        self.subscribed = True
        self._notify = notify
        self._octets = 0  # kept up to date so quota checks need not sum every message

    def __repr__(self) -> str:
        return f"Mailbox({self.name!r}, {len(self.messages)} messages)"

    def _bump(self) -> int:
        self.highestmodseq += 1
        return self.highestmodseq

    def append(self, message: Message, flags: Iterable[str] = ()) -> StoredMessage:
        modseq = self._bump()
        stored = StoredMessage(self.uidnext, message, set(flags), modseq)
        self.uidnext += 1
        self.messages.append(stored)
        self._octets += stored.size
        self.changes.append(Change(ChangeKind.EXISTS, stored.uid, modseq))
        self._notify()
        return stored

    def by_uid(self, uid: int) -> StoredMessage | None:
        lo, hi = 0, len(self.messages)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.messages[mid].uid < uid:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(self.messages) and self.messages[lo].uid == uid:
            return self.messages[lo]
        return None

    def set_flags(self, uid: int, flags: Iterable[str]) -> bool:
        """Replace a message's flags; logs a change only when they differ."""
        stored = self.by_uid(uid)
        new = set(flags)
        if stored is None or stored.flags == new:
            return False
        stored.flags = new
        stored.modseq = self._bump()
        self.changes.append(Change(ChangeKind.FLAGS, uid, stored.modseq))
        self._notify()
        return True

    def expunge(self, uids: Iterable[int]) -> list[int]:
        """Remove messages by UID; returns the UIDs actually removed, in ascending order."""
        gone = set(uids)
        removed = [m.uid for m in self.messages if m.uid in gone]
        if not removed:
            return []
        self.messages = [m for m in self.messages if m.uid not in gone]
        self._octets = sum(m.size for m in self.messages)
        for uid in removed:
            self.changes.append(Change(ChangeKind.EXPUNGE, uid, self._bump()))
        self._notify()
        return removed

    @property
    def size(self) -> int:
        return self._octets


class Account:
    """One user's folders, credentials and POP3 maildrop lock."""

    def __init__(self, user: str, password: str) -> None:
        self.user = user
        self.password = password
        self.mailboxes: dict[str, Mailbox] = {}
        self.pop3_lock: object | None = None
        self.listeners: list[Callable[[], None]] = []
        self._next_uidvalidity = 1
        self.create(INBOX)

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    @staticmethod
    def canonical(name: str) -> str:
        """INBOX is case-insensitive (RFC 9051 §5.1); other names are case-sensitive."""
        return INBOX if name.upper() == INBOX else name

    def get(self, name: str) -> Mailbox | None:
        return self.mailboxes.get(self.canonical(name))

    def create(self, name: str) -> Mailbox:
        name = self.canonical(name.rstrip(DELIMITER))
        if not name or len(name) > MAX_MAILBOX_NAME:
            raise StoreError(f"mailbox name length {len(name)}: allowed 1..{MAX_MAILBOX_NAME}")
        if name in self.mailboxes:
            raise StoreError("mailbox already exists")
        mailbox = Mailbox(name, self._next_uidvalidity, self._changed)
        self._next_uidvalidity += 1
        self.mailboxes[name] = mailbox
        return mailbox

    def delete(self, name: str) -> None:
        name = self.canonical(name)
        if name == INBOX:
            raise StoreError("INBOX cannot be deleted")
        if name not in self.mailboxes:
            raise StoreError("no such mailbox")
        del self.mailboxes[name]
        self._changed()

    def rename(self, old: str, new: str) -> None:
        old, new = self.canonical(old), self.canonical(new)
        if old not in self.mailboxes:
            raise StoreError("no such mailbox")
        if new in self.mailboxes:
            raise StoreError("target mailbox already exists")
        if not new or len(new) > MAX_MAILBOX_NAME:
            raise StoreError(f"mailbox name length {len(new)}: allowed 1..{MAX_MAILBOX_NAME}")
        if old == INBOX:
            # RFC 9051 §6.3.6: renaming INBOX moves its messages to the new name, INBOX stays.
            src = self.mailboxes[old]
            dst = self.create(new)
            for m in src.messages:
                dst.append(m.message, m.flags)
            src.expunge([m.uid for m in src.messages])
            return
        renamed: dict[str, Mailbox] = {}
        prefix = old + DELIMITER
        for name, box in self.mailboxes.items():
            if name == old:
                box.name = new
                renamed[new] = box
            elif name.startswith(prefix):
                box.name = new + name[len(old) :]
                renamed[box.name] = box
            else:
                renamed[name] = box
        self.mailboxes = renamed
        self._changed()

    @property
    def size(self) -> int:
        """Octets in all this account's mailboxes (what a quota limits)."""
        return sum(box.size for box in self.mailboxes.values())

    @property
    def inbox(self) -> Mailbox:
        return self.mailboxes[INBOX]


class Store:
    """All accounts of one mail server."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}

    def add_account(self, user: str, password: str) -> Account:
        if not user or any(c in user for c in ' \r\n\t"') or len(user) > 64:
            raise ValueError(f"user={user!r}: allowed 1..64 characters without spaces or quotes")
        if user in self.accounts:
            raise ValueError(f"user={user!r}: already exists")
        account = Account(user, password)
        self.accounts[user] = account
        return account

    def authenticate(self, user: str, password: str) -> Account | None:
        account = self.accounts.get(user)
        if account is None or account.password != password:
            return None
        return account

    def deliver(
        self, user: str, message: Message, mailbox: str = INBOX, flags: Iterable[str] = ()
    ) -> StoredMessage:
        account = self.accounts.get(user)
        if account is None:
            raise KeyError(f"user={user!r}: no such account")
        box = account.get(mailbox)
        if box is None:
            raise KeyError(f"mailbox={mailbox!r}: no such mailbox for {user!r}")
        return box.append(message, flags)
