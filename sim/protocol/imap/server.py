"""The sans-IO IMAP4rev2 server engine (RFC 9051 subset, with IDLE, MOVE, UIDPLUS, LITERAL+;
optionally CONDSTORE/QRESYNC and AUTHENTICATE PLAIN).

Theory of operation
-------------------
``ImapServer(store, config)`` is one connection.  Bytes go in through :meth:`ImapServer.receive_data`;
replies collect in ``engine.outbox`` (framing as bytes, message content as lazy references) and what
happened comes back as a list of frozen events.  There is no I/O, clock or randomness here, so the
same engine serves the simulation (which only counts the outbox) and the live server (which writes
it to a socket).

Input passes through a :class:`~.framing.CommandFramer` that assembles whole commands, literals
included, answers ``+`` for synchronising literals and refuses over-long lines and literals.  The
literal limit depends on the session (:meth:`ImapServer._literal_limit`): a few KiB before login
(``NO [TOOBIG]``, no ``+``; a refused literal sent anyway ends the connection), the large APPEND
limit only once authenticated and only within the account's quota (``NO [OVERQUOTA]``).  Each
command is then checked against the state table (:data:`~.events.LEGAL_COMMANDS`) *before* its
arguments are parsed; a command that is illegal in the current state gets ``BAD`` and changes
nothing.  Arguments are parsed by small per-command readers; any grammar error is ``BAD`` with the
reason, a refusal by the store (no such mailbox, ...) is ``NO``.

States move NOT_AUTHENTICATED -> AUTHENTICATED (LOGIN) -> SELECTED (SELECT/EXAMINE) and back
(CLOSE/UNSELECT, or a failed SELECT), and to LOGOUT on LOGOUT, after which ``closed`` is True.

Mailbox updates made by other sessions reach this one through the mailbox's change log (see
:mod:`.view`): they are written as untagged responses at the end of commands (EXPUNGE only where
RFC 9051 §7.5.1 allows it), at NOOP, and -- while the client IDLEs -- whenever the owner calls
:meth:`ImapServer.refresh` after the store changed.

STARTTLS is an upgrade point: after the tagged OK the engine emits ``StartTlsRequested``, drops any
plaintext the client pipelined behind the command, and ignores input until :meth:`tls_started`.

Responses are IMAP4rev1-style (what imaplib and most clients expect) until the client sends
``ENABLE IMAP4rev2``: SELECT answers ``* 0 RECENT`` and ``* OK [UNSEEN n]`` as RFC 3501 §6.3.1
requires.  After ENABLE IMAP4rev2 SEARCH answers with ESEARCH and SELECT adds its ``* LIST`` line
instead.  ``SEARCH RETURN (MIN MAX COUNT ALL SAVE)`` answers ESEARCH in either kind of session;
SAVE keeps the result as UIDs on the selected mailbox, which ``$`` names in any sequence set.
APPENDed messages are stored with CRLF line ends (bare LF / CR converted, as Dovecot).
IDLE and AUTHENTICATE are the two commands whose tagged reply waits for another client line
(``DONE``, or the SASL response); while one of them waits, the next line goes to it.

LIST takes RFC 9051's selection options (SUBSCRIBED, REMOTE, RECURSIVEMATCH), several patterns and
the return options SUBSCRIBED, CHILDREN and STATUS.  A subscription belongs to its mailbox (DELETE
drops it), so LIST never reports a subscribed ``\\NonExistent`` mailbox.

FETCH BINARY[]/BINARY.PEEK[]/BINARY.SIZE[] undo base64 and quoted-printable (another transfer
encoding is NO [UNKNOWN-CTE]).

Left out on purpose: SASL mechanisms other than PLAIN, SORT/THREAD, ACLs, the QUOTA
extension (a quota is enforced, it cannot be queried), METADATA, NOTIFY, LIST's SPECIAL-USE options
and the STORE UNCHANGEDSINCE modifier -- none of them changes what the course measures.
``\\Recent`` is not kept (removed by RFC 9051): rev1 sessions are told ``0 RECENT`` and cannot
STORE it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime

from ..message import Message, crlf_line_ends
from ..outbox import Outbox
from ..sasl import parse_plain
from ..store import DELIMITER, INBOX, Account, Mailbox, Store, StoreError
from . import formatting as fmt
from .config import ImapConfig
from .events import (
    EXPUNGE_FORBIDDEN,
    LEGAL_COMMANDS,
    UID_SUBCOMMANDS,
    CloseReason,
    CommandCompleted,
    ConnectionClosed,
    FlagsStored,
    IdleEnded,
    IdleStarted,
    ImapCommand,
    ImapEvent,
    ImapState,
    InternalError,
    LoggedIn,
    LoginFailed,
    MailboxClosed,
    MailboxesChanged,
    MailboxSelected,
    MessageAppended,
    MessagesCopied,
    MessagesExpunged,
    MessagesFetched,
    StartTlsRequested,
    StateChanged,
    Status,
    UpdatesSent,
)
from .fetch import (
    FetchItem,
    FetchKind,
    UnknownEncoding,
    check_binary,
    parse_fetch_items,
    parse_fetch_modifiers,
    write_fetch,
)
from .framing import (
    CommandFramer,
    ContinuationNeeded,
    Framed,
    LiteralLimit,
    RefusalKind,
    Refused,
    tag_of,
)
from .parser import ParseError, Reader, SequenceSet, parse_rfc5322_date, uid_ranges
from .search import Candidate, UnsupportedCharset, matches, parse_search
from .view import SelectedMailbox, flags_fetch

SYSTEM_FLAGS = ("\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft")
_SPECIAL_USE = {
    "Sent": "\\Sent",
    "Trash": "\\Trash",
    "Drafts": "\\Drafts",
    "Junk": "\\Junk",
    "Archive": "\\Archive",
}
_STATUS_ITEMS = (
    "MESSAGES",
    "UIDNEXT",
    "UIDVALIDITY",
    "UNSEEN",
    "SIZE",
    "DELETED",
    "RECENT",
    "HIGHESTMODSEQ",
)
_DEFAULT_DATE = datetime(2026, 1, 1, tzinfo=UTC)
MAX_PATTERN = 1024
_CAPABILITY_SPELLING = {"IMAP4REV2": "IMAP4rev2"}
_COMMAND_WORDS = frozenset(c.value for c in ImapCommand)


class Reply:
    """The tagged reply a command handler decided on."""

    __slots__ = ("code", "status", "text")

    def __init__(self, status: Status, text: str, code: str | None = None) -> None:
        self.status = status
        self.text = text
        self.code = code


_DEFERRED = Reply(Status.OK, "")  # the handler's tagged reply waits for the client's next line


class _No(Exception):
    """Raised inside a handler to answer NO (optionally with a response code)."""

    def __init__(self, text: str, code: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.code = code


class ImapServer:
    """One IMAP connection over a :class:`~sim.protocol.store.Store` (see the module docstring)."""

    def __init__(self, store: Store, config: ImapConfig | None = None) -> None:
        self.store = store
        self.config = config or ImapConfig()
        self.outbox = Outbox()
        self.state = ImapState.NOT_AUTHENTICATED
        self.closed = False
        self.account: Account | None = None
        self.selected: SelectedMailbox | None = None
        self.tls_active = self.config.implicit_tls
        self.idle_tag: str | None = None
        self.sasl_tag: str | None = None  # AUTHENTICATE waiting for the client's SASL response
        self.awaiting_tls = False
        self._framer = CommandFramer(
            max_line=self.config.max_line,
            max_literal=self.config.max_literal,
            max_append_literal=self.config.max_append,
            literal_limit=self._literal_limit,
        )
        self._refused_literal = False  # a synchronising literal was refused before login
        self._events: list[ImapEvent] = []
        code = (
            f"[CAPABILITY {' '.join(self.capabilities())}] "
            if self.config.greeting_capability
            else ""
        )
        self.outbox.write(f"* OK {code}{self.config.greeting}\r\n".encode())
        self._handlers: dict[ImapCommand, Callable[[str, Reader, bool], Reply]] = {
            ImapCommand.CAPABILITY: self._capability,
            ImapCommand.NOOP: self._noop,
            ImapCommand.LOGOUT: self._logout,
            ImapCommand.STARTTLS: self._starttls,
            ImapCommand.LOGIN: self._login,
            ImapCommand.AUTHENTICATE: self._authenticate,
            ImapCommand.ENABLE: self._enable,
            ImapCommand.SELECT: self._select,
            ImapCommand.EXAMINE: self._select,
            ImapCommand.CREATE: self._create,
            ImapCommand.DELETE: self._delete,
            ImapCommand.RENAME: self._rename,
            ImapCommand.SUBSCRIBE: self._subscribe,
            ImapCommand.UNSUBSCRIBE: self._subscribe,
            ImapCommand.LIST: self._list,
            ImapCommand.LSUB: self._list,
            ImapCommand.NAMESPACE: self._namespace,
            ImapCommand.STATUS: self._status,
            ImapCommand.APPEND: self._append,
            ImapCommand.IDLE: self._idle,
            ImapCommand.CHECK: self._noop,
            ImapCommand.CLOSE: self._close,
            ImapCommand.UNSELECT: self._close,
            ImapCommand.EXPUNGE: self._expunge,
            ImapCommand.SEARCH: self._search,
            ImapCommand.FETCH: self._fetch,
            ImapCommand.STORE: self._store,
            ImapCommand.COPY: self._copy,
            ImapCommand.MOVE: self._copy,
        }
        self._current: ImapCommand | None = None
        self.enabled: set[str] = set()  # CONDSTORE / QRESYNC once the client turned them on

    # -- public API ----------------------------------------------------------------------------
    def capabilities(self) -> list[str]:
        """What CAPABILITY announces now (changes with TLS and authentication)."""
        if self.config.capability_lists is not None:
            before, after = self.config.capability_lists
            if self.state is not ImapState.NOT_AUTHENTICATED:
                return list(after)
            fixed = list(before)
            if self.config.starttls and not self.tls_active:
                fixed.append("STARTTLS")
            if not self._login_allowed():
                fixed.append("LOGINDISABLED")
            elif self.config.auth_plain:
                fixed += [c for c in ("AUTH=PLAIN", "SASL-IR") if c not in fixed]
            return fixed
        caps = [
            "IMAP4rev1",
            "IMAP4rev2",
            "LITERAL+",
            "IDLE",
            "MOVE",
            "ENABLE",
            "NAMESPACE",
            "UNSELECT",
        ]
        if self.config.uidplus:
            caps.append("UIDPLUS")
        if self.config.condstore:
            caps += ["CONDSTORE", "QRESYNC"]
        if self.state is ImapState.NOT_AUTHENTICATED:
            if self.config.starttls and not self.tls_active:
                caps.append("STARTTLS")
            if not self._login_allowed():
                caps.append("LOGINDISABLED")
            elif self.config.auth_plain:
                caps += ["AUTH=PLAIN", "SASL-IR"]
        return caps

    def receive_data(self, data: bytes) -> list[ImapEvent]:
        """Feed bytes from the client; returns what happened.  Replies are in ``outbox``."""
        if self.closed or self.awaiting_tls:
            return []
        self._framer.feed(data)
        while not (self.closed or self.awaiting_tls):
            item = self._framer.next_item()
            if item is None:
                break
            if self._refused_literal and not self._literal_withheld(item):
                self._hang_up("literal data sent after the literal was refused")
                break
            if isinstance(item, ContinuationNeeded):
                if self.idle_tag is None and self.sasl_tag is None:
                    self.outbox.write(f"+ {self.config.continuation_text}\r\n".encode())
            elif isinstance(item, Refused):
                if self.idle_tag is not None:  # anything but DONE ends IDLE with BAD
                    self._idle_input(None)
                elif self.sasl_tag is not None:
                    self._sasl_input(None)
                    self._after_preauth_refusal(item)
                else:
                    self._refused(item)
            else:
                self._command(item)
        if self.closed or self.awaiting_tls:
            self._framer.clear()
        return self._take_events()

    def _literal_limit(self, text: bytes) -> LiteralLimit:
        """Before login only LOGIN/AUTHENTICATE-sized literals (an anonymous peer must not make us
        buffer megabytes); the large APPEND limit only once authenticated, and within the quota."""
        cfg = self.config
        if self.state is ImapState.NOT_AUTHENTICATED:
            return LiteralLimit(
                cfg.max_preauth_literal,
                RefusalKind.PREAUTH_LITERAL,
                "before authentication",
                fatal=True,
            )
        head = text[:64].split(b" ")
        if len(head) > 1 and head[1].upper() == b"APPEND" and self.account is not None:
            room = max(0, cfg.quota - self.account.size)
            if room < cfg.max_append:
                return LiteralLimit(room, RefusalKind.OVER_QUOTA, "within the account's quota")
            return LiteralLimit(cfg.max_append)
        return LiteralLimit(cfg.max_literal)

    def _refused(self, item: Refused) -> None:
        """Answer input the framer would not take.  A too-large literal before login is refused
        with NO [TOOBIG] and no continuation (RFC 9051 §4.3: the client waits for ``+``); a
        non-synchronising one is on its way regardless, so after BAD [TOOBIG] the server hangs up
        rather than read it (RFC 7888 §4 permits closing)."""
        tag = item.tag or "*"
        if item.kind is RefusalKind.PREAUTH_LITERAL:
            status = Status.NO if item.sync else Status.BAD
            self._finish(tag, None, False, Reply(status, item.detail, "TOOBIG"))
            self._after_preauth_refusal(item)
        elif item.kind is RefusalKind.OVER_QUOTA:
            self._finish(tag, None, False, Reply(Status.NO, item.detail, "OVERQUOTA"))
        else:
            self._finish(tag, None, False, Reply(Status.BAD, f"{item.kind.value}: {item.detail}"))

    def _after_preauth_refusal(self, item: Refused) -> None:
        """Watch the next line (synchronising), or hang up: the octets are coming (non-sync)."""
        if item.kind is not RefusalKind.PREAUTH_LITERAL:
            return
        if item.sync:
            self._refused_literal = True
        else:
            self._hang_up("literal too large before authentication")

    def _literal_withheld(self, item: ContinuationNeeded | Refused | Framed) -> bool:
        """After refusing a literal before login: is the next input a command (the client obeyed)
        rather than the refused octets?  Only the first line after the refusal is checked."""
        text = (
            self._framer.partial
            if isinstance(item, ContinuationNeeded)
            else (item.text if isinstance(item, Framed) else b"")
        )
        self._refused_literal = False
        words = text.split(b" ", 2)
        if len(words) < 2 or tag_of(text) is None:
            return False
        return words[1].rstrip(b"\x00").upper().decode("ascii", "replace") in _COMMAND_WORDS

    def _hang_up(self, text: str) -> None:
        """Close the connection from the server side (``* BYE``, RFC 9051 §7.1.5)."""
        self.outbox.write(f"* BYE {text}\r\n".encode())
        self.closed = True
        self._set_state(ImapState.LOGOUT)
        self._events.append(ConnectionClosed(CloseReason.PROTOCOL_ERROR))

    def connection_lost(self) -> list[ImapEvent]:
        """The peer vanished: nothing is expunged, the session just ends."""
        if not self.closed:
            self.closed = True
            self._set_state(ImapState.LOGOUT)
            self._events.append(ConnectionClosed(CloseReason.CONNECTION_LOST))
        return self._take_events()

    def tls_started(self) -> list[ImapEvent]:
        """The adapter finished the TLS handshake that STARTTLS asked for."""
        if self.awaiting_tls:
            self.awaiting_tls = False
            self.tls_active = True
        return self._take_events()

    def refresh(self) -> list[ImapEvent]:
        """The store changed: push untagged updates now if the client is IDLE-ing."""
        if self.idle_tag is not None and self.selected is not None and not self.closed:
            self._catch_up(expunge_allowed=True, while_idle=True)
        return self._take_events()

    def keepalive(self) -> bool:
        """While IDLE: send ``* OK <keepalive_text>`` (Dovecot's "Still here") so NATs and
        clients see traffic; returns False (and sends nothing) when not idling."""
        if self.idle_tag is None or self.closed:
            return False
        self.outbox.write(f"* OK {self.config.keepalive_text}\r\n".encode())
        return True

    # -- dispatch ------------------------------------------------------------------------------
    def _take_events(self) -> list[ImapEvent]:
        events, self._events = self._events, []
        return events

    def _set_state(self, new: ImapState) -> None:
        if new is not self.state:
            self._events.append(StateChanged(self.state, new))
            self.state = new

    def _command(self, framed: Framed) -> None:
        if self.idle_tag is not None:
            self._idle_input(framed)
            return
        if self.sasl_tag is not None:
            self._sasl_input(framed)
            return
        reader = Reader(framed)
        try:
            tag = reader.tag()
        except ParseError:
            self._finish("*", None, False, Reply(Status.BAD, "missing or invalid tag"))
            return
        try:
            reader.sp()
            word = reader.atom("a command").upper()
        except ParseError:
            self._finish(tag, None, False, Reply(Status.BAD, "missing command"))
            return
        try:
            command = ImapCommand(word)
        except ValueError:
            self._finish(tag, None, False, Reply(Status.BAD, f"unknown command {word[:30]}"))
            return
        if command not in LEGAL_COMMANDS[self.state]:
            self._finish(
                tag,
                command,
                False,
                Reply(Status.BAD, f"{command.value} not allowed in state {self.state.value}"),
            )
            return
        uid = False
        if command is ImapCommand.UID:
            try:
                reader.sp()
                sub = reader.atom("a UID command").upper()
                command = ImapCommand(sub)
            except (ParseError, ValueError):
                self._finish(
                    tag,
                    ImapCommand.UID,
                    False,
                    Reply(
                        Status.BAD,
                        "UID must be followed by FETCH, STORE, COPY, MOVE, SEARCH or EXPUNGE",
                    ),
                )
                return
            if command not in UID_SUBCOMMANDS or (
                command is ImapCommand.EXPUNGE and not self.config.uidplus
            ):
                self._finish(
                    tag,
                    ImapCommand.UID,
                    False,
                    Reply(Status.BAD, f"UID {command.value} is not a UID command"),
                )
                return
            uid = True
        self._current = command
        try:
            reply = self._handlers[command](tag, reader, uid)
        except ParseError as exc:
            reply = Reply(Status.BAD, f"{command.value}: {exc}")
        except _No as exc:
            reply = Reply(Status.NO, exc.text, exc.code)
        except StoreError as exc:
            reply = Reply(Status.NO, str(exc))
        except UnsupportedCharset:
            reply = Reply(Status.NO, "only UTF-8 and US-ASCII are supported", "BADCHARSET")
        except Exception as exc:  # a bug must not kill the connection: answer NO
            # [SERVERBUG] and report it as an event (the tests assert that none ever occurs)
            self._events.append(InternalError(f"{type(exc).__name__}: {exc}"))
            reply = Reply(Status.NO, "internal server error", "SERVERBUG")
        if reply is _DEFERRED:
            return  # IDLE or AUTHENTICATE: the tagged reply comes after the client's next line
        if command is ImapCommand.LOGOUT and reply.status is Status.OK:
            self._finish(tag, command, uid, reply)
            self._set_state(ImapState.LOGOUT)
            self.closed = True
            self._events.append(ConnectionClosed(CloseReason.LOGOUT))
            return
        if self.selected is not None and reply.status is not Status.BAD:
            self._catch_up(
                expunge_allowed=uid or command not in EXPUNGE_FORBIDDEN, while_idle=False
            )
        self._finish(tag, command, uid, reply)

    def _finish(self, tag: str, command: ImapCommand | None, uid: bool, reply: Reply) -> None:
        code = f"[{reply.code}] " if reply.code else ""
        self.outbox.write(f"{tag} {reply.status.value} {code}{reply.text}\r\n".encode())
        self._events.append(CommandCompleted(tag, command, uid, reply.status, reply.text))
        self._current = None

    def _ok(self, command: str, default: str | None = None) -> Reply:
        return Reply(Status.OK, self.config.ok_text(command, default or f"{command} completed"))

    def _catch_up(self, *, expunge_allowed: bool, while_idle: bool) -> None:
        assert self.selected is not None
        result = self.selected.catch_up(
            self.outbox,
            expunge_allowed=expunge_allowed,
            modseq=self._condstore,
            qresync=self._qresync,
        )
        if result.any:
            self._events.append(
                UpdatesSent(
                    self.selected.name,
                    len(result.expunged),
                    result.flag_updates,
                    result.exists,
                    while_idle,
                )
            )

    @property
    def _condstore(self) -> bool:
        return "CONDSTORE" in self.enabled

    @property
    def _rev2(self) -> bool:
        """The client sent ENABLE IMAP4rev2 (RFC 9051 Appendix E): rev2 response forms."""
        return "IMAP4REV2" in self.enabled

    @property
    def _qresync(self) -> bool:
        return "QRESYNC" in self.enabled

    def _enable_condstore(self) -> None:
        if not self.config.condstore:
            raise ParseError("CONDSTORE is not offered by this server")
        if not self._condstore and self.selected is not None:
            self.outbox.write(
                b"* OK [HIGHESTMODSEQ %d] Highest\r\n" % self.selected.mailbox.highestmodseq
            )
        self.enabled.add("CONDSTORE")

    def _login_allowed(self) -> bool:
        return self.tls_active or self.config.cleartext_login

    def _need_account(self) -> Account:
        assert self.account is not None
        return self.account

    def _need_selected(self) -> SelectedMailbox:
        assert self.selected is not None
        return self.selected

    # -- any state -----------------------------------------------------------------------------
    def _capability(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.end()
        self.outbox.write(f"* CAPABILITY {' '.join(self.capabilities())}\r\n".encode())
        return self._ok("CAPABILITY")

    def _noop(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.end()
        return self._ok(self._current.value if self._current else "NOOP")

    def _logout(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.end()
        self.outbox.write(f"* BYE {self.config.bye_text}\r\n".encode())
        return self._ok("LOGOUT")

    # -- not authenticated ---------------------------------------------------------------------
    def _starttls(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.end()
        if not self.config.starttls or self.tls_active:
            return Reply(Status.BAD, "STARTTLS is not available on this connection")
        self.awaiting_tls = True
        self._events.append(StartTlsRequested())
        return Reply(Status.OK, self.config.starttls_text)

    def _login(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.sp()
        user = r.astring()
        r.sp()
        password = r.astring()
        r.end()
        if not self._login_allowed():
            self._events.append(LoginFailed(user, "cleartext login disabled"))
            return Reply(Status.NO, "LOGIN is disabled until TLS is active", "PRIVACYREQUIRED")
        return self._log_in(user, password, "LOGIN")

    def _log_in(self, user: str, password: str, command: str, authzid: str = "") -> Reply:
        """The one credential check of LOGIN and AUTHENTICATE: the store's, and (PLAIN) an
        authorization identity that is empty or the user's own -- nobody may act as another."""
        account = self.store.authenticate(user, password)
        if account is None or authzid not in ("", user):
            self._events.append(LoginFailed(user, "bad credentials"))
            return Reply(Status.NO, "Authentication failed", "AUTHENTICATIONFAILED")
        self.account = account
        self._set_state(ImapState.AUTHENTICATED)
        self._events.append(LoggedIn(user))
        reply = self._ok(command)
        if self.config.login_capability:
            reply.code = f"CAPABILITY {' '.join(self.capabilities())}"
        return reply

    def _authenticate(self, tag: str, r: Reader, uid: bool) -> Reply:
        """SASL PLAIN (RFC 4616), with or without an initial response (SASL-IR, RFC 4959).  Where
        LOGIN is disabled (no TLS yet) it is refused before ``+``: a client must not be invited
        to send the password in the clear."""
        if not self.config.auth_plain:
            return Reply(Status.NO, "no SASL mechanism is offered; use LOGIN", "CANNOT")
        r.sp()
        mechanism = r.atom("a SASL mechanism").upper()
        initial = r.atom("an initial response") if r.accept(b" ") else None
        r.end()
        if mechanism != "PLAIN":
            return Reply(Status.NO, f"unsupported mechanism {mechanism[:30]}", "CANNOT")
        if not self._login_allowed():
            self._events.append(LoginFailed("", "cleartext login disabled"))
            return Reply(
                Status.NO, "authentication is disabled until TLS is active", "PRIVACYREQUIRED"
            )
        if initial is None:
            self.sasl_tag = tag
            self.outbox.write(b"+ \r\n")  # an empty challenge: PLAIN has none (RFC 4616 §2)
            return _DEFERRED
        return self._sasl_plain(initial.encode("ascii"))

    def _sasl_input(self, framed: Framed | None) -> None:
        tag = self.sasl_tag
        assert tag is not None
        self.sasl_tag = None
        if framed is None or framed.literals or framed.text == b"*":
            reply = Reply(Status.BAD, "AUTHENTICATE cancelled")
        else:
            reply = self._sasl_plain(framed.text)
        self._finish(tag, ImapCommand.AUTHENTICATE, False, reply)

    def _sasl_plain(self, response: bytes) -> Reply:
        """Decode a PLAIN response: base64 errors are BAD (RFC 9051 §6.2.2), a message that is
        not ``[authzid] NUL authcid NUL passwd`` (RFC 4616 §2) fails authentication."""
        try:
            decoded = base64.b64decode(b"" if response == b"=" else response, validate=True)
        except (binascii.Error, ValueError):
            return Reply(Status.BAD, "the SASL response is not base64")
        plain = parse_plain(decoded)
        if isinstance(plain, str):
            self._events.append(LoginFailed("", f"malformed PLAIN message: {plain}"))
            return Reply(Status.NO, f"malformed PLAIN message: {plain}", "AUTHENTICATIONFAILED")
        authzid, user, password = plain
        return self._log_in(user, password, "AUTHENTICATE", authzid)

    # -- authenticated -------------------------------------------------------------------------
    def _enable(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.sp()
        wanted = [r.atom("a capability").upper()]
        while r.accept(b" "):
            wanted.append(r.atom("a capability").upper())
        r.end()
        newly: list[str] = []
        for cap in wanted:
            adds: list[str] = []
            if cap == "IMAP4REV2":
                adds = ["IMAP4REV2"]
            elif self.config.condstore and cap in ("CONDSTORE", "QRESYNC"):
                adds = ["CONDSTORE", "QRESYNC"] if cap == "QRESYNC" else ["CONDSTORE"]
            for a in adds:
                if a not in self.enabled and a not in newly:
                    newly.append(a)
        self.enabled.update(newly)
        shown = [_CAPABILITY_SPELLING.get(n, n) for n in newly if n in wanted]
        self.outbox.write(b"* ENABLED" + b"".join(b" " + n.encode() for n in shown) + b"\r\n")
        return self._ok("ENABLE")

    def _mailbox_arg(self, r: Reader) -> str:
        name = r.astring()
        if not name or any(ord(c) < 0x20 for c in name):
            raise ParseError("empty mailbox name or control characters in it")
        return Account.canonical(name)

    def _select(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.sp()
        name = self._mailbox_arg(r)
        qresync = self._select_params(r)
        r.end()
        examine = self._current is ImapCommand.EXAMINE
        if self.selected is not None:
            self.outbox.write(b"* OK [CLOSED] Previous mailbox is now closed\r\n")
            self._events.append(MailboxClosed(self.selected.name, 0))
            self.selected = None
            self._set_state(ImapState.AUTHENTICATED)
        box = self._need_account().get(name)
        if box is None:
            raise _No("no such mailbox", "NONEXISTENT")
        sel = SelectedMailbox(box, read_only=examine)
        keywords = sorted({f for m in box.messages for f in m.flags if not f.startswith("\\")})
        flags = " ".join(list(SYSTEM_FLAGS) + keywords)
        out = self.outbox
        out.write(b"* %d EXISTS\r\n" % sel.exists)
        if self.config.rev1_select and not (self._rev2 or self.config.select_list):
            self._rev1_select(sel)
        out.write(f"* FLAGS ({flags})\r\n".encode())
        if examine:
            out.write(f"* OK [PERMANENTFLAGS ()] {self.config.read_only_text}\r\n".encode())
        else:
            permanent = " ".join(list(SYSTEM_FLAGS) + keywords + ["\\*"])
            out.write(
                f"* OK [PERMANENTFLAGS ({permanent})] {self.config.flags_permitted_text}"
                "\r\n".encode()
            )
        out.write(b"* OK [UIDVALIDITY %d] UIDs valid\r\n" % box.uidvalidity)
        out.write(b"* OK [UIDNEXT %d] Predicted next UID\r\n" % box.uidnext)
        if self._condstore:
            out.write(b"* OK [HIGHESTMODSEQ %d] Highest\r\n" % box.highestmodseq)
        if self.config.select_list or self._rev2:
            out.write(b'* LIST () "/" ' + fmt.astring(box.name) + b"\r\n")
        if qresync is not None and qresync[0] == box.uidvalidity:
            self._resync(sel, qresync[1], qresync[2])
        self.selected = sel
        self._set_state(ImapState.SELECTED)
        self._events.append(MailboxSelected(box.name, examine, sel.exists))
        command = "EXAMINE" if examine else "SELECT"
        reply = self._ok(command)
        reply.code = "READ-ONLY" if examine else "READ-WRITE"
        return reply

    def _rev1_select(self, sel: SelectedMailbox) -> None:
        """What RFC 3501 §6.3.1 requires of SELECT/EXAMINE and RFC 9051 dropped: ``RECENT`` (always
        0: this server keeps no \\Recent, which RFC 9051 removed) and ``[UNSEEN n]``, the first
        unseen message, when there is one."""
        self.outbox.write(b"* 0 RECENT\r\n")
        first = next(
            (seq for seq, m in enumerate(sel.view, start=1) if "\\Seen" not in m.flags), None
        )
        if first is not None:
            self.outbox.write(b"* OK [UNSEEN %d] First unseen.\r\n" % first)  # Dovecot's text

    def _select_params(self, r: Reader) -> tuple[int, int, SequenceSet | None] | None:
        """``(CONDSTORE)`` or ``(QRESYNC (uidvalidity modseq [known-uids]))`` (RFC 7162)."""
        if not r.accept(b" ("):
            return None
        qresync = None
        while True:
            word = r.atom("a select parameter").upper()
            if word == "CONDSTORE":
                self._enable_condstore()
            elif word == "QRESYNC":
                if not self._qresync:
                    raise ParseError("QRESYNC must be ENABLEd first")
                r.sp()
                r.expect(b"(")
                uidvalidity = r.number(nonzero=True, what="a UIDVALIDITY")
                r.sp()
                modseq = r.number(what="a mod-sequence")
                known = None
                if r.accept(b" "):
                    known = r.sequence_set()
                    if known.saved:
                        raise ParseError("$ is not a set of known UIDs")
                r.expect(b")")
                qresync = (uidvalidity, modseq, known)
            else:
                raise ParseError(f"unknown select parameter {word[:30]!r}")
            if r.accept(b")"):
                return qresync
            r.sp()

    def _resync(self, sel: SelectedMailbox, modseq: int, known: SequenceSet | None) -> None:
        """QRESYNC: what vanished and what changed since ``modseq``, in one response."""
        largest = sel.view[-1].uid if sel.view else 0
        vanished = [
            u
            for u in sel.vanished_since(modseq)
            if known is None or known.contains(u, max(largest, u))
        ]
        if vanished:
            self.outbox.write(b"* VANISHED (EARLIER) %s\r\n" % uid_ranges(vanished).encode())
        for seq, stored in enumerate(sel.view, start=1):
            if stored.modseq > modseq:
                self.outbox.write(flags_fetch(seq, stored, uid=True, modseq=True))

    def _create(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.sp()
        name = self._mailbox_arg(r)
        r.end()
        account = self._need_account()
        if account.get(name.rstrip(DELIMITER) or name) is not None:
            raise _No("mailbox already exists", "ALREADYEXISTS")
        if len(account.mailboxes) >= self.config.max_mailboxes:
            raise _No(f"at most {self.config.max_mailboxes} mailboxes per account", "LIMIT")
        account.create(name)
        self._events.append(MailboxesChanged(ImapCommand.CREATE, (name.rstrip(DELIMITER),)))
        return self._ok("CREATE")

    def _delete(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.sp()
        name = self._mailbox_arg(r)
        r.end()
        account = self._need_account()
        if account.get(name) is None:
            raise _No("no such mailbox", "NONEXISTENT")
        account.delete(name)
        self._events.append(MailboxesChanged(ImapCommand.DELETE, (name,)))
        return self._ok("DELETE")

    def _rename(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.sp()
        old = self._mailbox_arg(r)
        r.sp()
        new = self._mailbox_arg(r)
        r.end()
        account = self._need_account()
        if account.get(old) is None:
            raise _No("no such mailbox", "NONEXISTENT")
        if account.get(new) is not None:
            raise _No("target mailbox already exists", "ALREADYEXISTS")
        account.rename(old, new)
        self._events.append(MailboxesChanged(ImapCommand.RENAME, (old, new)))
        return self._ok("RENAME")

    def _subscribe(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.sp()
        name = self._mailbox_arg(r)
        r.end()
        box = self._need_account().get(name)
        if box is None:
            raise _No("no such mailbox", "NONEXISTENT")
        box.subscribed = self._current is ImapCommand.SUBSCRIBE
        return self._ok(self._current.value if self._current else "SUBSCRIBE")

    def _list(self, tag: str, r: Reader, uid: bool) -> Reply:
        """LIST with RFC 9051 §6.3.9's selection options (SUBSCRIBED, REMOTE, RECURSIVEMATCH),
        several patterns, and return options (SUBSCRIBED, CHILDREN, STATUS); LSUB as RFC 3501."""
        lsub = self._current is ImapCommand.LSUB
        r.sp()
        select: set[str] = set()
        if not lsub and r.accept(b"("):
            select = _option_words(r, _LIST_SELECT, "LIST selection option")
            r.sp()
            if "RECURSIVEMATCH" in select and not select - {"RECURSIVEMATCH", "REMOTE"}:
                raise ParseError("RECURSIVEMATCH needs another selection option, e.g. SUBSCRIBED")
        reference = r.list_mailbox()
        r.sp()
        if not lsub and r.accept(b"("):
            patterns = [r.list_mailbox()]
            while not r.accept(b")"):
                r.sp()
                patterns.append(r.list_mailbox())
        else:
            patterns = [r.list_mailbox()]
        returns: set[str] = set()
        status_items: list[str] = []
        if not lsub and r.accept(b" RETURN ("):
            while not r.accept(b")"):
                if returns:
                    r.sp()
                word = r.atom("a LIST return option").upper()
                if word == "STATUS":
                    r.sp()
                    status_items = self._status_items(r)
                elif word not in ("SUBSCRIBED", "CHILDREN"):
                    raise ParseError(
                        f"unknown LIST return option {word[:30]!r}; allowed: "
                        "SUBSCRIBED CHILDREN STATUS"
                    )
                returns.add(word)
        r.end()
        verb = b"LSUB" if lsub else b"LIST"
        if patterns == [""]:
            self.outbox.write(b"* " + verb + b' (\\Noselect) "/" ""\r\n')
            return self._ok(verb.decode())
        full = [reference + p for p in patterns if p]
        for pattern in full:
            if len(pattern) > MAX_PATTERN:
                raise ParseError(
                    f"LIST pattern of {len(pattern)} characters; allowed {MAX_PATTERN}"
                )
        account = self._need_account()
        names = set(account.mailboxes)
        # every proper ancestor of a name: a mailbox has children exactly when it is one of them
        parents = {
            DELIMITER.join(n.split(DELIMITER)[:i])
            for n in names
            for i in range(1, n.count(DELIMITER) + 1)
        }
        subscribed = {n for n in names if account.mailboxes[n].subscribed}
        matchers = [(ListPattern(p), ListPattern(p.upper())) for p in full]
        only_subscribed = lsub or "SUBSCRIBED" in select
        show_subscribed = "SUBSCRIBED" in select or "SUBSCRIBED" in returns
        for name in sorted(names | parents, key=lambda n: (n != INBOX, n)):
            if not any(
                m.matches(name) or (name == INBOX and up.matches(INBOX)) for m, up in matchers
            ):
                continue
            extra = b""
            if only_subscribed and name not in subscribed:
                if lsub and name in names:
                    continue
                if not lsub:  # RFC 5258 §3.5: shown only for its subscribed descendants
                    if "RECURSIVEMATCH" not in select or not any(
                        s.startswith(name + DELIMITER) for s in subscribed
                    ):
                        continue
                    extra = b' ("CHILDINFO" ("SUBSCRIBED"))'
            attrs: list[str] = []
            if name not in names:
                attrs.append("\\Noselect")
            if show_subscribed and name in subscribed:
                attrs.append("\\Subscribed")
            attrs.append("\\HasChildren" if name in parents else "\\HasNoChildren")
            if name in _SPECIAL_USE:
                attrs.append(_SPECIAL_USE[name])
            self.outbox.write(
                b"* "
                + verb
                + b" ("
                + " ".join(attrs).encode()
                + b') "/" '
                + fmt.astring(name)
                + extra
                + b"\r\n"
            )
            if status_items and name in names:  # RFC 9051 §6.3.9.2: after its LIST line
                self.outbox.write(self._status_line(account.mailboxes[name], status_items))
        return self._ok(verb.decode())

    def _namespace(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.end()
        self.outbox.write(b'* NAMESPACE (("" "/")) NIL NIL\r\n')
        return self._ok("NAMESPACE")

    def _status(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.sp()
        name = self._mailbox_arg(r)
        r.sp()
        items = self._status_items(r)
        r.end()
        box = self._need_account().get(name)
        if box is None:
            raise _No("no such mailbox", "NONEXISTENT")
        self.outbox.write(self._status_line(box, items))
        return self._ok("STATUS")

    @staticmethod
    def _status_items(r: Reader) -> list[str]:
        """``(item ...)`` of STATUS or of LIST's RETURN (STATUS ...)."""
        r.expect(b"(")
        items = [r.atom("a status item").upper()]
        while not r.accept(b")"):
            r.sp()
            items.append(r.atom("a status item").upper())
        for item in items:
            if item not in _STATUS_ITEMS:
                raise ParseError(f"unknown status item {item[:30]!r}")
        return items

    @staticmethod
    def _status_line(box: Mailbox, items: list[str]) -> bytes:
        values = {
            "MESSAGES": len(box.messages),
            "UIDNEXT": box.uidnext,
            "UIDVALIDITY": box.uidvalidity,
            "UNSEEN": sum(1 for m in box.messages if "\\Seen" not in m.flags),
            "SIZE": box.size,
            "DELETED": sum(1 for m in box.messages if "\\Deleted" in m.flags),
            "RECENT": 0,
            "HIGHESTMODSEQ": box.highestmodseq,
        }
        body = " ".join(f"{item} {values[item]}" for item in items)
        return b"* STATUS " + fmt.astring(box.name) + f" ({body})\r\n".encode()

    def _append(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.sp()
        name = self._mailbox_arg(r)
        r.sp()
        flags: list[str] = []
        when: datetime | None = None
        if r.peek() == ord("("):
            flags = self._store_flags(r.flag_list())
            r.sp()
        if r.peek() == ord('"'):
            when = r.date_time()
            r.sp()
        data = r.literal(binary_ok=True)
        r.end()
        account = self._need_account()
        box = account.get(name)
        if box is None:
            raise _No("no such mailbox", "TRYCREATE")
        data = crlf_line_ends(data)  # as Dovecot: bare LF / CR would break ENVELOPE and POP3
        if account.size + len(data) > self.config.quota:
            raise _No("the message would exceed the account's quota", "OVERQUOTA")
        message = Message.from_bytes(data, when or _date_of(data))
        stored = box.append(message, flags)
        self._events.append(MessageAppended(box.name, stored.uid, message.size))
        reply = self._ok("APPEND")
        if self.config.uidplus:
            reply.code = f"APPENDUID {box.uidvalidity} {stored.uid}"
        return reply

    def _idle(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.end()
        self.idle_tag = tag
        self.outbox.write(f"+ {self.config.idle_text}\r\n".encode())
        self._events.append(IdleStarted(tag))
        if self.selected is not None:
            self._catch_up(expunge_allowed=True, while_idle=True)
        return _DEFERRED

    def _idle_input(self, framed: Framed | None) -> None:
        tag = self.idle_tag
        assert tag is not None
        self.idle_tag = None
        self._events.append(IdleEnded(tag))
        if framed is not None and framed.text.upper() == b"DONE" and not framed.literals:
            reply = self._ok("IDLE", "IDLE terminated")
        else:
            reply = Reply(Status.BAD, "expected DONE")
        self._finish(tag, ImapCommand.IDLE, False, reply)

    # -- selected ------------------------------------------------------------------------------
    def _close(self, tag: str, r: Reader, uid: bool) -> Reply:
        r.end()
        sel = self._need_selected()
        removed: list[int] = []
        if self._current is ImapCommand.CLOSE and not sel.read_only:
            removed = sel.mailbox.expunge(
                [m.uid for m in sel.mailbox.messages if "\\Deleted" in m.flags]
            )
        self.selected = None
        self._set_state(ImapState.AUTHENTICATED)
        self._events.append(MailboxClosed(sel.name, len(removed)))
        if removed:
            self._events.append(MessagesExpunged(sel.name, tuple(removed)))
        return self._ok(self._current.value if self._current else "CLOSE")

    def _expunge(self, tag: str, r: Reader, uid: bool) -> Reply:
        sel = self._need_selected()
        wanted: set[int] | None = None
        if uid:
            r.sp()
            wanted = {m.uid for _, m in sel.select(r.sequence_set(), True)}
        r.end()
        if sel.read_only:
            raise _No("mailbox is read-only", "READ-ONLY")
        doomed = [
            m.uid
            for m in sel.mailbox.messages
            if "\\Deleted" in m.flags and (wanted is None or m.uid in wanted)
        ]
        removed = sel.mailbox.expunge(doomed)
        if removed:
            self._events.append(MessagesExpunged(sel.name, tuple(removed)))
        return self._ok("UID EXPUNGE" if uid else "EXPUNGE")

    def _search(self, tag: str, r: Reader, uid: bool) -> Reply:
        sel = self._need_selected()
        r.sp()
        options = _search_return(r)
        try:
            criterion = parse_search(r)
        except UnsupportedCharset:
            if options is not None and "SAVE" in options:
                sel.saved = frozenset()  # a SEARCH ... SAVE answered NO leaves $ empty (§6.4.4.2)
            raise
        r.end()
        max_seq = sel.exists
        max_uid = sel.view[-1].uid if sel.view else 0
        found = [
            (seq, m)
            for seq, m in enumerate(sel.view, start=1)
            if matches(criterion, Candidate(seq, m, max_seq, max_uid, sel.saved))
        ]
        hits = [m.uid if uid else seq for seq, m in found]
        if options is None and not self._rev2:
            self.outbox.write(b"* SEARCH" + b"".join(b" %d" % n for n in hits) + b"\r\n")
            return self._ok("UID SEARCH" if uid else "SEARCH")
        wanted = options or {"ALL"}  # RETURN () means RETURN (ALL)
        if "SAVE" in wanted:
            # with only MIN and/or MAX beside it, SAVE keeps just those messages (RFC 9051
            # §6.4.4.2); otherwise every match
            if wanted - {"SAVE"} and wanted - {"SAVE"} <= {"MIN", "MAX"}:
                ends = ([found[0]] if "MIN" in wanted and found else []) + (
                    [found[-1]] if "MAX" in wanted and found else []
                )
                sel.saved = frozenset(m.uid for _, m in ends)
            else:
                sel.saved = frozenset(m.uid for _, m in found)
        results = esearch_results(wanted, hits)
        if wanted != {"SAVE"}:  # SAVE alone asks for no ESEARCH response at all
            self.outbox.write(
                b'* ESEARCH (TAG "'
                + tag.encode()
                + b'")'
                + (b" UID" if uid else b"")
                + results.encode()
                + b"\r\n"
            )
        return self._ok("UID SEARCH" if uid else "SEARCH")

    def _fetch(self, tag: str, r: Reader, uid: bool) -> Reply:
        sel = self._need_selected()
        r.sp()
        numbers = r.sequence_set()
        r.sp()
        items = parse_fetch_items(r)
        modifiers = parse_fetch_modifiers(r)
        r.end()
        if any(i.kind is FetchKind.MODSEQ for i in items) or modifiers.changed_since is not None:
            self._enable_condstore()
        if modifiers.vanished and not (uid and self._qresync):
            raise ParseError("VANISHED needs UID FETCH and QRESYNC enabled")
        chosen = sel.select(numbers, uid)
        if modifiers.vanished:
            assert modifiers.changed_since is not None
            largest = sel.view[-1].uid if sel.view else 0
            gone = [
                u
                for u in sel.vanished_since(modifiers.changed_since)
                if (u in sel.saved if numbers.saved else numbers.contains(u, max(largest, u)))
            ]
            if gone:
                self.outbox.write(b"* VANISHED (EARLIER) %s\r\n" % uid_ranges(gone).encode())
        if modifiers.changed_since is not None:
            since = modifiers.changed_since
            chosen = [(seq, m) for seq, m in chosen if m.modseq > since]
            items = items + [FetchItem(FetchKind.MODSEQ)]
        if any(i.kind in (FetchKind.BINARY, FetchKind.BINARY_SIZE) for i in items):
            for _, stored in chosen:
                try:
                    check_binary(stored.message, items)
                except UnknownEncoding as exc:
                    raise _No(
                        f"cannot decode Content-Transfer-Encoding {str(exc)[:30]}", "UNKNOWN-CTE"
                    ) from None
        sets_seen = not sel.read_only and any(i.sets_seen for i in items)
        seen_set: list[int] = []
        for seq, stored in chosen:
            add_flags = False
            if sets_seen and "\\Seen" not in stored.flags and not sel.is_gone(stored.uid):
                if sel.mailbox.set_flags(stored.uid, stored.flags | {"\\Seen"}):
                    sel.own.add(stored.modseq)
                seen_set.append(stored.uid)
                add_flags = True
            write_fetch(
                self.outbox,
                seq,
                stored,
                items,
                add_uid=uid or self._qresync,
                add_flags=add_flags,
                add_modseq=self._condstore
                and (add_flags or any(i.kind is FetchKind.FLAGS for i in items)),
            )
        self._events.append(
            MessagesFetched(sel.name, tuple(m.uid for _, m in chosen), tuple(seen_set))
        )
        return self._ok("UID FETCH" if uid else "FETCH")

    def _store_flags(self, flags: list[str]) -> list[str]:
        out = []
        for flag in flags:
            flag = fmt.canonical_flag(flag)
            if flag == "\\Recent":  # RFC 3501 §2.3.2: set by the server, never by a client
                raise ParseError("\\Recent cannot be stored")
            if flag.startswith("\\") and flag not in SYSTEM_FLAGS:
                raise ParseError(f"unknown system flag {flag[:30]!r}")
            out.append(flag)
        return out

    def _store(self, tag: str, r: Reader, uid: bool) -> Reply:
        sel = self._need_selected()
        r.sp()
        numbers = r.sequence_set()
        r.sp()
        op = r.atom("+FLAGS, -FLAGS or FLAGS").upper()
        silent = op.endswith(".SILENT")
        base = op.removesuffix(".SILENT")
        if base not in ("FLAGS", "+FLAGS", "-FLAGS"):
            raise ParseError(f"unknown store item {op[:30]!r}")
        r.sp()
        flags = set(self._store_flags(r.flag_list()))
        r.end()
        chosen = sel.select(numbers, uid)
        if sel.read_only:
            raise _No("mailbox is read-only", "READ-ONLY")
        changed: list[int] = []
        for seq, stored in chosen:
            if not sel.is_gone(stored.uid):
                if base == "FLAGS":
                    new = set(flags)
                elif base == "+FLAGS":
                    new = stored.flags | flags
                else:
                    new = stored.flags - flags
                if sel.mailbox.set_flags(stored.uid, new):
                    sel.own.add(stored.modseq)
                    changed.append(stored.uid)
            if not silent:
                self.outbox.write(
                    flags_fetch(seq, stored, uid=uid or self._qresync, modseq=self._condstore)
                )
        self._events.append(FlagsStored(sel.name, tuple(changed)))
        return self._ok("UID STORE" if uid else "STORE", f"{base} completed")

    def _copy(self, tag: str, r: Reader, uid: bool) -> Reply:
        sel = self._need_selected()
        move = self._current is ImapCommand.MOVE
        r.sp()
        numbers = r.sequence_set()
        r.sp()
        name = self._mailbox_arg(r)
        r.end()
        chosen = [m for _, m in sel.select(numbers, uid) if not sel.is_gone(m.uid)]
        target = self._need_account().get(name)
        if target is None:
            raise _No("no such mailbox", "TRYCREATE")
        if move and sel.read_only:
            raise _No("mailbox is read-only", "READ-ONLY")
        account = self._need_account()
        if not move and account.size + sum(m.size for m in chosen) > self.config.quota:
            raise _No("the copies would exceed the account's quota", "OVERQUOTA")
        new_uids = [target.append(m.message, set(m.flags)).uid for m in chosen]
        src = [m.uid for m in chosen]
        code = None
        if self.config.uidplus and chosen:
            code = f"COPYUID {target.uidvalidity} {uid_ranges(src)} {uid_ranges(new_uids)}"
        self._events.append(
            MessagesCopied(sel.name, target.name, tuple(src), tuple(new_uids), move)
        )
        word = ("UID " if uid else "") + ("MOVE" if move else "COPY")
        if move:
            if code:
                self.outbox.write(f"* OK [{code}] Moved\r\n".encode())
            removed = sel.mailbox.expunge(src)
            if removed:
                self._events.append(MessagesExpunged(sel.name, tuple(removed)))
            return self._ok(word)
        reply = self._ok(word)
        reply.code = code
        return reply


_RETURN_OPTIONS = ("MIN", "MAX", "ALL", "COUNT", "SAVE")
_LIST_SELECT = ("SUBSCRIBED", "REMOTE", "RECURSIVEMATCH")


def _option_words(r: Reader, allowed: tuple[str, ...], what: str) -> set[str]:
    """The words of a parenthesised option list whose ``(`` was read, up to its ``)``."""
    words: set[str] = set()
    while not r.accept(b")"):
        if words:
            r.sp()
        word = r.atom(f"a {what}").upper()
        if word not in allowed:
            raise ParseError(f"unknown {what} {word[:30]!r}; allowed: {' '.join(allowed)}")
        words.add(word)
    return words


def _search_return(r: Reader) -> set[str] | None:
    """``RETURN (option ...)`` before the search criteria (RFC 9051 §6.4.4), or None."""
    if not r.accept(b"RETURN ("):
        return None
    options: set[str] = set()
    while not r.accept(b")"):
        if options:
            r.sp()
        word = r.atom("a search return option").upper()
        if word not in _RETURN_OPTIONS:
            raise ParseError(
                f"unknown search return option {word[:30]!r}; allowed: " + " ".join(_RETURN_OPTIONS)
            )
        options.add(word)
    r.sp()
    return options


def esearch_results(options: set[str], hits: list[int]) -> str:
    """The ESEARCH return data for ascending ``hits``: MIN, MAX and ALL only when something
    matched, COUNT always (RFC 9051 §7.3.4), in the order the options are defined."""
    out = ""
    if hits and "MIN" in options:
        out += f" MIN {hits[0]}"
    if hits and "MAX" in options:
        out += f" MAX {hits[-1]}"
    if hits and "ALL" in options:
        out += f" ALL {uid_ranges(hits)}"
    if "COUNT" in options:
        out += f" COUNT {len(hits)}"
    return out


class ListPattern:
    """LIST wildcards (RFC 9051 §6.3.9): ``*`` matches anything, ``%`` anything but the hierarchy
    delimiter.  Runs of wildcards collapse to one (a run with a ``*`` is ``*``), and the pattern runs
    as a bit-parallel NFA -- one integer of pattern positions -- so a match costs
    O(len(name) * len(pattern) / word size) whatever the pattern; a regex or a backtracking matcher
    can take exponential time on ``*a*a*a...``, and the old position-set matcher took seconds on
    1,022 stars."""

    def __init__(self, pattern: str) -> None:
        self.pattern = _collapse_wildcards(pattern)
        self._star = self._percent = 0
        self._literal: dict[str, int] = {}
        for i, ch in enumerate(self.pattern):
            if ch == "*":
                self._star |= 1 << i
            elif ch == "%":
                self._percent |= 1 << i
            else:
                self._literal[ch] = self._literal.get(ch, 0) | 1 << i
        self._wild = self._star | self._percent
        self._accept = 1 << len(self.pattern)

    def _closure(self, states: int) -> int:
        """A wildcard may match nothing; one shift suffices as no two wildcards are adjacent."""
        return states | (states & self._wild) << 1

    def matches(self, name: str) -> bool:
        states = self._closure(1)
        for ch in name:
            stay = states & (self._star if ch == DELIMITER else self._wild)
            states = self._closure(stay | (states & self._literal.get(ch, 0)) << 1)
            if not states:
                return False
        return bool(states & self._accept)


def _collapse_wildcards(pattern: str) -> str:
    out: list[str] = []
    for ch in pattern:
        if ch in "*%" and out and out[-1] in "*%":
            if ch == "*":
                out[-1] = "*"
            continue
        out.append(ch)
    return "".join(out)


def wildcard_match(pattern: str, name: str) -> bool:
    """Whether ``name`` matches the LIST ``pattern`` (see :class:`ListPattern`)."""
    return ListPattern(pattern).matches(name)


def _date_of(data: bytes) -> datetime:
    """INTERNALDATE for an APPEND without one: the message's Date header (no clock in here)."""
    header = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    for line in header.split("\r\n"):
        if line.lower().startswith("date:"):
            when = parse_rfc5322_date(line[5:])
            return when if when is not None else _DEFAULT_DATE
    return _DEFAULT_DATE
