"""POP3 client operations: the command streams real clients send, driven against a Pop3Server.

Theory of operation
-------------------
A poll is written the way a mail client performs it (RFC 1939 §10, Thunderbird-like): read the
greeting, CAPA, optionally STLS (then CAPA again, RFC 2595 §4), USER+PASS or APOP, STAT, LIST,
optionally UIDL, then per message TOP/RETR/DELE as the options say, then QUIT.  Each command is fed
to an in-process :class:`~sim.protocol.pop3.Pop3Server`; the reply is drained into one
:class:`~sim.protocol.session.Exchange` of a :class:`~sim.protocol.session.SessionRecord`, so every
octet either side sends is counted.  Commands are not pipelined: one command costs one round trip
(the TCP and TLS handshakes are the network model's business, not counted here).

The client decides from what it parsed (LIST sizes, UIDL ids) and from its own memory
(:class:`ClientMemory`: which UIDL ids it holds, when it first saw each).  Without UIDL it cannot
tell old mail from new, so a leave-on-server client fetches everything again on every poll -- the
"re-download storm", reported in :attr:`PollResult.redownloaded`.  To make that visible the result
names every message by its server UIDL id (ground truth) even when the client never asked UIDL.
No clock is read: the caller passes ``now`` in simulated seconds.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .pop3 import Pop3Server, apop_digest
from .pop3_events import AuthMethod
from .session import SessionRecord, record

DAY = 86_400.0  # seconds
_TIMESTAMP = re.compile(rb"<[^<>\s]+>")


class LeavePolicy(enum.Enum):
    """What a client does with mail on the server after downloading it."""

    DELETE_AFTER_DOWNLOAD = "delete after download"
    NEVER_DELETE = "leave on server"
    DELETE_AFTER_DAYS = "leave on server for N days"


class PollOutcome(enum.Enum):
    OK = "ok"
    AUTH_FAILED = "authentication failed"
    LOCKED = "maildrop locked by another session"
    STLS_REFUSED = "STLS refused"
    APOP_UNAVAILABLE = "greeting has no APOP timestamp"
    INTERRUPTED = "connection lost before QUIT"


@dataclass(frozen=True)
class Candidate:
    """A message as the client sees it in LIST, named by its server UIDL id."""

    number: int
    uid: str
    size: int


def want_all(candidate: Candidate) -> bool:
    """Default headers-first choice: download every message after its headers."""
    return True


@dataclass(frozen=True)
class PollOptions:
    """A client's POP3 account settings.  ``leave_days`` applies to DELETE_AFTER_DAYS;
    ``want`` decides after TOP n 0 whether to RETR (only with ``headers_first``);
    ``interrupt_after`` drops the connection after that many commands (a phone losing signal)."""

    user: str
    password: str
    auth: AuthMethod = AuthMethod.USER_PASS
    use_uidl: bool = True
    leave: LeavePolicy = LeavePolicy.DELETE_AFTER_DOWNLOAD
    leave_days: float = 14.0
    headers_first: bool = False
    want: Callable[[Candidate], bool] = want_all
    stls: bool = False
    capa: bool = True
    interrupt_after: int | None = None

    def __post_init__(self) -> None:
        for name in ("user", "password"):
            value = getattr(self, name)
            if (
                not isinstance(value, str)
                or not value
                or any(not 0x20 < ord(c) < 0x7F for c in value)
            ):
                raise ValueError(
                    f"{name}={value!r}: allowed 1+ printable ASCII characters without spaces"
                )
        if not isinstance(self.auth, AuthMethod):
            raise ValueError(f"auth={self.auth!r}: allowed {[m.name for m in AuthMethod]}")
        if not isinstance(self.leave, LeavePolicy):
            raise ValueError(f"leave={self.leave!r}: allowed {[p.name for p in LeavePolicy]}")
        if not 0 <= self.leave_days <= 36_500:
            raise ValueError(f"leave_days={self.leave_days!r}: allowed 0..36500 days")
        if self.interrupt_after is not None and self.interrupt_after < 0:
            raise ValueError(f"interrupt_after={self.interrupt_after!r}: allowed >= 0 or None")


@dataclass(frozen=True)
class ClientMemory:
    """What a client remembers between polls (Thunderbird's popstate.dat): UIDL ids it holds in
    full, ids it holds only the headers of, and when (simulated seconds) it first saw each id
    still on the server (a UIDL poll forgets the ages of ids the server no longer lists)."""

    have: frozenset[str] = frozenset()
    headers_only: frozenset[str] = frozenset()
    first_seen: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class PollResult:
    """What one poll put on the wire and what it learned."""

    outcome: PollOutcome
    record: SessionRecord
    fetched: tuple[Candidate, ...]  # RETR
    headers: tuple[Candidate, ...]  # TOP n 0
    deleted: tuple[Candidate, ...]  # DELE sent and QUIT reached UPDATE
    uids_seen: tuple[str, ...]  # ids parsed from UIDL (empty without UIDL)
    redownloaded: tuple[Candidate, ...]  # fetched although the client already held them
    memory: ClientMemory
    pipelined: bool = False  # commands are sent one at a time; PIPELINING is not used

    @property
    def round_trips(self) -> int:
        return self.record.round_trips

    @property
    def client_bytes(self) -> int:
        return self.record.client_bytes

    @property
    def server_bytes(self) -> int:
        return self.record.server_bytes


class _Interrupted(Exception):
    """Private: the scripted connection drop happened."""


class _Driver:
    """Feeds command lines to the engine and records each exchange."""

    def __init__(self, server: Pop3Server, render: bool, limit: int | None) -> None:
        self.server = server
        self.render = render
        self.limit = limit
        self.sent = 0
        self.session = SessionRecord("pop3")

    def greeting(self) -> bytes:
        return record(
            self.session,
            self.server.outbox,
            b"",
            render=self.render,
            note="greeting",
            round_trips=0,
        )

    def send(self, line: str, note: str = "") -> bytes:
        if self.limit is not None and self.sent >= self.limit:
            self.server.connection_lost()
            raise _Interrupted
        self.sent += 1
        client = line.encode("ascii") + b"\r\n"
        self.server.receive_data(client)
        return record(self.session, self.server.outbox, client, render=self.render, note=note)


def _ok(reply: bytes) -> bool:
    return reply.startswith(b"+OK")


def _listing(reply: bytes) -> list[tuple[int, str]]:
    """(number, value) pairs of a LIST/UIDL multi-line reply."""
    out: list[tuple[int, str]] = []
    for line in reply.split(b"\r\n")[1:]:
        if line == b".":
            break
        number, _, value = line.decode("ascii", "replace").partition(" ")
        if number.isdigit():
            out.append((int(number), value))
    return out


def poll(
    server: Pop3Server,
    options: PollOptions,
    *,
    now: float = 0.0,
    memory: ClientMemory | None = None,
    render: bool = False,
) -> PollResult:
    """One complete POP3 poll against ``server`` (a fresh engine with its greeting queued)."""
    memory = memory if memory is not None else ClientMemory()
    drv = _Driver(server, render, options.interrupt_after)
    have = set(memory.have)
    headers_only = set(memory.headers_only)
    first_seen = dict(memory.first_seen)
    fetched: list[Candidate] = []
    headers: list[Candidate] = []
    deleted: list[Candidate] = []
    redownloaded: list[Candidate] = []
    uids_seen: list[str] = []

    def result(outcome: PollOutcome) -> PollResult:
        kept = tuple(deleted) if outcome is PollOutcome.OK else ()
        partial = headers_only - have
        ages = first_seen
        if outcome is PollOutcome.OK and options.use_uidl:
            # forget ages and partial downloads of ids the server no longer lists or just removed
            listed = set(uids_seen) - {c.uid for c in kept}
            ages = {uid: t for uid, t in first_seen.items() if uid in listed}
            partial &= listed
        return PollResult(
            outcome,
            drv.session,
            tuple(fetched),
            tuple(headers),
            kept,
            tuple(uids_seen),
            tuple(redownloaded),
            ClientMemory(frozenset(have), frozenset(partial), ages),
        )

    def quit_with(outcome: PollOutcome) -> PollResult:
        drv.send("QUIT", "end session")
        return result(outcome)

    try:
        greeting = drv.greeting()
        if options.capa:
            drv.send("CAPA", "ask for extensions")
        if options.stls:
            if not _ok(drv.send("STLS", "upgrade to TLS")):
                return quit_with(PollOutcome.STLS_REFUSED)
            server.tls_started()  # handshake bytes and round trips are the network model's
            if options.capa:
                drv.send("CAPA", "capabilities again after TLS (RFC 2595 §4)")
        if options.auth is AuthMethod.APOP:
            stamp = _TIMESTAMP.search(greeting.split(b"\r\n")[0])
            if stamp is None:
                return quit_with(PollOutcome.APOP_UNAVAILABLE)
            digest = apop_digest(stamp.group().decode("ascii"), options.password)
            reply = drv.send(f"APOP {options.user} {digest}", "log in (APOP)")
        else:
            drv.send(f"USER {options.user}", "log in")
            reply = drv.send(f"PASS {options.password}", "password in clear")
        if not _ok(reply):
            return quit_with(
                PollOutcome.LOCKED if b"[IN-USE]" in reply else PollOutcome.AUTH_FAILED
            )
        drv.send("STAT", "count and size")
        sizes = dict((n, int(v)) for n, v in _listing(drv.send("LIST", "sizes")))
        uidl: dict[int, str] = {}
        if options.use_uidl:
            uidl = dict(_listing(drv.send("UIDL", "unique ids")))
            uids_seen.extend(uidl[n] for n in sorted(uidl))
        max_age = options.leave_days * DAY

        def may_delete(uid: str) -> bool:
            if options.leave is LeavePolicy.DELETE_AFTER_DOWNLOAD:
                return True
            if options.leave is LeavePolicy.NEVER_DELETE or not options.use_uidl:
                return False  # without UIDL the client cannot tell a message's age
            return now - first_seen.get(uid, now) >= max_age

        for number in sorted(sizes):
            cand = Candidate(number, server.unique_id(number), sizes[number])
            if options.use_uidl:
                uid = uidl.get(number, cand.uid)
                first_seen.setdefault(uid, now)
                if uid in have:
                    if may_delete(uid):
                        drv.send(f"DELE {number}", "already downloaded")
                        deleted.append(cand)
                    continue
            if options.headers_first:
                if not (options.use_uidl and cand.uid in headers_only):
                    drv.send(f"TOP {number} 0", "headers first")
                    headers.append(cand)
                    headers_only.add(cand.uid)
                if not options.want(cand):
                    continue
            drv.send(f"RETR {number}", "download")
            fetched.append(cand)
            if cand.uid in have:
                redownloaded.append(cand)
            have.add(cand.uid)
            if may_delete(cand.uid):
                drv.send(f"DELE {number}", "delete per policy")
                deleted.append(cand)
        return quit_with(PollOutcome.OK)
    except _Interrupted:
        return result(PollOutcome.INTERRUPTED)


def replay(
    server: Pop3Server, lines: Sequence[str], *, render: bool = True, notes: Sequence[str] = ()
) -> SessionRecord:
    """Send fixed command lines one by one (a canned RFC session); the greeting comes first."""
    drv = _Driver(server, render, None)
    drv.greeting()
    for i, line in enumerate(lines):
        drv.send(line, notes[i] if i < len(notes) else "")
    return drv.session
