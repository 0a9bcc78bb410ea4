"""Annotated wire transcripts: what a POP3 or IMAP client and server really say to each other.

Theory of operation
-------------------
A transcript is a :class:`~sim.protocol.session.SessionRecord` made with ``render=True`` by the
engine helpers' client operations (a POP3 poll, an IMAP session) against an in-process engine over
a small fixed mailbox, so every byte is the engine's own and the totals are exact.  This module only
splits each exchange into lines and attaches a short explanation for a learner to the lines that
matter (the command, the first reply line, the end of a multi-line reply, pushed updates).

``python -m sim transcript pop3|imap [--example NAME] [--json] [--full]`` prints it; the text form
elides the middle of long message payloads (``--full`` shows every line), the JSON form always
holds every line.  Byte totals count everything each side sent, CRLFs included, TLS excluded.

Examples (:class:`Example`): ``typical`` for both protocols (POP3: a poll that downloads and
deletes three messages; IMAP: sync headers and structure, open one message, fetch an attachment on
demand, flag, search, file into a new folder, one IDLE push, log out); ``rfc1939`` (POP3, RFC 1939
§10: client 95 bytes, server 620); ``rfc9051`` (IMAP, RFC 9051 §8); ``leave-on-server`` and
``headers-first`` (POP3: a later poll with UIDL; TOP before RETR).

JSON keys: ``protocol``, ``example``, ``title``, ``client_bytes``, ``server_bytes``,
``server_counts`` (framing/header/body/attachment), ``round_trips``, ``exchanges`` (client text,
client_bytes, server_bytes, round_trips, note) and ``lines`` (direction ``C``/``S``, text without
CRLF, annotation, exchange index, payload flag).
"""

from __future__ import annotations

import argparse
import enum
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sim.cli.main import UsageError
from sim.inputs.access import Protocol
from sim.protocol.message import Attachment, Message, synthesize
from sim.protocol.session import Exchange, SessionRecord
from sim.protocol.store import Store

TEXT_WIDTH = 44  # wire text column width in the text form
PAYLOAD_HEAD = 4  # payload lines shown before an elision
PAYLOAD_TAIL = 1
ELIDE_OVER = 10  # payload runs longer than this are elided in the text form


class Example(enum.Enum):
    TYPICAL = "typical"
    RFC1939 = "rfc1939"
    RFC9051 = "rfc9051"
    LEAVE_ON_SERVER = "leave-on-server"
    HEADERS_FIRST = "headers-first"


class Direction(enum.Enum):
    CLIENT = "C"
    SERVER = "S"


@dataclass(frozen=True)
class TranscriptLine:
    """One wire line (without its CRLF) and, where useful, what it means."""

    direction: Direction
    text: str
    annotation: str = ""
    exchange: int = 0  # index of the exchange (command and reply) it belongs to
    payload: bool = False  # message content rather than protocol framing


@dataclass(frozen=True)
class Transcript:
    """An annotated session with its exact byte totals."""

    protocol: Protocol
    example: Example
    title: str
    record: SessionRecord
    lines: tuple[TranscriptLine, ...]

    @property
    def client_bytes(self) -> int:
        return self.record.client_bytes

    @property
    def server_bytes(self) -> int:
        return self.record.server_bytes

    def to_json(self) -> dict[str, object]:
        counts = self.record.server_counts
        return {
            "protocol": self.protocol.value,
            "example": self.example.value,
            "title": self.title,
            "client_bytes": self.client_bytes,
            "server_bytes": self.server_bytes,
            "server_counts": {
                "framing": counts.framing,
                "header": counts.header,
                "body": counts.body,
                "attachment": counts.attachment,
            },
            "round_trips": self.record.round_trips,
            "exchanges": [
                {
                    "client": e.client.decode("utf-8", "backslashreplace"),
                    "client_bytes": e.client_bytes,
                    "server_bytes": e.server_bytes,
                    "round_trips": e.round_trips,
                    "note": e.note,
                }
                for e in self.record.exchanges
            ],
            "lines": [
                {
                    "direction": ln.direction.value,
                    "text": ln.text,
                    "annotation": ln.annotation,
                    "exchange": ln.exchange,
                    "payload": ln.payload,
                }
                for ln in self.lines
            ],
        }

    def format(self, full: bool = False) -> str:
        """The text form: one wire line per row, annotations beside (or under) it."""
        out = [self.title, "=" * len(self.title), "C: client -> server   S: server -> client", ""]
        for group in _payload_runs(self.lines):
            if not full and len(group) > ELIDE_OVER and group[0].payload:
                hidden = group[PAYLOAD_HEAD:-PAYLOAD_TAIL]
                octets = sum(len(ln.text) + 2 for ln in hidden)
                shown = list(group[:PAYLOAD_HEAD]) + [None] + list(group[-PAYLOAD_TAIL:])
            else:
                shown, hidden, octets = list(group), [], 0
            for ln in shown:
                if ln is None:
                    out.append(
                        f"   ... {len(hidden)} more lines of message content "
                        f"({octets} octets; --full shows them) ..."
                    )
                else:
                    out.extend(_format_line(ln))
        counts = self.record.server_counts
        out += [
            "",
            f"client sent {self.client_bytes} bytes; server sent {self.server_bytes} bytes "
            f"(framing {counts.framing}, headers {counts.header}, bodies {counts.body}, "
            f"attachments {counts.attachment}); {self.record.round_trips} round trips",
        ]
        return "\n".join(out)


