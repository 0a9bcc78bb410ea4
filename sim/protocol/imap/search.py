"""SEARCH criteria (RFC 9051 §6.4.4): parsed into a small tree, then matched message by message.

Text keys (FROM, SUBJECT, BODY, TEXT, HEADER ...) are case-insensitive substring matches.  BODY and
TEXT look at text/* parts only: attachments are base64 of random octets in this lab, and real
servers match decoded text rather than base64 anyway.  Dates compare the calendar day of the
INTERNALDATE (SINCE/BEFORE/ON) or of the Date header (SENTSINCE/SENTBEFORE/SENTON).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from ..message import Entity
from ..store import StoredMessage
from .parser import ParseError, Reader, SequenceSet, parse_rfc5322_date

MAX_DEPTH = 32


class Key(enum.Enum):
    ALL = "ALL"
    ANSWERED = "ANSWERED"
    DELETED = "DELETED"
    DRAFT = "DRAFT"
    FLAGGED = "FLAGGED"
    SEEN = "SEEN"
    UNANSWERED = "UNANSWERED"
    UNDELETED = "UNDELETED"
    UNDRAFT = "UNDRAFT"
    UNFLAGGED = "UNFLAGGED"
    UNSEEN = "UNSEEN"
    NEW = "NEW"
    OLD = "OLD"
    RECENT = "RECENT"
    KEYWORD = "KEYWORD"
    UNKEYWORD = "UNKEYWORD"
    FROM = "FROM"
    TO = "TO"
    CC = "CC"
    BCC = "BCC"
    SUBJECT = "SUBJECT"
    BODY = "BODY"
    TEXT = "TEXT"
    HEADER = "HEADER"
    SINCE = "SINCE"
    BEFORE = "BEFORE"
    ON = "ON"
    SENTSINCE = "SENTSINCE"
    SENTBEFORE = "SENTBEFORE"
    SENTON = "SENTON"
    LARGER = "LARGER"
    SMALLER = "SMALLER"
    UID = "UID"
    NOT = "NOT"
    OR = "OR"
    AND = "AND"  # a parenthesised list
    SEQUENCE = "SEQUENCE"  # a bare sequence set


_FLAG_KEYS = {
    Key.ANSWERED: ("\\Answered", True),
    Key.DELETED: ("\\Deleted", True),
    Key.DRAFT: ("\\Draft", True),
    Key.FLAGGED: ("\\Flagged", True),
    Key.SEEN: ("\\Seen", True),
    Key.UNANSWERED: ("\\Answered", False),
    Key.UNDELETED: ("\\Deleted", False),
    Key.UNDRAFT: ("\\Draft", False),
    Key.UNFLAGGED: ("\\Flagged", False),
    Key.UNSEEN: ("\\Seen", False),
}
_ADDRESS_KEYS = {
    Key.FROM: "From",
    Key.TO: "To",
    Key.CC: "Cc",
    Key.BCC: "Bcc",
    Key.SUBJECT: "Subject",
}
_DATE_KEYS = {Key.SINCE, Key.BEFORE, Key.ON, Key.SENTSINCE, Key.SENTBEFORE, Key.SENTON}


@dataclass(frozen=True)
class Criterion:
    """One search key with its argument(s); AND/OR/NOT hold sub-criteria in ``children``."""

    key: Key
    text: str = ""
    field: str = ""
    number: int = 0
    day: date | None = None
    numbers: SequenceSet | None = None
    children: tuple[Criterion, ...] = ()


def parse_search(reader: Reader) -> Criterion:
    """``[CHARSET x] key *(SP key)`` to the end of the command, as one AND criterion."""
    if reader.accept(b"CHARSET "):
        charset = reader.astring().upper()
        if charset not in ("UTF-8", "US-ASCII"):
            raise UnsupportedCharset(charset)
        reader.sp()
    keys = [_key(reader, 0)]
    while not reader.at_end():
        reader.sp()
        keys.append(_key(reader, 0))
    return keys[0] if len(keys) == 1 else Criterion(Key.AND, children=tuple(keys))


class UnsupportedCharset(Exception):
    """SEARCH CHARSET other than UTF-8/US-ASCII: answered NO [BADCHARSET] (RFC 9051 §6.4.4)."""


def _key(reader: Reader, depth: int) -> Criterion:
    if depth > MAX_DEPTH:
        raise ParseError(f"search keys nested deeper than {MAX_DEPTH}")
    if reader.accept(b"("):
        keys = [_key(reader, depth + 1)]
        while not reader.accept(b")"):
            reader.sp()
            keys.append(_key(reader, depth + 1))
        return Criterion(Key.AND, children=tuple(keys))
    c = reader.peek()
    if c is not None and (0x30 <= c <= 0x39 or c in (ord("*"), ord("$"))):
        return Criterion(Key.SEQUENCE, numbers=reader.sequence_set())
    word = reader.atom("a search key").upper()
    try:
        key = Key(word)
    except ValueError:
        raise ParseError(f"unknown search key {word[:30]!r}") from None
    if key in (Key.AND, Key.SEQUENCE):
        raise ParseError(f"unknown search key {word!r}")
    if key in _FLAG_KEYS or key in (Key.ALL, Key.NEW, Key.OLD, Key.RECENT):
        return Criterion(key)
    reader.sp()
    if key in (Key.KEYWORD, Key.UNKEYWORD):
        return Criterion(key, text=reader.atom("a keyword"))
    if key in _ADDRESS_KEYS or key in (Key.BODY, Key.TEXT):
        return Criterion(key, text=reader.astring())
    if key is Key.HEADER:
        name = reader.astring()
        reader.sp()
        return Criterion(key, field=name, text=reader.astring())
    if key in _DATE_KEYS:
        return Criterion(key, day=reader.search_date())
    if key in (Key.LARGER, Key.SMALLER):
        return Criterion(key, number=reader.number(what="a size"))
    if key is Key.UID:
        return Criterion(key, numbers=reader.sequence_set())
    if key is Key.NOT:
        return Criterion(key, children=(_key(reader, depth + 1),))
    # OR
    first = _key(reader, depth + 1)
    reader.sp()
    return Criterion(key, children=(first, _key(reader, depth + 1)))


@dataclass(frozen=True)
class Candidate:
    """What a criterion is matched against: a message, its sequence number and the largest ones."""

    seq: int
    stored: StoredMessage
    max_seq: int
    max_uid: int
    saved: frozenset[int] = frozenset()  # UIDs of the saved result, for "$"


def matches(c: Criterion, m: Candidate) -> bool:
    key = c.key
    if key is Key.ALL or key is Key.OLD:
        return True
    if key in (Key.NEW, Key.RECENT):
        return False  # \Recent is not kept (deprecated in IMAP4rev2)
    if key in _FLAG_KEYS:
        flag, present = _FLAG_KEYS[key]
        return (flag in m.stored.flags) == present
    if key is Key.KEYWORD:
        return c.text in m.stored.flags
    if key is Key.UNKEYWORD:
        return c.text not in m.stored.flags
    msg = m.stored.message
    if key in _ADDRESS_KEYS:
        return _contains(msg.root.field(_ADDRESS_KEYS[key]), c.text)
    if key is Key.HEADER:
        value = msg.root.field(c.field)
        return value is not None and (not c.text or _contains(value, c.text))
    if key is Key.BODY:
        return _text_contains(msg.root, c.text, headers=False)
    if key is Key.TEXT:
        return _text_contains(msg.root, c.text, headers=True)
    if key in _DATE_KEYS:
        return _date_matches(c, m)
    if key is Key.LARGER:
        return msg.size > c.number
    if key is Key.SMALLER:
        return msg.size < c.number
    if key is Key.UID or key is Key.SEQUENCE:
        assert c.numbers is not None
        if c.numbers.saved:
            return m.stored.uid in m.saved
        if key is Key.UID:
            return c.numbers.contains(m.stored.uid, m.max_uid)
        return c.numbers.contains(m.seq, m.max_seq)
    if key is Key.NOT:
        return not matches(c.children[0], m)
    if key is Key.OR:
        return matches(c.children[0], m) or matches(c.children[1], m)
    return all(matches(child, m) for child in c.children)


def _contains(value: str | None, needle: str) -> bool:
    return value is not None and needle.casefold() in value.casefold()


def _text_contains(ent: Entity, needle: str, *, headers: bool) -> bool:
    if headers and needle.casefold() in ent.header_bytes().decode("utf-8", "replace").casefold():
        return True
    if ent.is_multipart:
        return any(_text_contains(p, needle, headers=headers) for p in ent.parts)
    if ent.content_type[0] != "text":
        return False
    return needle.casefold() in ent.body_bytes().decode("utf-8", "replace").casefold()


def _date_matches(c: Criterion, m: Candidate) -> bool:
    assert c.day is not None
    if c.key in (Key.SINCE, Key.BEFORE, Key.ON):
        day = m.stored.message.internal_date.date()
    else:
        raw = m.stored.message.root.field("Date")
        if raw is None:
            return False
        sent = parse_rfc5322_date(raw)
        if sent is None:
            return False
        day = sent.date()
    if c.key in (Key.SINCE, Key.SENTSINCE):
        return day >= c.day
    if c.key in (Key.BEFORE, Key.SENTBEFORE):
        return day < c.day
    return day == c.day
