"""FETCH data items (RFC 9051 §6.4.5, §7.5.2): parsing the request and writing the response.

Message content always goes out as a literal whose payload is a *reference* into the message
(``Outbox.write_payload``), so the simulation counts header/body/attachment octets without
rendering them.  Only HEADER.FIELDS (a few header lines) and BINARY (a decoded part, which the
simulation never asks for) build bytes.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass
from functools import lru_cache

from ..message import Entity, Message
from ..outbox import Outbox
from ..store import StoredMessage
from . import formatting as fmt
from .parser import ParseError, Reader

MAX_FETCH_ITEMS = 64


class FetchKind(enum.Enum):
    FLAGS = "FLAGS"
    UID = "UID"
    RFC822_SIZE = "RFC822.SIZE"
    INTERNALDATE = "INTERNALDATE"
    ENVELOPE = "ENVELOPE"
    BODYSTRUCTURE = "BODYSTRUCTURE"
    BODY = "BODY"  # the non-extensible structure
    SECTION = "BODY[]"  # BODY[...] / BODY.PEEK[...]
    RFC822 = "RFC822"
    RFC822_HEADER = "RFC822.HEADER"
    RFC822_TEXT = "RFC822.TEXT"
    MODSEQ = "MODSEQ"  # CONDSTORE (RFC 7162 §3.1.4)
    BINARY = "BINARY[]"  # BINARY[...] / BINARY.PEEK[...]: a part with its transfer encoding undone
    BINARY_SIZE = "BINARY.SIZE[]"  # the decoded size of a part


class SectionText(enum.Enum):
    HEADER = "HEADER"
    HEADER_FIELDS = "HEADER.FIELDS"
    HEADER_FIELDS_NOT = "HEADER.FIELDS.NOT"
    TEXT = "TEXT"
    MIME = "MIME"


@dataclass(frozen=True)
class Section:
    """``[1.2.HEADER.FIELDS (From To)]``: a part path, an optional text specifier, field names."""

    part: tuple[int, ...] = ()
    text: SectionText | None = None
    fields: tuple[str, ...] = ()

    def spec(self) -> bytes:
        pieces = [".".join(map(str, self.part))] if self.part else []
        if self.text is not None:
            pieces.append(self.text.value)
        out = ".".join(pieces).encode("ascii")
        if self.fields:
            out += b" (" + b" ".join(fmt.astring(f) for f in self.fields) + b")"
        return out


@dataclass(frozen=True)
class FetchItem:
    kind: FetchKind
    section: Section | None = None
    peek: bool = False
    partial: tuple[int, int] | None = None  # (origin, count)

    @property
    def sets_seen(self) -> bool:
        return (
            self.kind in (FetchKind.SECTION, FetchKind.BINARY) and not self.peek
        ) or self.kind in (FetchKind.RFC822, FetchKind.RFC822_TEXT)


_MACROS = {
    "ALL": (FetchKind.FLAGS, FetchKind.INTERNALDATE, FetchKind.RFC822_SIZE, FetchKind.ENVELOPE),
    "FAST": (FetchKind.FLAGS, FetchKind.INTERNALDATE, FetchKind.RFC822_SIZE),
    "FULL": (
        FetchKind.FLAGS,
        FetchKind.INTERNALDATE,
        FetchKind.RFC822_SIZE,
        FetchKind.ENVELOPE,
        FetchKind.BODY,
    ),
}
_SIMPLE = {
    k.value: k
    for k in FetchKind
    if k not in (FetchKind.SECTION, FetchKind.BINARY, FetchKind.BINARY_SIZE)
}
_NAME = re.compile(rb"[A-Za-z0-9.]+")


def parse_fetch_items(reader: Reader) -> list[FetchItem]:
    """``ALL`` / ``FAST`` / ``FULL`` / one item / ``(item item ...)`` to the end of the command."""
    if reader.accept(b"("):
        items = [_item(reader)]
        while not reader.accept(b")"):
            reader.sp()
            items.append(_item(reader))
            if len(items) > MAX_FETCH_ITEMS:
                raise ParseError(f"more than {MAX_FETCH_ITEMS} fetch items")
        return items
    m = _NAME.match(reader.text, reader.pos)
    if (
        m
        and m.group(0).upper().decode() in _MACROS
        and (m.end() == len(reader.text) or reader.text[m.end()] == 0x20)
    ):
        reader.pos = m.end()
        return [FetchItem(k) for k in _MACROS[m.group(0).upper().decode()]]
    return [_item(reader)]


def _item(reader: Reader) -> FetchItem:
    m = _NAME.match(reader.text, reader.pos)
    if not m:
        raise ParseError(f"expected a fetch item at octet {reader.pos}")
    name = m.group(0).upper().decode()
    reader.pos = m.end()
    binary = name in ("BINARY", "BINARY.PEEK", "BINARY.SIZE")
    if binary and reader.peek() != ord("["):
        raise ParseError(f"{name} needs a [part] section")
    if (binary or name in ("BODY", "BODY.PEEK")) and reader.peek() == ord("["):
        section = _section(reader)
        if binary and section.text is not None:  # section-binary is part numbers only (§9)
            raise ParseError(f"{name}[] takes part numbers only, not {section.text.value}")
        partial = None
        if name != "BINARY.SIZE" and reader.accept(b"<"):
            origin = reader.number(what="a partial origin")
            reader.expect(b".")
            count = reader.number(nonzero=True, what="a partial length")
            reader.expect(b">")
            partial = (origin, count)
        kind = (
            FetchKind.SECTION
            if not binary
            else (FetchKind.BINARY_SIZE if name == "BINARY.SIZE" else FetchKind.BINARY)
        )
        return FetchItem(kind, section, peek=name.endswith(".PEEK"), partial=partial)
    simple = _SIMPLE.get(name)
    if simple is None:
        raise ParseError(f"unknown fetch item {name[:30]!r}")
    return FetchItem(simple)


def _section(reader: Reader) -> Section:
    reader.expect(b"[")
    if reader.accept(b"]"):
        return Section()
    part: list[int] = []
    while reader.peek() is not None and 0x30 <= reader.peek() <= 0x39:  # type: ignore[operator]
        part.append(reader.number(nonzero=True, what="a part number"))
        if len(part) > 32:
            raise ParseError("part path deeper than 32")
        if not reader.accept(b"."):
            reader.expect(b"]")
            return Section(tuple(part))
    m = _NAME.match(reader.text, reader.pos)
    word = m.group(0).upper().decode() if m else ""
    reader.pos = m.end() if m else reader.pos
    try:
        text = SectionText(word)
    except ValueError:
        raise ParseError(f"unknown section text {word[:30]!r}") from None
    if text is SectionText.MIME and not part:
        raise ParseError("MIME needs a part number")
    fields: list[str] = []
    if text in (SectionText.HEADER_FIELDS, SectionText.HEADER_FIELDS_NOT):
        reader.sp()
        reader.expect(b"(")
        fields.append(reader.astring())
        while not reader.accept(b")"):
            reader.sp()
            fields.append(reader.astring())
            if len(fields) > 256:
                raise ParseError("more than 256 header field names")
    reader.expect(b"]")
    return Section(tuple(part), text, tuple(fields))


@dataclass(frozen=True)
class FetchModifiers:
    """``(CHANGEDSINCE n [VANISHED])`` after the items (RFC 7162 §3.1.4.1, §3.2.6)."""

    changed_since: int | None = None
    vanished: bool = False


def parse_fetch_modifiers(reader: Reader) -> FetchModifiers:
    if not reader.accept(b" ("):
        return FetchModifiers()
    changed: int | None = None
    vanished = False
    while True:
        word = reader.atom("a fetch modifier").upper()
        if word == "CHANGEDSINCE":
            reader.sp()
            changed = reader.number(what="a mod-sequence")
        elif word == "VANISHED":
            vanished = True
        else:
            raise ParseError(f"unknown fetch modifier {word[:30]!r}")
        if reader.accept(b")"):
            break
        reader.sp()
    if vanished and changed is None:
        raise ParseError("VANISHED needs CHANGEDSINCE")
    return FetchModifiers(changed, vanished)


# -- response writing -----------------------------------------------------------------------------


def write_fetch(
    out: Outbox,
    seq: int,
    stored: StoredMessage,
    items: list[FetchItem],
    *,
    add_uid: bool,
    add_flags: bool,
    add_modseq: bool = False,
) -> None:
    """``* seq FETCH (...)`` for one message, items in the order asked (UID first if implied)."""
    out.write(b"* %d FETCH (" % seq)
    first = True
    kinds = {i.kind for i in items}
    if add_uid and FetchKind.UID not in kinds:
        out.write(b"UID %d" % stored.uid)
        first = False
    for item in items:
        if not first:
            out.write(b" ")
        first = False
        _write_item(out, stored, item)
    if add_flags and FetchKind.FLAGS not in kinds:
        out.write((b" " if not first else b"") + b"FLAGS " + fmt.flag_list(stored.flags))
        first = False
    if add_modseq and FetchKind.MODSEQ not in kinds:
        out.write((b" " if not first else b"") + b"MODSEQ (%d)" % stored.modseq)
    out.write(b")\r\n")


def _write_item(out: Outbox, stored: StoredMessage, item: FetchItem) -> None:
    msg = stored.message
    k = item.kind
    if k is FetchKind.FLAGS:
        out.write(b"FLAGS " + fmt.flag_list(stored.flags))
    elif k is FetchKind.UID:
        out.write(b"UID %d" % stored.uid)
    elif k is FetchKind.MODSEQ:
        out.write(b"MODSEQ (%d)" % stored.modseq)
    elif k is FetchKind.RFC822_SIZE:
        out.write(b"RFC822.SIZE %d" % msg.size)
    elif k is FetchKind.INTERNALDATE:
        out.write(b"INTERNALDATE " + fmt.internal_date(msg.internal_date))
    elif k is FetchKind.ENVELOPE:
        out.write(b"ENVELOPE " + _envelope(msg.root))
    elif k is FetchKind.BODYSTRUCTURE:
        out.write(b"BODYSTRUCTURE " + _structure(msg.root, True))
    elif k is FetchKind.BODY:
        out.write(b"BODY " + _structure(msg.root, False))
    elif k is FetchKind.RFC822:
        out.write(b"RFC822 ")
        _literal(out, msg, 0, msg.size, None)
    elif k is FetchKind.RFC822_HEADER:
        out.write(b"RFC822.HEADER ")
        _literal(out, msg, 0, msg.header_size, None)
    elif k is FetchKind.RFC822_TEXT:
        out.write(b"RFC822.TEXT ")
        _literal(out, msg, msg.header_size, msg.body_size, None)
    elif k is FetchKind.BINARY or k is FetchKind.BINARY_SIZE:
        assert item.section is not None
        _write_binary(out, msg, item)
    else:
        assert item.section is not None
        name = b"BODY[" + item.section.spec() + b"]"
        if item.partial is not None:
            name += b"<%d>" % item.partial[0]
        out.write(name + b" ")
        located = locate(msg, item.section)
        if located is None:
            out.write(fmt.NIL)
        else:
            source, start, length = located
            _literal(out, source, start, length, item.partial)


class UnknownEncoding(Exception):
    """A part's Content-Transfer-Encoding this server cannot undo: NO [UNKNOWN-CTE]."""