def _format_line(ln: TranscriptLine) -> list[str]:
    wire = f"{ln.direction.value}: {ln.text}"
    if not ln.annotation:
        return [wire]
    return [f"{wire:<{TEXT_WIDTH}}  # {ln.annotation}"]


def _payload_runs(lines: tuple[TranscriptLine, ...]) -> list[list[TranscriptLine]]:
    """Consecutive lines grouped so that each run of payload lines of one exchange is one group."""
    groups: list[list[TranscriptLine]] = []
    for ln in lines:
        last = groups[-1][-1] if groups else None
        if last is not None and ln.payload and last.payload and last.exchange == ln.exchange:
            groups[-1].append(ln)
        else:
            groups.append([ln])
    return groups


def wire_lines(data: bytes) -> list[str]:
    """Lines of ``data`` without CRLF (a trailing CRLF does not open an empty line)."""
    if not data:
        return []
    parts = data.split(b"\r\n")
    if parts[-1] == b"":
        parts.pop()
    return [p.decode("utf-8", "backslashreplace") for p in parts]


# ---------------------------------------------------------------------------------------------
# Annotations


Annotator = Callable[[int, Exchange], list[TranscriptLine]]

_POP3_COMMANDS = {
    "CAPA": "CAPA: which extensions does this server support? (RFC 2449)",
    "USER": "USER names the maildrop; the password follows in PASS",
    "PASS": "PASS sends the password in cleartext unless the connection uses TLS",
    "APOP": "APOP logs in without sending the secret: MD5 of the greeting timestamp + secret",
    "STLS": "STLS upgrades this connection to TLS before logging in (RFC 2595)",
    "STAT": "STAT: how many messages, how many octets in total",
    "LIST": "LIST: the size of each message, so a client can skip big ones",
    "UIDL": "UIDL: stable unique ids; how 'leave mail on server' knows what it already has",
    "RETR": "RETR downloads one whole message",
    "TOP": "TOP n k: the headers and k body lines only, a preview",
    "DELE": "DELE only marks; removal happens at QUIT",
    "RSET": "RSET unmarks every message marked by DELE",
    "NOOP": "NOOP does nothing; keeps the connection alive",
    "QUIT": "QUIT enters the UPDATE state: messages marked by DELE go, the lock is released",
}


def _pop3_reply(verb: str, first: str) -> str:
    if first.startswith("-ERR"):
        return "-ERR: refused; the session state does not change"
    if verb == "":
        stamp = " The <...> is the timestamp APOP hashes." if "<" in first else ""
        return "greeting: the server is ready (AUTHORIZATION state)." + stamp
    return {
        "PASS": "logged in; the maildrop is now locked against a second session",
        "APOP": "logged in; the maildrop is now locked against a second session",
        "STAT": "+OK count octets (sizes without dot-stuffing)",
        "LIST": "a multi-line reply: 'number size' per message",
        "UIDL": "a multi-line reply: 'number unique-id' per message",
        "RETR": "the message follows, dot-stuffed, ending with a line holding '.'",
        "TOP": "the headers, a blank line and the requested body lines follow",
        "DELE": "marked, not yet removed: a dropped connection would keep it",
        "QUIT": "session over; only now are messages marked by DELE gone",
        "CAPA": "one capability per line; the list ends with '.'",
    }.get(verb, "")


