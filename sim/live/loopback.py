"""A live loopback mail server: the sans-IO POP3 and IMAP engines served over asyncio sockets.

Theory of operation
-------------------
The engines in :mod:`sim.protocol` do all the protocol work: bytes in (``receive_data``), replies
queued in ``engine.outbox``.  This module only moves bytes.  Each TCP connection gets a fresh engine
and one task that loops:

* wait for input from the socket *or* a wake-up from the store (new mail, flags changed by another
  session) -- on a wake-up it calls ``engine.refresh()`` so an IDLE-ing IMAP client gets its
  ``* N EXISTS`` at once;
* feed the input to the engine one line at a time (at most :data:`FEED_SLICE` octets) and, whenever
  the queued output passes :data:`HIGH_WATER` octets, write it and await ``drain()`` before feeding
  more (backpressure: a client that does not read stops being read from, so a pipelined burst of
  ``RETR`` commands cannot pile up megabytes; at most one command's reply is queued at a time);
* stop when ``engine.closed`` (QUIT/LOGOUT answered), at end of input, after an inactivity timeout,
  or at shutdown.  If the engine was not closed, ``engine.connection_lost()`` is called, so a POP3
  session that drops deletes nothing and frees the maildrop lock.

Store listeners (``Account.listeners``) never call into an engine directly -- they may fire while
another engine is inside ``receive_data`` -- they only mark the IMAP connections of that account and
wake their tasks, which call ``refresh()`` between commands.

The engines bound line and literal sizes themselves; this adapter bounds unsent output per
connection, the inactivity time, and the number of connections.

Fairness and limits
-------------------
* Engine calls of a logged-in session run in a small thread pool under a per-account lock (the
  store is partitioned by account; engines are not thread-safe, so one account's sessions take
  turns), so one heavy command (``SEARCH TEXT`` over 1,000 messages: 30 ms once the message
  texts are cached, 1 s the first time) does not stall the event loop; the loop yields between
  commands, so a pipelined burst cannot monopolise it.  ``serve`` shortens CPython's GIL switch
  interval, so the loop and a cheap command wait about 1 ms, not 5, for a heavy one's thread.
  Store listeners may then fire in a worker thread: they hand the wake-up to the loop.
* Before login a connection may send at most :data:`MAX_PREAUTH_INPUT` octets, so an engine
  that accepts a large literal (APPEND) before login cannot be made to buffer megabytes.
* Two connection budgets: not logged in (``max_unauthenticated``; a new connection evicts the
  oldest, and each must log in within ``login_timeout`` of connecting, TLS handshake included,
  whatever bytes it trickles) and logged in (``max_connections``; a login beyond it is refused).
  Implicit-TLS ports accept plain TCP and do the handshake in the connection's task, so a
  half-open handshake is counted and timed out, and a failed one is closed without a log line.
* ``slow_failures`` (``--public``): failed logins are answered after a delay that doubles per
  failure from the same address; a connection is closed after :data:`MAX_LOGIN_FAILURES`.

Command line
------------
``python -m sim serve`` prints, when it is ready, one record per line (fields separated by one
space, passwords never contain spaces)::

    POP3 <host> <port>
    IMAP <host> <port>
    POP3S <host> <port>           (only with --tls-cert: POP3 over implicit TLS)
    IMAPS <host> <port>           (only with --tls-cert: IMAP over implicit TLS)
    USER <name> <password>        (one line per account)
    DELIVER <seconds>             (only with --deliver-every)
    READY

and with ``--json`` instead one line holding one JSON object::

    {"pop3": {"host": "127.0.0.1", "port": 40123}, "imap": {"host": "127.0.0.1", "port": 40124},
     "users": [{"user": "alice", "password": "..."}], "messages": 10, "seed": 1,
     "deliver_every": null, "tls": false, "public": false}

``tls`` is true when ``--tls-cert``/``--tls-key`` were given: only then do the engines advertise
STLS / STARTTLS (the adapter performs the upgrade with asyncio's ``start_tls``), and the record
gains ``"pop3s"`` and ``"imaps"`` entries: the same engines behind implicit TLS (ports 995/993 in
real life).

It then serves until SIGINT or SIGTERM and exits with status 0.  With ``--trace`` every
connection's wire lines go to stderr as they pass (``[pop3 #1] C: USER alice``,
``[pop3 #1] S: +OK send PASS``; long replies elided), with each connection's byte totals when it
ends: a live transcript of whatever real client is connected (passwords shown as ``***``).

Only loopback is served unless ``--public`` is given; then passwords are random, login needs
TLS first unless ``--allow-cleartext-login``, and failed logins are slowed and cut off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import enum
import ipaddress
import itertools
import json
import re
import signal
import socket
import ssl
import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO, TypeVar, cast

from sim.cli.main import UsageError, float_in_range, int_in_range
from sim.live.demo import MAX_MESSAGES, MAX_USERS, Demo, build_demo
from sim.protocol.outbox import Outbox
from sim.protocol.profiles import PROFILES, SERVE_DEFAULT_PROFILE
from sim.protocol.store import Account

READ_SIZE = 16 * 1024  # octets asked from the socket at a time
FEED_SLICE = 4096  # at most this many octets (and one line) per receive_data call
HIGH_WATER = 256 * 1024  # queued output above which we write and drain before feeding more
CLOSE_WAIT_S = 1.0  # at most this long for a closing connection to report how it ended
MAX_CONNECTIONS = 64  # logged-in sessions
MAX_UNAUTHENTICATED = 64  # connections not logged in yet; a new one evicts the oldest beyond this
# octets a connection may send before it logs in: LOGIN or AUTHENTICATE needs a few hundred, and
# an over-long line is refused by the engine itself; but an engine that accepts a large literal
# before login (APPEND) must not be fed megabytes.  64 such connections hold at most 16 MiB.
MAX_PREAUTH_INPUT = 256 * 1024
LOGIN_TIMEOUT = 60.0  # from connect (TLS handshake included) to login; bytes do not extend it
POP3_IDLE_TIMEOUT = 600.0  # RFC 1939 §3: an autologout timer of at least 10 minutes
IMAP_IDLE_TIMEOUT = 1800.0  # RFC 9051 §5.4: at least 30 minutes
ENGINE_THREADS = 2  # worker threads for logged-in sessions' engine calls
# A thread waiting for the GIL asks for it after this long (CPython's default is 5 ms): a NOOP
# passes it three times (loop, worker, loop) while a heavy command holds it in another thread.
SWITCH_INTERVAL = 0.001
MAX_LOGIN_FAILURES = 3  # per connection, with slow_failures: then it is closed
FAILURE_DELAY = 0.5  # seconds before the first failed login's answer; doubles per failure
MAX_FAILURE_DELAY = 8.0
_FAILURE_EVENTS = frozenset({"AuthFailed", "LoginFailed"})  # POP3's and IMAP's event classes
SERVE_PROFILE = SERVE_DEFAULT_PROFILE  # the texts ``serve`` sends unless --profile says otherwise
PROFILE_NAMES = tuple(sorted(PROFILES))
T = TypeVar("T")


class Service(enum.Enum):
    """A listening service; POP3S and IMAPS are the implicit-TLS ports (995/993 in real life)."""

    POP3 = "POP3"
    IMAP = "IMAP"
    POP3S = "POP3S"
    IMAPS = "IMAPS"

    @property
    def is_imap(self) -> bool:
        return self in (Service.IMAP, Service.IMAPS)

    @property
    def implicit_tls(self) -> bool:
        return self in (Service.POP3S, Service.IMAPS)

    @property
    def idle_timeout(self) -> float:
        return IMAP_IDLE_TIMEOUT if self.is_imap else POP3_IDLE_TIMEOUT

    def farewell(self, text: str) -> bytes:
        """The line that tells a client why the server hangs up (IMAP BYE, POP3 -ERR)."""
        if self.is_imap:
            return f"* BYE {text}\r\n".encode()
        return f"-ERR [SYS/TEMP] {text}\r\n".encode()

    @property
    def too_many(self) -> bytes:
        """Said when the connection budget is spent."""
        return self.farewell("too many connections, try again later")


class Engine(Protocol):
    """What the adapter needs of a server engine (see the engine API convention)."""

    outbox: Outbox
    closed: bool

    def receive_data(self, data: bytes) -> list[Any]: ...

    def connection_lost(self) -> list[Any]: ...


EngineFactory = Callable[[], Engine]


@dataclass(frozen=True)
class Listening:
    """Where one service accepts connections."""

    service: Service
    host: str
    port: int


class WireTrace:
    """Prints one connection's bytes as ``[pop3 #3] C: USER alice`` lines (``--trace``), long
    replies elided, and the byte totals when it closes: a live transcript of a real client."""

    HEAD = 6  # lines shown from the start of a long reply
    TAIL = 2

    def __init__(self, stream: TextIO, service: Service, number: int) -> None:
        self.stream = stream
        self.service = service
        self.prefix = f"[{service.value.lower()} #{number}]"
        self.client_bytes = 0
        self.server_bytes = 0
        self._partial = {"C": b"", "S": b""}
        self._secret = False  # the next client line belongs to a login (literal, SASL response)

    def client(self, data: bytes) -> None:
        self.client_bytes += len(data)
        self._lines("C", data)

    def server(self, data: bytes) -> None:
        self.server_bytes += len(data)
        self._lines("S", data)

    def note(self, text: str) -> None:
        print(f"{self.prefix} -- {text}", file=self.stream, flush=True)

    def closed(self, how: str) -> None:
        self.note(
            f"{how}; client sent {self.client_bytes} bytes, server sent {self.server_bytes} bytes"
        )

    def _lines(self, who: str, data: bytes) -> None:
        text = self._partial[who] + data
        lines = text.split(b"\r\n")
        self._partial[who] = lines.pop()  # an unfinished line waits for its end
        if len(self._partial[who]) > FEED_SLICE:  # a line that never ends: show a piece
            lines.append(self._partial[who][:80] + b"...")
            self._partial[who] = b""
        if who == "C":
            lines = [self._redact(line) for line in lines]
        if len(lines) > self.HEAD + self.TAIL + 1:
            hidden = lines[self.HEAD : -self.TAIL]
            octets = sum(len(ln) + 2 for ln in hidden)
            lines = (
                lines[: self.HEAD]
                + [b"... %d more lines (%d octets) ..." % (len(hidden), octets)]
                + lines[-self.TAIL :]
            )
        for line in lines:
            shown = line.decode("utf-8", "backslashreplace")
            if len(shown) > 200:
                shown = shown[:200] + f"... ({len(line)} octets)"
            print(f"{self.prefix} {who}: {shown}", file=self.stream)
        self.stream.flush()

    def _redact(self, line: bytes) -> bytes:
        """Passwords never reach the trace: ``PASS ***``, ``a1 LOGIN alice ***``, as the engines'
        own events show them (the trace may be pasted into a chat or a bug report)."""
        if self._secret:  # literal data or a SASL response that is part of a login
            self._secret = bool(_LITERAL_END.search(line))
            return b"***"
        if not self.service.is_imap:
            match = _POP3_SECRET.match(line)
            return match.group(1) + b"***" if match else line
        match = _IMAP_LOGIN.match(line)
        if match:
            user = _IMAP_USER.match(match.group(2))
            self._secret = bool(_LITERAL_END.search(line))
            return match.group(1) + (user.group(0) if user else b"") + b"***"
        match = _IMAP_AUTHENTICATE.match(line)
        if match:
            self._secret = match.group(2) is None  # the response follows on its own line
            return match.group(1) + (b" ***" if match.group(2) else b"")
        return line


_POP3_SECRET = re.compile(rb"((?:PASS|APOP +\S+) )", re.IGNORECASE)
_IMAP_LOGIN = re.compile(rb"(\S+ +LOGIN +)(.*)", re.IGNORECASE)
_IMAP_USER = re.compile(rb'(?:"(?:[^"\\]|\\.)*"|[^ {"]+) ')
_IMAP_AUTHENTICATE = re.compile(rb"(\S+ +AUTHENTICATE +\S+)( +.*)?$", re.IGNORECASE)
_LITERAL_END = re.compile(rb"\{\d+\+?\}$")


class _Refused(Exception):
    """Ends a session on the server's initiative; the message is the client's farewell text."""


@dataclass(eq=False)
class _Connection:
    """One client connection: its engine, its streams, its wake-up flag and its login clock."""

    server: LiveServer
    service: Service
    engine: Engine
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_timeout: float
    tls: ssl.SSLContext | None = None
    trace: WireTrace | None = None
    dirty: bool = False
    authenticated: bool = False
    failures: int = 0
    preauth_octets: int = 0  # client bytes fed to the engine before login
    farewell: bytes | None = None  # said before closing when the server ends the session
    greeted: bool = False  # the greeting went out (over TLS on an implicit-TLS port)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    deadline: float = 0.0  # loop time by which the client must have logged in
    _read: asyncio.Task[bytes] | None = None
    _busy: Future[Any] | None = None  # the engine call running in a worker thread

    def store_changed(self) -> None:
        """Called (on the loop) after a store change: refresh the engine between commands."""
        self.dirty = True
        self.wake.set()

    async def run(self) -> None:
        how = "server shut down"  # what ended a session the engine did not close itself
        try:
            if self.service.implicit_tls:  # our own handshake: counted, and bounded by the clock
                assert self.tls is not None
                await asyncio.wait_for(self.writer.start_tls(self.tls), self._timeout())
            await self._flush()  # the greeting
            self.greeted = True
            while not self.engine.closed:
                data = await self._next_input()
                if data is None:
                    await self._refresh()
                    await self._flush()
                elif not data:
                    how = "client closed the connection"
                    break
                else:
                    await self._feed(data)
        except TimeoutError:
            how = "inactivity timeout" if self.authenticated else "login timeout"
            if not self.authenticated:
                self.farewell = self.service.farewell("login timeout")
        except _Refused as refused:
            how = str(refused)
            self.farewell = self.service.farewell(how)
        except (ConnectionError, OSError):
            how = "connection lost"  # the client vanished, stopped reading or failed TLS
        except Exception:  # an engine bug must not take the server down
            how = "server error"
            traceback.print_exc(file=sys.stderr)
        finally:
            await self._close(how)

    async def _close(self, how: str) -> None:
        if self._read is not None:
            self._read.cancel()
        if self._busy is not None and not self._busy.done():  # cancelled (shutdown) while an
            with contextlib.suppress(Exception):  # engine call runs: let it finish first
                await asyncio.wait_for(asyncio.wrap_future(self._busy), CLOSE_WAIT_S * 30)
        dropped = not self.engine.closed
        if dropped:
            try:
                self.engine.connection_lost()
            except Exception:
                traceback.print_exc(file=sys.stderr)
        if self.trace is not None:
            self.trace.closed(
                f"dropped without QUIT/LOGOUT ({how})"
                if dropped
                else "session ended by QUIT/LOGOUT"
            )
        if self.farewell is not None and self.greeted and not self.writer.is_closing():
            if self.trace is not None:
                self.trace.server(self.farewell)
            self.writer.write(self.farewell)  # best effort, not awaited
        self.writer.close()
        # collect how the connection ended: a broken pipe left unretrieved in the stream's
        # close future would be logged as "Future exception was never retrieved"
        with contextlib.suppress(ConnectionError, OSError, TimeoutError):
            await asyncio.wait_for(self.writer.wait_closed(), CLOSE_WAIT_S)

    def _timeout(self) -> float:
        """Before login: what is left of the login time (bytes do not extend it); then the
        inactivity timeout."""
        if self.authenticated:
            return self.idle_timeout
        return max(0.0, self.deadline - asyncio.get_running_loop().time())

    async def _next_input(self) -> bytes | None:
        """Socket bytes (``b''`` at end of input), or None when the store woke us."""
        if self._read is None:
            self._read = asyncio.ensure_future(self.reader.read(READ_SIZE))
        if self.dirty:
            return None
        self.wake.clear()
        waker = asyncio.ensure_future(self.wake.wait())
        try:
            done, _ = await asyncio.wait(
                {self._read, waker},
                timeout=self._timeout(),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            waker.cancel()
        if self._read in done:
            task, self._read = self._read, None
            return task.result()
        if waker in done or self.dirty:
            return None
        raise TimeoutError("inactivity timeout")

    async def _feed(self, data: bytes) -> None:
        if self.trace is not None:
            self.trace.client(data)
        for piece in _pieces(data):
            if not self.authenticated:
                self.preauth_octets += len(piece)
                if self.preauth_octets > MAX_PREAUTH_INPUT:
                    raise _Refused("too much input before login")
            events = await self._call(self.engine.receive_data, piece)
            await self._after_command(events)
            if self.engine.closed:
                break  # anything after QUIT/LOGOUT is ignored
            if getattr(self.engine, "awaiting_tls", False):
                await self._start_tls()
                return  # plaintext pipelined behind STLS/STARTTLS is discarded (RFC 2595 §4)
            if self.engine.outbox.pending > HIGH_WATER:
                await self._flush()
        if self.dirty and not self.engine.closed:
            await self._refresh()
        await self._flush()

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        """Run one engine call without holding the event loop for long.

        A logged-in session's call runs in a worker thread under its account's lock: one
        ``SEARCH TEXT`` over 1,000 messages costs up to 1 s of CPU, and on the loop it would stall
        every other session.  The lock keeps the engines of one account (which share its
        mailboxes) one at a time, as they are not thread-safe; accounts share nothing else.
        Calls before login (greeting, CAPABILITY, LOGIN) are cheap and stay on the loop, then
        yield, so a pipelined burst cannot monopolise it either."""
        account = engine_account(self.engine)
        if account is None:
            result = function(*args)
            await asyncio.sleep(0)
            return result
        async with self.server.account_lock(account):
            self._busy = self.server.executor.submit(function, *args)
            return await asyncio.wrap_future(self._busy)

    async def _after_command(self, events: Any) -> None:
        """Move a fresh login into the logged-in budget; slow down and cut off failed logins."""
        if (
            not self.authenticated
            and engine_account(self.engine) is not None
            and not self.server.promote(self)
        ):
            self.engine.outbox.data_to_send()  # the login's OK is not sent after all
            raise _Refused("too many connections, try again later")
        failed = sum(type(event).__name__ in _FAILURE_EVENTS for event in events or ())
        if failed and self.server.slow_failures:
            self.failures += failed
            delay = self.server.failure_delay(self.writer.get_extra_info("peername"), failed)
            await asyncio.sleep(delay)  # before the answer: guesses cost time, pipelined or not
            await self._flush()
            if self.failures >= MAX_LOGIN_FAILURES:
                raise _Refused("too many failed logins")

    async def _start_tls(self) -> None:
        """STLS/STARTTLS was answered: send the answer, do the handshake, tell the engine.

        Reading stops *before* the answer goes out, so the client's TLS hello stays in the socket
        for the TLS layer instead of landing in the plaintext buffer; plaintext already buffered
        (pipelined behind the command) is dropped, never read as if it had come over TLS."""
        if self.tls is None:  # the engine offered TLS that this server cannot do: hang up
            raise ConnectionError("TLS requested but no certificate configured")
        self.writer.transport.pause_reading()  # type: ignore[attr-defined]
        buffered = getattr(self.reader, "_buffer", None)  # StreamReader has no public discard
        if isinstance(buffered, bytearray):
            buffered.clear()
        await self._flush()
        await asyncio.wait_for(self.writer.start_tls(self.tls), self._timeout())
        if self.trace is not None:
            self.trace.note("TLS started; the lines below travel encrypted")
        self.engine.tls_started()  # type: ignore[attr-defined]
        await self._flush()

    async def _refresh(self) -> None:
        self.dirty = False
        refresh = getattr(self.engine, "refresh", None)
        if refresh is not None and not self.engine.closed:
            await self._call(refresh)

    async def _flush(self) -> None:
        if not self.engine.outbox.pending:
            return
        data = await self._call(self.engine.outbox.data_to_send)  # renders message payloads
        if data:
            if self.trace is not None:
                self.trace.server(data)
            self.writer.write(data)
            await asyncio.wait_for(self.writer.drain(), self._timeout())


def _pieces(data: bytes) -> list[bytes]:
    """Split input after each LF and every FEED_SLICE octets, so that one ``receive_data`` call
    completes at most one command and queues at most one command's reply."""
    pieces: list[bytes] = []
    start = 0
    while start < len(data):
        end = data.find(b"\n", start, start + FEED_SLICE)
        end = start + FEED_SLICE if end < 0 else end + 1
        pieces.append(data[start:end])
        start = end
    return pieces


