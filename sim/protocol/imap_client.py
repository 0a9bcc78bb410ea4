"""What real IMAP clients send for each user-visible operation, run in-process against the engine.

Theory of operation
-------------------
An :class:`ImapClient` wraps one :class:`~sim.protocol.imap.ImapServer` engine (one connection).
Each method is one operation the model needs -- log in, select, sync headers and structure of new
UIDs, open a message (body on open), fetch an attachment (optionally in 64 KiB chunks as Thunderbird
does), full offline sync, upload flags, move, delete + expunge, search, an IDLE round, logout --
written as the command stream a real client sends.  Every command is fed to the engine, the
engine's outbox is drained into an :class:`~sim.protocol.session.Exchange` of ``client.record``,
and the responses are parsed back (:mod:`sim.protocol.imap.response`) for what the operation learned.

With ``render=False`` (the default, for the simulation) message payloads are counted, never built;
``render=True`` keeps the exact server bytes for transcripts.  Round trips: one per command, plus
one per synchronising literal (the client waits for ``+``); an IDLE push costs none (the server
sends it unasked); the greeting is part of connection set-up (0 here; the model adds TCP/TLS).

The same client can be kept open across operations (a long-lived connection) or created fresh for
each; :meth:`ImapClient.take_record` hands over what was recorded so far and starts a new record.
"""

from __future__ import annotations

import base64
import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .imap import CommandCompleted, ImapServer
from .imap.formatting import astring, flag_list
from .imap.parser import uid_ranges
from .imap.response import (
    Atom,
    LiteralRef,
    PartInfo,
    Response,
    Token,
    fetch_items,
    parse_responses,
    parts_of,
)
from .message import Message
from .session import SessionRecord, record

CHUNK = 65536  # Thunderbird's partial-fetch chunk (FACTS.md)
HEADER_FIELDS = (
    "From",
    "To",
    "Cc",
    "Bcc",
    "Subject",
    "Date",
    "Message-ID",
    "Priority",
    "X-Priority",
    "References",
    "Newsgroups",
    "In-Reply-To",
    "Content-Type",
    "Reply-To",
)


class SyncMode(enum.Enum):
    """How a client learns about new messages."""

    ENVELOPE = "envelope"  # UID FETCH n:* (UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE)
    HEADERS = "headers"  # UID FETCH n:* (UID FLAGS RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER])
    HEADER_FIELDS = "header fields"  # ... BODY.PEEK[HEADER.FIELDS (From To ...)] (Thunderbird)


class ImapClientError(Exception):
    """The server refused a command the operation needed (tagged NO or BAD)."""

    def __init__(self, command: str, response: Response) -> None:
        super().__init__(f"{command!r} -> {response.status} {response.text}")
        self.command = command
        self.response = response


@dataclass(frozen=True)
class SelectInfo:
    mailbox: str
    exists: int
    uidvalidity: int
    uidnext: int
    read_only: bool
    highestmodseq: int = 0  # with CONDSTORE/QRESYNC


@dataclass(frozen=True)
class Resync:
    """What a CONDSTORE/QRESYNC resync learned: UIDs gone, and flags of UIDs that changed."""

    vanished: tuple[int, ...] = ()
    changed: tuple[tuple[int, frozenset[str]], ...] = ()


@dataclass(frozen=True)
class MessageSummary:
    """What a header sync learns about one message."""

    uid: int
    flags: frozenset[str]
    size: int
    parts: tuple[PartInfo, ...]
    header_octets: int = 0  # payload octets of the header fetched (HEADERS modes)

    @property
    def text_section(self) -> str:
        for p in self.parts:
            if not p.attachment and p.media_type.startswith("text/"):
                return p.section
        return self.parts[0].section if self.parts else "1"

    @property
    def attachments(self) -> tuple[PartInfo, ...]:
        return tuple(p for p in self.parts if p.attachment)


@dataclass(frozen=True)
class FetchResult:
    """Payload octets received per UID (literal sizes, whether rendered or not)."""

    octets: dict[int, int]
    commands: int

    @property
    def total(self) -> int:
        return sum(self.octets.values())


