"""Client side: reading server responses back into tokens, FETCH items and body structures.

The in-process clients (:mod:`sim.protocol.imap_client`) parse what the engine sent the way a real
client would.  When the session is not rendered, message payloads are left out of the drained bytes
(``Outbox.drain(render=False)``): a literal that carries message content (the value of ``BODY[...]``,
``RFC822``, ``RFC822.HEADER`` or ``RFC822.TEXT``) is then read as a :class:`LiteralRef` of its
announced size instead of its octets.  Literals inside ENVELOPE or LIST are framing and always present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STATUS = {"OK", "NO", "BAD", "BYE", "PREAUTH"}
_ATOM = re.compile(rb'[^ ()\[{\r\n"]+')
_LPAREN, _RPAREN, _SPACE, _DQUOTE = ord("("), ord(")"), ord(" "), ord('"')
_LBRACE, _LBRACKET, _LANGLE = ord("{"), ord("["), ord("<")


class Atom(str):
    """An atom (as opposed to a quoted string with the same letters)."""


@dataclass(frozen=True)
class LiteralRef:
    """A payload literal that was counted but not rendered."""

    size: int


Token = Atom | str | int | None | bytes | LiteralRef | list["Token"]


@dataclass(frozen=True)
class Response:
    """One server response: ``tag`` is ``*``, ``+`` or the command tag."""

    tag: str
    tokens: list[Token]
    code: str | None = None  # the [RESPONSE-CODE] of a status response
    text: str = ""  # the human-readable text of a status response or continuation

    @property
    def status(self) -> str | None:
        first = self.tokens[0] if self.tokens else None
        return first if isinstance(first, Atom) and first.upper() in _STATUS else None


class ResponseError(ValueError):
    """The bytes are not a well-formed response (a bug in the engine if it ever happens)."""


def _is_payload_name(token: Token) -> bool:
    if not isinstance(token, Atom):
        return False
    up = token.upper()
    return up.startswith("BODY[") or up in ("RFC822", "RFC822.HEADER", "RFC822.TEXT")


class _Reader:
    def __init__(self, data: bytes, payloads_present: bool) -> None:
        self.data = data
        self.pos = 0
        self.payloads = payloads_present

    def line_rest(self) -> str:
        end = self.data.find(b"\r\n", self.pos)
        if end < 0:
            raise ResponseError("response without CRLF")
        text = self.data[self.pos : end].decode("utf-8", "replace")
        self.pos = end + 2
        return text

    def tokens_to_eol(self) -> list[Token]:
        out: list[Token] = []
        while True:
            if self.data.startswith(b"\r\n", self.pos):
                self.pos += 2
                return out
            if self.pos >= len(self.data):
                raise ResponseError("response without CRLF")
            if self.data[self.pos] == 0x20:
                self.pos += 1
                continue
            out.append(self.token(out[-1] if out else None))

    def token(self, previous: Token) -> Token:
        data = self.data
        c = data[self.pos]
        if c == _LPAREN:
            self.pos += 1
            items: list[Token] = []
            last: Token = None
            while True:
                if self.pos >= len(data):
                    raise ResponseError("unterminated list")
                c = data[self.pos]
                if c == _RPAREN:
                    self.pos += 1
                    return items
                if c == _SPACE:
                    self.pos += 1
                    continue
                last = self.token(last)
                items.append(last)
        if c == _DQUOTE:
            return self.quoted()
        if c == _LBRACE:
            end = data.find(b"}\r\n", self.pos)
            if end < 0:
                raise ResponseError("bad literal prefix")
            size = int(data[self.pos + 1 : end].rstrip(b"+"))
            self.pos = end + 3
            if not self.payloads and _is_payload_name(previous):
                return LiteralRef(size)
            raw = data[self.pos : self.pos + size]
            self.pos += size
            return raw
        return self.atom()

    def quoted(self) -> str:
        data = self.data
        start = self.pos + 1
        end = data.find(b'"', start)
        if end >= 0 and data.find(b"\\", start, end) < 0:  # the common case: no escapes
            self.pos = end + 1
            return data[start:end].decode("utf-8", "replace")
        self.pos = start
        out = bytearray()
        while True:
            if self.pos >= len(data):
                raise ResponseError("unterminated quoted string")
            c = data[self.pos]
            self.pos += 1
            if c == ord('"'):
                return out.decode("utf-8", "replace")
            if c == ord("\\"):
                c = data[self.pos]
                self.pos += 1
            out.append(c)

    def atom(self) -> Token:
        data = self.data
        start = self.pos
        m = _ATOM.match(data, start)
        self.pos = m.end() if m else start
        if self.pos < len(data) and data[self.pos] == _LBRACKET:  # BODY[...] or [CODE ...]
            end = data.find(b"]", self.pos)
            if end < 0:
                raise ResponseError("unterminated [")
            self.pos = end + 1
            if self.pos < len(data) and data[self.pos] == _LANGLE:
                self.pos = data.index(b">", self.pos) + 1
        raw = data[start : self.pos]
        if not raw:
            raise ResponseError(f"unexpected octet {data[start : start + 1]!r}")
        if raw.isdigit():
            return int(raw)
        if len(raw) == 3 and raw.upper() == b"NIL":
            return None
        return Atom(raw.decode("utf-8", "replace"))


def parse_responses(data: bytes, *, payloads_present: bool = True) -> list[Response]:
    """Split drained server bytes into responses (status lines keep their text unparsed)."""
    r = _Reader(data, payloads_present)
    out: list[Response] = []
    while r.pos < len(data):
        tag_end = data.find(b" ", r.pos)
        line_end = data.find(b"\r\n", r.pos)
        if tag_end < 0 or (0 <= line_end < tag_end):
            tag = data[r.pos : line_end].decode("utf-8", "replace")
            r.pos = line_end + 2
            out.append(Response(tag, []))
            continue
        tag = data[r.pos : tag_end].decode("utf-8", "replace")
        r.pos = tag_end + 1
        if tag == "+":
            out.append(Response(tag, [], text=r.line_rest()))
            continue
        word_end = min(x for x in (data.find(b" ", r.pos), data.find(b"\r\n", r.pos)) if x >= 0)
        word = data[r.pos : word_end].decode("ascii", "replace")
        if word.upper() in _STATUS:
            r.pos = word_end + (1 if data[word_end : word_end + 1] == b" " else 0)
            rest = r.line_rest()
            code = None
            if rest.startswith("["):
                close = rest.find("]")
                code, rest = rest[1:close], rest[close + 1 :].lstrip(" ")
            out.append(Response(tag, [Atom(word)], code, rest))
            continue
        out.append(Response(tag, r.tokens_to_eol()))
    return out


def fetch_items(response: Response) -> tuple[int, dict[str, Token]] | None:
    """``* n FETCH (name value ...)`` as (n, {NAME: value}); None for other responses."""
    t = response.tokens
    if (
        response.tag != "*"
        or len(t) != 3
        or not isinstance(t[0], int)
        or not isinstance(t[1], Atom)
        or t[1].upper() != "FETCH"
        or not isinstance(t[2], list)
    ):
        return None
    pairs = t[2]
    items: dict[str, Token] = {}
    for i in range(0, len(pairs) - 1, 2):
        name = pairs[i]
        if isinstance(name, Atom):
            items[name.upper()] = pairs[i + 1]
    return t[0], items


@dataclass(frozen=True)
class PartInfo:
    """A leaf of a BODYSTRUCTURE: its section number, media type, encoded size and role."""

    section: str
    media_type: str
    size: int
    attachment: bool


def parts_of(structure: Token, prefix: str = "") -> list[PartInfo]:
    """Leaf parts of a BODYSTRUCTURE / BODY value, numbered as BODY[section] expects."""
    if not isinstance(structure, list) or not structure:
        raise ResponseError("a body structure is a non-empty list")
    if isinstance(structure[0], list):  # multipart: children then subtype
        out: list[PartInfo] = []
        n = 0
        for child in structure:
            if not isinstance(child, list):
                break
            n += 1
            out += parts_of(child, f"{prefix}{n}.")
        if n == 0 or not isinstance(structure[n], str):
            raise ResponseError("multipart without a subtype")
        return out
    if len(structure) < 7:
        raise ResponseError("single part with fewer than 7 fields")
    typ, sub, size = structure[0], structure[1], structure[6]
    if not isinstance(typ, str) or not isinstance(sub, str) or not isinstance(size, int):
        raise ResponseError("bad type, subtype or size field")
    disposition = None
    ext = (
        8
        if typ.lower() == "text"
        else (10 if (typ.lower(), sub.lower()) == ("message", "rfc822") else 7)
    )
    dsp = structure[ext + 1] if len(structure) > ext + 1 else None
    if isinstance(dsp, list) and dsp:
        disposition = dsp[0].lower() if isinstance(dsp[0], str) else None
    attachment = disposition == "attachment" or typ.lower() not in ("text", "multipart", "message")
    section = prefix.rstrip(".") or "1"
    return [PartInfo(section, f"{typ}/{sub}".lower(), size, attachment)]