def engine_account(engine: Engine) -> Account | None:
    """The account an engine is logged in to, when the engine says so (``engine.account``)."""
    account = getattr(engine, "account", None)
    return account if isinstance(account, Account) else None


class LiveServer:
    """Serves engines from ``factories`` on ``host``; one engine per connection.

    Connections have two budgets: ``max_unauthenticated`` not yet logged in (a new connection
    evicts the oldest of them when it is spent, so idle sockets cannot lock clients out; each
    must log in within ``login_timeout`` of connecting) and ``max_connections`` logged in (a login
    beyond it is refused).  ``slow_failures``: failed logins are answered after a delay that
    doubles per failure from the same address, and a connection is closed after
    :data:`MAX_LOGIN_FAILURES`."""

    def __init__(
        self,
        demo: Demo,
        factories: dict[Service, EngineFactory],
        *,
        host: str = "127.0.0.1",
        ports: dict[Service, int] | None = None,
        deliver_every: float | None = None,
        tls: ssl.SSLContext | None = None,
        idle_timeouts: dict[Service, float] | None = None,
        max_connections: int = MAX_CONNECTIONS,
        max_unauthenticated: int = MAX_UNAUTHENTICATED,
        login_timeout: float = LOGIN_TIMEOUT,
        slow_failures: bool = False,
        trace: TextIO | None = None,
    ) -> None:
        self.demo = demo
        self.factories = factories
        self.host = host
        self.ports = ports or {}
        self.deliver_every = deliver_every
        self.tls = tls
        self.idle_timeouts = idle_timeouts or {}
        self.max_connections = max_connections
        self.max_unauthenticated = max_unauthenticated
        self.login_timeout = login_timeout
        self.slow_failures = slow_failures
        self.trace = trace
        self.executor = ThreadPoolExecutor(ENGINE_THREADS, thread_name_prefix="engine")
        self._numbers = itertools.count(1)
        self.connections: set[_Connection] = set()
        self.unauthenticated: dict[_Connection, asyncio.Task[None]] = {}  # oldest first
        self.authenticated: set[_Connection] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._failures: dict[str, tuple[int, float]] = {}  # address -> (failures, last time)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._servers: list[asyncio.base_events.Server] = []
        self._delivery: asyncio.Task[None] | None = None
        self.delivered = 0
        self._listeners = [
            (account, self._listener_for(account)) for account in demo.store.accounts.values()
        ]
        for account, listener in self._listeners:
            account.listeners.append(listener)

    def account_lock(self, account: Account) -> asyncio.Lock:
        """The lock that keeps the engine calls on one account's mailboxes one at a time."""
        return self._locks.setdefault(account.user, asyncio.Lock())

    def _listener_for(self, account: Account) -> Callable[[], None]:
        def mark() -> None:
            for conn in self.connections:
                if conn.service.is_imap and engine_account(conn.engine) in (account, None):
                    conn.store_changed()

        def changed() -> None:  # may run in an engine thread: hand over to the loop
            if self._loop is None:
                mark()
            elif not self._loop.is_closed():
                self._loop.call_soon_threadsafe(mark)

        return changed

    def promote(self, conn: _Connection) -> bool:
        """``conn`` has just logged in: move it to the logged-in budget, or say it is spent."""
        self.unauthenticated.pop(conn, None)
        conn.authenticated = True
        if len(self.authenticated) >= self.max_connections:
            return False
        self.authenticated.add(conn)
        self._failures.pop(_address(conn.writer.get_extra_info("peername")), None)
        return True

    def failure_delay(self, peer: Any, failed: int) -> float:
        """Seconds to wait before answering a failed login from ``peer``: doubles with each
        recent failure from that address, so new connections do not reset the cost."""
        address = _address(peer)
        now = time.monotonic()
        count, last = self._failures.get(address, (0, now))
        count = (0 if now - last > 15 * 60 else count) + failed
        if len(self._failures) > 10_000:  # bounded memory, whatever the number of addresses
            self._failures.clear()
        self._failures[address] = (count, now)
        return min(MAX_FAILURE_DELAY, FAILURE_DELAY * 2 ** min(count - 1, 10))

    async def start(self) -> list[Listening]:
        """Bind every service (port 0 picks a free port) and start delivering if asked."""
        self._loop = asyncio.get_running_loop()
        # One numeric address: a name such as "localhost" may resolve to both 127.0.0.1 and ::1,
        # and port 0 would then give each a different free port.
        infos = await self._loop.getaddrinfo(self.host, None, type=socket.SOCK_STREAM)
        address = str(infos[0][4][0])
        where: list[Listening] = []
        for service, factory in self.factories.items():
            if service.implicit_tls and self.tls is None:
                raise ValueError(f"{service.value} needs a TLS context (tls=...)")
            # implicit TLS too is accepted as plain TCP: the connection does its own handshake,
            # so a half-open handshake is counted in the budget and bounded by the login timeout
            server = await asyncio.start_server(
                self._handler(service, factory), address, self.ports.get(service, 0)
            )
            self._servers.append(server)
            port = server.sockets[0].getsockname()[1]
            where.append(Listening(service, address, port))
        if self.deliver_every:
            self._delivery = asyncio.ensure_future(self._deliver_loop(self.deliver_every))
        return where

    def _handler(
        self, service: Service, factory: EngineFactory
    ) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if service.implicit_tls:  # before any await: the client's TLS hello must stay in
                # the socket for start_tls, not land in the plaintext reader
                writer.transport.pause_reading()  # type: ignore[attr-defined]
            task = asyncio.current_task()
            assert task is not None
            if len(self.unauthenticated) >= self.max_unauthenticated:
                oldest, evicted = next(iter(self.unauthenticated.items()))
                del self.unauthenticated[oldest]
                oldest.farewell = oldest.service.farewell("too many connections waiting to log in")
                evicted.cancel()
            number = next(self._numbers)
            trace = None
            if self.trace is not None:
                trace = WireTrace(self.trace, service, number)
                peer = writer.get_extra_info("peername")
                trace.note(f"connected from {peer[0]}:{peer[1]}" if peer else "connected")
            conn = _Connection(
                self,
                service,
                factory(),
                reader,
                writer,
                self.idle_timeouts.get(service, service.idle_timeout),
                self.tls,
                trace,
            )
            conn.deadline = asyncio.get_running_loop().time() + self.login_timeout
            self.connections.add(conn)
            self.unauthenticated[conn] = task
            self._tasks.add(task)
            try:
                await conn.run()
            except asyncio.CancelledError:
                pass  # shutdown or eviction: conn.run() already treated it as a drop
            finally:
                self.connections.discard(conn)
                self.unauthenticated.pop(conn, None)
                self.authenticated.discard(conn)
                self._tasks.discard(task)

        return handle

    async def _deliver_loop(self, period: float) -> None:
        while True:
            await asyncio.sleep(period)
            try:
                for cred in self.demo.credentials:
                    account = self.demo.store.accounts[cred.user]
                    async with self.account_lock(account):  # not while its engines run
                        self.delivered += self.demo.deliver_to(cred.user, datetime.now(UTC))
            except Exception:  # keep serving even if delivery breaks
                traceback.print_exc(file=sys.stderr)
                return

    async def close(self) -> None:
        """Stop accepting, end every connection (as a drop: nothing deleted), stop delivering."""
        if self._delivery is not None:
            self._delivery.cancel()
        for server in self._servers:
            server.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        for account, listener in self._listeners:
            if listener in account.listeners:
                account.listeners.remove(listener)
        self.executor.shutdown(wait=True)


