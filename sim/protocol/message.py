"""Messages as structure and size, with exact bytes on demand.

Theory of operation
-------------------
The simulation moves millions of messages but never needs their bytes: it needs their sizes, their
MIME structure and where in the byte stream the headers, bodies and attachments lie.  A message is
therefore a tree of :class:`Entity` nodes whose leaves hold either concrete ``bytes`` or a
:class:`Filler` -- a recipe (kind, size, seed) for deterministic content of an exactly known length
and line structure.  Every size is computed arithmetically; :meth:`Message.render` materialises the
exact bytes (CRLF line ends) only when a real client, a test or an export needs them, and
``len(message.render()) == message.size`` always holds.

Rendering rules (RFC 5322 / RFC 2046):
* an entity is its header fields, each followed by CRLF, then an empty line (CRLF), then its body;
* a multipart body is ``preamble``, then for each part ``--boundary CRLF part``, each part followed by
  ``CRLF`` (the CRLF that belongs to the next delimiter), then ``--boundary-- CRLF`` and ``epilogue``.

Offsets into the rendered message are exposed as regions tagged HEADER, BODY or ATTACHMENT so that any
slice the protocols send (a POP3 RETR, an IMAP ``BODY[2]<0.65536>``) can be split into those byte
categories without building it.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from threading import Lock

CRLF = b"\r\n"
_LINE_END = re.compile(rb"\r\n|\r|\n")


def crlf_line_ends(data: bytes) -> bytes:
    """``data`` with every line end CRLF: a bare LF or a bare CR becomes CRLF (as Dovecot stores
    APPENDed mail).  RFC 5322 lines end CRLF; a bare-LF message has no header/body split, so IMAP
    would see an empty ENVELOPE and POP3 would send lines a client could not frame."""
    return _LINE_END.sub(CRLF, data)


def line_split(data: bytes) -> list[bytes]:
    """Lines of ``data`` without their ends, whichever end each has (CRLF, LF or CR)."""
    lines = _LINE_END.split(data)
    if lines and lines[-1] == b"":
        lines.pop()  # data ended with a line end
    return lines


TEXT_LINE = 72  # characters of filler text per line (before CRLF)
B64_LINE = 76  # RFC 2045 §6.8: encoded lines are at most 76 characters


class ByteKind(enum.Enum):
    """What a byte on the wire carries; the bandwidth metric is split along these."""

    FRAMING = "framing"
    HEADER = "header"
    BODY = "body"
    ATTACHMENT = "attachment"


class FillerKind(enum.Enum):
    TEXT = "text"
    BASE64 = "base64"


def _stream(seed: int) -> Iterator[int]:
    """Deterministic pseudo-random 64-bit words (SplitMix64); no global or library RNG involved."""
    state = seed & 0xFFFFFFFFFFFFFFFF
    while True:
        state = (state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        yield z ^ (z >> 31)


_WORDS = (
    "mail",
    "server",
    "client",
    "folder",
    "message",
    "inbox",
    "sync",
    "device",
    "phone",
    "laptop",
    "desktop",
    "network",
    "meeting",
    "report",
    "budget",
    "project",
    "schedule",
    "invoice",
    "travel",
    "photo",
    "lunch",
    "review",
    "draft",
    "notes",
    "agenda",
    "update",
    "question",
    "answer",
    "please",
    "thanks",
    "tomorrow",
    "today",
    "week",
    "month",
    "plan",
    "team",
    "office",
    "home",
    "family",
    "weekend",
    "holiday",
    "ticket",
    "order",
    "delivery",
    "account",
    "password",
    "backup",
    "archive",
    "protocol",
    "offline",
)
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@dataclass(frozen=True)
class Filler:
    """Virtual content of exact size: plain text lines, or base64 of ``decoded_size`` random octets.

    For TEXT, ``size`` is the encoded size and must be 0 or at least 2 (a body ends with CRLF).
    For BASE64, give ``decoded_size``; the encoded size follows RFC 2045 (76-character lines).
    ``lead`` is text placed at the start of a TEXT filler (searchable words), counted in ``size``.
    """

    kind: FillerKind
    size: int = 0
    decoded_size: int = 0
    seed: int = 0
    lead: str = ""

    def __post_init__(self) -> None:
        if self.kind is FillerKind.TEXT:
            if self.size < 0 or self.size == 1:
                raise ValueError(f"Filler size={self.size}: allowed 0 or >= 2 octets")
            if self.lead and self.size < len(self._lead_bytes):
                raise ValueError(
                    f"Filler size={self.size}: must be >= {len(self._lead_bytes)} to hold lead text"
                )
            if "\r" in self.lead or "\n" in self.lead or self.lead.startswith("."):
                raise ValueError("Filler lead must be one line that does not start with '.'")
        else:
            if self.decoded_size < 0:
                raise ValueError(f"Filler decoded_size={self.decoded_size}: allowed >= 0")
            chars = 4 * -(-self.decoded_size // 3)
            lines = -(-chars // B64_LINE)
            object.__setattr__(self, "size", chars + 2 * lines)

    @property
    def _lead_bytes(self) -> bytes:
        """The lead line.  When exactly one octet would be left after it -- too few for a line
        of its own (a character and CRLF) -- the lead line ends with a full stop instead."""
        if not self.lead:
            return b""
        stop = b"." if self.size - len(self.lead) - 2 == 1 else b""
        return self.lead.encode("ascii") + stop + CRLF

    def line_sizes(self) -> Iterator[int]:
        """Octets of each line including its CRLF, without rendering."""
        if self.kind is FillerKind.BASE64:
            chars = self.size - 2 * (-(-(self.size) // (B64_LINE + 2)))
            full, rem = divmod(chars, B64_LINE)
            for _ in range(full):
                yield B64_LINE + 2
            if rem:
                yield rem + 2
            return
        lead = len(self._lead_bytes)
        if lead:
            yield lead
        yield from _text_line_sizes(self.size - lead)

    @property
    def lines(self) -> int:
        return sum(1 for _ in self.line_sizes())

    def render(self) -> bytes:
        return _RENDERED.get(self)

    def _generate(self) -> bytes:
        words = _stream(self.seed)
        out = bytearray()
        if self.kind is FillerKind.BASE64:
            for n in self.line_sizes():
                chunk = bytearray()
                while len(chunk) < n - 2:
                    w = next(words)
                    for _ in range(10):
                        chunk.append(_B64[w & 63])
                        w >>= 6
                chunk = chunk[: n - 2]
                out += chunk + CRLF
            return _pad_base64(bytes(out), self.decoded_size)
        out += self._lead_bytes
        for n in _text_line_sizes(self.size - len(self._lead_bytes)):
            out += _text_line(words, n - 2) + CRLF
        return bytes(out)


class _RenderCache:
    """Generated filler bytes, kept up to a budget of octets (oldest dropped first): a SEARCH
    BODY/TEXT reads every text part of a mailbox, and generating them costs about a millisecond
    per message, far more than the search itself.  Fillers larger than ``largest`` are not kept,
    so fetching big attachments does not push out the text bodies.  Thread-safe: the live server
    runs engines of different accounts in worker threads."""

    def __init__(self, budget: int, largest: int) -> None:
        self.budget = budget
        self.largest = largest
        self.octets = 0
        self._data: dict[Filler, bytes] = {}
        self._lock = Lock()

    def get(self, filler: Filler) -> bytes:
        with self._lock:
            data = self._data.get(filler)
        if data is not None:
            return data
        data = filler._generate()
        with self._lock:
            if filler not in self._data and len(data) <= self.largest:
                self._data[filler] = data
                self.octets += len(data)
                while self.octets > self.budget:
                    self.octets -= len(self._data.pop(next(iter(self._data))))
        return data


_RENDERED = _RenderCache(budget=64 << 20, largest=256 << 10)


def _text_line_sizes(size: int) -> Iterator[int]:
    """Split ``size`` octets into lines of TEXT_LINE+2 octets; every line is at least 3 octets
    (one character and CRLF) except a lone empty line of 2 octets."""
    if size <= 0:
        return
    if size == 2:
        yield 2
        return
    full, rem = divmod(size, TEXT_LINE + 2)
    if rem == 0:
        yield from (TEXT_LINE + 2 for _ in range(full))
    elif rem >= 3:
        yield from (TEXT_LINE + 2 for _ in range(full))
        yield rem
    else:  # rem is 1 or 2: borrow from the last full line so no line is shorter than 3 octets
        yield from (TEXT_LINE + 2 for _ in range(full - 1))
        yield TEXT_LINE + 2 + rem - 3
        yield 3


def _text_line(words: Iterator[int], n: int) -> bytes:
    """``n`` characters of word salad that never starts with '.', so it never needs POP3 stuffing."""
    parts: list[str] = []
    length = 0
    while length < n:
        w = _WORDS[next(words) % len(_WORDS)]
        parts.append(w)
        length += len(w) + (1 if len(parts) > 1 else 0)
    line = " ".join(parts)[:n]
    if line.endswith(" "):
        line = line[:-1] + "s"
    return line.encode("ascii")


def _pad_base64(encoded: bytes, decoded_size: int) -> bytes:
    """Make the final group valid base64 for ``decoded_size`` octets ('=' padding)."""
    pad = (3 - decoded_size % 3) % 3
    if not pad or not encoded:
        return encoded
    body = bytearray(encoded[:-2])  # strip final CRLF
    body[-pad:] = b"=" * pad
    if pad == 2:  # the last significant char must encode only the top bits
        body[-3] = _B64[_B64.index(body[-3]) & 0b110000]
    else:
        body[-2] = _B64[_B64.index(body[-2]) & 0b111100]
    return bytes(body) + CRLF


Body = bytes | Filler | tuple["Entity", ...]


@dataclass(frozen=True)
class Entity:
    """A MIME entity: header field lines (without their CRLF; folded lines keep inner CRLF+WSP)
    and a body that is bytes, a Filler, or (for multipart) a tuple of entities."""

    fields: tuple[str, ...]
    body: Body
    boundary: str | None = None
    preamble: bytes = b""
    epilogue: bytes = b""

    def __post_init__(self) -> None:
        if isinstance(self.body, tuple) and not self.boundary:
            raise ValueError("a multipart Entity needs a boundary")

    @property
    def is_multipart(self) -> bool:
        return isinstance(self.body, tuple)

    @property
    def parts(self) -> tuple[Entity, ...]:
        return self.body if isinstance(self.body, tuple) else ()

    @cached_property
    def header_size(self) -> int:
        # octets, not characters: UTF-8 headers and raw 8-bit bytes (kept as surrogates) count right
        return sum(len(f.encode("utf-8", "surrogateescape")) + 2 for f in self.fields) + 2

    def header_bytes(self) -> bytes:
        return "".join(f + "\r\n" for f in self.fields).encode("utf-8", "surrogateescape") + CRLF

    @cached_property
    def body_size(self) -> int:
        b = self.body
        if isinstance(b, bytes):
            return len(b)
        if isinstance(b, Filler):
            return b.size
        delim = len(self.boundary or "") + 4  # "--" boundary CRLF
        total = len(self.preamble) + len(self.epilogue)
        for part in b:
            total += delim + part.size + 2
        return total + delim + 2  # "--" boundary "--" CRLF

    @property
    def size(self) -> int:
        return self.header_size + self.body_size

    def body_bytes(self) -> bytes:
        b = self.body
        if isinstance(b, bytes):
            return b
        if isinstance(b, Filler):
            return b.render()
        bnd = (self.boundary or "").encode("ascii")
        out = bytearray(self.preamble)
        for part in b:
            out += b"--" + bnd + CRLF + part.render() + CRLF
        out += b"--" + bnd + b"--" + CRLF + self.epilogue
        return bytes(out)

    def render(self) -> bytes:
        return self.header_bytes() + self.body_bytes()

    # -- header access ------------------------------------------------------------------------
    def field(self, name: str) -> str | None:
        """The unfolded value of the first field called ``name`` (case-insensitive), or None."""
        key = name.lower()
        for f in self.fields:
            head, sep, value = f.partition(":")
            if sep and head.strip().lower() == key:
                return " ".join(value.replace("\r\n", " ").split())
        return None

    @cached_property
    def content_type(self) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        """(type, subtype, params) lower-cased, defaulting to text/plain; charset=us-ascii."""
        raw = self.field("Content-Type")
        if not raw:
            return ("text", "plain", (("charset", "us-ascii"),))
        main, params = _split_params(raw)
        typ, _, sub = main.partition("/")
        return (typ.strip().lower() or "text", sub.strip().lower() or "plain", params)

    @property
    def encoding(self) -> str:
        return (self.field("Content-Transfer-Encoding") or "7bit").strip().lower()

    @property
    def disposition(self) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        raw = self.field("Content-Disposition")
        if not raw:
            return None
        main, params = _split_params(raw)
        return (main.strip().lower(), params)

    @property
    def is_attachment(self) -> bool:
        disp = self.disposition
        if disp and disp[0] == "attachment":
            return True
        return self.content_type[0] not in ("text", "multipart", "message")

    def body_line_sizes(self) -> Iterator[int]:
        """Line lengths (with CRLF) of the rendered body; a final unterminated piece counts too."""
        b = self.body
        if isinstance(b, Filler):
            yield from b.line_sizes()
        elif isinstance(b, bytes):
            yield from _split_line_sizes(b)
        else:
            bnd = len(self.boundary or "")
            yield from _split_line_sizes(self.preamble)
            for part in b:
                yield bnd + 4
                yield from (n for n in _split_line_sizes(part.header_bytes()))
                yield from _part_line_sizes(part)
            yield bnd + 6
            yield from _split_line_sizes(self.epilogue)

    def body_lines(self) -> int:
        return sum(1 for _ in self.body_line_sizes())


def _part_line_sizes(part: Entity) -> Iterator[int]:
    """Line sizes of a part's body plus the CRLF that the following delimiter contributes."""
    if _has_concrete_bytes(part):
        yield from _split_line_sizes(part.body_bytes() + CRLF)
        return
    yield from part.body_line_sizes()
    yield 2  # generated bodies end with CRLF, so the delimiter's CRLF is an empty line