def annotate_pop3(index: int, exchange: Exchange) -> list[TranscriptLine]:
    """Annotate one POP3 command and its reply."""
    out: list[TranscriptLine] = []
    client = wire_lines(exchange.client)
    verb = client[0].split(" ", 1)[0].upper() if client else ""
    for text in client:
        out.append(
            TranscriptLine(Direction.CLIENT, text, _POP3_COMMANDS.get(verb, exchange.note), index)
        )
    server = wire_lines(exchange.server or b"")
    multiline = len(server) > 1 and server[-1] == "."
    for i, text in enumerate(server):
        note, payload = "", False
        if i == 0:
            note = _pop3_reply(verb, text)
        elif multiline and i == len(server) - 1:
            note = "'.' alone ends the multi-line reply"
        elif verb in ("RETR", "TOP"):
            payload = True
            if text.startswith(".."):
                note = "dot-stuffed: the client drops the first '.'"
        out.append(TranscriptLine(Direction.SERVER, text, note, index, payload))
    return out


_IMAP_COMMANDS = {
    "CAPABILITY": "CAPABILITY: what this server supports",
    "LOGIN": "LOGIN: user and password, cleartext unless the connection uses TLS",
    "AUTHENTICATE": "AUTHENTICATE: a SASL login",
    "STARTTLS": "STARTTLS upgrades this connection to TLS before logging in",
    "LIST": "LIST: the folders live on the server, every device sees the same ones",
    "LSUB": "LSUB: the subscribed folders",
    "STATUS": "STATUS: counts of a folder without selecting it",
    "SELECT": "SELECT opens a folder read-write",
    "EXAMINE": "EXAMINE opens a folder read-only",
    "CREATE": "CREATE makes a folder on the server",
    "DELETE": "DELETE removes a folder on the server",
    "RENAME": "RENAME renames a folder on the server",
    "FETCH": "FETCH asks for parts of messages; the client chooses what it needs",
    "STORE": "STORE changes flags on the server; other devices see the change",
    "COPY": "COPY puts a copy in another folder, all on the server",
    "MOVE": "MOVE: copy + delete + expunge in one step (RFC 6851)",
    "SEARCH": "SEARCH runs on the server; only the matching numbers cross the wire",
    "EXPUNGE": "EXPUNGE removes the messages flagged \\Deleted",
    "CLOSE": "CLOSE expunges silently and leaves the folder",
    "UNSELECT": "UNSELECT leaves the folder without expunging",
    "NOOP": "NOOP: nothing, but the server may report changes (a poll)",
    "IDLE": "IDLE: stay connected and let the server push changes (RFC 2177)",
    "DONE": "DONE ends IDLE (it has no tag: it is part of the IDLE command)",
    "LOGOUT": "LOGOUT ends the session",
    "APPEND": "APPEND uploads a message (e.g. to Sent) as a literal",
    "ENABLE": "ENABLE switches on an extension",
}

_LITERAL = re.compile(r"\{(\d+)\+?\}$")


def _imap_fetch_note(upper: str) -> str:
    """What a FETCH asks for, in a learner's words."""
    if "BODYSTRUCTURE" in upper or "ENVELOPE" in upper:
        return (
            "FETCH envelope (from, subject, date) and structure (parts and their sizes): "
            "the message list, no content yet"
        )
    macro = re.search(r"\bFETCH \S+ (FULL|ALL|FAST)\b", upper)
    if macro:
        return (
            f"FETCH {macro.group(1)}: a macro for flags, date, size"
            + ("" if macro.group(1) == "FAST" else ", envelope")
            + (" and structure" if macro.group(1) == "FULL" else "")
            + "; no content"
        )
    if "HEADER" in upper:
        peek = (
            "; .PEEK leaves \\Seen unset"
            if ".PEEK" in upper
            else ("; without .PEEK any BODY[...] fetch sets \\Seen")
        )
        return "FETCH the headers only" + peek
    part = re.search(r"BODY(\.PEEK)?\[(\d[\d.]*)\](<[\d.]+>)?", upper)
    if part:
        if part.group(1):
            what = "a byte range of " if part.group(3) else ""
            return (
                f"FETCH {what}part {part.group(2)} on demand (here: the attachment); "
                ".PEEK leaves \\Seen unset"
            )
        return (
            f"FETCH part {part.group(2)} only, the text the user opened; without .PEEK "
            "this sets \\Seen"
        )
    if re.search(r"BODY(\.PEEK)?\[\]|\bRFC822\b(?!\.)", upper):
        return "FETCH whole messages (an offline copy)"
    if "FLAGS" in upper:
        return "FETCH flags only: a cheap resync of read/flagged state"
    return _IMAP_COMMANDS["FETCH"]