def _address(peer: Any) -> str:
    """The IP address of a peer name (``(host, port, ...)``), or "" when unknown."""
    return str(peer[0]) if isinstance(peer, tuple) and peer else ""


# ---------------------------------------------------------------------------------------------
# python -m sim serve


class _Pop3WithoutCleartextLogin:
    """A POP3 engine that refuses USER, PASS and APOP until STLS, and leaves USER out of CAPA
    before it (RFC 2595 §4 lets a server do so): the engine has no such switch, so the adapter
    intercepts whole lines before the engine sees them."""

    REFUSED = frozenset({b"USER", b"PASS", b"APOP"})

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._pending = b""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def receive_data(self, data: bytes) -> list[Any]:
        events: list[Any] = []
        self._pending += data
        while not (self._engine.closed or self._engine.awaiting_tls):
            end = self._pending.find(b"\n")
            if end < 0:
                break
            line, self._pending = self._pending[: end + 1], self._pending[end + 1 :]
            events += self._line(line)
        if self._engine.closed or self._engine.awaiting_tls:
            self._pending = b""  # nothing pipelined behind STLS survives the upgrade
        elif len(self._pending) > FEED_SLICE:  # a line too long to be a login: the engine refuses
            events += self._engine.receive_data(self._pending)
            self._pending = b""
        return events

    def _line(self, line: bytes) -> list[Any]:
        if self._engine.tls_active:
            return list(self._engine.receive_data(line))
        word = line.split(b" ", 1)[0].strip().upper()
        if word in self.REFUSED:
            self._engine.outbox.write(b"-ERR cleartext login disabled here: use STLS first\r\n")
            return []
        events = list(self._engine.receive_data(line))
        if word == b"CAPA":  # nothing but status lines is queued before login
            listing = self._engine.outbox.data_to_send()
            self._engine.outbox.write(listing.replace(b"\r\nUSER\r\n", b"\r\n"))
        return events

    def tls_started(self) -> list[Any]:
        self._pending = b""
        return list(self._engine.tls_started())


