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
refusal, and computes the rest from the reply formats of those same engine sessions -- the texts
of the server profile the costs are for (``sim.protocol.profiles``: what follows ``+OK``, the UIDL
id format), taken apart into literal text and fields by :func:`_shape`.
``tests/sim/test_model_costs.py`` checks, on random maildrops and policies, that the assembled
cost equals the counts of a direct engine run octet for octet.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..protocol.message import Entity, Filler, FillerKind, Message
from ..protocol.pop3 import Pop3Server
from ..protocol.pop3_client import LeavePolicy, PollOptions, PollOutcome, poll
from ..protocol.pop3_config import Pop3Config, template_fields
from ..protocol.profiles import DEFAULT_PROFILE, pop3_config
from ..protocol.store import Store
from .wire_cost import Cost

USER = "user"
PASSWORD = "secret"
HOSTNAME = Pop3Config().hostname
INBOX_UIDVALIDITY = 1  # the store's INBOX, as in the model


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


def _login_block(stls: bool, locked: bool, profile: str) -> LoginBlock:
    """Measure greeting .. PASS (and, when locked, the refusal and QUIT) on a real engine."""
    store = Store()
    account = store.add_account(USER, PASSWORD)
    cfg = pop3_config(profile, tls_available=stls)
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
    return LoginBlock(
        sum(e.client_bytes for e in head),
        sum(e.server_bytes for e in head),
        sum(e.round_trips for e in head),
    )


_BLOCKS: dict[tuple[bool, bool, str], LoginBlock] = {}


def login_block(stls: bool, locked: bool = False, profile: str = DEFAULT_PROFILE) -> LoginBlock:
    key = (stls, locked, profile)
    if key not in _BLOCKS:
        _BLOCKS[key] = _login_block(stls, locked, profile)
    return _BLOCKS[key]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _status(text: str) -> int:
    """Octets of the status line ``+OK[ text]`` CRLF (the engine leaves the space out when the
    text is empty)."""
    return 3 + (len(text) + 1 if text else 0) + 2


def _shape(template: str, field: str, **values: object) -> tuple[int, int]:
    """``(octets of the status line less the digits of field, occurrences of field)``: a line
    whose ``field`` is a number costs the first plus the second times its decimal length."""
    k = sum(1 for name, _ in template_fields(template) if name == field)
    return _status(template.format(**{field: 0}, **values)) - k, k


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

    def charge_args(self) -> Cost:
        return (
            (self.client, 0, 0, 0),
            (self.framing, self.header, self.body, self.attachment),
            self.round_trips,
        )


