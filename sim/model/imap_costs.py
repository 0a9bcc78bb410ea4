"""What IMAP operations cost, measured on the real engine and reused by shape.

Theory of operation
-------------------
Every IMAP operation the model performs is an operation of :mod:`sim.protocol.imap_client` run
against :class:`sim.protocol.imap.server.ImapServer`.  Running the engine for each of the thousands
of operations in a run would be too slow for a slider, and it would repeat itself: the framing of an
operation on one message depends only on the *decimal lengths* of the numbers in it (sequence
number, UID, sizes), on the text of the flag list and on the message's BODYSTRUCTURE length; the
payload octets are the message's own part sizes.  So each operation is measured once per such
*shape* on a probe store built to have exactly that shape, and memoised (the memo lives for the
process, so a course's repeated runs are fast after the first).  Per-message listing lines (flag
resync, SEARCH results) are summed from their RFC 9051 formats with constants measured the same
way.  ``tests/sim/test_model_costs.py`` runs random operations both ways and requires equal counts.

Some shapes would need a big probe: a target at a 4-digit sequence number has a thousand messages
before it, a 10 MB APPEND pushes 10 MB through the engine, an attachment of 150 chunks is served
150 times.  An operation prints each such number a fixed number of times, and a chunked fetch is a
sum of independent commands, so those shapes are extended from smaller ones instead, each digit
(or chunk) adding what the one before added (:func:`extend_by_digits`;
``tests/sim/test_cost_digit_extension.py`` compares with engine runs at the real numbers).

A cost is ``(up, down, round_trips)`` with ``up``/``down`` = (framing, header, body, attachment).
Client tags are ``aNNN`` (three digits) as the client writes them for its first 999 commands; the
model assumes that width for every command (a long-lived connection's later tags are one octet
longer, which is not modelled).
"""

from __future__ import annotations

import enum
from bisect import bisect_left
from collections.abc import Callable
from typing import Any, Final

from ..inputs.scenario import TlsMode
from ..outputs.metrics import ANSWERED, FLAGGED, FORWARDED, SEEN
from ..protocol.imap.config import ImapConfig
from ..protocol.imap.formatting import flag_list
from ..protocol.imap.parser import uid_ranges
from ..protocol.imap.server import ImapServer
from ..protocol.imap_client import ImapClient, SyncMode, connect
from ..protocol.message import ByteKind, Entity, Filler, FillerKind, Message
from ..protocol.profiles import DEFAULT_PROFILE, imap_config
from ..protocol.store import Store
from .pop3_costs import digits
from .state import MailId, Uid
from .wire_cost import Cost

USER = "user"
PASSWORD = "secret"
CHUNK: Final = 65536
# a probe lays out at most this many digits of sequence number (99 messages before its target);
# longer ones are extended from it (ImapCosts._at_seq)
SEQ_PROBE_DIGITS: Final = 3
# an APPEND's framing is measured on probes of up to this many digits (100 KB) and extended
# beyond (see ImapCosts.append)
APPEND_PROBE_DIGITS: Final = 6

ZERO: Final[Cost] = ((0, 0, 0, 0), (0, 0, 0, 0), 0)

# \\Deleted is never a stored state of the model (a delete is STORE \\Deleted + EXPUNGE at once),
# but other sessions are pushed the flag change in between, so pushes can carry it
DELETED: Final = 16
_FLAG_NAMES = (
    (SEEN, "\\Seen"),
    (ANSWERED, "\\Answered"),
    (FLAGGED, "\\Flagged"),
    (FORWARDED, "$Forwarded"),
    (DELETED, "\\Deleted"),
)
_FILLER = Message(Entity(("Subject: f",), b"x\r\n"))


class NewFetch(enum.IntEnum):
    """What a client fetches of a message new to it, from its policy's fetch mode and attachment
    policy (an IntEnum: it sits in hot memo keys, where it hashes as fast as an int)."""

    HEADERS = 0  # the headers only
    WHOLE = 1  # full offline sync with eager attachments: the whole message
    TEXT = 2  # full offline sync, attachments on demand: the text part too (PEEK)
    ATTACHMENT = 3  # eager attachments without full offline sync: headers, then the attachment


class StaleOp(enum.Enum):
    """A command a client sends for a message another session already moved or deleted."""

    STORE = "store"  # +FLAGS.SILENT
    MOVE = "move"  # UID MOVE to a folder
    DELETE = "delete"  # \Deleted + UID EXPUNGE


def flag_names(bits: int) -> set[str]:
    return {name for bit, name in _FLAG_NAMES if bits & bit}


_ALL_FLAGS: Final = SEEN | ANSWERED | FLAGGED | FORWARDED | DELETED
# octets of the flag list of every model flag set, indexed by its bits
_FLAG_LENS: Final = tuple(len(flag_list(flag_names(b))) for b in range(_ALL_FLAGS + 1))


def flag_len(bits: int) -> int:
    """Octets of the engine's flag list ``(\\Seen ...)`` for the flag bits (other bits are not
    flags the model keeps, as in :func:`flag_names`)."""
    return _FLAG_LENS[bits & _ALL_FLAGS]


def add(a: Cost, b: Cost) -> Cost:
    """The cost of doing ``a`` then ``b``."""
    (u1, d1, r1), (u2, d2, r2) = a, b
    return (
        (u1[0] + u2[0], u1[1] + u2[1], u1[2] + u2[2], u1[3] + u2[3]),
        (d1[0] + d2[0], d1[1] + d2[1], d1[2] + d2[2], d1[3] + d2[3]),
        r1 + r2,
    )