def pop3_factory(
    demo: Demo, tls: bool = False, *, cleartext_login: bool = True, profile: str = SERVE_PROFILE
) -> EngineFactory:
    """A factory of POP3 engines over the demo store; ``tls``: STLS may be advertised (an
    implicit-TLS port passes False: the connection is already encrypted); ``cleartext_login``
    False: USER/PASS/APOP only after STLS; ``profile``: the server's texts
    (``sim.protocol.profiles``)."""
    from sim.protocol.pop3 import Pop3Server
    from sim.protocol.profiles import pop3_config

    config = pop3_config(profile, tls_available=tls)
    ids = itertools.count(1)  # each greeting's APOP timestamp is derived from it

    def make() -> Engine:
        engine = Pop3Server(demo.store, config, connection_id=next(ids))
        return engine if cleartext_login else cast(Engine, _Pop3WithoutCleartextLogin(engine))

    return make


def imap_factory(
    demo: Demo,
    tls: bool = False,
    *,
    implicit_tls: bool = False,
    cleartext_login: bool = True,
    profile: str = SERVE_PROFILE,
) -> EngineFactory:
    """A factory of IMAP engines over the demo store; ``tls``: STARTTLS may be advertised;
    ``implicit_tls``: the port is TLS from the first byte; ``cleartext_login`` False:
    LOGINDISABLED until STARTTLS (the engine's own switch); ``profile``: the server's texts."""
    from sim.protocol.imap.server import ImapServer
    from sim.protocol.profiles import imap_config

    # Cleartext LOGIN stays allowed on the loopback lab server, so that real clients can log
    # in and a learner can watch the bytes. RFC 9051 §6.2.3 does not forbid it: a server MUST
    # implement a configuration that refuses LOGIN without TLS (LOGINDISABLED, used with
    # --public), sites SHOULD NOT allow it, and clients MUST NOT send it on an insecure network.
    # SELECT's extra "* LIST" answer is IMAP4rev2-only (RFC 9051 §6.3.2, Appendix E: after
    # ENABLE IMAP4rev2); rev1 clients such as imaplib file it with the next LIST's results.
    # AUTHENTICATE PLAIN with SASL-IR is offered wherever LOGIN is (the engine hides it behind
    # LOGINDISABLED): mbsync's and neomutt's defaults use it rather than LOGIN.
    config = imap_config(
        profile,
        starttls=tls and not implicit_tls,
        implicit_tls=implicit_tls,
        cleartext_login=cleartext_login,
        select_list=False,
        auth_plain=True,
    )
    return lambda: ImapServer(demo.store, config)