_IDENTITY = ("", "7BIT", "8BIT", "BINARY")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


def binary_content(msg: Message, part: tuple[int, ...]) -> bytes | None:
    """A part's content with its transfer encoding undone (RFC 9051 §6.4.5 BINARY); the whole
    message, as it is, for ``[]``; None if there is no such part.  A multipart or message part
    has an identity encoding (RFC 2045 §6.4), so its body comes back unchanged."""
    if not part:
        return msg.render()
    try:
        ent = msg.part(part)
    except KeyError:
        return None
    body = ent.body_bytes()
    cte = (ent.field("Content-Transfer-Encoding") or "").strip().upper()
    if cte in _IDENTITY:
        return body
    if cte == "BASE64":  # leniently, as mail servers do: line ends skipped, damage tolerated
        clean = _NOT_BASE64.sub(b"", body)
        if len(clean) % 4 == 1:
            clean = clean[:-1]  # a lone sixth of an octet cannot be decoded
        return base64.b64decode(clean + b"=" * (-len(clean) % 4))
    if cte == "QUOTED-PRINTABLE":
        return binascii.a2b_qp(body)
    raise UnknownEncoding(cte)


def check_binary(msg: Message, items: list[FetchItem]) -> None:
    """Raise :class:`UnknownEncoding` before any of the FETCH response is written."""
    for item in items:
        if item.kind in (FetchKind.BINARY, FetchKind.BINARY_SIZE):
            assert item.section is not None
            binary_content(msg, item.section.part)