def extend_by_digits(one: Cost, two: Cost, more: int) -> Cost:
    """``two`` plus ``more`` times what ``two`` adds to ``one``: the cost of an operation with a
    number of ``d + more`` digits from its costs at ``d - 1`` and ``d`` digits, for a number the
    operation prints a fixed number of times (each digit then adds the same octets)."""
    (u1, d1, r1), (u2, d2, r2) = one, two
    return (
        (
            u2[0] + more * (u2[0] - u1[0]),
            u2[1] + more * (u2[1] - u1[1]),
            u2[2] + more * (u2[2] - u1[2]),
            u2[3] + more * (u2[3] - u1[3]),
        ),
        (
            d2[0] + more * (d2[0] - d1[0]),
            d2[1] + more * (d2[1] - d1[1]),
            d2[2] + more * (d2[2] - d1[2]),
            d2[3] + more * (d2[3] - d1[3]),
        ),
        r2 + more * (r2 - r1),
    )


def extend_by_octets(none: Cost, seen: Cost, octets: int) -> Cost | None:
    """The cost of an operation that prints a flag list of ``octets`` more octets than the
    empty one, from its costs with no flag (``none``) and with ``\\Seen`` alone (``seen``, 5
    octets more): each octet adds a fifth of what ``\\Seen`` added.  None when that is not a
    whole number of octets (then the flag list is not printed a fixed number of times)."""
    step = flag_len(SEEN) - flag_len(0)
    (u0, d0, r0), (u1, d1, r1) = none, seen
    diffs = [b - a for a, b in zip((*u0, *d0, r0), (*u1, *d1, r1))]
    if any(x % step for x in diffs):
        return None
    k = [x // step * octets for x in diffs]
    return (
        (u0[0] + k[0], u0[1] + k[1], u0[2] + k[2], u0[3] + k[3]),
        (d0[0] + k[4], d0[1] + k[5], d0[2] + k[6], d0[3] + k[7]),
        r0 + k[8],
    )


def untagged_updates(
    box: list[Uid],
    gone: list[Uid],
    dirty: set[Uid],
    announced: Uid,
    flags_of: Callable[[Uid], int],
    modseq_of: Callable[[Uid], int] | None = None,
) -> int:
    """Octets of the untagged updates a session receives with its next command, as
    :meth:`sim.protocol.imap.view.SelectedMailbox.catch_up` writes them.

    ``box`` is the mailbox's UIDs now; ``gone`` the UIDs other sessions expunged from this
    session's view since it was last brought up to date, ``dirty`` those whose flags they changed,
    ``announced`` the highest UID the session knows (higher ones are new: ``* N EXISTS``).
    ``flags_of(uid)`` gives a message's flag bits; ``modseq_of`` is given under QRESYNC, where
    expunges are one ``* VANISHED`` line and flag lines carry UID and MODSEQ."""
    octets = 0
    if gone:
        if modseq_of is not None:
            octets += 13 + len(uid_ranges(sorted(gone)))
        else:  # ``* n EXPUNGE``: n counts the messages still before it
            octets += sum(12 + digits(bisect_left(box, g) + 1) for g in sorted(gone))
    for uid in sorted(dirty):
        i = bisect_left(box, uid)
        if i == len(box) or box[i] != uid:
            continue  # expunged since: no flags line
        if modseq_of is not None:
            octets += ImapCosts.changed_line(i + 1, uid, flags_of(uid), modseq_of(uid))
        else:  # ``* n FETCH (FLAGS (...))``
            octets += 19 + digits(i + 1) + flag_len(flags_of(uid))
    if box and box[-1] > announced:
        octets += 11 + digits(len(box))  # ``* N EXISTS``
    return octets


def size_probe(d: int) -> Message | None:
    """The smallest plain message whose size has ``d`` decimal digits (a concrete body: cheap to
    render), for operations whose framing depends only on the digits of a message's size; None
    when no such message exists (``d`` < 2)."""
    header = ("Subject: p",)
    hsize = sum(len(f) + 2 for f in header) + 2
    body = max(2, 10 ** (d - 1) - hsize)
    m = Message(Entity(header, b"x" * (body - 2) + b"\r\n"))
    return m if digits(m.size) == d else None


def attachment_probe(size: int) -> Message:
    """A message whose attachment (part 2) is exactly ``size`` octets (at least 2) of plain
    filler, cheap to serve: the chunked fetches a longer one is extended from are measured on
    it (:meth:`ImapCosts.fetch_attachment`)."""
    return Message(
        Entity(
            ("Subject: a", 'Content-Type: multipart/mixed; boundary="b"'),
            (
                Entity(("Content-Type: text/plain",), b"x\r\n"),
                Entity(
                    ("Content-Type: application/octet-stream", "Content-Disposition: attachment"),
                    Filler(FillerKind.TEXT, size=size),
                ),
            ),
            boundary="b",
        )
    )


def first_chunk_with_digits(d: int, chunk: int) -> int:
    """The first partial fetch (index k >= 1, origin ``k * chunk``) whose origin has ``d``
    digits."""
    return max(1, -(-(10 ** (d - 1)) // chunk))


def _config(tls: TlsMode, qresync: bool = False, profile: str = DEFAULT_PROFILE) -> ImapConfig:
    """The server of the probes, with the texts of server ``profile``; with ``qresync`` it offers
    CONDSTORE and QRESYNC (and says so in its CAPABILITY line, which is part of every connect)."""
    extra = {"condstore": True} if qresync else {}
    return imap_config(
        profile, starttls=tls is TlsMode.STARTTLS, implicit_tls=tls is TlsMode.IMPLICIT, **extra
    )


def _number_with(d: int, at_least: int = 1) -> int:
    """The smallest number with ``d`` decimal digits that is at least ``at_least``."""
    n = max(10 ** (d - 1), at_least)
    if digits(n) != d:
        raise ValueError(f"no {d}-digit number >= {at_least}")
    return n


class _Probe:
    """A store with one mailbox laid out so that a target message has a given seq and UID."""

    def __init__(self, tls: TlsMode, qresync: bool, profile: str) -> None:
        self.tls = tls
        self.qresync = qresync
        self.profile = profile
        self.store = Store()
        self.account = self.store.add_account(USER, PASSWORD)

    def pad_validity(self, d: int) -> None:
        """Create folders until the next one gets a UIDVALIDITY of ``d`` digits (INBOX has 1 and
        each new folder takes the next number, as in the model)."""
        for i in range(2, _number_with(d, 2)):
            self.account.create(f"pad{i}")

    def calm(self, folder: str, highest_digits: int) -> None:
        """Make ``folder`` report a HIGHESTMODSEQ of ``highest_digits`` digits while nothing in it
        is newer than modseq 1 and nothing was expunged: a QRESYNC select then answers with its
        fixed part only (the variable lines are priced by formula)."""
        box = self.account.get(folder)
        assert box is not None
        for m in box.messages:
            m.modseq = 1
        box.changes.clear()
        box.highestmodseq = _number_with(highest_digits)

    def set_modseq(self, uid: int, d: int, folder: str = "INBOX") -> None:
        """Give message ``uid`` a modseq of ``d`` digits (the folder's highest, too)."""
        box = self.account.get(folder)
        assert box is not None
        stored = box.by_uid(uid)
        assert stored is not None
        stored.modseq = box.highestmodseq = _number_with(d)

    def next_modseq(self, d: int, bumps: int = 1, folder: str = "INBOX") -> None:
        """Arrange that after ``bumps`` more changes the folder's modseq has ``d`` digits."""
        box = self.account.get(folder)
        assert box is not None
        box.highestmodseq = _number_with(d, bumps + 1) - bumps

    def box(
        self,
        folder: str,
        seq: int,
        uid: int,
        message: Message | None,
        flags: set[str],
        uidnext: int | None = None,
    ) -> None:
        box = self.account.get(folder) or self.account.create(folder)
        if message is None:  # an exists/uidnext shape only
            box.uidnext = max(1, (uidnext or 1) - seq)
            for _ in range(seq):
                box.append(_FILLER)
            if uidnext is not None:
                box.uidnext = uidnext
            return
        box.uidnext = uid - seq + 1
        for _ in range(seq - 1):
            box.append(_FILLER)
        box.append(message, flags)

    def first_unseen(self, folder: str, unseen: int) -> None:
        """Give every message before the ``unseen``-th (all, when 0) ``\\Seen`` and that one
        none: a rev1 SELECT's ``[UNSEEN n]`` line then has as many digits as the real one."""
        box = self.account.get(folder)
        assert box is not None
        first = _number_with(digits(unseen)) if unseen else len(box.messages) + 1
        if first > len(box.messages) + 1:
            raise ValueError(f"first unseen message {unseen} of {len(box.messages)}")
        for seq, m in enumerate(list(box.messages), start=1):
            if seq < first:
                box.set_flags(m.uid, m.flags | {"\\Seen"})
            elif seq == first:
                box.set_flags(m.uid, m.flags - {"\\Seen"})

    def place(self, seq: int, uid: int, message: Message, flags: set[str]) -> int:
        """Put ``message`` in INBOX at a seq and UID with as many digits as the real ones; returns
        the probe's UID (framing depends on digit counts only, so that is all that must match)."""
        s = _number_with(digits(seq))
        u = _number_with(digits(uid), s)
        self.box("INBOX", s, u, message, flags)
        return u

    def client(self, folder: str | None = "INBOX") -> ImapClient:
        """A connected client; under QRESYNC it sends ``ENABLE QRESYNC`` before selecting."""
        c = connect(
            ImapServer(self.store, _config(self.tls, self.qresync, self.profile)),
            USER,
            PASSWORD,
            starttls=self.tls is TlsMode.STARTTLS,
            mailbox=None if self.qresync else folder,
        )
        if self.qresync:
            c.enable("QRESYNC")
            if folder is not None:
                c.select(folder)
        c.take_record()
        return c


def _cost_of(client: ImapClient, up_payload: tuple[int, int, int] = (0, 0, 0)) -> Cost:
    rec = client.take_record()
    c = rec.server_counts
    up_framing = rec.client_bytes - sum(up_payload)
    return ((up_framing, *up_payload), (c.framing, c.header, c.body, c.attachment), rec.round_trips)


class ImapCosts:
    """Memoised IMAP operation costs for one TLS mode, with or without QRESYNC enabled (see
    module docstring).  Under QRESYNC every FLAGS response carries ``MODSEQ (n)`` and expunges
    are announced as ``VANISHED uid``, so those operations take the modseq (or UID) whose digits
    they print; without it those arguments are ignored."""

    def __init__(self, tls: TlsMode, qresync: bool = False, profile: str = DEFAULT_PROFILE) -> None:
        self.tls = tls
        self.qresync = qresync
        self.profile = profile
        self.memo: dict[tuple[Any, ...], Cost] = {}

    def _probe(self) -> _Probe:
        return _Probe(self.tls, self.qresync, self.profile)

    def _max_append(self) -> int:
        """The largest message the probes' server takes in an APPEND."""
        return _config(self.tls, self.qresync, self.profile).max_append

    def _get(self, key: tuple[Any, ...], measure: Callable[[], Cost]) -> Cost:
        c = self.memo.get(key)
        if c is None:
            c = self.memo[key] = measure()
        return c

    @staticmethod
    def _at_seq(
        seq: int, measure_at: Callable[[int], Cost], cost_at: Callable[[int], Cost]
    ) -> Cost:
        """What a probe whose target message has sequence number ``seq`` measures:
        ``measure_at(seq)`` up to :data:`SEQ_PROBE_DIGITS` digits; beyond, from
        ``cost_at(10)`` and ``cost_at(100)``, the operation's own (memoised) costs at sequence
        numbers of one and two digits fewer.

        A target at a d-digit sequence number needs 10**(d-1) - 1 messages before it (a 60-day
        mailbox: a thousand, most of a probe's time).  The operations print the sequence number
        a fixed number of times, so each digit adds what the one before added
        (:func:`extend_by_digits`; ``tests/sim/test_cost_digit_extension.py`` compares with
        engine runs at the real sequence numbers).  The shapes at 10 and 100 are shared by every
        longer sequence number of the same operation and the same other digits."""
        d = digits(seq)
        if d <= SEQ_PROBE_DIGITS:
            return measure_at(seq)
        return extend_by_digits(cost_at(10), cost_at(100), d - SEQ_PROBE_DIGITS)

    # -- connection -----------------------------------------------------------------------------
    def connect(
        self,
        exists: int,
        uidnext: int,
        keywords: bool,
        highest: int = 1,
        since: int | None = None,
        unseen: int = 0,
    ) -> Cost:
        """Greeting, CAPABILITY, [STARTTLS, CAPABILITY], LOGIN, [ENABLE QRESYNC], SELECT INBOX.

        ``unseen`` is the sequence number of INBOX's first message without \\Seen (0: none), which
        the IMAP4rev1 SELECT reply names (RFC 3501 §6.3.1).  Under QRESYNC ``highest`` is INBOX's
        HIGHESTMODSEQ and ``since`` the modseq of the client's last sync (``None``: a first sync,
        a plain SELECT); the VANISHED and changed lines of a QRESYNC select are not included
        (:meth:`vanished_line`, :meth:`changed_line`)."""
        key: tuple[Any, ...] = (
            "connect",
            digits(exists),
            digits(uidnext),
            keywords,
            digits(unseen) if unseen else 0,
        )
        if self.qresync:
            key += (digits(highest), None if since is None else digits(since))

        def measure() -> Cost:
            p = self._probe()
            p.box(
                "INBOX",
                _number_with(digits(exists)) if exists else 0,
                0,
                None,
                set(),
                _number_with(digits(uidnext), (_number_with(digits(exists)) if exists else 0) + 1),
            )
            if keywords:
                p.account.inbox.append(
                    _FILLER, {"$Forwarded"}
                ) if not exists else p.account.inbox.set_flags(
                    p.account.inbox.messages[0].uid, {"$Forwarded"}
                )
            p.first_unseen("INBOX", unseen)
            c = connect(
                ImapServer(p.store, _config(self.tls, self.qresync, self.profile)),
                USER,
                PASSWORD,
                starttls=self.tls is TlsMode.STARTTLS,
                mailbox=None if self.qresync else "INBOX",
            )
            if self.qresync:
                p.calm("INBOX", digits(highest))
                c.enable("QRESYNC")
                c.select(
                    "INBOX",
                    qresync=None
                    if since is None
                    else (p.account.inbox.uidvalidity, _number_with(digits(since))),
                )
            return _cost_of(c)

        return self._get(key, measure)

    def select(
        self,
        folder: str,
        exists: int,
        uidnext: int,
        keywords: bool,
        validity: int = 2,
        highest: int = 1,
        since: int | None = None,
        unseen: int = 0,
    ) -> Cost:
        """SELECT of another folder on an open connection (closes the previous one).

        ``validity`` is the folder's UIDVALIDITY (its digits are in the reply); ``unseen``,
        ``highest`` and ``since`` are as for :meth:`connect`."""
        key: tuple[Any, ...] = (
            "select",
            folder,
            digits(exists),
            digits(uidnext),
            keywords,
            1 if folder == "INBOX" else digits(validity),
            digits(unseen) if unseen else 0,
        )
        if self.qresync:
            key += (digits(highest), None if since is None else digits(since))

        def measure() -> Cost:
            p = self._probe()
            if folder != "INBOX":
                p.pad_validity(digits(validity))
            n = _number_with(digits(exists)) if exists else 0
            p.box(folder, n, 0, None, set(), _number_with(digits(uidnext), n + 1))
            box = p.account.get(folder)
            assert box is not None
            if keywords and n:
                box.set_flags(box.messages[0].uid, {"$Forwarded"})
            p.first_unseen(folder, unseen)
            c = p.client("INBOX")
            if self.qresync:
                p.calm(folder, digits(highest))
                c.select(
                    folder,
                    qresync=None
                    if since is None
                    else (box.uidvalidity, _number_with(digits(since))),
                )
            else:
                c.select(folder)
            return _cost_of(c)

        return self._get(key, measure)

    @staticmethod
    def vanished_line(uids: list[int]) -> int:
        """``* VANISHED (EARLIER) 3:5,9`` CRLF of a QRESYNC select (0 octets when none)."""
        return 23 + len(uid_ranges(uids)) if uids else 0

    @staticmethod
    def changed_line(seq: int, uid: int, bits: int, modseq: int) -> int:
        """``* seq FETCH (UID uid FLAGS (...) MODSEQ (m))`` CRLF: a message changed since the
        client's modseq, or a line of a full flag listing under QRESYNC."""
        return 34 + digits(seq) + digits(uid) + flag_len(bits) + digits(modseq)

    def _fresh(self, key: tuple[Any, ...], act: Callable[[ImapClient], object]) -> Cost:
        """Cost of one fixed-shape step on a freshly connected probe client (memoised by key)."""

        def measure() -> Cost:
            c = self._probe().client()
            act(c)
            return _cost_of(c)

        return self._get(key, measure)

    def noop(self) -> Cost:
        return self._fresh(("noop",), lambda c: c.noop())

    def idle_cycle(self) -> Cost:
        """DONE + tagged OK + IDLE + ``+ idling``: re-issuing IDLE (or resuming after a command)."""

        def cycle(c: ImapClient) -> None:
            c.idle_start()
            c.idle_done()

        return self._fresh(("idle",), cycle)

    def idle_start(self) -> Cost:
        return self._fresh(("idle_start",), lambda c: c.idle_start())

    def keepalive(self) -> Cost:
        """One ``* OK Still here`` the server sends to an IDLE-ing client (no round trip)."""

        def measure() -> Cost:
            c = self._probe().client()
            c.idle_start()
            c.take_record()
            assert c.engine.keepalive()
            c.idle_push()
            return _cost_of(c)

        return self._get(("keepalive",), measure)

    def failed_write(self, idling: bool) -> Cost:
        """The client's ``DONE`` (``idling``) or ``NOOP`` on a connection a NAT has forgotten:
        its octets go up, an RST comes back after a round trip, nothing else arrives."""
        if idling:  # IDLE's cycle minus IDLE itself is the DONE
            done = self.idle_cycle()[0][0] - self.idle_start()[0][0]
            return ((done, 0, 0, 0), (0, 0, 0, 0), 1)
        return ((self.noop()[0][0], 0, 0, 0), (0, 0, 0, 0), 1)

    def _push(
        self,
        key: tuple[Any, ...],
        setup: Callable[[_Probe, int], int],
        change: Callable[[_Probe, int], None],
        seq: int = 1,
        cost_at: Callable[[int], Cost] | None = None,
    ) -> Cost:
        """What the server pushes to an idling client when ``change(probe, uid)`` alters INBOX
        after ``setup(probe, seq)`` laid it out (and returned the UID the change is about);
        ``seq``: the sequence number of the message the push is about, ``cost_at(s)`` the push
        about sequence number ``s`` (see :meth:`_at_seq`; not needed below 1000)."""

        def at(s: int) -> Cost:
            p = self._probe()
            u = setup(p, s)
            c = p.client()
            c.idle_start()
            c.take_record()
            change(p, u)
            c.idle_push()
            return _cost_of(c)

        return self._get(key, lambda: self._at_seq(seq, at, cost_at or at))

    def _target(self, uid: int) -> Callable[[_Probe, int], int]:
        """A probe layout for a push about the message at a sequence number: under QRESYNC the
        push names its UID too, otherwise only its sequence number matters."""

        def setup(p: _Probe, seq: int) -> int:
            if self.qresync:
                return p.place(seq, uid, _FILLER, set())
            u = _number_with(digits(seq))
            p.box("INBOX", u, u, _FILLER, set())
            return u

        return setup

    def push_exists(self, exists: int) -> Cost:
        n = _number_with(digits(exists))

        def setup(p: _Probe, _seq: int) -> int:
            p.box("INBOX", n - 1, 0, None, set(), n)
            return 0

        def deliver(p: _Probe, _uid: int) -> None:
            p.account.inbox.append(_FILLER)

        return self._push(("push_exists", digits(exists)), setup, deliver)

    def push_flags(self, seq: int, bits: int, uid: int = 1, modseq: int = 1) -> Cost:
        """``* seq FETCH (FLAGS (...))`` pushed while idling; under QRESYNC the line also carries
        ``UID uid`` and the message's new ``MODSEQ (modseq)``."""
        key: tuple[Any, ...] = ("push_flags", digits(seq), flag_len(bits))
        if self.qresync:
            key += (digits(uid), digits(modseq))

        def change(p: _Probe, u: int) -> None:
            if self.qresync:
                p.next_modseq(digits(modseq), 1 if bits else 2)
            box = p.account.inbox
            box.set_flags(u, flag_names(bits) or {"\\Draft"})
            if not bits:  # "no flags" is reached from \\Draft: a change the engine pushes
                box.set_flags(u, set())

        return self._push(
            key, self._target(uid), change, seq, lambda s: self.push_flags(s, bits, uid, modseq)
        )

    def push_expunge(self, seq: int, uid: int = 1) -> Cost:
        """``* seq EXPUNGE`` pushed while idling; under QRESYNC ``* VANISHED uid`` instead."""
        key = ("push_expunge", digits(uid) if self.qresync else digits(seq))

        def expunge(p: _Probe, u: int) -> None:
            p.account.inbox.expunge([u])

        if self.qresync:  # VANISHED names the UID: the sequence number is not printed
            return self._push(key, self._target(uid), expunge)
        return self._push(key, self._target(uid), expunge, seq, lambda s: self.push_expunge(s))

    # -- per-message operations (the message supplies the payload octets) -------------------------
    def _one_message(
        self,
        op: Callable[[int, int], Cost],
        act: Callable[[ImapClient, int], object],
        build: Callable[[], Message],
        seq: int,
        uid: int,
        bits: int,
        modseq: int,
    ) -> Cost:
        """Measure a command about one message (``act(client, uid)``) that prints its flag list
        once (``FLAGS (...)``): a list other than none or ``\\Seen`` is extended octet by octet
        from those two shapes (``op(seq, flag bits)`` is the same command's cost at another
        sequence number or flag set); otherwise it runs on a probe mailbox with the message at
        ``seq`` (long sequence numbers extended by digits, :meth:`_at_seq`)."""
        if bits not in (0, SEEN):
            flagged = extend_by_octets(op(seq, 0), op(seq, SEEN), flag_len(bits) - flag_len(0))
            if flagged is not None:
                return flagged

        def at(s: int) -> Cost:
            p = self._probe()
            u = p.place(s, uid, build(), flag_names(bits))
            if self.qresync:
                p.set_modseq(u, digits(modseq))
            c = p.client()
            act(c, u)
            return _cost_of(c)

        return self._at_seq(seq, at, lambda s: op(s, bits))

    # ``mail`` is a :class:`sim.model.state.Mail` (sizes); ``build()`` makes its Message, needed only
    # when a shape is measured for the first time.
    def sync_headers(
        self,
        mail: Any,
        build: Callable[[], Message],
        seq: int,
        uid: int,
        bits: int,
        modseq: int = 1,
    ) -> Cost:
        """``UID FETCH uid:* (UID FLAGS RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER])`` (under
        QRESYNC the reply also carries the message's ``MODSEQ``).  The BODYSTRUCTURE text is
        framing that only its length decides, so it is added like a payload (``mail.structure``
        octets) rather than being part of the shape: far fewer shapes to measure."""
        key = (
            "sync",
            digits(seq),
            digits(uid),
            flag_len(bits),
            digits(mail.size),
            digits(mail.header),
            digits(modseq) if self.qresync else 0,
        )

        def measure() -> Cost:
            return self._one_message(
                lambda s, b: self.sync_headers(mail, build, s, uid, b, modseq),
                lambda c, u: c.sync_headers(u, SyncMode.HEADERS),
                build,
                seq,
                uid,
                bits,
                modseq,
            )

        c = self.memo.get(key)
        if c is None:  # the probe's message is this one: its structure and header come off
            (uf, uh, ub, ua), (df, dh, db, da), rt = measure()
            c = self.memo[key] = (
                (uf, uh, ub, ua),
                (df - mail.structure, dh - mail.header, db, da),
                rt,
            )
        d = c[1]
        return (c[0], (d[0] + mail.structure, d[1] + mail.header, d[2], d[3]), c[2])

    def fetch_text(
        self,
        mail: Any,
        build: Callable[[], Message],
        seq: int,
        uid: int,
        bits: int,
        *,
        peek: bool = False,
        new_modseq: int = 1,
    ) -> Cost:
        """Body on open: ``UID FETCH uid (BODY[1])`` -- sets \\Seen, which the server echoes
        (under QRESYNC with the ``new_modseq`` the change gets) -- or, for offline sync,
        ``BODY.PEEK[1]``."""
        seen = peek or bool(bits & SEEN)
        key = (
            "text",
            digits(seq),
            digits(uid),
            flag_len(bits | SEEN),
            seen,
            peek,
            digits(mail.text),
            digits(new_modseq) if self.qresync and not seen else 0,
        )

        def measure() -> Cost:
            def at(s: int) -> Cost:
                p = self._probe()
                u = p.place(s, uid, build(), flag_names(bits | SEEN) if seen else flag_names(bits))
                if self.qresync:
                    p.next_modseq(digits(new_modseq))
                c = p.client()
                c.fetch_body(u, "1", mark_seen=not peek)
                return _cost_of(c)

            return self._at_seq(
                seq,
                at,
                lambda s: self.fetch_text(
                    mail, build, s, uid, bits, peek=peek, new_modseq=new_modseq
                ),
            )

        return self._payload(key, measure, (0, mail.text, 0))

    def fetch_attachment(
        self, mail: Any, build: Callable[[], Message], seq: int, uid: int, chunk: int = CHUNK
    ) -> Cost:
        """The attachment part ``BODY.PEEK[2]``, in ``chunk``-octet partial fetches when larger.

        The framing depends on how many partial fetches there are and the digits of their
        origins and lengths: the number of whole chunks, the chunk size and the remainder's
        digits fix all of them (a remainder of 0 means one command fewer).

        The fetches are independent commands, so the framing is their sum: past the first two
        fetches whose origins have as many digits as the last one's, each further fetch adds
        what the second of them added (a fetch of a whole chunk at an origin of those digits).
        Such a fetch is extended from the shapes with those two as the last
        (:func:`extend_by_digits`, measured on an :func:`attachment_probe`) instead of serving
        every chunk of this message (``tests/sim/test_cost_digit_extension.py`` compares with
        engine runs)."""
        size = mail.att
        if size > chunk:
            full, rem = divmod(size, chunk)
            key: tuple[Any, ...] = (
                "att",
                digits(seq),
                digits(uid),
                chunk,
                full,
                digits(rem) if rem else 0,
            )
        else:
            key = ("att", digits(seq), digits(uid), -1, digits(size))

        def measure() -> Cost:
            if size > chunk:
                last = full if rem else full - 1  # the index of the last partial fetch
                first = first_chunk_with_digits(digits(last * chunk), chunk)
                if last >= first + 2:
                    one, two = (
                        self._chunked_framing(seq, uid, chunk, k, rem) for k in (first, first + 1)
                    )
                    (uf, uh, ub, ua), (df, dh, db, da), rt = extend_by_digits(
                        one, two, last - first - 1
                    )
                    return ((uf, uh, ub, ua), (df, dh, db, da + size), rt)
            # (serving the chunks, not the probe's layout, is the work here: measured once at
            # the real sequence number's digits)
            p = self._probe()
            u = p.place(seq, uid, build(), set())
            c = p.client()
            c.fetch_attachment(u, "2", size, chunk)
            return _cost_of(c)

        return self._payload(key, measure, (0, 0, size))

    def _chunked_framing(self, seq: int, uid: int, chunk: int, last: int, rem: int) -> Cost:
        """The framing of a chunked attachment fetch whose last partial fetch has index ``last``
        and a remainder of ``rem``'s digits (0: a whole chunk), from the memo."""
        size = (last + 1) * chunk if not rem else last * chunk + 10 ** (digits(rem) - 1)

        class Sizes:
            att = size

        up, (df, dh, db, da), rt = self.fetch_attachment(
            Sizes, lambda: attachment_probe(size), seq, uid, chunk
        )
        return up, (df, dh, db, da - size), rt

    def fetch_full(
        self,
        mail: Any,
        build: Callable[[], Message],
        seq: int,
        uid: int,
        bits: int,
        modseq: int = 1,
    ) -> Cost:
        """Offline sync of a whole message: ``UID FETCH uid (UID RFC822.SIZE FLAGS BODY.PEEK[])``
        (under QRESYNC the reply also carries the message's ``MODSEQ``)."""
        key = (
            "full",
            digits(seq),
            digits(uid),
            flag_len(bits),
            digits(mail.size),
            digits(modseq) if self.qresync else 0,
        )

        def measure() -> Cost:
            return self._one_message(
                lambda s, b: self.fetch_full(mail, build, s, uid, b, modseq),
                lambda c, u: c.fetch_full([u]),
                build,
                seq,
                uid,
                bits,
                modseq,
            )

        return self._payload(key, measure, (mail.header, mail.body, mail.attachment))

    def fetch_new(
        self,
        mail: Any,
        builder: Callable[[int], Message],
        mid: MailId,
        seq: int,
        uid: int,
        bits: int,
        modseq: int,
        mode: NewFetch,
    ) -> Cost:
        """What a client fetches of a message new to it: :meth:`sync_headers`, then for
        ``NewFetch.WHOLE`` :meth:`fetch_full`, or for ``NewFetch.TEXT`` :meth:`fetch_text` with
        PEEK; ``NewFetch.HEADERS``: headers only (``NewFetch.ATTACHMENT`` is the client's:
        headers here, then :meth:`fetch_attachment`).  The same octets as those calls
        added up, memoised under one key (every device fetches every new message);
        ``builder(mid)`` makes the Message when a shape is measured."""
        key = (
            "new",
            mode,
            digits(seq),
            digits(uid),
            flag_len(bits),
            digits(mail.size),
            digits(mail.header),
            (digits(mail.text), flag_len(bits | SEEN)) if mode is NewFetch.TEXT else 0,
            digits(modseq) if self.qresync else 0,
        )
        if mode is NewFetch.WHOLE:
            h, b, a = mail.header + mail.header, mail.body, mail.attachment
        else:
            h, b, a = mail.header, mail.text if mode is NewFetch.TEXT else 0, 0
        c = self.memo.get(key)
        if c is None:

            def build() -> Message:
                return builder(mid)

            total = self.sync_headers(mail, build, seq, uid, bits, modseq)
            if mode is NewFetch.WHOLE:
                total = add(total, self.fetch_full(mail, build, seq, uid, bits, modseq))
            elif mode is NewFetch.TEXT:
                total = add(total, self.fetch_text(mail, build, seq, uid, bits, peek=True))
            (uf, uh, ub, ua), (df, dh, db, da), rt = total
            c = self.memo[key] = (
                (uf, uh, ub, ua),
                (df - mail.structure, dh - h, db - b, da - a),
                rt,
            )
        d = c[1]
        return (c[0], (d[0] + mail.structure, d[1] + h, d[2] + b, d[3] + a), c[2])

    def _payload(
        self,
        key: tuple[Any, ...],
        measure: Callable[[], Cost],
        payload: tuple[int, int, int],
        *,
        up: bool = False,
    ) -> Cost:
        """Memoise the framing of a shape; add this message's own payload octets
        ``(header, body, attachment)`` (the probe measured its own message's, which are removed).
        ``up``: the payload travels from the client (APPEND)."""
        c = self.memo.get(key)
        if c is not None:  # the hot path: framing memoised, add this message's payload
            h, b, a = payload
            if up:
                u = c[0]
                return ((u[0], u[1] + h, u[2] + b, u[3] + a), c[1], c[2])
            d = c[1]
            return (c[0], (d[0], d[1] + h, d[2] + b, d[3] + a), c[2])
        # first time: store the framing alone (the probe's own payload taken out), then add ours
        (uf, uh, ub, ua), (df, dh, db, da), rt = measure()
        h, b, a = payload
        if up:
            uh, ub, ua = uh - h, ub - b, ua - a
        else:
            dh, db, da = dh - h, db - b, da - a
        self.memo[key] = ((uf, uh, ub, ua), (df, dh, db, da), rt)
        return self._payload(key, measure, payload, up=up)

    def store_flags(self, seq: int, uid: int, add_bits: int, remove: bool = False) -> Cost:
        key = ("store", digits(seq), digits(uid), flag_len(add_bits), remove)

        def at(s: int) -> Cost:
            p = self._probe()
            u = p.place(s, uid, _FILLER, set())
            c = p.client()
            c.store_flags([u], flag_names(add_bits), add=not remove)
            return _cost_of(c)

        return self._get(
            key, lambda: self._at_seq(seq, at, lambda s: self.store_flags(s, uid, add_bits, remove))
        )

    def move(
        self, seq: int, uid: int, folder: str, target_uidvalidity: int, target_uid: int
    ) -> Cost:
        key = (
            "move",
            digits(seq),
            digits(uid),
            folder,
            digits(target_uidvalidity),
            digits(target_uid),
        )

        def at(s: int) -> Cost:
            p = self._probe()
            for i in range(2, _number_with(digits(target_uidvalidity), 2)):
                p.account.create(f"pad{i}")
            target = p.account.create(folder)
            target.uidnext = _number_with(digits(target_uid))
            u = p.place(s, uid, _FILLER, set())
            c = p.client()
            c.move([u], folder)
            return _cost_of(c)

        return self._get(
            key,
            lambda: self._at_seq(
                seq, at, lambda s: self.move(s, uid, folder, target_uidvalidity, target_uid)
            ),
        )

    def delete(self, seq: int, uid: int) -> Cost:
        key = ("delete", digits(seq), digits(uid))

        def at(s: int) -> Cost:
            p = self._probe()
            u = p.place(s, uid, _FILLER, set())
            c = p.client()
            c.delete([u])
            return _cost_of(c)

        return self._get(key, lambda: self._at_seq(seq, at, lambda s: self.delete(s, uid)))

    def stale(self, op: StaleOp, uid: int, bits: int = 0, folder: str = "") -> Cost:
        """A command naming a UID its mailbox no longer holds -- another session moved or
        deleted the message and this client has not heard yet: ``op`` STORE (of ``bits``), MOVE
        (to ``folder``) or DELETE.  The server answers OK and changes nothing (no COPYUID, no
        EXPUNGE)."""
        key = ("stale", op, digits(uid), flag_len(bits) if op is StaleOp.STORE else 0, folder)

        def measure() -> Cost:
            p = self._probe()
            u = _number_with(digits(uid))
            p.box("INBOX", 1, u + 1, _FILLER, set())  # one message, with another UID
            if op is StaleOp.MOVE:
                p.account.create(folder)
            c = p.client()
            if op is StaleOp.STORE:
                c.store_flags([u], flag_names(bits))
            elif op is StaleOp.MOVE:
                c.move([u], folder)
            else:
                c.delete([u])
            return _cost_of(c)

        return self._get(key, measure)

    def append(
        self, mail: Any, build: Callable[[], Message], uidnext: int, uidvalidity: int
    ) -> Cost:
        """APPEND to Sent (flags \\Seen, LITERAL+); the literal is uploaded message content."""
        key = ("append", digits(mail.size), digits(uidnext), digits(uidvalidity))

        def at(d: int) -> Cost:
            """The framing of an APPEND of a ``d``-digit literal."""
            p = self._probe()
            # INBOX holds UIDVALIDITY 1 and each new folder takes the next one, so Sent gets as
            # many digits as the real one after the folders 2 .. (smallest such number) - 1
            for i in range(2, _number_with(digits(uidvalidity), 2)):
                p.account.create(f"pad{i}")
            box = p.account.create("Sent")
            box.uidnext = _number_with(digits(uidnext))
            c = p.client()
            # the framing depends on the literal's length digits only, so a plain message of as
            # many digits stands in for this one (rendering a 10 MB attachment takes a second)
            probe = size_probe(d) or build()
            c.append("Sent", probe)
            ks = probe.kind_sizes()
            (uf, _, _, _), down, rt = _cost_of(
                c, (ks[ByteKind.HEADER], ks[ByteKind.BODY], ks[ByteKind.ATTACHMENT])
            )
            return ((uf, 0, 0, 0), down, rt)

        def measure() -> Cost:
            d = digits(mail.size)
            # the literal's length is printed once ({n+}): past APPEND_PROBE_DIGITS each digit
            # adds what the last one added, as long as the server would take a probe of that
            # many digits (a 10 MB probe is most of a second of the engine's work)
            if d > APPEND_PROBE_DIGITS and 10 ** (d - 1) <= self._max_append():
                framing = extend_by_digits(
                    at(APPEND_PROBE_DIGITS - 1), at(APPEND_PROBE_DIGITS), d - APPEND_PROBE_DIGITS
                )
            else:
                framing = at(d)
            (uf, _, _, _), down, rt = framing
            return ((uf, mail.header, mail.body, mail.attachment), down, rt)

        return self._payload(key, measure, (mail.header, mail.body, mail.attachment), up=True)

    # -- listings --------------------------------------------------------------------------------
    def flags_resync_base(self) -> Cost:
        """``UID FETCH 1:* (UID FLAGS)`` minus its per-message lines (measured on one message;
        under QRESYNC each line is a :meth:`changed_line`, MODSEQ included)."""

        def measure() -> Cost:
            p = self._probe()
            p.box("INBOX", 1, 1, _FILLER, set())
            c = p.client()
            c.fetch_flags(1)
            (uf, uh, ub, ua), (df, dh, db, da), rt = _cost_of(c)
            line = (
                self.changed_line(1, 1, 0, p.account.inbox.messages[0].modseq)
                if self.qresync
                else self.flags_line(1, 1, 0)
            )
            return ((uf, uh, ub, ua), (df - line, dh, db, da), rt)

        return self._get(("resync",), measure)

    @staticmethod
    def flags_line(seq: int, uid: int, bits: int) -> int:
        """``* seq FETCH (UID uid FLAGS (...))`` CRLF."""
        return 2 + digits(seq) + 8 + 4 + digits(uid) + 7 + flag_len(bits) + 3

    def search_base(self, query: str) -> Cost:
        """``UID SEARCH TEXT q`` with no hit; each hit adds a space and its UID."""
        key = ("search", len(query))

        def measure() -> Cost:
            c = self._probe().client()
            c.search(f"TEXT {query}")
            return _cost_of(c)

        return self._get(key, measure)


_COSTS: dict[tuple[TlsMode, bool, str], ImapCosts] = {}


def costs_for(tls: TlsMode, qresync: bool = False, profile: str = DEFAULT_PROFILE) -> ImapCosts:
    """The cost tables of one TLS mode, QRESYNC or not, under server ``profile``."""
    key = (tls, qresync, profile)
    if key not in _COSTS:
        _COSTS[key] = ImapCosts(tls, qresync, profile)
    return _COSTS[key]