def default_factories(
    demo: Demo, tls: bool = False, *, cleartext_login: bool = True, profile: str = SERVE_PROFILE
) -> dict[Service, EngineFactory]:
    """Both real engines; with ``tls`` they offer STLS/STARTTLS and the implicit-TLS services
    POP3S and IMAPS are added; ``cleartext_login`` False: no login before TLS; ``profile``: the
    server's texts."""
    factories = {
        Service.POP3: pop3_factory(demo, tls, cleartext_login=cleartext_login, profile=profile),
        Service.IMAP: imap_factory(demo, tls, cleartext_login=cleartext_login, profile=profile),
    }
    if tls:
        factories[Service.POP3S] = pop3_factory(demo, False, profile=profile)
        factories[Service.IMAPS] = imap_factory(demo, False, implicit_tls=True, profile=profile)
    return factories


def startup_lines(where: list[Listening], demo: Demo, deliver_every: float | None) -> list[str]:
    """The documented plain-text start-up record (see the module docstring)."""
    lines = [f"{w.service.value} {w.host} {w.port}" for w in where]
    lines += [f"USER {c.user} {c.password}" for c in demo.credentials]
    if deliver_every:
        lines.append(f"DELIVER {deliver_every:g}")
    lines.append("READY")
    return lines


def startup_json(
    where: list[Listening],
    demo: Demo,
    *,
    messages: int,
    seed: int,
    deliver_every: float | None,
    tls: bool,
    public: bool = False,
) -> dict[str, Any]:
    """The documented ``--json`` start-up record."""
    record: dict[str, Any] = {
        w.service.value.lower(): {"host": w.host, "port": w.port} for w in where
    }
    record["users"] = [{"user": c.user, "password": c.password} for c in demo.credentials]
    record.update(messages=messages, seed=seed, deliver_every=deliver_every, tls=tls, public=public)
    return record