def _write_binary(out: Outbox, msg: Message, item: FetchItem) -> None:
    """``BINARY[1]<0> {n}`` (``~{n}``, a literal8, when the octets hold a NUL) or
    ``BINARY.SIZE[1] n``; a missing part is NIL.  The decoded octets are built here and counted
    as framing: the simulation's clients never ask for BINARY, so no payload kind is lost."""
    assert item.section is not None
    spec = item.section.spec()
    data = binary_content(msg, item.section.part)
    if item.kind is FetchKind.BINARY_SIZE:
        out.write(b"BINARY.SIZE[" + spec + b"] " + (fmt.NIL if data is None else b"%d" % len(data)))
        return
    name = b"BINARY[" + spec + b"]"
    if item.partial is not None:
        name += b"<%d>" % item.partial[0]
    if data is None:
        out.write(name + b" " + fmt.NIL)
        return
    if item.partial is not None:
        origin, count = item.partial
        data = data[origin : origin + count]
    out.write(name + (b" ~{%d}\r\n" if b"\x00" in data else b" {%d}\r\n") % len(data))
    out.write(data)


@lru_cache(maxsize=8192)
def _envelope(root: Entity) -> bytes:
    """Messages are immutable, so a client's repeated syncs reuse the formatted envelope."""
    return fmt.envelope(root)