@dataclass(frozen=True)
class Updates:
    """Untagged updates the client saw: EXISTS count, EXPUNGEd sequence numbers, flag FETCHes."""

    exists: int | None = None
    expunged: tuple[int, ...] = ()
    flags: tuple[tuple[int, frozenset[str]], ...] = ()  # (sequence number, flags)
    vanished: tuple[int, ...] = ()  # UIDs, when QRESYNC replaces EXPUNGE by VANISHED

    @property
    def any(self) -> bool:
        return (
            self.exists is not None
            or bool(self.expunged)
            or bool(self.flags)
            or bool(self.vanished)
        )


class ImapClient:
    """One client connection to one engine; methods are the operations (see module docstring)."""

    def __init__(
        self, engine: ImapServer, *, render: bool = False, session: SessionRecord | None = None
    ) -> None:
        self.engine = engine
        self.render = render
        self.record = session or SessionRecord("imap")
        self.capabilities: set[str] = set()
        self.selected: SelectInfo | None = None
        self.exists: int | None = None  # messages in the selected mailbox, once an EXISTS said so
        self.last_updates = Updates()
        self.last_resync = Resync()
        self._tag = 0
        self._idle_tag: str | None = None
        if engine.outbox.pending:  # the greeting of a fresh connection
            data = record(
                self.record, engine.outbox, b"", render=render, note="greeting", round_trips=0
            )
            for resp in parse_responses(data, payloads_present=render):
                if resp.code and resp.code.upper().startswith("CAPABILITY "):
                    self.capabilities = set(resp.code.upper().split()[1:])

    # -- plumbing ------------------------------------------------------------------------------
    def take_record(self) -> SessionRecord:
        """The exchanges recorded so far; later ones go into a fresh record."""
        done, self.record = self.record, SessionRecord("imap")
        return done

    def _next_tag(self) -> str:
        self._tag += 1
        return f"a{self._tag:03d}"

    def command(
        self,
        text: str,
        *,
        literal: bytes | None = None,
        literal_plus: bool = False,
        note: str = "",
        check: bool = True,
    ) -> list[Response]:
        """Send ``<tag> <text>`` (plus an optional trailing literal); returns parsed responses.

        A synchronising literal costs a second round trip (the client waits for ``+``)."""
        tag = self._next_tag()
        line = f"{tag} {text}".encode()
        if literal is None:
            client = line + b"\r\n"
            self.engine.receive_data(client)
            trips = 1
        elif literal_plus:
            client = line + b" {%d+}\r\n" % len(literal) + literal + b"\r\n"
            self.engine.receive_data(client)
            trips = 1
        else:
            first = line + b" {%d}\r\n" % len(literal)
            refused = any(isinstance(e, CommandCompleted) for e in self.engine.receive_data(first))
            trips = 1
            client = first
            if not refused:
                rest = literal + b"\r\n"
                self.engine.receive_data(rest)
                client += rest
                trips = 2
        data = record(
            self.record,
            self.engine.outbox,
            client,
            render=self.render,
            note=note or text.split(" ", 1)[0],
            round_trips=trips,
        )
        responses = parse_responses(data, payloads_present=self.render)
        self._track(responses)
        if check:
            tagged = [r for r in responses if r.tag == tag]
            if not tagged or tagged[-1].status != "OK":
                raise ImapClientError(text, tagged[-1] if tagged else Response(tag, []))
        return responses

    def _track(self, responses: Iterable[Response]) -> Updates:
        exists: int | None = None
        expunged: list[int] = []
        flags: list[tuple[int, frozenset[str]]] = []
        vanished: list[int] = []
        for r in responses:
            t = r.tokens
            if (
                r.tag == "*"
                and len(t) == 2
                and isinstance(t[0], Atom)
                and t[0].upper() == "VANISHED"
            ):  # not (EARLIER): live expunges
                gone = _expand(str(t[1]))
                vanished += gone
                if self.exists is not None:
                    self.exists -= len(gone)
                continue
            if (
                r.tag != "*"
                or len(t) < 2
                or not isinstance(t[0], int)
                or not isinstance(t[1], Atom)
            ):
                continue
            word = t[1].upper()
            if word == "EXISTS":
                exists = self.exists = t[0]
            elif word == "EXPUNGE":
                expunged.append(t[0])
                if self.exists is not None:
                    self.exists -= 1
            elif word == "FETCH":
                found = fetch_items(r)
                if found and set(found[1]) <= {"FLAGS", "UID", "MODSEQ"} and "FLAGS" in found[1]:
                    flags.append((found[0], _flags(found[1]["FLAGS"])))
        self.last_updates = Updates(exists, tuple(expunged), tuple(flags), tuple(vanished))
        return self.last_updates

    # -- connection and session ----------------------------------------------------------------
    def capability(self) -> set[str]:
        for r in self.command("CAPABILITY"):
            if r.tag == "*" and r.tokens and str(r.tokens[0]).upper() == "CAPABILITY":
                self.capabilities = {str(t).upper() for t in r.tokens[1:]}
        return self.capabilities

    def starttls(self) -> None:
        """STARTTLS, the (simulated) handshake, and CAPABILITY again (RFC 9051 §6.2.1)."""
        self.command("STARTTLS")
        self.engine.tls_started()
        self.capability()

    def login(self, user: str, password: str) -> None:
        self._logged_in(self.command(f"LOGIN {_astr(user)} {_astr(password)}", note="LOGIN"))

    def authenticate_plain(self, user: str, password: str) -> None:
        """AUTHENTICATE PLAIN with the credentials in the command (SASL-IR): one round trip,
        and the password as readable to an eavesdropper as LOGIN's (base64 is no encryption)."""
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
        self._logged_in(self.command(f"AUTHENTICATE PLAIN {token}", note="AUTHENTICATE"))

    def _logged_in(self, responses: list[Response]) -> None:
        """A ``[CAPABILITY ...]`` code in the login's OK is the list from now on (RFC 9051
        §6.2.3): what is offered after login (MOVE, UIDPLUS, ...) differs from the greeting's."""
        for r in responses:
            if r.tag != "*" and r.code and r.code.upper().startswith("CAPABILITY "):
                self.capabilities = set(r.code.upper().split()[1:])

    def enable(self, *capabilities: str) -> set[str]:
        """ENABLE (e.g. ``QRESYNC``) before selecting; returns what the server enabled."""
        enabled: set[str] = set()
        for r in self.command("ENABLE " + " ".join(capabilities)):
            if r.tag == "*" and r.tokens and str(r.tokens[0]).upper() == "ENABLED":
                enabled |= {str(t).upper() for t in r.tokens[1:]}
        return enabled

    def select(
        self,
        mailbox: str = "INBOX",
        *,
        examine: bool = False,
        condstore: bool = False,
        qresync: tuple[int, int] | None = None,
    ) -> SelectInfo:
        """SELECT/EXAMINE; ``qresync=(uidvalidity, modseq)`` resynchronises in the same round
        trip (RFC 7162 §3.2.5; QRESYNC must be enabled) -- see ``last_resync``."""
        verb = "EXAMINE" if examine else "SELECT"
        params = ""
        if qresync is not None:
            params = f" (QRESYNC ({qresync[0]} {qresync[1]}))"
        elif condstore:
            params = " (CONDSTORE)"
        responses = self.command(f"{verb} {_astr(mailbox)}{params}", note=verb)
        uidvalidity = uidnext = highest = 0
        for r in responses:
            if r.code:
                word, _, value = r.code.partition(" ")
                if word.upper() == "UIDVALIDITY":
                    uidvalidity = int(value)
                elif word.upper() == "UIDNEXT":
                    uidnext = int(value)
                elif word.upper() == "HIGHESTMODSEQ":
                    highest = int(value)
        self.last_resync = _resync(responses)
        self.selected = SelectInfo(
            mailbox, self.exists or 0, uidvalidity, uidnext, examine, highest
        )
        return self.selected

    def fetch_changes(self, since_modseq: int, *, vanished: bool = True) -> Resync:
        """CONDSTORE resync of a selected mailbox: flags changed since ``since_modseq`` (and,
        with QRESYNC enabled and ``vanished``, the UIDs expunged since) in one command."""
        modifier = f"CHANGEDSINCE {since_modseq}" + (" VANISHED" if vanished else "")
        responses = self.command(f"UID FETCH 1:* (UID FLAGS) ({modifier})", note="resync")
        self.last_resync = _resync(responses)
        return self.last_resync

    def noop(self) -> Updates:
        self.command("NOOP")
        return self.last_updates

    def logout(self) -> None:
        self.command("LOGOUT")

    def close(self) -> None:
        """CLOSE: leave the mailbox, expunging \\Deleted messages silently."""
        self.command("CLOSE")
        self.selected = None

    # -- reading mail --------------------------------------------------------------------------
    def sync_headers(
        self, since_uid: int = 1, mode: SyncMode = SyncMode.ENVELOPE
    ) -> list[MessageSummary]:
        """Headers and structure of every message with UID >= ``since_uid`` (one command)."""
        if self.exists == 0:
            return []
        items = "UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE"
        if mode is SyncMode.HEADERS:
            items = "UID FLAGS RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER]"
        elif mode is SyncMode.HEADER_FIELDS:
            items = (
                "UID FLAGS RFC822.SIZE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS ("
                + " ".join(HEADER_FIELDS)
                + ")]"
            )
        responses = self.command(f"UID FETCH {max(1, since_uid)}:* ({items})", note="sync headers")
        out = []
        for r in responses:
            found = fetch_items(r)
            if not found or "UID" not in found[1]:
                continue
            it = found[1]
            uid = it["UID"]
            if not isinstance(uid, int) or uid < since_uid:
                continue  # n:* always includes the last message, even below n
            header = next((v for k, v in it.items() if k.startswith("BODY[")), None)
            size = it.get("RFC822.SIZE")
            out.append(
                MessageSummary(
                    uid,
                    _flags(it.get("FLAGS")),
                    size if isinstance(size, int) else 0,
                    tuple(parts_of(it["BODYSTRUCTURE"])),
                    _octets(header),
                )
            )
        return out

    def fetch_flags(self, since_uid: int = 1) -> dict[int, frozenset[str]]:
        """Flags of every message from ``since_uid`` (a reconnecting client's resync)."""
        if self.exists == 0:
            return {}
        flags: dict[int, frozenset[str]] = {}
        for r in self.command(f"UID FETCH {max(1, since_uid)}:* (UID FLAGS)", note="sync flags"):
            found = fetch_items(r)
            if found and isinstance(found[1].get("UID"), int):
                flags[found[1]["UID"]] = _flags(found[1].get("FLAGS"))  # type: ignore[index]
        return flags

    def fetch_body(self, uid: int, section: str = "1", *, mark_seen: bool = True) -> FetchResult:
        """Body on open: the text part (``BODY[1]``; ``BODY.PEEK`` when not marking it read)."""
        verb = "BODY" if mark_seen else "BODY.PEEK"
        return self._fetch_sections([uid], f"{verb}[{section}]", note="open message")

    def fetch_attachment(
        self, uid: int, section: str, size: int, chunk: int | None = CHUNK
    ) -> FetchResult:
        """An attachment on demand: whole, or in ``chunk``-octet partial fetches."""
        if chunk is None or size <= chunk:
            return self._fetch_sections([uid], f"BODY.PEEK[{section}]", note="attachment")
        octets = 0
        commands = 0
        for origin in range(0, size, chunk):
            res = self._fetch_sections(
                [uid], f"BODY.PEEK[{section}]<{origin}.{chunk}>", note="attachment chunk"
            )
            octets += res.total
            commands += 1
        return FetchResult({uid: octets}, commands)

    def fetch_full(self, uids: Sequence[int], *, batch: int = 50) -> FetchResult:
        """Full offline sync: whole messages, ``batch`` UIDs per command."""
        if batch < 1:
            raise ValueError(f"batch={batch}: allowed >= 1")
        octets: dict[int, int] = {}
        commands = 0
        ordered = sorted(set(uids))
        for i in range(0, len(ordered), batch):
            res = self._fetch_sections(
                ordered[i : i + batch],
                "BODY.PEEK[]",
                note="offline sync",
                extra="UID RFC822.SIZE FLAGS ",
            )
            octets.update(res.octets)
            commands += 1
        return FetchResult(octets, commands)

    def _fetch_sections(
        self, uids: Sequence[int], item: str, *, note: str, extra: str = ""
    ) -> FetchResult:
        octets: dict[int, int] = {}
        if not uids:
            return FetchResult(octets, 0)
        responses = self.command(f"UID FETCH {uid_ranges(sorted(uids))} ({extra}{item})", note=note)
        for r in responses:
            found = fetch_items(r)
            if not found or not isinstance(found[1].get("UID"), int):
                continue
            uid = found[1]["UID"]
            assert isinstance(uid, int)
            octets[uid] = octets.get(uid, 0) + sum(
                _octets(v) for k, v in found[1].items() if k.startswith("BODY[")
            )
        return FetchResult(octets, 1)

    # -- changing mail -------------------------------------------------------------------------
    def store_flags(
        self, uids: Sequence[int], flags: Iterable[str], *, add: bool = True, silent: bool = True
    ) -> None:
        """Flag upload: ``UID STORE set +FLAGS.SILENT (...)`` (or -FLAGS)."""
        if not uids:
            return
        op = ("+" if add else "-") + "FLAGS" + (".SILENT" if silent else "")
        self.command(
            f"UID STORE {uid_ranges(sorted(set(uids)))} {op} {flag_list(flags).decode()}",
            note="flags",
        )

    def move(self, uids: Sequence[int], mailbox: str) -> list[int]:
        """UID MOVE (or COPY + \\Deleted + EXPUNGE without MOVE); returns the new UIDs if told."""
        if not uids:
            return []
        uid_set = uid_ranges(sorted(set(uids)))
        if "MOVE" in self.capabilities or not self.capabilities:
            responses = self.command(f"UID MOVE {uid_set} {_astr(mailbox)}", note="move")
        else:
            responses = self.command(f"UID COPY {uid_set} {_astr(mailbox)}", note="move: copy")
            self.store_flags(uids, ["\\Deleted"])
            self.command("EXPUNGE", note="move: expunge")
        for r in responses:
            if r.code and r.code.upper().startswith("COPYUID "):
                return _expand(r.code.split()[3])
        return []

    def delete(self, uids: Sequence[int], *, expunge: bool = True) -> None:
        """Mark \\Deleted, then (UID) EXPUNGE -- the two steps of an IMAP delete."""
        if not uids:
            return
        self.store_flags(uids, ["\\Deleted"])
        if expunge:
            if "UIDPLUS" in self.capabilities:
                self.command(f"UID EXPUNGE {uid_ranges(sorted(set(uids)))}", note="expunge")
            else:
                self.command("EXPUNGE", note="expunge")

    def search(self, criteria: str, *, uid: bool = True) -> list[int]:
        """Server-side search, e.g. ``'TEXT "budget" SINCE 1-Jan-2026'``; returns UIDs."""
        verb = "UID SEARCH" if uid else "SEARCH"
        hits: list[int] = []
        for r in self.command(f"{verb} {criteria}", note="search"):
            word = str(r.tokens[0]).upper() if r.tag == "*" and r.tokens else ""
            if word == "SEARCH":
                hits += [t for t in r.tokens[1:] if isinstance(t, int)]
            elif word == "ESEARCH":  # after ENABLE IMAP4rev2: ``ALL <set>``
                t = r.tokens
                for i, token in enumerate(t[:-1]):
                    if isinstance(token, Atom) and token.upper() == "ALL":
                        hits += _expand(str(t[i + 1]))
        return hits

    def append(
        self,
        mailbox: str,
        message: Message,
        flags: Iterable[str] = ("\\Seen",),
        *,
        literal_plus: bool | None = None,
    ) -> int | None:
        """APPEND (e.g. to Sent); returns the new UID from APPENDUID.  The message is rendered."""
        plus = ("LITERAL+" in self.capabilities) if literal_plus is None else literal_plus
        responses = self.command(
            f"APPEND {_astr(mailbox)} {flag_list(flags).decode()}",
            literal=message.render(),
            literal_plus=plus,
            note="APPEND",
        )
        for r in responses:
            if r.code and r.code.upper().startswith("APPENDUID "):
                return int(r.code.split()[2])
        return None

    def create(self, mailbox: str) -> None:
        self.command(f"CREATE {_astr(mailbox)}")

    def list(self, pattern: str = "*") -> list[str]:
        names: list[str] = []
        for r in self.command(f'LIST "" {_astr(pattern)}'):
            if r.tag == "*" and r.tokens and str(r.tokens[0]).upper() == "LIST":
                name = r.tokens[-1]
                names.append(name.decode() if isinstance(name, bytes) else str(name))
        return names

    # -- IDLE ----------------------------------------------------------------------------------
    def idle_start(self) -> None:
        """``IDLE`` and its ``+ idling`` continuation (one round trip)."""
        tag = self._next_tag()
        client = f"{tag} IDLE\r\n".encode()
        self.engine.receive_data(client)
        data = record(self.record, self.engine.outbox, client, render=self.render, note="IDLE")
        responses = parse_responses(data, payloads_present=self.render)
        if not any(r.tag == "+" for r in responses):
            raise ImapClientError("IDLE", responses[-1] if responses else Response(tag, []))
        self._track(responses)
        self._idle_tag = tag

    def idle_push(self) -> Updates:
        """The store changed: let the engine push, and record what arrived (no round trip)."""
        self.engine.refresh()
        if not self.engine.outbox.pending:
            return Updates()
        data = record(
            self.record,
            self.engine.outbox,
            b"",
            render=self.render,
            note="IDLE push",
            round_trips=0,
        )
        return self._track(parse_responses(data, payloads_present=self.render))

    def idle_done(self) -> Updates:
        """``DONE`` and the tagged OK (one round trip)."""
        tag, self._idle_tag = self._idle_tag, None
        if tag is None:
            raise RuntimeError("idle_done() without idle_start()")
        self.engine.receive_data(b"DONE\r\n")
        data = record(self.record, self.engine.outbox, b"DONE\r\n", render=self.render, note="DONE")
        responses = parse_responses(data, payloads_present=self.render)
        tagged = [r for r in responses if r.tag == tag]
        if not tagged or tagged[-1].status != "OK":
            raise ImapClientError("DONE", tagged[-1] if tagged else Response(tag, []))
        return self._track(responses)

    def idle(self, trigger: Callable[[], object] | None = None) -> Updates:
        """A whole IDLE round: IDLE, ``trigger()`` (e.g. a delivery), the push, DONE."""
        self.idle_start()
        if trigger is not None:
            trigger()
        pushed = self.idle_push()
        self.idle_done()
        return pushed