class Pop3Costs:
    """Cost arithmetic of :func:`sim.protocol.pop3_client.poll` for one TLS mode.

    Listing sums are passed in by the caller, who keeps them up to date incrementally:
    ``size_digits`` = sum of the decimal lengths of the maildrop's sizes, ``uid_digits`` = the same
    for the UIDs (whose digits count only where the profile's UIDL id shows the UID in decimal,
    as ``rfc``'s ``"<uidvalidity>.<uid>"`` does; ``dovecot``'s is 16 hex digits whatever the UID;
    ``uidvalidity`` is 1 for INBOX)."""

    def __init__(self, stls: bool, profile: str = DEFAULT_PROFILE) -> None:
        self.stls = stls
        self.profile = profile
        self.texts = t = pop3_config(profile).texts
        self.login = login_block(stls, profile=profile)
        self.locked = login_block(stls, locked=True, profile=profile)
        self._idle: dict[tuple[int, int, int, int, bool], Cost] = {}
        # begin()'s part that depends on the message count alone, per use_uidl and count
        self._fixed: dict[bool, dict[int, tuple[int, int, int]]] = {False: {}, True: {}}
        self._quit: dict[tuple[int, bool], int] = {}  # (left, deleted) -> QUIT's reply octets
        # how often the total octets appear in PASS's, STAT's and LIST's replies
        self.total_fields = sum(
            _shape(
                x, "octets", user=USER, hostname=HOSTNAME, count=0, messages=_plural(0, "message")
            )[1]
            for x in (t.pass_ok, t.stat_ok, t.list_ok)
        )
        self.uid_weight = sum(
            1 for name, spec in template_fields(t.uidl_id) if name == "uid" and not spec
        )  # UID digits in a UIDL id
        self.retr_ok, self.retr_k = _shape(t.retr_ok, "octets")
        self.dele_ok, self.dele_k = _shape(t.dele_ok, "number")
        self.top_ok = _status(t.top_ok.format())
        self.uidl_ok = _status(t.uidl_ok.format())

    def _counted(self, template: str, n: int) -> int:
        """A status line naming ``n`` messages, less the digits of the total octets."""
        return _shape(
            template,
            "octets",
            user=USER,
            hostname=HOSTNAME,
            count=n,
            messages=_plural(n, "message"),
        )[0]

    def begin(
        self, n: int, total: int, size_digits: int, uid_digits: int, use_uidl: bool
    ) -> PollCost:
        """Login block, STAT, LIST and (with UIDL) UIDL for a maildrop of ``n`` messages.

        Arithmetic on decimal lengths: the part that depends on ``n`` alone is kept per ``n``
        (a maildrop's octets rarely repeat between sessions, its message count does);
        ``tests/sim/test_pop3_fast_paths.py`` checks it against the replies formatted in full."""
        fixed = self._fixed[use_uidl].get(n)
        if fixed is None:
            fixed = self._fixed[use_uidl][n] = self._begin_fixed(n, use_uidl)
        client, framing, round_trips = fixed
        # the total octets appear in PASS's reply, STAT and LIST as the profile words them; the
        # listing sums once
        framing += self.total_fields * len(str(total)) + size_digits
        if use_uidl:
            framing += self.uid_weight * uid_digits
        return PollCost(client, framing, 0, 0, 0, round_trips)

    def _begin_fixed(self, n: int, use_uidl: bool) -> tuple[int, int, int]:
        """:meth:`begin` of ``n`` messages without the digits of the total octets and the
        listing sums: (client octets, server framing, round trips)."""
        t = self.texts
        numbers = sum_digits_1_to(n)
        # PASS's reply as it is for n messages instead of the empty maildrop's that the login
        # block holds; STAT's; LIST's status line, its "i size\r\n" lines and ".\r\n"
        empty_pass = (
            self._counted(t.pass_ok, 0)
            + _shape(
                t.pass_ok,
                "octets",
                user=USER,
                hostname=HOSTNAME,
                count=0,
                messages=_plural(0, "message"),
            )[1]
        )  # the empty maildrop's total is "0": one digit
        framing = (
            self.login.server
            - empty_pass
            + self._counted(t.pass_ok, n)
            + self._counted(t.stat_ok, n)
            + self._counted(t.list_ok, n)
            + numbers
            + n * 3
            + 3
        )
        if (
            use_uidl
        ):  # UIDL's status line, "i id\r\n" lines (the ids less the UIDs' digits), ".\r\n"
            ids = t.ids_octets(n, 0, INBOX_UIDVALIDITY)
            return (
                self.login.client + 18,
                framing + self.uidl_ok + numbers + n * 3 + ids + 3,
                self.login.round_trips + 3,
            )
        return self.login.client + 12, framing, self.login.round_trips + 2

    def idle_charge(
        self, n: int, total: int, size_digits: int, uid_digits: int, use_uidl: bool
    ) -> Cost:
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

    def retr(
        self, c: PollCost, number: int, size: int, header: int, body: int, attachment: int
    ) -> None:
        c.client += 7 + digits(number)  # "RETR n\r\n"
        c.framing += self.retr_ok + self.retr_k * len(str(size)) + 3  # status line, ".\r\n"
        c.header += header
        c.body += body
        c.attachment += attachment
        c.round_trips += 1

    def retr_dele(
        self, c: PollCost, number: int, size: int, header: int, body: int, attachment: int
    ) -> None:
        """:meth:`retr` then :meth:`dele` of the same message (the usual download), in one call."""
        d = _DIGITS[number] if number < 100_000 else len(str(number))  # digits(), inline
        c.client += 14 + d + d  # "RETR n\r\n", "DELE n\r\n"
        c.framing += (
            self.retr_ok + self.retr_k * len(str(size)) + 3 + self.dele_ok + self.dele_k * d
        )
        c.header += header
        c.body += body
        c.attachment += attachment
        c.round_trips += 2

    def top0(self, c: PollCost, number: int, header: int) -> None:
        c.client += 8 + digits(number)  # "TOP n 0\r\n"
        c.framing += self.top_ok + 3
        c.header += header
        c.round_trips += 1

    def dele(self, c: PollCost, number: int) -> None:
        c.client += 7 + digits(number)  # "DELE n\r\n"
        c.framing += self.dele_ok + self.dele_k * len(str(number))
        c.round_trips += 1

    def quit(self, c: PollCost, left: int, deleted: bool = False) -> None:
        """QUIT, leaving ``left`` messages; ``deleted``: the session removed some (the texts of
        some servers say so)."""
        c.client += 6
        key = (left, deleted)
        octets = self._quit.get(key)
        if octets is None:
            t = self.texts
            if deleted:
                template = t.quit_deleted_empty if left == 0 else t.quit_deleted_left
            else:
                template = t.quit_empty if left == 0 else t.quit_left
            octets = _status(
                template.format(hostname=HOSTNAME, count=left, messages=_plural(left, "message"))
            )
            if len(self._quit) < 200_000:
                self._quit[key] = octets
        c.framing += octets
        c.round_trips += 1

    def refused(self) -> PollCost:
        """A poll refused because another session holds the maildrop lock."""
        b = self.locked
        return PollCost(b.client, b.server, 0, 0, 0, b.round_trips)


def engine_poll(
    sizes: list[int],
    *,
    stls: bool,
    use_uidl: bool,
    leave: LeavePolicy,
    have_uids: frozenset[int] = frozenset(),
    headers_first: bool = False,
    first_uid: int = 1,
    profile: str = DEFAULT_PROFILE,
) -> tuple[PollCost, object]:
    """A direct engine run for the equivalence tests: the same poll on a real store."""
    store = Store()
    account = store.add_account(USER, PASSWORD)
    box = account.inbox
    box.uidnext = first_uid
    for s in sizes:
        box.append(_probe_message(s))
    cfg = pop3_config(profile, tls_available=stls)
    from ..protocol.pop3_client import ClientMemory

    mem = ClientMemory(have=frozenset(cfg.texts.unique_id(box.uidvalidity, u) for u in have_uids))
    res = poll(
        Pop3Server(store, cfg),
        PollOptions(
            USER, PASSWORD, stls=stls, use_uidl=use_uidl, leave=leave, headers_first=headers_first
        ),
        memory=mem,
    )
    counts = res.record.server_counts
    return PollCost(
        res.record.client_bytes,
        counts.framing,
        counts.header,
        counts.body,
        counts.attachment,
        res.record.round_trips,
    ), res