@lru_cache(maxsize=8192)
def _structure(root: Entity, extensible: bool) -> bytes:
    return fmt.body_structure(root, extensible=extensible)


def _literal(
    out: Outbox, msg: Message, start: int, length: int, partial: tuple[int, int] | None
) -> None:
    if partial is not None:
        origin, count = partial
        if origin >= length:
            start, length = start + length, 0
        else:
            start, length = start + origin, min(count, length - origin)
    out.write(b"{%d}\r\n" % length)
    if length:
        out.write_payload(msg, start, length)


def locate(msg: Message, section: Section) -> tuple[Message, int, int] | None:
    """Where a section's octets lie: (message to slice, start, length), or None if absent."""
    if not section.part:
        return _text_of(msg, msg.root, 0, section)
    try:
        ent = msg.part(section.part)
    except KeyError:
        return None
    offset = msg.offset_of(ent)
    if section.text is None:
        return msg, offset + ent.header_size, ent.body_size
    if section.text is SectionText.MIME:
        return msg, offset, ent.header_size
    if ent.content_type[:2] != ("message", "rfc822"):
        return None
    inner = Message.from_bytes(ent.body_bytes(), msg.internal_date)
    return _text_of(inner, inner.root, 0, section)


def _text_of(msg: Message, ent: Entity, offset: int, section: Section) -> tuple[Message, int, int]:
    text = section.text
    if text is None:
        return msg, offset, ent.size
    if text is SectionText.HEADER:
        return msg, offset, ent.header_size
    if text is SectionText.TEXT:
        return msg, offset + ent.header_size, ent.body_size
    wanted = {f.lower() for f in section.fields}
    keep = text is SectionText.HEADER_FIELDS
    chosen = tuple(f for f in ent.fields if (f.partition(":")[0].strip().lower() in wanted) == keep)
    subset = Message(Entity(chosen, b""), msg.internal_date)
    return subset, 0, subset.size
