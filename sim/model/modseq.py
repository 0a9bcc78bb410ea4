"""Per-folder modification sequences, kept the way the engine's store keeps them (RFC 7162).

Theory of operation
-------------------
A QRESYNC client sends the HIGHESTMODSEQ it last saw and the server answers with what changed
since: ``* VANISHED (EARLIER) uids`` and one ``FETCH (UID FLAGS MODSEQ)`` line per message whose
modseq is higher.  The octets of those lines depend on the modseq *values* (their digits), so the
model must number changes exactly as :class:`sim.protocol.store.Mailbox` does:

* a folder starts at HIGHESTMODSEQ 1;
* an APPEND (delivery, a message moved in, a sent message) takes the next modseq of its folder;
* a flag change takes the next modseq (and becomes the message's modseq);
* each expunged message takes the next modseq of the folder it leaves (MOVE appends to the target
  first, then expunges from the source; an IMAP delete is a ``\\Deleted`` flag change, then the
  expunge).

The book exists only in runs where some IMAP client uses QRESYNC (it costs memory per message).
``tests/sim/test_modseq.py`` replays the same operations on the engine's store and compares.
"""

from __future__ import annotations

import bisect
from array import array

from .state import MailId


class ModseqBook:
    """HIGHESTMODSEQ per (user, folder), each message's modseq, and each folder's expunges."""

    __slots__ = ("hms", "of", "msum", "gone_ms", "gone_uid")

    def __init__(self, users: int, mails: int) -> None:
        self.hms: list[dict[str, int]] = [{} for _ in range(users)]
        self.of = array("q", bytes(8 * mails))  # mail id -> modseq in its current folder
        # folder -> sum over its messages of the decimal length of their modseq (the MODSEQ part
        # of a full flag listing, kept incrementally like the UID and flag parts)
        self.msum: list[dict[str, int]] = [{} for _ in range(users)]
        self.gone_ms: list[dict[str, list[int]]] = [{} for _ in range(users)]  # ascending
        self.gone_uid: list[dict[str, list[int]]] = [{} for _ in range(users)]

    def highest(self, user: int, folder: str) -> int:
        return self.hms[user].get(folder, 1)

    def _next(self, user: int, folder: str) -> int:
        ms = self.hms[user].get(folder, 1) + 1
        self.hms[user][folder] = ms
        return ms

    def append(self, user: int, folder: str, mid: MailId) -> None:
        ms = self._next(user, folder)
        self.of[mid] = ms
        sums = self.msum[user]
        sums[folder] = sums.get(folder, 0) + len(str(ms))

    def flags(self, user: int, folder: str, mid: MailId) -> None:
        """A flag change of ``mid`` (in ``folder``) that the store records."""
        old = self.of[mid]
        ms = self._next(user, folder)
        self.of[mid] = ms
        self.msum[user][folder] += len(str(ms)) - len(str(old))

    def expunge(self, user: int, folder: str, mid: MailId, uid: int) -> None:
        self.msum[user][folder] -= len(str(self.of[mid]))
        ms = self._next(user, folder)
        self.gone_ms[user].setdefault(folder, []).append(ms)
        self.gone_uid[user].setdefault(folder, []).append(uid)

    def vanished_since(self, user: int, folder: str, modseq: int) -> list[int]:
        """UIDs expunged from ``folder`` after ``modseq``, ascending (as the engine lists them)."""
        mss = self.gone_ms[user].get(folder)
        if not mss:
            return []
        i = bisect.bisect_right(mss, modseq)
        return sorted(self.gone_uid[user][folder][i:])
