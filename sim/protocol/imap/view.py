"""One session's view of its selected mailbox: sequence numbers, and catching up on others' changes.

Theory of operation
-------------------
Several sessions may select the same mailbox.  The store keeps one truth (``Mailbox.messages``) and
an append-only change log; each session keeps its own list of the messages *it has announced*, in
UID order -- position + 1 is the message sequence number this client believes in.  A message
expunged elsewhere stays in the view (still fetchable: the object is immutable) until the session
may tell its client, because untagged EXPUNGE must not be sent during FETCH, STORE or SEARCH
(RFC 9051 §7.5.1).  :meth:`SelectedMailbox.catch_up` reads the log from where this session left off
and writes the untagged EXPUNGE / FETCH (FLAGS) / EXISTS lines that bring the client up to date.
Flag changes this session made itself were already reported by its own STORE, so their modseqs are
remembered in ``own`` and skipped.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from ..outbox import Outbox
from ..store import ChangeKind, Mailbox, StoredMessage
from . import formatting as fmt
from .parser import ParseError, SequenceSet, uid_ranges


@dataclass
class CatchUp:
    expunged: list[int] = field(default_factory=list)
    flag_updates: int = 0
    exists: int | None = None

    @property
    def any(self) -> bool:
        return bool(self.expunged or self.flag_updates or self.exists is not None)


class SelectedMailbox:
    """The selected mailbox as one session sees it."""

    def __init__(self, mailbox: Mailbox, read_only: bool) -> None:
        self.mailbox = mailbox
        self.read_only = read_only
        self.view: list[StoredMessage] = list(mailbox.messages)
        self.log_position = len(mailbox.changes)
        self.own: set[int] = set()
        self._gone: set[int] = set()
        self._flags_dirty: set[int] = set()
        self._index: dict[int, int] | None = None
        #: UIDs of the last ``SEARCH RETURN (SAVE)`` -- ``$`` (RFC 9051 §6.4.4.2); a new SELECT
        #: starts empty, and UIDs that are expunged simply stop matching
        self.saved: frozenset[int] = frozenset()

    @property
    def name(self) -> str:
        return self.mailbox.name

    @property
    def exists(self) -> int:
        return len(self.view)

    def seq_of(self, uid: int) -> int | None:
        if self._index is None:
            self._index = {m.uid: i for i, m in enumerate(self.view)}
        i = self._index.get(uid)
        return None if i is None else i + 1

    def _read_log(self) -> None:
        changes = self.mailbox.changes
        for ch in changes[self.log_position :]:
            if ch.kind is ChangeKind.EXPUNGE:
                self._gone.add(ch.uid)
            elif ch.kind is ChangeKind.FLAGS:
                if ch.modseq in self.own:
                    self.own.discard(ch.modseq)
                else:
                    self._flags_dirty.add(ch.uid)
        self.log_position = len(changes)

    def catch_up(
        self, out: Outbox, *, expunge_allowed: bool, modseq: bool = False, qresync: bool = False
    ) -> CatchUp:
        """Write untagged updates for changes since the last catch-up; returns what was sent.

        With CONDSTORE (``modseq``) flag updates carry MODSEQ; with QRESYNC they carry the UID
        too, and expunges go out as one ``VANISHED`` line instead of EXPUNGEs (RFC 7162 §3.2.10)."""
        self._read_log()
        result = CatchUp()
        if expunge_allowed and self._gone:
            kept: list[StoredMessage] = []
            for m in self.view:
                if m.uid in self._gone:
                    if not qresync:
                        out.write(b"* %d EXPUNGE\r\n" % (len(kept) + 1))
                    result.expunged.append(m.uid)
                else:
                    kept.append(m)
            if result.expunged:
                if qresync:
                    out.write(b"* VANISHED %s\r\n" % uid_ranges(result.expunged).encode())
                self.view = kept
                self._index = None
            self._gone.clear()
        if self._flags_dirty:
            for uid in sorted(self._flags_dirty):
                seq = self.seq_of(uid)
                if seq is None or uid in self._gone:
                    continue
                stored = self.view[seq - 1]
                out.write(flags_fetch(seq, stored, uid=qresync, modseq=modseq))
                result.flag_updates += 1
            self._flags_dirty.clear()
        last = self.view[-1].uid if self.view else 0
        messages = self.mailbox.messages
        fresh = messages[bisect.bisect_right(messages, last, key=lambda m: m.uid) :]
        if fresh:
            self.view.extend(fresh)
            self._index = None
            out.write(b"* %d EXISTS\r\n" % len(self.view))
            result.exists = len(self.view)
        return result

    def vanished_since(self, modseq: int) -> list[int]:
        """UIDs expunged after ``modseq`` (from the change log), ascending."""
        return sorted(
            {
                ch.uid
                for ch in self.mailbox.changes
                if ch.kind is ChangeKind.EXPUNGE and ch.modseq > modseq
            }
        )

    def by_sequence(self, numbers: SequenceSet) -> list[tuple[int, StoredMessage]]:
        """(seq, message) for a sequence set; a number beyond the view is a client error (BAD)."""
        n = len(self.view)
        if n == 0 or numbers.max_explicit() > n:
            raise ParseError(f"message sequence number out of range: mailbox has {n} messages")
        out: list[tuple[int, StoredMessage]] = []
        last = 0
        for lo, hi in numbers.resolve(n):  # sorted; may overlap where * met explicit ranges
            for s in range(max(lo, last + 1), hi + 1):
                out.append((s, self.view[s - 1]))
            last = max(last, hi)
        return out

    def by_uid(self, numbers: SequenceSet) -> list[tuple[int, StoredMessage]]:
        """(seq, message) for a UID set; UIDs not in the view are ignored (RFC 9051 §6.4.9)."""
        if not self.view:
            return []
        out: list[tuple[int, StoredMessage]] = []
        last = -1
        for lo, hi in numbers.resolve(self.view[-1].uid):
            start = bisect.bisect_left(self.view, lo, key=lambda m: m.uid)
            end = bisect.bisect_right(self.view, hi, key=lambda m: m.uid)
            for i in range(max(start, last + 1), end):
                out.append((i + 1, self.view[i]))
            last = max(last, end - 1)
        return out

    def select(self, numbers: SequenceSet, uid: bool) -> list[tuple[int, StoredMessage]]:
        if numbers.saved:  # "$" names messages, so it means the same with or without UID
            return [(i, m) for i, m in enumerate(self.view, start=1) if m.uid in self.saved]
        return self.by_uid(numbers) if uid else self.by_sequence(numbers)

    def is_gone(self, uid: int) -> bool:
        """Expunged in the store (perhaps not yet reported to this client)."""
        return uid in self._gone or self.mailbox.by_uid(uid) is None


def flags_fetch(seq: int, stored: StoredMessage, *, uid: bool, modseq: bool) -> bytes:
    """``* n FETCH ([UID u ]FLAGS (...)[ MODSEQ (m)])`` -- a flag update or a STORE reply."""
    line = b"* %d FETCH (" % seq
    if uid:
        line += b"UID %d " % stored.uid
    line += b"FLAGS " + fmt.flag_list(stored.flags)
    if modseq:
        line += b" MODSEQ (%d)" % stored.modseq
    return line + b")\r\n"
