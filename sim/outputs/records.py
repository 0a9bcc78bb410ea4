"""What happened in a run, one immutable record per event (opt-in: ``simulate(..., record_events=True)``).

Theory of operation
-------------------
A :class:`~sim.outputs.results.Result` holds totals and time series; these records hold the run itself:
every exchange a device had with the server (a session opened, a push received, an IDLE re-issue,
the commands of a user's action...) with its bytes on the wire and round trips, and the client
events that carry no bytes (a crash, a restore from a backup).  Figures that show events (the
per-device timeline) are drawn from them, and tests read them instead of patching the model: a
record keeps the protocol octets by kind next to the wire totals, to compare with the engine's.

Idle exchanges the model books in closed form (an IMAP client's IDLE re-issues, NOOP polls and the
server's keepalives) are one record per booking, with ``count`` identical exchanges that happened
between ``since_s`` and ``time_s``; a POP3 client's empty polls are one record per poll tick.
Recording is off by default, so big runs pay nothing for it.  ``docs/results.md`` documents every
field.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class RecordKind(enum.Enum):
    """What a record is about."""

    POLL = "poll"  # POP3 session that had work; IMAP NOOP poll tick that brought changes
    EMPTY_POLL = "empty_poll"  # POP3 poll with nothing new; IMAP NOOP polls (closed form)
    LOCK_REFUSAL = "lock_refusal"  # POP3 login refused: another device holds the maildrop lock
    CONNECT = "connect"  # IMAP connect: login, resynchronisation, uploads queued while offline
    NAT_RECONNECT = "nat_reconnect"  # IMAP write on a connection a router forgot: a reset back
    PUSH = "push"  # IMAP IDLE: new mail, a flag change or an expunge pushed, and what follows
    IDLE_REISSUE = "idle_reissue"  # IMAP DONE + IDLE on an open connection (closed form)
    KEEPALIVE = "keepalive"  # the server's "* OK Still here" on a silent connection (closed form)
    FETCH = "fetch"  # IMAP fetch of the mail a connect or a poll found
    ACTION = "action"  # commands a user's action sends (flags, moves, deletes, opening parts)
    SEARCH = "search"  # IMAP server search (a local search sends nothing and is not recorded)
    CRASH = "crash"  # the device's local storage was wiped
    RESTORE = "restore"  # a backup came back after a crash


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One exchange or client event on one device.

    Bytes are everything on the wire (protocol octets, TLS, TCP/IP) of one exchange; a record
    with ``count`` > 1 stands for that many identical exchanges between ``since_s`` and
    ``time_s`` (booked in closed form), so its totals are ``count`` times the bytes."""

    time_s: float
    device: str  # "user/device"
    kind: RecordKind
    up_bytes: int = 0  # device -> server, one exchange
    down_bytes: int = 0  # server -> device, one exchange
    round_trips: int = 0  # of one exchange, connection set-up included
    duration_s: float = 0.0  # of one exchange on the link
    count: int = 1
    since_s: float = 0.0  # count > 1: the start of the stretch they fell in (else = time_s)
    new_connection: bool = False  # the exchange opened a TCP connection
    # the protocol's own octets of one exchange by byte kind -- framing, header, body,
    # attachment -- before TLS and TCP/IP (which ``up_bytes``/``down_bytes`` include)
    protocol_up: tuple[int, int, int, int] = (0, 0, 0, 0)
    protocol_down: tuple[int, int, int, int] = (0, 0, 0, 0)