def _imap_client_note(text: str, note: str) -> str:
    words = text.split(" ")
    if len(words) == 1 and words[0].upper() == "DONE":
        return _IMAP_COMMANDS["DONE"]
    if len(words) < 2:
        return note
    verb = words[1].upper()
    if verb == "UID" and len(words) > 2:
        verb = words[2].upper()
    upper = text.upper()
    base = _imap_fetch_note(upper) if verb == "FETCH" else _IMAP_COMMANDS.get(verb, note)
    if verb == "STORE" and "\\DELETED" in upper:
        base = "STORE \\Deleted only marks; EXPUNGE or CLOSE removes (like POP3's DELE and QUIT)"
    if verb == "STORE" and ".SILENT" in upper:
        base += " (.SILENT: no FETCH echo of the new flags)"
    if _LITERAL.search(text):
        base += "; {n} announces n octets that follow"
    return base


def _imap_server_note(text: str, client: str, pushed: bool) -> tuple[str, bool]:
    """(annotation, starts a literal) for one server line."""
    words = text.split(" ")
    upper = text.upper()
    literal = bool(_LITERAL.search(text))
    command = client.split(" ")
    verb = (
        command[2]
        if len(command) > 2 and command[1].upper() == "UID"
        else command[1]
        if len(command) > 1
        else ""
    ).upper()
    if words[0] == "+":
        if client.upper().endswith(" IDLE"):
            return "'+': the server is idling and will push changes", False
        return "'+': go on, send the rest (literal or continuation)", False
    if words[0] == "*":
        kind = words[2].upper() if len(words) > 2 and words[1].isdigit() else words[1].upper()
        note = {
            "EXISTS": "untagged: the folder now holds this many messages",
            "EXPUNGE": "untagged: this message number is gone; later numbers shift down",
            "FETCH": "untagged FETCH: the data asked for",
            "FLAGS": "untagged: the flags this folder supports",
            "LIST": "untagged: one folder",
            "SEARCH": "untagged: the matches (UIDs for UID SEARCH)",
            "ESEARCH": "untagged: the matches",
            "STATUS": "untagged: the folder's counts",
            "RECENT": (
                "untagged (IMAP4rev1): messages new to this session; this server keeps no "
                "\\Recent (RFC 9051 dropped it), so 0"
            ),
            "CAPABILITY": "untagged: what the server supports",
            "BYE": "untagged BYE: the server closes the connection",
            "OK": "untagged OK: information for the client",
        }.get(kind, "untagged: server data")
        for code, explained in (
            ("[UIDVALIDITY", "UIDVALIDITY: while it stays the same, cached UIDs remain valid"),
            ("[UIDNEXT", "UIDNEXT: the UID the next message will get"),
            ("[UNSEEN", "UNSEEN (IMAP4rev1): the number of the first message not yet seen"),
            ("[PERMANENTFLAGS", "which flags the client may store permanently"),
            ("[HIGHESTMODSEQ", "HIGHESTMODSEQ: lets a client resync only what changed"),
            ("[COPYUID", "COPYUID: the message's new UID in the target folder (UIDPLUS)"),
        ):
            if code in upper:
                note = explained
        if kind == "FETCH" and verb == "STORE":
            note = "the server echoes the new flags (the STORE had no .SILENT)"
        elif kind == "LIST" and verb in ("SELECT", "EXAMINE"):
            note = "IMAP4rev2: SELECT also names the folder in a LIST reply"
        if pushed and kind == "EXISTS":
            note = (
                "pushed while idling: a new message arrived; this is a notice, the client "
                "fetches the message itself when it wants it"
            )
        elif pushed:
            note = "pushed while idling: " + note.removeprefix("untagged: ")
        if literal:
            match = _LITERAL.search(text)
            assert match is not None
            note = f"the data follows as a literal of {match.group(1)} octets"
        return note, literal
    if len(words) > 1 and words[1].upper() in ("OK", "NO", "BAD"):
        status = words[1].upper()
        if status == "NO":
            return "tagged NO: the command failed; nothing changed", literal
        if status == "BAD":
            return "tagged BAD: the command was not understood", literal
        if "[READ-WRITE]" in upper:
            return "the folder is open read-write", literal
        return "tagged OK: the command with this tag is complete", literal
    return "", literal