def tls_context(cert: str | None, key: str | None) -> ssl.SSLContext | None:
    """A server TLS context from PEM files, or None without them; errors name the option."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        given, missing = ("--tls-cert", "--tls-key") if cert else ("--tls-key", "--tls-cert")
        raise UsageError(f"{given} needs {missing} as well (a PEM certificate and its key)")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
        raise UsageError(f"--tls-cert={cert!r} --tls-key={key!r}: cannot load: {reason}") from None
    return context


def _one_line_errors() -> Callable[[asyncio.AbstractEventLoop, dict[str, Any]], None]:
    """A loop exception handler printing one line per kind of error at most every 10 s: at the
    file-descriptor limit asyncio would otherwise print a traceback for every failed accept."""
    last: dict[str, float] = {}

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        message = str(context.get("message", "error"))
        now = time.monotonic()
        if now - last.get(message, -60.0) < 10.0:
            return
        last[message] = now
        exc = context.get("exception")
        detail = f": {type(exc).__name__}: {exc}" if exc is not None else ""
        print(f"python -m sim serve: {message}{detail}", file=sys.stderr, flush=True)

    return handle


async def _serve(args: argparse.Namespace, tls: ssl.SSLContext | None) -> int:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_one_line_errors())
    sys.setswitchinterval(SWITCH_INTERVAL)  # this process serves; nothing else runs in it
    demo = build_demo(args.users, args.messages, args.seed, random_passwords=args.public)
    cleartext = not args.public or args.allow_cleartext_login
    timeouts = {service: args.idle_timeout for service in Service} if args.idle_timeout else None
    server = LiveServer(
        demo,
        default_factories(demo, tls is not None, cleartext_login=cleartext, profile=args.profile),
        host=args.host,
        ports={
            Service.POP3: args.pop3_port,
            Service.IMAP: args.imap_port,
            Service.POP3S: args.pop3s_port or 0,
            Service.IMAPS: args.imaps_port or 0,
        },
        deliver_every=args.deliver_every,
        tls=tls,
        idle_timeouts=timeouts,
        max_connections=args.max_connections,
        max_unauthenticated=args.max_unauthenticated,
        login_timeout=args.login_timeout,
        slow_failures=args.public,
        trace=sys.stderr if args.trace else None,
    )
    try:
        where = await server.start()
    except OSError as exc:
        await server.close()
        print(
            f"python -m sim serve: error: cannot listen on {args.host} "
            f"(--host/--pop3-port/--imap-port): {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    if args.public:
        print(
            f"notice: --public: listening on {where[0].host}; random passwords"
            + ("" if not cleartext else "; cleartext login ALLOWED (--allow-cleartext-login)"),
            file=sys.stderr,
        )
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # handlers first: a client may signal as soon as it has read READY
    if args.json:
        print(
            json.dumps(
                startup_json(
                    where,
                    demo,
                    messages=args.messages,
                    seed=args.seed,
                    deliver_every=args.deliver_every,
                    tls=tls is not None,
                    public=args.public,
                )
            ),
            flush=True,
        )
    else:
        print("\n".join(startup_lines(where, demo, args.deliver_every)), flush=True)
    try:
        await stop.wait()
    finally:
        await server.close()
    return 0


def check_host(host: str, public: bool) -> None:
    """Serving beyond loopback must be asked for with ``--public``; errors name ``--host``."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UsageError(f"--host={host!r}: cannot resolve it ({exc})") from None
    address = str(infos[0][4][0]).split("%")[0]
    if not public and not ipaddress.ip_address(address).is_loopback:
        raise UsageError(
            f"--host={host}: {address} is not a loopback address; add --public to "
            "serve beyond this machine (random passwords, no login before TLS)"
        )