def _split_line_sizes(data: bytes) -> Iterator[int]:
    start = 0
    while start < len(data):
        end = data.find(CRLF, start)
        if end < 0:
            yield len(data) - start
            return
        yield end + 2 - start
        start = end + 2


def _split_params(raw: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    pieces = _split_semicolons(raw)
    params: list[tuple[str, str]] = []
    for piece in pieces[1:]:
        name, sep, value = piece.partition("=")
        if not sep:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params.append((name.strip().lower(), value))
    return pieces[0].strip(), tuple(params)


def _split_semicolons(raw: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in raw:
        if ch == '"':
            quoted = not quoted
        if ch == ";" and not quoted:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


@dataclass(frozen=True)
class Region:
    """A half-open byte range ``[start, end)`` of the rendered message and what it carries."""

    start: int
    end: int
    kind: ByteKind


@dataclass(frozen=True)
class Message:
    """A whole message: a root entity (whose header is the RFC 5322 header) plus its arrival time."""

    root: Entity
    internal_date: datetime = field(default=datetime(2026, 1, 1, tzinfo=UTC))

    @property
    def size(self) -> int:
        """Octets with CRLF line ends, unstuffed: RFC 1939 LIST/STAT and IMAP RFC822.SIZE."""
        return self.root.size

    @property
    def header_size(self) -> int:
        return self.root.header_size

    @property
    def body_size(self) -> int:
        return self.root.body_size

    def header_bytes(self) -> bytes:
        return self.root.header_bytes()

    def body_bytes(self) -> bytes:
        return self.root.body_bytes()

    def render(self) -> bytes:
        return self.root.render()

    def field(self, name: str) -> str | None:
        return self.root.field(name)

    @property
    def dot_lines(self) -> int:
        """Lines starting with '.', each costing one stuffing octet in a POP3 multi-line reply."""
        return self._dot_lines

    @cached_property
    def _dot_lines(self) -> int:
        if _has_concrete_bytes(self.root):
            data = self.render()
            # a final unterminated "." line is stuffed too (the engine then adds CRLF . CRLF)
            return int(data.startswith(b".")) + data.count(b"\r\n.")
        return 0  # fillers and generated headers never start a line with '.'

    @cached_property
    def pop3_clean(self) -> bool:
        """True when the rendered bytes can go into a POP3 multi-line reply as they are: CRLF line
        ends only, no line starting with '.', and a final CRLF (generated content always is)."""
        if not _has_concrete_bytes(self.root):
            return True
        data = self.render()
        crlf = data.count(CRLF)
        return (
            self.dot_lines == 0
            and data.count(b"\r") == crlf == data.count(b"\n")
            and (not data or data.endswith(CRLF))
        )

    def top_size(self, lines: int) -> int:
        """Octets of the header, the blank line and the first ``lines`` body lines (POP3 TOP)."""
        if lines < 0:
            raise ValueError(f"lines={lines}: allowed >= 0")
        total = self.header_size
        for i, n in enumerate(self.root.body_line_sizes()):
            if i >= lines:
                break
            total += n
        return total

    def top(self, lines: int) -> bytes:
        data = self.render()
        return data[: self.top_size(lines)]

    @cached_property
    def regions(self) -> tuple[Region, ...]:
        """Byte ranges of the rendered message tagged HEADER, BODY or ATTACHMENT."""
        out: list[Region] = []
        _regions(self.root, 0, out, top=True)
        return tuple(_coalesce(out))

    def kind_sizes(self, start: int = 0, length: int | None = None) -> dict[ByteKind, int]:
        """How many octets of ``render()[start:start+length]`` are header, body or attachment."""
        end = self.size if length is None else min(self.size, start + length)
        counts = {ByteKind.HEADER: 0, ByteKind.BODY: 0, ByteKind.ATTACHMENT: 0}
        for r in self.regions:
            lo, hi = max(r.start, start), min(r.end, end)
            if hi > lo:
                counts[r.kind] += hi - lo
        return counts

    # -- sections (IMAP part numbers) -----------------------------------------------------------
    def part(self, path: Sequence[int]) -> Entity:
        """The entity at an IMAP part path (1-based); ``[]`` is the root. Raises KeyError if absent.

        For a non-multipart entity, part 1 is the entity itself (RFC 9051 §6.4.5)."""
        ent = self.root
        for i, n in enumerate(path):
            if ent.is_multipart:
                if not 1 <= n <= len(ent.parts):
                    raise KeyError(f"no part {'.'.join(map(str, path[: i + 1]))}")
                ent = ent.parts[n - 1]
            elif (n == 1 and i == len(path) - 1) or (n == 1 and _is_message_rfc822(ent)):
                continue
            else:
                raise KeyError(f"no part {'.'.join(map(str, path[: i + 1]))}")
        return ent

    def offset_of(self, ent: Entity) -> int:
        """Offset of ``ent`` (its header) in the rendered message."""
        found = _find_offset(self.root, ent, 0)
        if found is None:
            raise KeyError("entity is not part of this message")
        return found

    @classmethod
    def from_bytes(cls, data: bytes, internal_date: datetime | None = None) -> Message:
        """Parse concrete bytes into a tree that renders back to exactly ``data``."""
        msg = cls(_parse_entity(data), internal_date or datetime(2026, 1, 1, tzinfo=UTC))
        if msg.render() != data:  # not representable as a tree: keep it whole, still exact
            header, body = _split_header(data)
            if header is None:
                msg = cls(Entity((), data), msg.internal_date)
            else:
                msg = cls(Entity(header, body), msg.internal_date)
            if msg.render() != data:
                msg = cls(_RawEntity((), data), msg.internal_date)
        return msg


class _RawEntity(Entity):
    """Bytes that do not even split into a header and a body: served whole as a 'body'."""

    @cached_property
    def header_size(self) -> int:
        return 0

    def header_bytes(self) -> bytes:
        return b""


def _has_concrete_bytes(ent: Entity) -> bool:
    if isinstance(ent.body, bytes):
        return True
    if ent.preamble or ent.epilogue:
        return True
    return any(_has_concrete_bytes(p) for p in ent.parts)


def _is_message_rfc822(ent: Entity) -> bool:
    return ent.content_type[:2] == ("message", "rfc822")


def _regions(ent: Entity, offset: int, out: list[Region], top: bool) -> None:
    out.append(Region(offset, offset + ent.header_size, ByteKind.HEADER if top else ByteKind.BODY))
    pos = offset + ent.header_size
    if not ent.is_multipart:
        kind = ByteKind.ATTACHMENT if (ent.is_attachment and not top) else ByteKind.BODY
        if top and ent.is_attachment:
            kind = ByteKind.ATTACHMENT
        out.append(Region(pos, pos + ent.body_size, kind))
        return
    delim = len(ent.boundary or "") + 4
    out.append(Region(pos, pos + len(ent.preamble), ByteKind.BODY))
    pos += len(ent.preamble)
    for part in ent.parts:
        out.append(Region(pos, pos + delim, ByteKind.BODY))
        pos += delim
        if part.is_attachment and not part.is_multipart:
            out.append(Region(pos, pos + part.size, ByteKind.ATTACHMENT))
        else:
            _regions(part, pos, out, top=False)
        pos += part.size
        out.append(Region(pos, pos + 2, ByteKind.BODY))
        pos += 2
    out.append(Region(pos, pos + delim + 2 + len(ent.epilogue), ByteKind.BODY))


def _coalesce(regions: list[Region]) -> list[Region]:
    out: list[Region] = []
    for r in regions:
        if r.end <= r.start:
            continue
        if out and out[-1].kind is r.kind and out[-1].end == r.start:
            out[-1] = Region(out[-1].start, r.end, r.kind)
        else:
            out.append(r)
    return out


def _find_offset(ent: Entity, target: Entity, offset: int) -> int | None:
    if ent is target:
        return offset
    pos = offset + ent.header_size + len(ent.preamble)
    delim = len(ent.boundary or "") + 4
    for part in ent.parts:
        pos += delim
        found = _find_offset(part, target, pos)
        if found is not None:
            return found
        pos += part.size + 2
    return None


def _split_header(data: bytes) -> tuple[tuple[str, ...] | None, bytes]:
    """Split raw bytes at the first empty line into header field lines and body."""
    if data.startswith(CRLF):
        return (), data[2:]
    idx = data.find(b"\r\n\r\n")
    if idx < 0:
        return None, data
    head = data[:idx].decode("utf-8", "surrogateescape")
    lines: list[str] = []
    for line in head.split("\r\n"):
        if line[:1] in (" ", "\t") and lines:
            lines[-1] += "\r\n" + line
        else:
            lines.append(line)
    return tuple(lines), data[idx + 4 :]


def _parse_entity(data: bytes) -> Entity:
    fields, body = _split_header(data)
    if fields is None:
        return Entity((), data)
    probe = Entity(fields, b"")
    typ, _, params = probe.content_type
    boundary = dict(params).get("boundary")
    if typ != "multipart" or not boundary:
        return Entity(fields, body)
    parsed = _parse_multipart(body, boundary)
    if parsed is None:
        return Entity(fields, body)
    preamble, parts, epilogue = parsed
    return Entity(fields, tuple(_parse_entity(p) for p in parts), boundary, preamble, epilogue)


def _parse_multipart(body: bytes, boundary: str) -> tuple[bytes, list[bytes], bytes] | None:
    dash = b"--" + boundary.encode("ascii", "replace")
    opener = dash + CRLF
    closer = dash + b"--" + CRLF
    if body.startswith(opener):
        pre_end = 0
    else:
        idx = body.find(CRLF + opener)
        if idx < 0:
            return None
        pre_end = idx + 2
    preamble = body[:pre_end]
    pos = pre_end + len(opener)
    parts: list[bytes] = []
    while True:
        nxt = body.find(CRLF + dash, pos)
        if nxt < 0:
            return None
        parts.append(body[pos:nxt])
        after = nxt + 2
        if body.startswith(closer, after):
            return preamble, parts, body[after + len(closer) :]
        if body.startswith(opener, after):
            pos = after + len(opener)
            continue
        return None


# -- synthetic messages ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    """An attachment of ``size`` octets before base64 encoding."""

    filename: str
    size: int
    media_type: str = "application/octet-stream"


def synthesize(
    *,
    seed: int,
    sender: str = "Alice Example <alice@example.org>",
    recipient: str = "Bob Example <bob@example.org>",
    subject: str = "Hello",
    date: datetime | None = None,
    text_size: int = 2000,
    attachments: Sequence[Attachment] = (),
    keywords: Sequence[str] = (),
    message_id: str | None = None,
    in_reply_to: str | None = None,
) -> Message:
    """A well-formed RFC 5322/MIME message of exactly known size, built without rendering.

    ``text_size`` is the size of the text/plain body; ``keywords`` are written at its start so that
    a body search can find them.  With attachments the message is multipart/mixed.
    """
    if text_size < 2 and text_size != 0:
        raise ValueError(f"text_size={text_size}: allowed 0 or >= 2 octets")
    if seed < 0:
        raise ValueError(f"seed={seed}: allowed >= 0")
    when = date or datetime(2026, 1, 1, tzinfo=UTC)
    tag = hashlib.sha256(str(seed).encode()).hexdigest()[:16]
    mid = message_id or f"<{tag}@lab.example>"
    lead = " ".join(keywords)
    text = Filler(
        FillerKind.TEXT, size=max(text_size, len(lead) + 2 if lead else 0), seed=seed, lead=lead
    )
    fields = [
        f"Date: {_rfc5322_date(when)}",
        f"From: {sender}",
        f"To: {recipient}",
        f"Subject: {subject}",
        f"Message-ID: {mid}",
    ]
    if in_reply_to:
        fields.append(f"In-Reply-To: {in_reply_to}")
    fields.append("MIME-Version: 1.0")
    text_fields = ("Content-Type: text/plain; charset=us-ascii", "Content-Transfer-Encoding: 7bit")
    if not attachments:
        return Message(Entity(tuple(fields) + text_fields, text), when)
    boundary = f"=_lab_{tag}"
    parts = [Entity(text_fields, text)]
    for i, att in enumerate(attachments):
        if att.size < 0:
            raise ValueError(f"attachment size={att.size}: allowed >= 0")
        parts.append(
            Entity(
                (
                    f'Content-Type: {att.media_type}; name="{att.filename}"',
                    "Content-Transfer-Encoding: base64",
                    f'Content-Disposition: attachment; filename="{att.filename}"',
                ),
                Filler(FillerKind.BASE64, decoded_size=att.size, seed=seed * 131 + i + 1),
            )
        )
    fields.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
    return Message(Entity(tuple(fields), tuple(parts), boundary), when)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _rfc5322_date(when: datetime) -> str:
    when = when.astimezone(UTC)
    return (
        f"{_DAYS[when.weekday()]}, {when.day:02d} {_MONTHS[when.month - 1]} {when.year} "
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} +0000"
    )