def annotate_imap(index: int, exchange: Exchange) -> list[TranscriptLine]:
    """Annotate one IMAP command (or pushed update) and the server's lines."""
    out: list[TranscriptLine] = []
    client = wire_lines(exchange.client)
    first = client[0] if client else ""
    for text in client:
        out.append(
            TranscriptLine(Direction.CLIENT, text, _imap_client_note(text, exchange.note), index)
        )
    server = wire_lines(exchange.server or b"")
    if index == 0 and not client and server:
        out.append(
            TranscriptLine(
                Direction.SERVER, server[0], "greeting: untagged OK, the server is ready", index
            )
        )
        server = server[1:]
    pushed = not client
    remaining = 0  # octets of literal data still to come
    after_literal = False
    for text in server:
        if remaining > 0:
            remaining -= len(text.encode("utf-8", "backslashreplace")) + 2
            out.append(TranscriptLine(Direction.SERVER, text, "", index, True))
            after_literal = remaining <= 0
            continue
        if after_literal:
            after_literal = False
            note = "the rest of the FETCH response"
            if "\\SEEN" in text.upper() and "PEEK" not in first.upper():
                note += ": reading the part set \\Seen, on the server, for every device"
            out.append(TranscriptLine(Direction.SERVER, text, note, index))
            continue
        note, literal = _imap_server_note(text, first, pushed)
        out.append(TranscriptLine(Direction.SERVER, text, note, index))
        if literal:
            match = _LITERAL.search(text)
            assert match is not None
            remaining = int(match.group(1))
            after_literal = remaining == 0
    return out


def annotate(record: SessionRecord, annotator: Annotator) -> tuple[TranscriptLine, ...]:
    """All exchanges annotated; a server-side explanation already given is not repeated."""
    said: set[str] = set()
    out: list[TranscriptLine] = []
    for i, exchange in enumerate(record.exchanges):
        for ln in annotator(i, exchange):
            if ln.direction is Direction.SERVER and ln.annotation:
                if ln.annotation in said:
                    ln = TranscriptLine(ln.direction, ln.text, "", ln.exchange, ln.payload)
                else:
                    said.add(ln.annotation)
            out.append(ln)
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# The sessions


TRANSCRIPT_USER = "alice"
TRANSCRIPT_PASSWORD = "wonderland"


def transcript_store() -> Store:
    """A small fixed mailbox: two short notes and one with a small attachment, so a transcript
    shows every step without pages of payload."""
    store = Store()
    store.add_account(TRANSCRIPT_USER, TRANSCRIPT_PASSWORD)
    day = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    to = "Alice <alice@lab.example>"
    store.deliver(
        TRANSCRIPT_USER,
        synthesize(
            seed=11,
            sender="Bob <bob@lab.example>",
            recipient=to,
            subject="Lunch on Friday?",
            date=day,
            text_size=180,
            message_id="<lunch.1@lab.example>",
        ),
    )
    store.deliver(
        TRANSCRIPT_USER,
        synthesize(
            seed=12,
            sender="Carol <carol@lab.example>",
            recipient=to,
            subject="Holiday photos",
            date=day.replace(hour=10),
            text_size=120,
            attachments=[Attachment("beach.jpg", 300, "image/jpeg")],
            message_id="<photos.2@lab.example>",
        ),
    )
    store.deliver(
        TRANSCRIPT_USER,
        synthesize(
            seed=13,
            sender="Dave <dave@lab.example>",
            recipient=to,
            subject="Invoice for March",
            date=day.replace(hour=11),
            text_size=150,
            keywords=["invoice"],
            message_id="<invoice.3@lab.example>",
        ),
    )
    return store