def run_serve(args: argparse.Namespace) -> int:
    ports = {
        "--pop3-port": args.pop3_port,
        "--imap-port": args.imap_port,
        "--pop3s-port": args.pop3s_port,
        "--imaps-port": args.imaps_port,
    }
    seen: dict[int, str] = {}
    for name, port in ports.items():
        if port:
            if port in seen:
                raise UsageError(
                    f"{seen[port]}={port} and {name}={port}: must differ (or be 0 for a free port)"
                )
            seen[port] = name
    if args.tls_cert is None:
        for name in ("--pop3s-port", "--imaps-port"):
            if ports[name] is not None:
                raise UsageError(f"{name}={ports[name]}: allowed only with --tls-cert/--tls-key")
    if args.allow_cleartext_login and not args.public:
        raise UsageError(
            "--allow-cleartext-login: allowed only with --public (on loopback "
            "cleartext login is always allowed)"
        )
    if args.public and args.tls_cert is None and not args.allow_cleartext_login:
        raise UsageError(
            "--public needs --tls-cert/--tls-key (no login before TLS), or --allow-cleartext-login"
        )
    check_host(args.host, args.public)
    return asyncio.run(_serve(args, tls_context(args.tls_cert, args.tls_key)))


SERVE_EPILOG = """\
On start it prints one record per line, fields separated by single spaces:
  POP3 <host> <port>
  IMAP <host> <port>
  POP3S <host> <port>        (only with --tls-cert: implicit TLS, like port 995)
  IMAPS <host> <port>        (only with --tls-cert: implicit TLS, like port 993)
  USER <name> <password>     (one per account)
  DELIVER <seconds>          (only with --deliver-every)
  READY
With --json it prints instead one line with one JSON object:
  {"pop3": {"host": H, "port": P}, "imap": {"host": H, "port": P},
   "users": [{"user": U, "password": W}, ...], "messages": N, "seed": S,
   "deliver_every": SECONDS or null, "tls": true if --tls-cert was given,
   "public": true if --public was given}
  (with --tls-cert also "pop3s" and "imaps": {"host": H, "port": P})
It serves until SIGINT (Ctrl-C) or SIGTERM. Passwords are derived from --seed, except with
--public (needed for any --host beyond loopback): then they are random, printed only here,
login needs TLS first (IMAP says LOGINDISABLED; POP3 refuses USER/PASS/APOP before STLS)
unless --allow-cleartext-login, and failed logins are answered ever more slowly (0.5 s,
doubling per failure from an address, at most 8 s) and a connection is closed after 3.
Connections not logged in have their own budget (--max-unauthenticated; a new connection
closes the oldest of them) and --login-timeout from connect; logged-in sessions have
--max-connections.
--deliver-every stops filling an INBOX once it holds 5000 messages.
Examples, with PORT and PW (password) from the record:
  python -m sim serve --deliver-every 30
  python -c "import imaplib; print(imaplib.IMAP4('127.0.0.1', PORT).login('alice', 'PW'))"
  curl -u alice:PW pop3://127.0.0.1:PORT/1        (message 1 over POP3)
  curl -u alice:PW 'imap://127.0.0.1:PORT/INBOX;UID=2'
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``serve`` subcommand."""
    p = subparsers.add_parser(
        "serve",
        help="serve the POP3 and IMAP engines on loopback for real clients",
        description="A live POP3 and IMAP server over the lab's engines, with generated "
        "accounts and mail, for real clients (poplib, imaplib, curl, a mail client).",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: loopback only; any other needs --public)",
    )
    p.add_argument(
        "--public",
        action="store_true",
        help="allow a --host beyond loopback: random passwords, no USER/PASS/LOGIN "
        "before TLS (needs --tls-cert), failed logins slowed and cut off",
    )
    p.add_argument(
        "--allow-cleartext-login",
        action="store_true",
        help="with --public: allow USER/PASS/LOGIN without TLS anyway",
    )
    p.add_argument(
        "--pop3-port",
        type=int_in_range("--pop3-port", 0, 65535),
        default=0,
        metavar="N",
        help="POP3 port, 0..65535 (default 0: a free port)",
    )
    p.add_argument(
        "--imap-port",
        type=int_in_range("--imap-port", 0, 65535),
        default=0,
        metavar="N",
        help="IMAP port, 0..65535 (default 0: a free port)",
    )
    p.add_argument(
        "--users",
        type=int_in_range("--users", 1, MAX_USERS),
        default=2,
        metavar="N",
        help=f"accounts to create, 1..{MAX_USERS} (default 2)",
    )
    p.add_argument(
        "--messages",
        type=int_in_range("--messages", 0, MAX_MESSAGES),
        default=10,
        metavar="N",
        help=f"messages in each INBOX, 0..{MAX_MESSAGES} (default 10)",
    )
    p.add_argument(
        "--seed",
        type=int_in_range("--seed", 0, 2**63 - 1),
        default=1,
        metavar="S",
        help="seed for accounts, passwords and mail (default 1)",
    )
    p.add_argument(
        "--deliver-every",
        type=float_in_range("--deliver-every", 0.0, 86400.0, low_open=True),
        default=None,
        metavar="SECONDS",
        help="deliver a new message to every user this often (> 0 and <= 86400)",
    )
    p.add_argument(
        "--tls-cert",
        metavar="PEM",
        default=None,
        help="certificate for STLS/STARTTLS and the POP3S/IMAPS ports (with "
        "--tls-key); without it no TLS is offered",
    )
    p.add_argument("--tls-key", metavar="PEM", default=None, help="private key for --tls-cert")
    p.add_argument(
        "--pop3s-port",
        type=int_in_range("--pop3s-port", 0, 65535),
        default=None,
        metavar="N",
        help="POP3 over implicit TLS, 0..65535 (default: a free port; needs --tls-cert)",
    )
    p.add_argument(
        "--imaps-port",
        type=int_in_range("--imaps-port", 0, 65535),
        default=None,
        metavar="N",
        help="IMAP over implicit TLS, 0..65535 (default: a free port; needs --tls-cert)",
    )
    p.add_argument(
        "--max-connections",
        type=int_in_range("--max-connections", 1, 10000),
        default=MAX_CONNECTIONS,
        metavar="N",
        help=f"logged-in sessions at once, 1..10000 (default {MAX_CONNECTIONS})",
    )
    p.add_argument(
        "--max-unauthenticated",
        type=int_in_range("--max-unauthenticated", 1, 10000),
        default=MAX_UNAUTHENTICATED,
        metavar="N",
        help="connections not logged in yet, 1..10000; beyond it a new one closes "
        f"the oldest (default {MAX_UNAUTHENTICATED})",
    )
    p.add_argument(
        "--login-timeout",
        type=float_in_range("--login-timeout", 0.0, 60.0, low_open=True),
        default=LOGIN_TIMEOUT,
        metavar="SECONDS",
        help="time from connect (TLS handshake included) to login, > 0 and <= 60 "
        f"(default {LOGIN_TIMEOUT:g}); bytes sent do not extend it",
    )
    p.add_argument(
        "--idle-timeout",
        type=float_in_range("--idle-timeout", 0.0, 86400.0, low_open=True),
        default=None,
        metavar="SECONDS",
        help="inactivity timeout after login, > 0 and <= 86400 (default "
        f"{POP3_IDLE_TIMEOUT:g} for POP3, {IMAP_IDLE_TIMEOUT:g} for IMAP)",
    )
    p.add_argument(
        "--trace",
        action="store_true",
        help="print every connection's wire lines to stderr ([imap #2] C: ... / S: ...)"
        ", passwords as ***, long replies elided, with byte totals at close",
    )
    p.add_argument("--json", action="store_true", help="print the start-up record as JSON")
    p.add_argument(
        "--profile",
        type=_profile_name,
        default=SERVE_PROFILE,
        metavar="NAME",
        help="whose texts the server sends (greetings, capabilities, status texts, "
        f"UIDL ids): {', '.join(PROFILE_NAMES)} (default {SERVE_PROFILE}; "
        "dovecot copies Dovecot 2.3 and so also advertises extensions these "
        "engines lack)",
    )
    p.set_defaults(run=run_serve)


def _profile_name(text: str) -> str:
    if text not in PROFILE_NAMES:
        raise argparse.ArgumentTypeError(f"--profile={text!r}: allowed {', '.join(PROFILE_NAMES)}")
    return text
