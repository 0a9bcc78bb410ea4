"""A sans-IO POP3 server engine (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS).

Theory of operation
-------------------
One :class:`Pop3Server` is one connection.  The adapter (a socket server, the simulation, a test)
feeds whatever bytes arrived to :meth:`Pop3Server.receive_data` and gets back a list of frozen
events; the replies wait in :attr:`Pop3Server.outbox` as framing bytes plus lazy message payloads,
so the simulation can count octets without ever building a message and a socket adapter can write
exact bytes.  Nothing here reads a clock, a socket or a random generator.

Input is cut into lines at LF (a preceding CR is dropped).  A line, terminator included, may be at
most 255 octets (RFC 2449 §4): a longer one is skipped up to its end -- the engine keeps at most
255 octets buffered -- and answered with one ``-ERR``.  Every decision is taken when a line is
complete, which is why the events and the output do not depend on how the input was chunked.

Each complete line is parsed into a :class:`Pop3Command` and checked against ``LEGAL_COMMANDS``
for the current :class:`Pop3State` before its arguments are looked at; an illegal command gets
``-ERR`` and changes nothing.  The states follow RFC 1939:

* AUTHORIZATION: USER+PASS, APOP (MD5 of the greeting's timestamp and the secret) or, where the
  config offers it, AUTH PLAIN (RFC 5034; the SASL response on the AUTH line or after ``+ ``).  Success takes
  the account's exclusive maildrop lock and a snapshot of INBOX numbered 1..n; a locked maildrop
  answers ``-ERR [IN-USE]`` and the session stays in AUTHORIZATION.  STLS answers ``+OK``, emits
  :class:`TlsRequested` and ignores input until the adapter calls :meth:`tls_started`; the session
  then starts afresh in AUTHORIZATION (RFC 2595 §4) and bytes pipelined behind STLS are discarded.
* TRANSACTION: STAT, LIST, RETR, TOP, UIDL read the snapshot, skipping messages marked by DELE;
  RSET clears the marks.  Sizes are unstuffed octets; multi-line replies are dot-stuffed and end
  with ``.`` CRLF, and every line sent ends CRLF whatever line ends the stored message has (a bare
  LF or CR line end must not hide a ``.`` line from stuffing or let message text pass for a reply).
* UPDATE: reached only by QUIT from TRANSACTION; the marked messages are expunged from INBOX, the
  lock is released and the engine is :attr:`closed`.  A lost connection deletes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable

from .message import Message
from .outbox import Outbox
from .pop3_config import MAX_COMMAND_LINE, MAX_STATUS_LINE, NEVER, Pop3Config, capability_lines
from .pop3_events import (
    LEGAL_COMMANDS,
    Authenticated,
    AuthFailed,
    AuthMethod,
    CloseReason,
    CommandReceived,
    ErrorKind,
    LockRefused,
    MarkedDeleted,
    MarksCleared,
    MessageRetrieved,
    MessagesExpunged,
    Pop3Command,
    Pop3Event,
    Pop3State,
    ProtocolError,
    SessionClosed,
    StateChanged,
    TlsRequested,
    TlsStarted,
)
from .sasl import parse_plain
from .store import Account, Store, StoredMessage

__all__ = [
    "LEGAL_COMMANDS",
    "MAX_COMMAND_LINE",
    "MAX_STATUS_LINE",
    "NEVER",
    "AuthFailed",
    "AuthMethod",
    "Authenticated",
    "CloseReason",
    "CommandReceived",
    "ErrorKind",
    "LockRefused",
    "MarkedDeleted",
    "MarksCleared",
    "MessageRetrieved",
    "MessagesExpunged",
    "Pop3Command",
    "Pop3Config",
    "Pop3Event",
    "Pop3Server",
    "Pop3State",
    "ProtocolError",
    "SessionClosed",
    "StateChanged",
    "TlsRequested",
    "TlsStarted",
    "apop_digest",
    "capability_lines",
    "unique_id",
]

_NUMBER = re.compile(r"[0-9]{1,12}")
_DIGEST = re.compile(r"[0-9a-fA-F]{32}")
_COMMANDS = {c.value: c for c in Pop3Command}
_TERMINATOR = b".\r\n"


def apop_digest(timestamp: str, secret: str) -> str:
    """RFC 1939 §7 APOP digest: lower-case hex MD5 of the greeting timestamp, then the secret."""
    return hashlib.md5((timestamp + secret).encode("utf-8")).hexdigest()


def unique_id(uidvalidity: int, uid: int) -> str:
    """The UIDL id of a message: stable across sessions, 0x21-0x7E only, well under 70 chars."""
    return f"{uidvalidity}.{uid}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Pop3Server:
    """One POP3 connection, server side.  The greeting is queued in :attr:`outbox` at once."""

    def __init__(
        self, store: Store, config: Pop3Config | None = None, *, connection_id: int = 0
    ) -> None:
        if (
            isinstance(connection_id, bool)
            or not isinstance(connection_id, int)
            or connection_id < 0
        ):
            raise ValueError(f"connection_id={connection_id!r}: allowed an int >= 0")
        self.store = store
        self.config = config if config is not None else Pop3Config()
        self.outbox = Outbox()
        self.state = Pop3State.AUTHORIZATION
        self.closed = False
        self.tls_active = False
        self.awaiting_tls = False
        self.account: Account | None = None
        self.timestamp: str | None = None
        if self.config.apop:
            self.timestamp = self.config.apop_timestamp or (
                f"<{connection_id}.0@{self.config.hostname}>"
            )
        self._pending_user: str | None = None
        self._buffer = bytearray()
        self._discarding = False
        self._snapshot: list[StoredMessage] = []
        self._uidvalidity = 0
        self._marked: set[int] = set()  # message numbers marked by DELE
        self._sasl_pending = False  # AUTH PLAIN sent "+ ": the next line is the SASL response
        greeting = self.config.greeting + (f" {self.timestamp}" if self.timestamp else "")
        self._ok(greeting)

    # -- public API -------------------------------------------------------------------------------
    def receive_data(self, data: bytes) -> list[Pop3Event]:
        """Consume bytes from the client; returns the events of every line completed by them."""
        events: list[Pop3Event] = []
        pos = 0
        while pos < len(data) and not self.closed and not self.awaiting_tls:
            nl = data.find(b"\n", pos)
            if nl < 0:
                rest = data[pos:]
                if not self._discarding:
                    if len(self._buffer) + len(rest) > MAX_COMMAND_LINE:
                        self._discarding = True
                        self._buffer.clear()
                    else:
                        self._buffer += rest
                break
            piece = data[pos:nl]
            pos = nl + 1
            if self._discarding or len(self._buffer) + len(piece) + 1 > MAX_COMMAND_LINE:
                self._discarding = False
                self._buffer.clear()
                events += self._error(
                    ErrorKind.LINE_TOO_LONG, None, f"line too long (max {MAX_COMMAND_LINE} octets)"
                )
                continue
            line = bytes(self._buffer) + piece
            self._buffer.clear()
            events += self._handle_line(line)
        return events

    def connection_lost(self) -> list[Pop3Event]:
        """The peer vanished: nothing is deleted, the maildrop lock is released."""
        if self.closed:
            return []
        self._release()
        self.closed = True
        self.awaiting_tls = False
        return [SessionClosed(CloseReason.CONNECTION_LOST, 0)]

    def tls_started(self) -> list[Pop3Event]:
        """The adapter completed the TLS handshake STLS asked for: restart AUTHORIZATION."""
        if not self.awaiting_tls:
            raise RuntimeError("tls_started() called but no STLS is pending")
        self.awaiting_tls = False
        self.tls_active = True
        self._pending_user = None
        self._buffer.clear()
        self._discarding = False
        return [TlsStarted()]

    @property
    def marked(self) -> frozenset[int]:
        """Message numbers marked by DELE in this session (removed only if QUIT reaches UPDATE)."""
        return frozenset(self._marked)

    @property
    def message_count(self) -> int:
        """Messages in the session's snapshot (including those marked deleted)."""
        return len(self._snapshot)

    def unique_id(self, number: int) -> str:
        """UIDL id of message ``number`` (1-based) of the snapshot, marked or not."""
        if not 1 <= number <= len(self._snapshot):
            raise ValueError(f"number={number}: allowed 1..{len(self._snapshot)}")
        return self.config.texts.unique_id(self._uidvalidity, self._snapshot[number - 1].uid)

    def stored(self, number: int) -> StoredMessage:
        """The store entry behind message ``number`` of the snapshot."""
        if not 1 <= number <= len(self._snapshot):
            raise ValueError(f"number={number}: allowed 1..{len(self._snapshot)}")
        return self._snapshot[number - 1]

    # -- framing ----------------------------------------------------------------------------------
    def _status(self, prefix: str, text: str) -> None:
        line = f"{prefix} {text}" if text else prefix
        raw = line.encode("ascii", "replace")[: MAX_STATUS_LINE - 2]
        self.outbox.write(raw + b"\r\n")

    def _ok(self, text: str = "") -> None:
        self._status("+OK", text)

    def _error(self, kind: ErrorKind, command: Pop3Command | None, text: str) -> list[Pop3Event]:
        self._status("-ERR", text)
        return [ProtocolError(kind, command, text)]

    def _multiline(self, lines: list[str]) -> None:
        self.outbox.write(b"".join(ln.encode("ascii") + b"\r\n" for ln in lines) + _TERMINATOR)

    def _payload(self, message: Message, length: int) -> None:
        """``length`` octets of ``message`` framed as POP3 lines (CRLF ends, dot-stuffed, the last
        line ended; see :func:`~.outbox.pop3_lines`) and the terminating ``.`` CRLF."""
        if length > 0:
            self.outbox.write_payload(message, 0, length, stuffed=True)
        self.outbox.write(_TERMINATOR)

    # -- dispatch ---------------------------------------------------------------------------------
    def _handle_line(self, line: bytes) -> list[Pop3Event]:
        if line.endswith(b"\r"):
            line = line[:-1]
        if self._sasl_pending:
            self._sasl_pending = False
            if line == b"*":
                return self._error(
                    ErrorKind.BAD_ARGUMENTS, Pop3Command.AUTH, "authentication cancelled"
                )
            return self._sasl_plain(line)
        if not line.strip(b" "):
            return self._error(ErrorKind.EMPTY_LINE, None, "empty command")
        if any(b < 0x20 or b > 0x7E for b in line):
            return self._error(
                ErrorKind.BAD_OCTETS, None, "command contains non-printable or non-ASCII octets"
            )
        text = line.decode("ascii")
        keyword, _, rest = text.partition(" ")
        command = _COMMANDS.get(keyword.upper())
        if command is None:
            shown = keyword[:40] or "(blank)"
            return self._error(ErrorKind.UNKNOWN_COMMAND, None, f"unknown command {shown}")
        args = (rest,) if command is Pop3Command.PASS and rest else tuple(rest.split())
        events: list[Pop3Event] = [
            CommandReceived(command, ("***",) if command is Pop3Command.PASS and args else args)
        ]
        if command not in LEGAL_COMMANDS[self.state]:
            return events + self._error(
                ErrorKind.WRONG_STATE,
                command,
                f"{command.value} not allowed in {self.state.value} state",
            )
        return events + _HANDLERS[command](self, args)

    def _usage(self, command: Pop3Command, usage: str) -> list[Pop3Event]:
        return self._error(ErrorKind.BAD_ARGUMENTS, command, f"usage: {usage}")

    def _number(self, command: Pop3Command, arg: str) -> int | list[Pop3Event]:
        """A message number that is in the snapshot and not marked, or the -ERR events."""
        if not _NUMBER.fullmatch(arg):
            return self._error(ErrorKind.BAD_ARGUMENTS, command, "invalid message number")
        number = int(arg)
        if not 1 <= number <= len(self._snapshot):
            return self._error(ErrorKind.NO_SUCH_MESSAGE, command, "no such message")
        if number in self._marked:
            return self._error(
                ErrorKind.NO_SUCH_MESSAGE, command, f"message {number} already deleted"
            )
        return number

    def _set_state(self, new: Pop3State) -> list[Pop3Event]:
        old, self.state = self.state, new
        return [StateChanged(old, new)] if old is not new else []

    def _visible(self) -> list[int]:
        return [n for n in range(1, len(self._snapshot) + 1) if n not in self._marked]

    def _visible_octets(self) -> int:
        return sum(self._snapshot[n - 1].size for n in self._visible())

    # -- AUTHORIZATION ----------------------------------------------------------------------------
    def _user(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if not self.config.user_command:
            return self._error(
                ErrorKind.NOT_AVAILABLE, Pop3Command.USER, "USER not available, use APOP"
            )
        if len(args) != 1:
            return self._usage(Pop3Command.USER, "USER name")
        self._pending_user = args[0]
        self._ok(self.config.texts.user_ok.format(hostname=self.config.hostname))
        return []

    def _pass(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if self._pending_user is None:
            return self._error(ErrorKind.OUT_OF_SEQUENCE, Pop3Command.PASS, "send USER first")
        if len(args) != 1:
            return self._usage(Pop3Command.PASS, "PASS secret")
        user, self._pending_user = self._pending_user, None
        account = self.store.authenticate(user, args[0])
        return self._login(user, account, AuthMethod.USER_PASS)

    def _apop(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if self.timestamp is None:
            return self._error(ErrorKind.NOT_AVAILABLE, Pop3Command.APOP, "APOP not available")
        if len(args) != 2 or not _DIGEST.fullmatch(args[1]):
            return self._usage(Pop3Command.APOP, "APOP name digest")
        self._pending_user = None
        user, digest = args[0], args[1].lower()
        account = self.store.accounts.get(user)
        if account is not None and not hmac.compare_digest(
            apop_digest(self.timestamp, account.password), digest
        ):
            account = None
        return self._login(user, account, AuthMethod.APOP)

    def _login(self, user: str, account: Account | None, method: AuthMethod) -> list[Pop3Event]:
        if account is None:
            self._status("-ERR", "[AUTH] invalid user name or password")
            return [AuthFailed(user, method)]
        if account.pop3_lock is not None:
            self._status("-ERR", "[IN-USE] maildrop already locked")
            return [LockRefused(user)]
        account.pop3_lock = self
        self.account = account
        inbox = account.inbox
        self._snapshot = list(inbox.messages)
        self._uidvalidity = inbox.uidvalidity
        self._marked = set()
        octets = sum(m.size for m in self._snapshot)
        events = self._set_state(Pop3State.TRANSACTION)
        count = len(self._snapshot)
        self._ok(
            self.config.texts.pass_ok.format(
                user=user,
                hostname=self.config.hostname,
                count=count,
                messages=_plural(count, "message"),
                octets=octets,
            )
        )
        return events + [Authenticated(user, method, len(self._snapshot), octets)]

    def _auth(self, args: tuple[str, ...]) -> list[Pop3Event]:
        """AUTH PLAIN [initial-response] (RFC 5034 §4, RFC 4616); without the response the
        server sends an empty ``+ `` challenge and takes the next line as the response."""
        if not self.config.sasl_plain or not self.config.user_command:
            return self._error(ErrorKind.NOT_AVAILABLE, Pop3Command.AUTH, "AUTH not available")
        if not 1 <= len(args) <= 2:
            return self._usage(Pop3Command.AUTH, "AUTH PLAIN [initial-response]")
        if args[0].upper() != "PLAIN":
            return self._error(
                ErrorKind.NOT_AVAILABLE, Pop3Command.AUTH, f"unsupported mechanism {args[0][:30]}"
            )
        self._pending_user = None
        if len(args) == 1:
            self._sasl_pending = True
            self.outbox.write(b"+ \r\n")
            return []
        return self._sasl_plain(args[1].encode("ascii"))

    def _sasl_plain(self, response: bytes) -> list[Pop3Event]:
        try:
            decoded = base64.b64decode(b"" if response == b"=" else response, validate=True)
        except (binascii.Error, ValueError):
            return self._error(
                ErrorKind.BAD_ARGUMENTS, Pop3Command.AUTH, "the SASL response is not base64"
            )
        plain = parse_plain(decoded)
        if isinstance(plain, str):
            self._status("-ERR", "[AUTH] invalid user name or password")
            return [AuthFailed("", AuthMethod.SASL_PLAIN)]
        authzid, user, password = plain
        account = self.store.authenticate(user, password)
        if authzid not in ("", user):
            account = None
        return self._login(user, account, AuthMethod.SASL_PLAIN)

    def _stls(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if args:
            return self._usage(Pop3Command.STLS, "STLS")
        if not self.config.tls_available:
            return self._error(ErrorKind.NOT_AVAILABLE, Pop3Command.STLS, "STLS not available")
        if self.tls_active:
            return self._error(
                ErrorKind.NOT_AVAILABLE, Pop3Command.STLS, "command not permitted when TLS active"
            )
        self._ok("Begin TLS negotiation")
        self.awaiting_tls = True
        self._buffer.clear()
        self._discarding = False
        return [TlsRequested()]

    # -- TRANSACTION ------------------------------------------------------------------------------
    def _stat(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if args:
            return self._usage(Pop3Command.STAT, "STAT")
        count = len(self._visible())
        self._ok(
            self.config.texts.stat_ok.format(
                count=count, messages=_plural(count, "message"), octets=self._visible_octets()
            )
        )
        return []

    def _list(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if len(args) > 1:
            return self._usage(Pop3Command.LIST, "LIST [msg]")
        if args:
            number = self._number(Pop3Command.LIST, args[0])
            if isinstance(number, list):
                return number
            self._ok(f"{number} {self._snapshot[number - 1].size}")
            return []
        visible = self._visible()
        self._ok(
            self.config.texts.list_ok.format(
                count=len(visible),
                messages=_plural(len(visible), "message"),
                octets=self._visible_octets(),
            )
        )
        self._multiline([f"{n} {self._snapshot[n - 1].size}" for n in visible])
        return []

    def _retr(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if len(args) != 1:
            return self._usage(Pop3Command.RETR, "RETR msg")
        number = self._number(Pop3Command.RETR, args[0])
        if isinstance(number, list):
            return number
        stored = self._snapshot[number - 1]
        self._ok(self.config.texts.retr_ok.format(octets=stored.size))
        self._payload(stored.message, stored.size)
        return [MessageRetrieved(number, stored.uid, stored.size)]

    def _top(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if len(args) != 2:
            return self._usage(Pop3Command.TOP, "TOP msg n")
        number = self._number(Pop3Command.TOP, args[0])
        if isinstance(number, list):
            return number
        if not _NUMBER.fullmatch(args[1]):
            return self._error(
                ErrorKind.BAD_ARGUMENTS,
                Pop3Command.TOP,
                "invalid line count (allowed 0..999999999999)",
            )
        lines = int(args[1])
        stored = self._snapshot[number - 1]
        octets = stored.message.top_size(lines)
        self._ok(self.config.texts.top_ok.format())
        self._payload(stored.message, octets)
        return [MessageRetrieved(number, stored.uid, octets, lines)]

    def _dele(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if len(args) != 1:
            return self._usage(Pop3Command.DELE, "DELE msg")
        number = self._number(Pop3Command.DELE, args[0])
        if isinstance(number, list):
            return number
        self._marked.add(number)
        self._ok(self.config.texts.dele_ok.format(number=number))
        return [MarkedDeleted(number, self._snapshot[number - 1].uid)]

    def _noop(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if args:
            return self._usage(Pop3Command.NOOP, "NOOP")
        self._ok()
        return []

    def _rset(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if args:
            return self._usage(Pop3Command.RSET, "RSET")
        cleared = tuple(sorted(self._marked))
        self._marked.clear()
        self._ok(
            self.config.texts.rset_ok.format(
                count=len(self._snapshot),
                messages=_plural(len(self._snapshot), "message"),
                octets=self._visible_octets(),
            )
        )
        return [MarksCleared(cleared)]

    def _uidl(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if len(args) > 1:
            return self._usage(Pop3Command.UIDL, "UIDL [msg]")
        if args:
            number = self._number(Pop3Command.UIDL, args[0])
            if isinstance(number, list):
                return number
            self._ok(f"{number} {self.unique_id(number)}")
            return []
        self._ok(self.config.texts.uidl_ok.format())
        self._multiline([f"{n} {self.unique_id(n)}" for n in self._visible()])
        return []

    # -- both states ------------------------------------------------------------------------------
    def _capa(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if args:
            return self._usage(Pop3Command.CAPA, "CAPA")
        self._ok(self.config.texts.capa_ok.format())
        self._multiline(capability_lines(self.config, self.state, self.tls_active))
        return []

    def _quit(self, args: tuple[str, ...]) -> list[Pop3Event]:
        if args:
            return self._usage(Pop3Command.QUIT, "QUIT")
        texts = self.config.texts
        if self.state is Pop3State.AUTHORIZATION:
            self._ok(texts.quit_unauthenticated.format(hostname=self.config.hostname))
            self.closed = True
            return [SessionClosed(CloseReason.QUIT, 0)]
        events = self._set_state(Pop3State.UPDATE)
        removed: list[int] = []
        if self.account is not None:
            uids = [self._snapshot[n - 1].uid for n in sorted(self._marked)]
            removed = self.account.inbox.expunge(uids)
            left = len(self.account.inbox.messages)
        else:  # pragma: no cover - TRANSACTION always has an account
            left = 0
        if removed:
            events.append(MessagesExpunged(tuple(removed)))
        self._release()
        if removed:
            template = texts.quit_deleted_empty if left == 0 else texts.quit_deleted_left
        else:
            template = texts.quit_empty if left == 0 else texts.quit_left
        self._ok(
            template.format(
                hostname=self.config.hostname, count=left, messages=_plural(left, "message")
            )
        )
        self.closed = True
        return events + [SessionClosed(CloseReason.QUIT, len(removed))]

    def _release(self) -> None:
        if self.account is not None and self.account.pop3_lock is self:
            self.account.pop3_lock = None


#: The handler of each command, called once the state table has allowed it.
_HANDLERS: dict[Pop3Command, Callable[[Pop3Server, tuple[str, ...]], list[Pop3Event]]] = {
    Pop3Command.USER: Pop3Server._user,
    Pop3Command.PASS: Pop3Server._pass,
    Pop3Command.APOP: Pop3Server._apop,
    Pop3Command.STAT: Pop3Server._stat,
    Pop3Command.LIST: Pop3Server._list,
    Pop3Command.RETR: Pop3Server._retr,
    Pop3Command.DELE: Pop3Server._dele,
    Pop3Command.NOOP: Pop3Server._noop,
    Pop3Command.RSET: Pop3Server._rset,
    Pop3Command.TOP: Pop3Server._top,
    Pop3Command.UIDL: Pop3Server._uidl,
    Pop3Command.QUIT: Pop3Server._quit,
    Pop3Command.CAPA: Pop3Server._capa,
    Pop3Command.STLS: Pop3Server._stls,
    Pop3Command.AUTH: Pop3Server._auth,
}
