"""A cursor over one framed IMAP command: the RFC 9051 §9 grammar pieces commands are built from.

Commands are parsed by small per-command functions that call these readers in grammar order; a
mismatch raises :class:`ParseError`, which the engine turns into ``BAD`` with the error's text.
Nothing here allocates in proportion to anything but the (already bounded) command itself.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from .framing import LITERAL_MARK, Framed

MAX_NUMBER = 4294967295  # number / nz-number are 32-bit unsigned (RFC 9051 §9)
_CTL = set(range(0x20)) | {0x7F}
_ATOM_SPECIALS = set(b'(){ %*"\\]') | _CTL
_ASTRING_SPECIALS = _ATOM_SPECIALS - {ord("]")}
_LIST_SPECIALS = _ATOM_SPECIALS - {ord("%"), ord("*"), ord("]")}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_INDEX = {m.upper(): i + 1 for i, m in enumerate(MONTHS)}
_DATE_TIME = re.compile(
    r"^([ \d]\d)-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$"
)


class ParseError(Exception):
    """The command does not follow the grammar; the text goes into the BAD reply."""


@dataclass(frozen=True)
class SequenceSet:
    """Ranges of message numbers or UIDs; ``None`` stands for ``*`` (the largest in use).

    Explicit ranges are merged once at construction and every range that mentions ``*`` contains
    the largest number, so together they form one interval: membership is a binary search, never
    a scan over the (up to 10000) ranges a client wrote."""

    ranges: tuple[tuple[int | None, int | None], ...]
    #: ``$``: the session's saved search result (RFC 9051 §6.4.4.2), which the selected mailbox
    #: resolves; ``ranges`` is then empty
    saved: bool = False
    _merged: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _star: tuple[int, int] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        explicit = sorted(
            (min(a, b), max(a, b)) for a, b in self.ranges if a is not None and b is not None
        )
        merged: list[tuple[int, int]] = []
        for lo, hi in explicit:
            if merged and lo <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        ends = [x for a, b in self.ranges if a is None or b is None for x in (a, b)]
        star = None
        if ends:
            known = [x for x in ends if x is not None]
            star = (min(known), max(known)) if known else (MAX_NUMBER + 1, 0)
        object.__setattr__(self, "_merged", tuple(merged))
        object.__setattr__(self, "_starts", tuple(lo for lo, _ in merged))
        object.__setattr__(self, "_star", star)

    def resolve(self, largest: int) -> list[tuple[int, int]]:
        """Concrete, merged inclusive (low, high) ranges with ``*`` = ``largest``."""
        out = list(self._merged)
        if self._star is not None:
            out.append((min(self._star[0], largest), max(self._star[1], largest)))
            out.sort()
        return out

    def contains(self, number: int, largest: int) -> bool:
        if self._star is not None and min(self._star[0], largest) <= number <= max(
            self._star[1], largest
        ):
            return True
        i = bisect.bisect_right(self._starts, number) - 1
        return i >= 0 and number <= self._merged[i][1]

    def max_explicit(self) -> int:
        """Largest number written explicitly (0 if only ``*``)."""
        return max((x for r in self.ranges for x in r if x is not None), default=0)


class Reader:
    """Reads one command left to right; literals appear where the framer left a NUL marker."""

    def __init__(self, framed: Framed) -> None:
        self.text = framed.text
        self.literals = framed.literals
        self.binary = framed.binary
        self.pos = 0
        self._next_literal = 0

    # -- low level -------------------------------------------------------------------------------
    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self) -> int | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def peek_literal(self) -> bool:
        return self.peek() == LITERAL_MARK

    def accept(self, token: bytes) -> bool:
        """Consume ``token`` (case-insensitive) if it is next."""
        end = self.pos + len(token)
        if self.text[self.pos : end].upper() == token.upper():
            self.pos = end
            return True
        return False

    def expect(self, token: bytes, what: str | None = None) -> None:
        if not self.accept(token):
            raise ParseError(f"expected {what or repr(token.decode())} at octet {self.pos}")

    def sp(self) -> None:
        self.expect(b" ", "a space")

    def end(self) -> None:
        if not self.at_end():
            raise ParseError(f"unexpected text at octet {self.pos}")

    def _run(self, forbidden: set[int]) -> bytes:
        start = self.pos
        text = self.text
        while self.pos < len(text) and text[self.pos] not in forbidden and text[self.pos] < 0x80:
            self.pos += 1
        return text[start : self.pos]

    # -- tokens ----------------------------------------------------------------------------------
    def atom(self, what: str = "an atom") -> str:
        raw = self._run(_ATOM_SPECIALS)
        if not raw:
            raise ParseError(f"expected {what} at octet {self.pos}")
        return raw.decode("ascii")

    def tag(self) -> str:
        raw = self._run(_ASTRING_SPECIALS | {ord("+")})
        if not raw:
            raise ParseError("missing or invalid tag")
        return raw.decode("ascii")

    def number(self, *, nonzero: bool = False, what: str = "a number") -> int:
        start = self.pos
        while self.pos < len(self.text) and 0x30 <= self.text[self.pos] <= 0x39:
            self.pos += 1
        digits = self.text[start : self.pos]
        if not digits:
            raise ParseError(f"expected {what} at octet {start}")
        if len(digits) > 10 or int(digits) > MAX_NUMBER:
            raise ParseError(f"{what} {digits[:20].decode()}: allowed 0..{MAX_NUMBER}")
        value = int(digits)
        if nonzero and value == 0:
            raise ParseError(f"{what} 0: allowed 1..{MAX_NUMBER}")
        return value

    def literal(self, *, binary_ok: bool = False) -> bytes:
        """The next literal; a literal8 (``~{n}``) only where ``binary_ok`` (APPEND's message)."""
        if not self.peek_literal():
            raise ParseError(f"expected a literal at octet {self.pos}")
        if self._next_literal in self.binary and not binary_ok:
            raise ParseError("a literal8 (~{n}) is allowed only for APPEND's message")
        self.pos += 1
        data = self.literals[self._next_literal]
        self._next_literal += 1
        return data

    def quoted(self) -> bytes:
        self.expect(b'"')
        out = bytearray()
        text = self.text
        while True:
            if self.pos >= len(text):
                raise ParseError("unterminated quoted string")
            c = text[self.pos]
            self.pos += 1
            if c == 0x22:
                return bytes(out)
            if c == 0x5C:
                if self.pos >= len(text) or text[self.pos] not in (0x22, 0x5C):
                    raise ParseError('only \\\\ and \\" may be escaped in a quoted string')
                c = text[self.pos]
                self.pos += 1
            elif c in (0x0D, 0x0A, LITERAL_MARK):
                raise ParseError("CR, LF or NUL inside a quoted string")
            out.append(c)

    def string_bytes(self) -> bytes:
        if self.peek() == 0x22:
            return self.quoted()
        if self.peek_literal():
            return self.literal()
        raise ParseError(f"expected a string at octet {self.pos}")

    def astring_bytes(self) -> bytes:
        if self.peek() == 0x22 or self.peek_literal():
            return self.string_bytes()
        raw = self._run(_ASTRING_SPECIALS)
        if not raw:
            raise ParseError(f"expected an astring at octet {self.pos}")
        return raw

    def astring(self) -> str:
        return self.astring_bytes().decode("utf-8", "replace")

    def list_mailbox(self) -> str:
        if self.peek() == 0x22 or self.peek_literal():
            return self.string_bytes().decode("utf-8", "replace")
        raw = self._run(_LIST_SPECIALS)
        return raw.decode("ascii")  # may be empty only when quoted; caller checks

    def sequence_set(self) -> SequenceSet:
        if self.accept(b"$"):
            return SequenceSet((), saved=True)
        ranges: list[tuple[int | None, int | None]] = []
        while True:
            a = self._seq_number()
            b = a
            if self.accept(b":"):
                b = self._seq_number()
            ranges.append((a, b))
            if not self.accept(b","):
                break
            if len(ranges) > 10000:
                raise ParseError("sequence set has more than 10000 ranges")
        return SequenceSet(tuple(ranges))

    def _seq_number(self) -> int | None:
        if self.accept(b"*"):
            return None
        return self.number(nonzero=True, what="a message number")

    def flag(self) -> str:
        if self.accept(b"\\"):
            if self.accept(b"*"):
                return "\\*"
            return "\\" + self.atom("a flag name")
        return self.atom("a flag or keyword")

    def flag_list(self) -> list[str]:
        """``(flag ...)``; a bare list of flags without parentheses is accepted too (STORE)."""
        flags: list[str] = []
        if self.accept(b"("):
            if self.accept(b")"):
                return flags
            while True:
                flags.append(self.flag())
                if self.accept(b")"):
                    return flags
                self.sp()
        while True:
            flags.append(self.flag())
            if not self.accept(b" "):
                return flags

    def search_date(self) -> date:
        quoted = self.accept(b'"')
        day = self.number(what="a day")
        self.expect(b"-")
        month = _MONTH_INDEX.get(
            self.text[self.pos : self.pos + 3].decode("ascii", "replace").upper()
        )
        if month is None:
            raise ParseError(f"expected a month (Jan..Dec) at octet {self.pos}")
        self.pos += 3
        self.expect(b"-")
        year = self.number(what="a year")
        if quoted:
            self.expect(b'"')
        try:
            return date(year, month, day)
        except ValueError as exc:
            raise ParseError(f"invalid date: {exc}") from None

    def date_time(self) -> datetime:
        raw = self.quoted().decode("ascii", "replace")
        m = _DATE_TIME.match(raw)
        if not m or m.group(2).upper() not in _MONTH_INDEX:
            raise ParseError(f'date-time {raw[:40]!r}: expected "dd-Mon-yyyy hh:mm:ss +zzzz"')
        sign = 1 if m.group(7) == "+" else -1
        zone = timezone(sign * timedelta(hours=int(m.group(8)), minutes=int(m.group(9))))
        try:
            return datetime(
                int(m.group(3)),
                _MONTH_INDEX[m.group(2).upper()],
                int(m.group(1)),
                int(m.group(4)),
                int(m.group(5)),
                int(m.group(6)),
                tzinfo=zone,
            )
        except ValueError as exc:
            raise ParseError(f"invalid date-time: {exc}") from None


_RFC5322_DATE = re.compile(
    r"^\s*(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2,4})\s+(\d{1,2}):(\d\d)"
    r"(?::(\d\d))?\s*([+-]\d{4})?"
)


def parse_rfc5322_date(text: str) -> datetime | None:
    """The Date header as a datetime (zone kept; missing or named zones count as UTC), or None."""
    m = _RFC5322_DATE.match(text)
    if not m or m.group(2).upper() not in _MONTH_INDEX:
        return None
    year = int(m.group(3))
    if year < 100:
        year += 2000 if year < 50 else 1900
    zone = UTC
    if m.group(7):
        sign = 1 if m.group(7)[0] == "+" else -1
        hours, minutes = int(m.group(7)[1:3]), int(m.group(7)[3:5])
        if hours > 23 or minutes > 59:
            return None
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return datetime(
            year,
            _MONTH_INDEX[m.group(2).upper()],
            int(m.group(1)),
            int(m.group(4)),
            int(m.group(5)),
            int(m.group(6) or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None


def uid_ranges(numbers: list[int]) -> str:
    """Compact ``1:3,7`` form of ascending numbers (for COPYUID / APPENDUID)."""
    parts: list[str] = []
    for lo, hi in _runs(numbers):
        parts.append(str(lo) if lo == hi else f"{lo}:{hi}")
    return ",".join(parts)


def _runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    it = iter(numbers)
    try:
        lo = hi = next(it)
    except StopIteration:
        return
    for n in it:
        if n == hi + 1:
            hi = n
        else:
            yield lo, hi
            lo = hi = n
    yield lo, hi