def pop3_typical() -> Transcript:
    """A mail client's poll: CAPA, USER/PASS, STAT, LIST, UIDL, RETR and DELE each, QUIT."""
    from sim.protocol.pop3 import Pop3Server
    from sim.protocol.pop3_client import LeavePolicy, PollOptions, poll

    server = Pop3Server(transcript_store(), connection_id=1)
    options = PollOptions(
        TRANSCRIPT_USER, TRANSCRIPT_PASSWORD, leave=LeavePolicy.DELETE_AFTER_DOWNLOAD
    )
    result = poll(server, options, render=True)
    return Transcript(
        Protocol.POP3,
        Example.TYPICAL,
        "POP3: a client downloads three messages and deletes them (RFC 1939)",
        result.record,
        annotate(result.record, annotate_pop3),
    )


def pop3_leave_on_server() -> Transcript:
    """The *second* poll of a client that leaves mail on the server: UIDL tells it which
    message is new, so it downloads that one only (RFC 1939 §7, lesson 6)."""
    from sim.protocol.pop3 import Pop3Server
    from sim.protocol.pop3_client import LeavePolicy, PollOptions, poll

    store = transcript_store()
    options = PollOptions(
        TRANSCRIPT_USER, TRANSCRIPT_PASSWORD, leave=LeavePolicy.NEVER_DELETE, capa=False
    )
    first = poll(Pop3Server(store, connection_id=1), options)
    store.deliver(TRANSCRIPT_USER, _newcomer())
    second = poll(Pop3Server(store, connection_id=2), options, memory=first.memory, render=True)
    known = first.memory.have
    lines = []
    for ln in annotate(second.record, annotate_pop3):
        exchange = second.record.exchanges[ln.exchange]
        words = ln.text.split(" ")
        if (
            ln.direction is Direction.SERVER
            and exchange.client == b"UIDL\r\n"
            and len(words) == 2
            and words[0].isdigit()
        ):
            note = (
                "already downloaded in the last poll: skipped"
                if words[1] in known
                else "new since the last poll: the only one to download"
            )
            ln = TranscriptLine(ln.direction, ln.text, note, ln.exchange, ln.payload)
        lines.append(ln)
    return Transcript(
        Protocol.POP3,
        Example.LEAVE_ON_SERVER,
        "POP3, leave mail on the server: the next poll downloads only what UIDL shows is new",
        second.record,
        tuple(lines),
    )


def pop3_headers_first() -> Transcript:
    """Headers first: TOP n 0 for every message, then RETR only for the small ones (lesson 1)."""
    from sim.protocol.pop3 import Pop3Server
    from sim.protocol.pop3_client import LeavePolicy, PollOptions, poll

    options = PollOptions(
        TRANSCRIPT_USER,
        TRANSCRIPT_PASSWORD,
        leave=LeavePolicy.NEVER_DELETE,
        headers_first=True,
        want=_small,
        capa=False,
    )
    result = poll(Pop3Server(transcript_store(), connection_id=1), options, render=True)
    return Transcript(
        Protocol.POP3,
        Example.HEADERS_FIRST,
        "POP3, headers first: TOP n 0 for each message, then RETR only the small ones",
        result.record,
        annotate(result.record, annotate_pop3),
    )


def _small(candidate: object) -> bool:
    """The headers-first client's choice: download messages under 1000 octets."""
    return int(getattr(candidate, "size", 0)) < 1000


def _newcomer() -> Message:
    """The message that arrives between two polls (or while an IMAP client idles)."""
    return synthesize(
        seed=14,
        sender="Bob <bob@lab.example>",
        recipient="Alice <alice@lab.example>",
        subject="Re: Lunch on Friday?",
        date=datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
        text_size=100,
        message_id="<lunch.4@lab.example>",
        in_reply_to="<lunch.1@lab.example>",
    )


def pop3_rfc1939() -> Transcript:
    """RFC 1939 §10 replayed byte for byte (APOP, STAT, LIST, RETR/DELE twice, QUIT)."""
    from sim.protocol.examples import session_rfc1939

    record = session_rfc1939(render=True)
    return Transcript(
        Protocol.POP3,
        Example.RFC1939,
        "POP3: the example session of RFC 1939 section 10",
        record,
        annotate(record, annotate_pop3),
    )