def connect(
    engine: ImapServer,
    user: str,
    password: str,
    *,
    render: bool = False,
    starttls: bool = False,
    capability: bool = True,
    mailbox: str | None = "INBOX",
) -> ImapClient:
    """A fresh connection as real clients open it: greeting, CAPABILITY, [STARTTLS, CAPABILITY],
    LOGIN and (unless ``mailbox`` is None) SELECT."""
    client = ImapClient(engine, render=render)
    if capability and not client.capabilities:
        client.capability()
    if starttls:
        client.starttls()
    client.login(user, password)
    if mailbox is not None:
        client.select(mailbox)
    return client


@dataclass(frozen=True)
class SyncResult:
    """One whole short session: what was on the wire, and what the client learned."""

    record: SessionRecord
    select: SelectInfo
    messages: tuple[MessageSummary, ...]


def sync_session(
    engine: ImapServer,
    user: str,
    password: str,
    *,
    since_uid: int = 1,
    mode: SyncMode = SyncMode.ENVELOPE,
    mailbox: str = "INBOX",
    starttls: bool = False,
    render: bool = False,
) -> SyncResult:
    """A client that connects, syncs headers and structure of UIDs >= ``since_uid``, and logs out
    (a new device's first look, or a polling client without a kept-open connection)."""
    client = connect(engine, user, password, render=render, starttls=starttls, mailbox=mailbox)
    messages = client.sync_headers(since_uid, mode)
    client.logout()
    assert client.selected is not None
    return SyncResult(client.record, client.selected, tuple(messages))


def _resync(responses: Iterable[Response]) -> Resync:
    vanished: list[int] = []
    changed: list[tuple[int, frozenset[str]]] = []
    for r in responses:
        t = r.tokens
        if r.tag == "*" and t and isinstance(t[0], Atom) and t[0].upper() == "VANISHED":
            vanished += _expand(str(t[-1]))
            continue
        found = fetch_items(r)
        if found and isinstance(found[1].get("UID"), int) and "FLAGS" in found[1]:
            changed.append((found[1]["UID"], _flags(found[1]["FLAGS"])))  # type: ignore[arg-type]
    return Resync(tuple(vanished), tuple(changed))


def _astr(value: str) -> str:
    return astring(value).decode("utf-8", "replace")


def _flags(token: Token) -> frozenset[str]:
    if isinstance(token, list):
        return frozenset(str(t) for t in token if t is not None)
    return frozenset()


def _octets(token: Token) -> int:
    if isinstance(token, LiteralRef):
        return token.size
    if isinstance(token, (bytes, str)):
        return len(token)
    return 0


def _expand(uid_set: str) -> list[int]:
    out: list[int] = []
    for piece in uid_set.split(","):
        lo, _, hi = piece.partition(":")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out
