"""What a POP3 poll costs, derived from real engine sessions and reused by shape.

Theory of operation
-------------------
A poll (``sim.protocol.pop3_client.poll``) is a fixed login block, then STAT, LIST, UIDL, per-message
TOP/RETR/DELE and QUIT.  Running the engine for every poll of a long simulation would be slow, and
most of what it computes repeats: the login block is the same every time, and every other reply's
framing depends only on the *decimal lengths* of the numbers in it (message numbers, sizes, UIDs,
counts) -- payload octets are the message's own sizes, split by :class:`Mail` into header, body and
attachment.  :class:`Pop3Costs` therefore runs the real client against the real engine once to
measure the login block (greeting, CAPA, optional STLS + CAPA, USER, PASS) and the locked-maildrop
refusal, and computes the rest from the reply formats of those same engine sessions.
``tests/sim/test_model_costs.py`` checks, on random maildrops and policies, that the assembled
cost equals the counts of a direct engine run octet for octet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..protocol.message import Entity, Filler, FillerKind, Message
from ..protocol.pop3 import Pop3Server
from ..protocol.pop3_client import LeavePolicy, PollOptions, PollOutcome, poll
from ..protocol.pop3_config import Pop3Config
from ..protocol.store import Store

USER = "user"
PASSWORD = "secret"
HOSTNAME = Pop3Config().hostname


_DIGITS: Final = bytes(len(str(i)) for i in range(100_000))  # the hot range, as a lookup table


def digits(n: int) -> int:
    """Decimal length of ``n`` >= 0 (cost keys and listing sums need it millions of times)."""
    return _DIGITS[n] if 0 <= n < 100_000 else len(str(n))


def sum_digits_1_to(n: int) -> int:
    """Sum of the decimal lengths of 1..n, in closed form."""
    total, lo, d = 0, 1, 1
    while lo <= n:
        hi = min(n, lo * 10 - 1)
        total += (hi - lo + 1) * d
        lo *= 10
        d += 1
    return total


@dataclass(frozen=True)
class LoginBlock:
    client: int
    server: int
    round_trips: int


def _probe_message(size: int) -> Message:
    header = ("Subject: probe",)
    hsize = sum(len(f) + 2 for f in header) + 2
    return Message(Entity(header, Filler(FillerKind.TEXT, size=max(2, size - hsize), seed=size)))


def _login_block(stls: bool, locked: bool) -> LoginBlock:
    """Measure greeting .. PASS (and, when locked, the refusal and QUIT) on a real engine."""
    store = Store()
    account = store.add_account(USER, PASSWORD)
    cfg = Pop3Config(tls_available=stls)
    if locked:
        account.pop3_lock = object()
    res = poll(Pop3Server(store, cfg), PollOptions(USER, PASSWORD, stls=stls))
    ex = res.record.exchanges
    if locked:
        assert res.outcome is PollOutcome.LOCKED
        return LoginBlock(res.record.client_bytes, res.record.server_bytes, res.record.round_trips)
    # everything before STAT
    idx = next(i for i, e in enumerate(ex) if e.client.startswith(b"STAT"))
    head = ex[:idx]
    return LoginBlock(sum(e.client_bytes for e in head), sum(e.server_bytes for e in head),
                      sum(e.round_trips for e in head))


_BLOCKS: dict[tuple[bool, bool], LoginBlock] = {}


def login_block(stls: bool, locked: bool = False) -> LoginBlock:
    key = (stls, locked)
    if key not in _BLOCKS:
        _BLOCKS[key] = _login_block(stls, locked)
    return _BLOCKS[key]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


_RETR_OK = len("+OK  octets\r\n")  # RETR's reply line without the size's digits
_DELE_OK = len("+OK message  deleted\r\n")  # DELE's reply line without the number's digits
_QUIT_TAIL: dict[int, int] = {}  # messages left -> length of QUIT's " (... left)" tail
_OCTETS = len(" ( octets)")  # "<plural> (<total> octets)" without the plural and the total
_UIDL_OK = len(b"+OK unique-id listing follows\r\n")


# what World.charge takes for a session: (client octets by kind, server octets by kind, round
# trips); kinds are (framing, header, body, attachment), the client sends framing only
Charge = tuple[tuple[int, int, int, int], tuple[int, int, int, int], int]


@dataclass(slots=True)
class PollCost:
    """Octets and round trips of one poll (no TCP/TLS: the network model adds those)."""

    client: int = 0  # all framing (commands)
    framing: int = 0  # server framing
    header: int = 0
    body: int = 0
    attachment: int = 0
    round_trips: int = 0

    @property
    def server(self) -> int:
        return self.framing + self.header + self.body + self.attachment

    def charge_args(self) -> Charge:
        return (self.client, 0, 0, 0), (self.framing, self.header, self.body,
                                         self.attachment), self.round_trips


class Pop3Costs:
    """Cost arithmetic of :func:`sim.protocol.pop3_client.poll` for one TLS mode.

    Listing sums are passed in by the caller, who keeps them up to date incrementally:
    ``size_digits`` = sum of the decimal lengths of the maildrop's sizes, ``uid_digits`` = the same
    for the UIDs (the UIDL id is ``"<uidvalidity>.<uid>"``; ``uidvalidity`` is 1 for INBOX)."""

    def __init__(self, stls: bool) -> None:
        self.stls = stls
        self.login = login_block(stls)
        self.locked = login_block(stls, locked=True)
        self._idle: dict[tuple[int, int, int, int, bool], Charge] = {}
        # begin()'s part that depends on the message count alone, per use_uidl and count
        self._fixed: dict[bool, dict[int, tuple[int, int, int]]] = {False: {}, True: {}}
        self.empty_drop = len(f"{_plural(0, 'message')} (0 octets)")
        self.signoff = len(f"+OK {HOSTNAME} POP3 server signing off".encode())

    def begin(self, n: int, total: int, size_digits: int, uid_digits: int,
              use_uidl: bool) -> PollCost:
        """Login block, STAT, LIST and (with UIDL) UIDL for a maildrop of ``n`` messages.

        Arithmetic on decimal lengths: the part that depends on ``n`` alone is kept per ``n``
        (a maildrop's octets rarely repeat between sessions, its message count does);
        ``tests/sim/test_pop3_fast_paths.py`` checks it against the replies formatted in full."""
        fixed = self._fixed[use_uidl].get(n)
        if fixed is None:
            fixed = self._fixed[use_uidl][n] = self._begin_fixed(n, use_uidl)
        client, framing, round_trips = fixed
        # the total octets appear three times (PASS's reply, STAT, LIST), the listing sums once
        framing += 3 * len(str(total)) + size_digits
        if use_uidl:
            framing += uid_digits
        return PollCost(client, framing, 0, 0, 0, round_trips)

    def _begin_fixed(self, n: int, use_uidl: bool) -> tuple[int, int, int]:
        """:meth:`begin` of ``n`` messages without the digits of the total octets and the
        listing sums: (client octets, server framing, round trips)."""
        dn = digits(n)
        numbers = sum_digits_1_to(n)
        plural = dn + (8 if n == 1 else 9)  # "<n> message" / "<n> messages"
        # PASS's reply names the maildrop ("... has <plural> (<total> octets)", less the empty
        # maildrop's that the login block holds); "+OK <n> <total>\r\n" (STAT); LIST's
        # "+OK <plural> (<total> octets)\r\n", its "i size\r\n" lines and ".\r\n"
        framing = (self.login.server + plural + _OCTETS - self.empty_drop
                   + dn + 7
                   + plural + _OCTETS + 6
                   + numbers + n * 3 + 3)
        if use_uidl:  # "+OK unique-id listing follows\r\n", "i 1.uid\r\n" lines, ".\r\n"
            return (self.login.client + 18, framing + _UIDL_OK + numbers + n * 5 + 3,
                    self.login.round_trips + 3)
        return self.login.client + 12, framing, self.login.round_trips + 2

    def idle_charge(self, n: int, total: int, size_digits: int, uid_digits: int,
                    use_uidl: bool) -> Charge:
        """:meth:`begin` then :meth:`quit` with nothing fetched or deleted, as ``World.charge``
        takes it: the poll of a client that finds nothing new, which every device of a user makes
        on the same maildrop, again and again (memoised by maildrop, bounded)."""
        key = (n, total, size_digits, uid_digits, use_uidl)
        hit = self._idle.get(key)
        if hit is None:
            if len(self._idle) > 10_000:
                self._idle.clear()
            c = self.begin(*key)
            self.quit(c, n)
            hit = self._idle[key] = c.charge_args()
        return hit

    @staticmethod
    def retr(c: PollCost, number: int, size: int, header: int, body: int, attachment: int) -> None:
        c.client += 7 + digits(number)  # "RETR n\r\n"
        c.framing += _RETR_OK + len(str(size)) + 3  # f"+OK {size} octets\r\n", then ".\r\n"
        c.header += header
        c.body += body
        c.attachment += attachment
        c.round_trips += 1

    @staticmethod
    def retr_dele(c: PollCost, number: int, size: int, header: int, body: int,
                  attachment: int) -> None:
        """:meth:`retr` then :meth:`dele` of the same message (the usual download), in one call."""
        d = _DIGITS[number] if number < 100_000 else len(str(number))  # digits(), inline
        c.client += 14 + d + d  # "RETR n\r\n", "DELE n\r\n"
        c.framing += _RETR_OK + len(str(size)) + 3 + _DELE_OK + d
        c.header += header
        c.body += body
        c.attachment += attachment
        c.round_trips += 2

    @staticmethod
    def top0(c: PollCost, number: int, header: int) -> None:
        c.client += 8 + digits(number)  # "TOP n 0\r\n"
        c.framing += len(b"+OK top of message follows\r\n") + 3
        c.header += header
        c.round_trips += 1

    @staticmethod
    def dele(c: PollCost, number: int) -> None:
        c.client += 7 + digits(number)  # "DELE n\r\n"
        c.framing += _DELE_OK + len(str(number))  # f"+OK message {number} deleted\r\n"
        c.round_trips += 1

    def quit(self, c: PollCost, left: int) -> None:
        c.client += 6
        tail = _QUIT_TAIL.get(left)
        if tail is None:
            tail = len(" (maildrop empty)" if left == 0 else f" ({_plural(left, 'message')} left)")
            if left < 100_000:
                _QUIT_TAIL[left] = tail
        c.framing += self.signoff + tail + 2
        c.round_trips += 1

    def refused(self) -> PollCost:
        """A poll refused because another session holds the maildrop lock."""
        b = self.locked
        return PollCost(b.client, b.server, 0, 0, 0, b.round_trips)


def engine_poll(sizes: list[int], *, stls: bool, use_uidl: bool, leave: LeavePolicy,
                have_uids: frozenset[int] = frozenset(), headers_first: bool = False,
                first_uid: int = 1) -> tuple[PollCost, object]:
    """A direct engine run for the equivalence tests: the same poll on a real store."""
    store = Store()
    account = store.add_account(USER, PASSWORD)
    box = account.inbox
    box.uidnext = first_uid
    for s in sizes:
        box.append(_probe_message(s))
    cfg = Pop3Config(tls_available=stls)
    from ..protocol.pop3_client import ClientMemory
    mem = ClientMemory(have=frozenset(f"{box.uidvalidity}.{u}" for u in have_uids))
    res = poll(Pop3Server(store, cfg), PollOptions(USER, PASSWORD, stls=stls, use_uidl=use_uidl,
                                                   leave=leave, headers_first=headers_first),
               memory=mem)
    counts = res.record.server_counts
    return PollCost(res.record.client_bytes, counts.framing, counts.header, counts.body,
                    counts.attachment, res.record.round_trips), res