def imap_typical() -> Transcript:
    """A phone's IMAP session: log in, sync headers and structure, open a message, fetch an
    attachment on demand, flag, search, file into a new folder, one IDLE round, log out."""
    from sim.protocol.imap import ImapConfig, ImapServer
    from sim.protocol.imap_client import connect

    store = transcript_store()
    engine = ImapServer(store, ImapConfig(select_list=False))
    client = connect(engine, TRANSCRIPT_USER, TRANSCRIPT_PASSWORD, render=True)
    summaries = client.sync_headers()
    first, second, third = (m.uid for m in summaries[:3])
    client.fetch_body(first)
    attachment = summaries[1].attachments[0]
    client.fetch_attachment(second, attachment.section, attachment.size)
    client.store_flags([first], ["\\Flagged"])
    hits = client.search('SUBJECT "invoice"')
    client.create("Receipts")
    client.move(hits or [third], "Receipts")
    newcomer = _newcomer()
    client.idle(trigger=lambda: store.deliver(TRANSCRIPT_USER, newcomer))
    client.logout()
    record = client.record
    return Transcript(
        Protocol.IMAP,
        Example.TYPICAL,
        "IMAP: a client syncs headers, opens, flags, files and idles (RFC 9051)",
        record,
        annotate(record, annotate_imap),
    )


RFC9051_COMMANDS = (
    "login mrc secret",
    "select inbox",
    "fetch 12 full",
    "fetch 12 body[header]",
    "store 12 +flags \\deleted",
    "logout",
)


def imap_rfc9051() -> Transcript:
    """The RFC 9051 §8 sample session replayed against the engine (tags a001..a006)."""
    from sim.protocol.imap_client import ImapClient
    from sim.protocol.imap_examples import rfc9051_engine

    client = ImapClient(rfc9051_engine(), render=True)
    for command in RFC9051_COMMANDS:
        client.command(command)
    record = client.record
    return Transcript(
        Protocol.IMAP,
        Example.RFC9051,
        "IMAP: the sample session of RFC 9051 section 8",
        record,
        annotate(record, annotate_imap),
    )


BUILDERS: dict[tuple[Protocol, Example], Callable[[], Transcript]] = {
    (Protocol.POP3, Example.TYPICAL): pop3_typical,
    (Protocol.POP3, Example.RFC1939): pop3_rfc1939,
    (Protocol.POP3, Example.LEAVE_ON_SERVER): pop3_leave_on_server,
    (Protocol.POP3, Example.HEADERS_FIRST): pop3_headers_first,
    (Protocol.IMAP, Example.TYPICAL): imap_typical,
    (Protocol.IMAP, Example.RFC9051): imap_rfc9051,
}


def build(protocol: Protocol, example: Example = Example.TYPICAL) -> Transcript:
    """The transcript of ``example`` for ``protocol``."""
    builder = BUILDERS.get((protocol, example))
    if builder is None:
        allowed = [p.value for p, e in BUILDERS if e is example]
        raise UsageError(f"--example={example.value}: allowed only with {', '.join(allowed)}")
    return builder()


# ---------------------------------------------------------------------------------------------
# python -m sim transcript


def run_transcript(args: argparse.Namespace) -> int:
    transcript = build(Protocol(args.protocol), Example(args.example))
    if args.json:
        print(json.dumps(transcript.to_json(), indent=1))
    else:
        print(transcript.format(full=args.full))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``transcript`` subcommand."""
    p = subparsers.add_parser(
        "transcript",
        help="print an annotated wire transcript with byte totals",
        description="An annotated wire transcript of a typical POP3 or IMAP session, made by "
        "the lab's own engines, with exact client and server byte totals.",
    )
    p.add_argument(
        "protocol", choices=[p.value for p in Protocol], metavar="PROTOCOL", help="pop3 or imap"
    )
    p.add_argument(
        "--example",
        choices=[e.value for e in Example],
        default=Example.TYPICAL.value,
        help="typical (default); rfc1939 (POP3: RFC 1939 section 10); rfc9051 "
        "(IMAP: RFC 9051 section 8); leave-on-server (POP3: a later poll with "
        "UIDL); headers-first (POP3: TOP, then RETR of small messages)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print JSON: client_bytes, server_bytes, server_counts, lines, ...",
    )
    p.add_argument("--full", action="store_true", help="show every payload line in text form")
    p.set_defaults(run=run_transcript)
