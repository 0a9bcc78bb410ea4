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
     "deliver_every": null, "tls": false}

``tls`` is true when ``--tls-cert``/``--tls-key`` were given: only then do the engines advertise
STLS / STARTTLS (the adapter performs the upgrade with asyncio's ``start_tls``), and the record
gains ``"pop3s"`` and ``"imaps"`` entries: the same engines behind implicit TLS (ports 995/993 in
real life).

It then serves until SIGINT or SIGTERM and exits with status 0.  With ``--trace`` every
connection's wire lines go to stderr as they pass (``[pop3 #1] C: USER alice``,
``[pop3 #1] S: +OK send PASS``; long replies elided), with each connection's byte totals when it
ends: a live transcript of whatever real client is connected.
"""

from __future__ import annotations

import argparse
import asyncio
import enum
import ipaddress
import itertools
import json
import signal
import socket
import ssl
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol, TextIO

from sim.cli import UsageError, float_in_range, int_in_range
from sim.demo import MAX_MESSAGES, MAX_USERS, Demo, build_demo
from sim.protocol.outbox import Outbox
from sim.protocol.store import Account

READ_SIZE = 16 * 1024  # octets asked from the socket at a time
FEED_SLICE = 4096  # at most this many octets (and one line) per receive_data call
HIGH_WATER = 256 * 1024  # queued output above which we write and drain before feeding more
CLOSE_WAIT_S = 1.0  # at most this long for a closing connection to report how it ended
MAX_CONNECTIONS = 64
POP3_IDLE_TIMEOUT = 600.0  # RFC 1939 §3: an autologout timer of at least 10 minutes
IMAP_IDLE_TIMEOUT = 1800.0  # RFC 9051 §5.4: at least 30 minutes


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

    @property
    def too_many(self) -> bytes:
        """Said instead of a greeting when MAX_CONNECTIONS are open."""
        if self.is_imap:
            return b"* BYE too many connections, try again later\r\n"
        return b"-ERR [SYS/TEMP] too many connections, try again later\r\n"


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
        self.prefix = f"[{service.value.lower()} #{number}]"
        self.client_bytes = 0
        self.server_bytes = 0
        self._partial = {"C": b"", "S": b""}

    def client(self, data: bytes) -> None:
        self.client_bytes += len(data)
        self._lines("C", data)

    def server(self, data: bytes) -> None:
        self.server_bytes += len(data)
        self._lines("S", data)

    def note(self, text: str) -> None:
        print(f"{self.prefix} -- {text}", file=self.stream, flush=True)

    def closed(self, how: str) -> None:
        self.note(f"{how}; client sent {self.client_bytes} bytes, server sent "
                  f"{self.server_bytes} bytes")

    def _lines(self, who: str, data: bytes) -> None:
        text = self._partial[who] + data
        lines = text.split(b"\r\n")
        self._partial[who] = lines.pop()  # an unfinished line waits for its end
        if len(self._partial[who]) > FEED_SLICE:  # a line that never ends: show a piece
            lines.append(self._partial[who][:80] + b"...")
            self._partial[who] = b""
        if len(lines) > self.HEAD + self.TAIL + 1:
            hidden = lines[self.HEAD:-self.TAIL]
            octets = sum(len(ln) + 2 for ln in hidden)
            lines = lines[:self.HEAD] + [b"... %d more lines (%d octets) ..." % (len(hidden),
                                                                               octets)] \
                + lines[-self.TAIL:]
        for line in lines:
            shown = line.decode("utf-8", "backslashreplace")
            if len(shown) > 200:
                shown = shown[:200] + f"... ({len(line)} octets)"
            print(f"{self.prefix} {who}: {shown}", file=self.stream)
        self.stream.flush()


@dataclass(eq=False)
class _Connection:
    """One client connection: its engine, its streams and its wake-up flag."""

    service: Service
    engine: Engine
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_timeout: float
    tls: ssl.SSLContext | None = None
    trace: WireTrace | None = None
    dirty: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    _read: asyncio.Task[bytes] | None = None

    def store_changed(self) -> None:
        """Called from a store listener: ask the task to refresh the engine between commands."""
        self.dirty = True
        self.wake.set()

    async def run(self) -> None:
        how = "server shut down"  # what ended a session the engine did not close itself
        try:
            await self._flush()  # the greeting
            while not self.engine.closed:
                data = await self._next_input()
                if data is None:
                    self._refresh()
                    await self._flush()
                elif not data:
                    how = "client closed the connection"
                    break
                else:
                    await self._feed(data)
        except TimeoutError:
            how = "inactivity timeout"
        except (ConnectionError, OSError):
            how = "connection lost"  # the client vanished or stopped reading
        except Exception:  # an engine bug must not take the server down
            how = "server error"
            traceback.print_exc(file=sys.stderr)
        finally:
            if self._read is not None:
                self._read.cancel()
            dropped = not self.engine.closed
            if dropped:
                try:
                    self.engine.connection_lost()
                except Exception:
                    traceback.print_exc(file=sys.stderr)
            if self.trace is not None:
                self.trace.closed(f"dropped without QUIT/LOGOUT ({how})" if dropped
                                  else "session ended by QUIT/LOGOUT")
            self.writer.close()
            # collect how the connection ended: a broken pipe left unretrieved in the stream's
            # close future would be logged as "Future exception was never retrieved"
            try:
                await asyncio.wait_for(self.writer.wait_closed(), CLOSE_WAIT_S)
            except (ConnectionError, OSError, TimeoutError):
                pass

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
                {self._read, waker}, timeout=self.idle_timeout,
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
            self.engine.receive_data(piece)
            if self.engine.closed:
                break  # anything after QUIT/LOGOUT is ignored
            if getattr(self.engine, "awaiting_tls", False):
                await self._start_tls()
                return  # plaintext pipelined behind STLS/STARTTLS is discarded (RFC 2595 §4)
            if self.engine.outbox.pending > HIGH_WATER:
                await self._flush()
        if self.dirty and not self.engine.closed:
            self._refresh()
        await self._flush()

    async def _start_tls(self) -> None:
        """STLS/STARTTLS was answered: send the answer, do the handshake, tell the engine.

        Reading stops *before* the answer goes out, so the client's TLS hello stays in the socket
        for the TLS layer instead of landing in the plaintext buffer; plaintext already buffered
        (pipelined behind the command) is dropped, never read as if it had come over TLS."""
        if self.tls is None:  # the engine offered TLS that this server cannot do: hang up
            raise ConnectionError("TLS requested but no certificate configured")
        self.writer.transport.pause_reading()
        buffered = getattr(self.reader, "_buffer", None)  # StreamReader has no public discard
        if isinstance(buffered, bytearray):
            buffered.clear()
        await self._flush()
        await asyncio.wait_for(self.writer.start_tls(self.tls), self.idle_timeout)
        if self.trace is not None:
            self.trace.note("TLS started; the lines below travel encrypted")
        self.engine.tls_started()  # type: ignore[attr-defined]
        await self._flush()

    def _refresh(self) -> None:
        self.dirty = False
        refresh = getattr(self.engine, "refresh", None)
        if refresh is not None and not self.engine.closed:
            refresh()

    async def _flush(self) -> None:
        data = self.engine.outbox.data_to_send()
        if data:
            if self.trace is not None:
                self.trace.server(data)
            self.writer.write(data)
            await asyncio.wait_for(self.writer.drain(), self.idle_timeout)


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
    """Serves engines from ``factories`` on ``host``; one engine per connection."""

    def __init__(self, demo: Demo, factories: dict[Service, EngineFactory], *,
                 host: str = "127.0.0.1", ports: dict[Service, int] | None = None,
                 deliver_every: float | None = None, tls: ssl.SSLContext | None = None,
                 idle_timeouts: dict[Service, float] | None = None,
                 max_connections: int = MAX_CONNECTIONS, trace: TextIO | None = None) -> None:
        self.demo = demo
        self.factories = factories
        self.host = host
        self.ports = ports or {}
        self.deliver_every = deliver_every
        self.tls = tls
        self.idle_timeouts = idle_timeouts or {}
        self.max_connections = max_connections
        self.trace = trace
        self._numbers = itertools.count(1)
        self.connections: set[_Connection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._servers: list[asyncio.base_events.Server] = []
        self._delivery: asyncio.Task[None] | None = None
        self.delivered = 0
        self._listeners = [(account, self._listener_for(account))
                           for account in demo.store.accounts.values()]
        for account, listener in self._listeners:
            account.listeners.append(listener)

    def _listener_for(self, account: Account) -> Callable[[], None]:
        def changed() -> None:
            for conn in self.connections:
                if conn.service.is_imap and engine_account(conn.engine) in (account, None):
                    conn.store_changed()
        return changed

    async def start(self) -> list[Listening]:
        """Bind every service (port 0 picks a free port) and start delivering if asked."""
        # One numeric address: a name such as "localhost" may resolve to both 127.0.0.1 and ::1,
        # and port 0 would then give each a different free port.
        infos = await asyncio.get_running_loop().getaddrinfo(
            self.host, None, type=socket.SOCK_STREAM)
        address = str(infos[0][4][0])
        where: list[Listening] = []
        for service, factory in self.factories.items():
            if service.implicit_tls and self.tls is None:
                raise ValueError(f"{service.value} needs a TLS context (tls=...)")
            server = await asyncio.start_server(
                self._handler(service, factory), address, self.ports.get(service, 0),
                ssl=self.tls if service.implicit_tls else None,
            )
            self._servers.append(server)
            port = server.sockets[0].getsockname()[1]
            where.append(Listening(service, address, port))
        if self.deliver_every:
            self._delivery = asyncio.ensure_future(self._deliver_loop(self.deliver_every))
        return where

    def _handler(self, service: Service, factory: EngineFactory
                 ) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if len(self.connections) >= self.max_connections:
                writer.write(service.too_many)
                writer.close()
                return
            number = next(self._numbers)
            trace = None
            if self.trace is not None:
                trace = WireTrace(self.trace, service, number)
                peer = writer.get_extra_info("peername")
                trace.note(f"connected from {peer[0]}:{peer[1]}" if peer else "connected")
            conn = _Connection(service, factory(), reader, writer,
                               self.idle_timeouts.get(service, service.idle_timeout), self.tls,
                               trace)
            self.connections.add(conn)
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            try:
                await conn.run()
            except asyncio.CancelledError:
                pass  # shutdown: conn.run() already treated it as a drop
            finally:
                self.connections.discard(conn)
                self._tasks.discard(task)
        return handle

    async def _deliver_loop(self, period: float) -> None:
        while True:
            await asyncio.sleep(period)
            try:
                self.delivered += self.demo.deliver_round(datetime.now(timezone.utc))
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


# ---------------------------------------------------------------------------------------------
# python -m sim serve


def pop3_factory(demo: Demo, tls: bool = False) -> EngineFactory:
    """A factory of POP3 engines over the demo store; ``tls``: STLS may be advertised (an
    implicit-TLS port passes False: the connection is already encrypted)."""
    from sim.protocol.pop3 import Pop3Config, Pop3Server

    config = Pop3Config(tls_available=tls)
    ids = itertools.count(1)  # each greeting's APOP timestamp is derived from it
    return lambda: Pop3Server(demo.store, config, connection_id=next(ids))


def imap_factory(demo: Demo, tls: bool = False, *, implicit_tls: bool = False) -> EngineFactory:
    """A factory of IMAP engines over the demo store; ``tls``: STARTTLS may be advertised;
    ``implicit_tls``: the port is TLS from the first byte."""
    from sim.protocol.imap.config import ImapConfig
    from sim.protocol.imap.server import ImapServer

    # Cleartext LOGIN stays allowed on this loopback lab server, so that real clients can log
    # in and a learner can watch the bytes. RFC 9051 §6.2.3 does not forbid it: a server MUST
    # implement a configuration that refuses LOGIN without TLS (LOGINDISABLED), sites SHOULD
    # NOT allow it, and clients MUST NOT send it on an insecure network.
    # SELECT's extra "* LIST" answer is IMAP4rev2-only (RFC 9051 §6.3.2, Appendix E: after
    # ENABLE IMAP4rev2); rev1 clients such as imaplib file it with the next LIST's results.
    # AUTHENTICATE PLAIN with SASL-IR is offered wherever LOGIN is (the engine hides it behind
    # LOGINDISABLED): mbsync's and neomutt's defaults use it rather than LOGIN.
    config = ImapConfig(starttls=tls and not implicit_tls, implicit_tls=implicit_tls,
                        cleartext_login=True, select_list=False, auth_plain=True)
    return lambda: ImapServer(demo.store, config)


def default_factories(demo: Demo, tls: bool = False) -> dict[Service, EngineFactory]:
    """Both real engines; with ``tls`` they offer STLS/STARTTLS and the implicit-TLS services
    POP3S and IMAPS are added."""
    factories = {Service.POP3: pop3_factory(demo, tls), Service.IMAP: imap_factory(demo, tls)}
    if tls:
        factories[Service.POP3S] = pop3_factory(demo, False)
        factories[Service.IMAPS] = imap_factory(demo, False, implicit_tls=True)
    return factories


def startup_lines(where: list[Listening], demo: Demo, deliver_every: float | None) -> list[str]:
    """The documented plain-text start-up record (see the module docstring)."""
    lines = [f"{w.service.value} {w.host} {w.port}" for w in where]
    lines += [f"USER {c.user} {c.password}" for c in demo.credentials]
    if deliver_every:
        lines.append(f"DELIVER {deliver_every:g}")
    lines.append("READY")
    return lines


def startup_json(where: list[Listening], demo: Demo, *, messages: int, seed: int,
                 deliver_every: float | None, tls: bool) -> dict[str, Any]:
    """The documented ``--json`` start-up record."""
    record: dict[str, Any] = {
        w.service.value.lower(): {"host": w.host, "port": w.port} for w in where
    }
    record["users"] = [{"user": c.user, "password": c.password} for c in demo.credentials]
    record.update(messages=messages, seed=seed, deliver_every=deliver_every, tls=tls)
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


async def _serve(args: argparse.Namespace, tls: ssl.SSLContext | None) -> int:
    demo = build_demo(args.users, args.messages, args.seed)
    server = LiveServer(
        demo, default_factories(demo, tls is not None),
        host=args.host,
        ports={Service.POP3: args.pop3_port, Service.IMAP: args.imap_port,
               Service.POP3S: args.pop3s_port or 0, Service.IMAPS: args.imaps_port or 0},
        deliver_every=args.deliver_every, tls=tls, trace=sys.stderr if args.trace else None,
    )
    try:
        where = await server.start()
    except OSError as exc:
        await server.close()
        print(f"python -m sim serve: error: cannot listen on {args.host} "
              f"(--host/--pop3-port/--imap-port): {exc.strerror or exc}", file=sys.stderr)
        return 1
    if not all(ipaddress.ip_address(w.host).is_loopback for w in where):
        print(f"warning: listening on {where[0].host}, beyond loopback; logins travel in cleartext "
              "unless clients use STLS/STARTTLS",
              file=sys.stderr)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # handlers first: a client may signal as soon as it has read READY
    if args.json:
        print(json.dumps(startup_json(where, demo, messages=args.messages, seed=args.seed,
                                      deliver_every=args.deliver_every, tls=tls is not None)),
              flush=True)
    else:
        print("\n".join(startup_lines(where, demo, args.deliver_every)), flush=True)
    try:
        await stop.wait()
    finally:
        await server.close()
    return 0


def run_serve(args: argparse.Namespace) -> int:
    ports = {"--pop3-port": args.pop3_port, "--imap-port": args.imap_port,
             "--pop3s-port": args.pop3s_port, "--imaps-port": args.imaps_port}
    seen: dict[int, str] = {}
    for name, port in ports.items():
        if port:
            if port in seen:
                raise UsageError(f"{seen[port]}={port} and {name}={port}: must differ "
                                 "(or be 0 for a free port)")
            seen[port] = name
    if args.tls_cert is None:
        for name in ("--pop3s-port", "--imaps-port"):
            if ports[name] is not None:
                raise UsageError(f"{name}={ports[name]}: allowed only with --tls-cert/--tls-key")
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
   "deliver_every": SECONDS or null, "tls": true if --tls-cert was given}
  (with --tls-cert also "pop3s" and "imaps": {"host": H, "port": P})
It serves until SIGINT (Ctrl-C) or SIGTERM. Credentials are derived from --seed.
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
        "serve", help="serve the POP3 and IMAP engines on loopback for real clients",
        description="A live POP3 and IMAP server over the lab's engines, with generated "
                    "accounts and mail, for real clients (poplib, imaplib, curl, a mail client).",
        epilog=SERVE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: loopback only)")
    p.add_argument("--pop3-port", type=int_in_range("--pop3-port", 0, 65535), default=0,
                   metavar="N", help="POP3 port, 0..65535 (default 0: a free port)")
    p.add_argument("--imap-port", type=int_in_range("--imap-port", 0, 65535), default=0,
                   metavar="N", help="IMAP port, 0..65535 (default 0: a free port)")
    p.add_argument("--users", type=int_in_range("--users", 1, MAX_USERS), default=2,
                   metavar="N", help=f"accounts to create, 1..{MAX_USERS} (default 2)")
    p.add_argument("--messages", type=int_in_range("--messages", 0, MAX_MESSAGES), default=10,
                   metavar="N", help=f"messages in each INBOX, 0..{MAX_MESSAGES} (default 10)")
    p.add_argument("--seed", type=int_in_range("--seed", 0, 2**63 - 1), default=1, metavar="S",
                   help="seed for accounts, passwords and mail (default 1)")
    p.add_argument("--deliver-every", type=float_in_range("--deliver-every", 0.0, 86400.0,
                                                          low_open=True),
                   default=None, metavar="SECONDS",
                   help="deliver a new message to every user this often (> 0 and <= 86400)")
    p.add_argument("--tls-cert", metavar="PEM", default=None,
                   help="certificate for STLS/STARTTLS and the POP3S/IMAPS ports (with "
                        "--tls-key); without it no TLS is offered")
    p.add_argument("--tls-key", metavar="PEM", default=None, help="private key for --tls-cert")
    p.add_argument("--pop3s-port", type=int_in_range("--pop3s-port", 0, 65535), default=None,
                   metavar="N", help="POP3 over implicit TLS, 0..65535 (default: a free port; "
                                     "needs --tls-cert)")
    p.add_argument("--imaps-port", type=int_in_range("--imaps-port", 0, 65535), default=None,
                   metavar="N", help="IMAP over implicit TLS, 0..65535 (default: a free port; "
                                     "needs --tls-cert)")
    p.add_argument("--trace", action="store_true",
                   help="print every connection's wire lines to stderr ([imap #2] C: ... / S: ...)"
                        ", long replies elided, with byte totals at close")
    p.add_argument("--json", action="store_true", help="print the start-up record as JSON")
    p.set_defaults(run=run_serve)
