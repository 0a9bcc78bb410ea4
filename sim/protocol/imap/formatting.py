"""How message data is written in IMAP responses: strings, flags, dates, ENVELOPE, BODYSTRUCTURE.

Everything returns ``bytes`` of framing (RFC 9051 §7.5.2 and the §9 grammar); message *payloads*
are never built here -- the engine writes those as literals through the outbox.  Header values are
taken as they are in the message (case kept), so the RFC 9051 §8 example comes out verbatim.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from ..message import Entity, Message
from .parser import MONTHS

NIL = b"NIL"
SYSTEM_FLAG_ORDER = ("\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft")
_CANONICAL = {f.upper(): f for f in SYSTEM_FLAG_ORDER + ("\\Recent",)}
_MAX_QUOTED = 1024


def canonical_flag(flag: str) -> str:
    """System flags are case-insensitive (``\\deleted`` is ``\\Deleted``); keywords keep their case."""
    return _CANONICAL.get(flag.upper(), flag)


def flag_list(flags: Iterable[str]) -> bytes:
    """``(\\Seen \\Deleted $Forwarded)``: system flags in a fixed order, then keywords sorted."""
    present = set(flags)
    ordered = [f for f in SYSTEM_FLAG_ORDER if f in present]
    ordered += sorted(f for f in present if f not in SYSTEM_FLAG_ORDER)
    return b"(" + " ".join(ordered).encode("utf-8") + b")"


def astring(value: str) -> bytes:
    """An atom when safe, else a quoted string, else a literal (for CR/LF or 8-bit octets)."""
    if value and all(0x21 <= ord(c) < 0x7F and c not in '(){ %*"\\]' for c in value):
        return value.encode("ascii")
    return string(value)


def string(value: str | bytes) -> bytes:
    """A quoted string, or a literal when quoting cannot carry the value (RFC 9051 §4.3)."""
    raw = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
    if len(raw) <= _MAX_QUOTED and all(0x20 <= b < 0x7F for b in raw):
        return b'"' + raw.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
    return b"{%d}\r\n" % len(raw) + raw


def nstring(value: str | None) -> bytes:
    return NIL if value is None else string(value)


def internal_date(when: datetime) -> bytes:
    """``"17-Jul-1996 02:44:25 -0700"`` (date-time, RFC 9051 §9), in the date's own zone."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    offset = when.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    text = (
        f"{when.day:2d}-{MONTHS[when.month - 1]}-{when.year:04d} "
        f"{when.hour:02d}:{when.minute:02d}:{when.second:02d} "
        f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    )
    return b'"' + text.encode("ascii") + b'"'


# -- addresses ----------------------------------------------------------------------------------


def _split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside quotes, angle brackets and comments."""
    out, cur = [], []
    quoted = False
    depth_angle = depth_paren = 0
    escape = False
    for ch in text:
        if escape:
            cur.append(ch)
            escape = False
            continue
        if ch == "\\":
            escape = True
        elif ch == '"' and not depth_paren:
            quoted = not quoted
        elif not quoted:
            if ch == "<":
                depth_angle += 1
            elif ch == ">":
                depth_angle = max(0, depth_angle - 1)
            elif ch == "(":
                depth_paren += 1
            elif ch == ")":
                depth_paren = max(0, depth_paren - 1)
            elif ch == sep and not depth_angle and not depth_paren:
                out.append("".join(cur))
                cur = []
                continue
        cur.append(ch)
    out.append("".join(cur))
    return out


def _strip_comments(text: str) -> tuple[str, str | None]:
    """Remove ``(comments)`` outside quotes; return the rest and the last comment's text."""
    out: list[str] = []
    cur: list[str] = []
    comment: str | None = None
    depth = 0
    quoted = False
    for ch in text:
        if ch == '"' and not depth:
            quoted = not quoted
        if not quoted and ch == "(":
            depth += 1
            if depth == 1:
                cur = []
                continue
        if not quoted and ch == ")" and depth:
            depth -= 1
            if depth == 0:
                comment = "".join(cur).strip()
                continue
        if depth:
            cur.append(ch)
        else:
            out.append(ch)
    return "".join(out), comment


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return " ".join(text.split())


def _mailbox(text: str) -> bytes | None:
    text, comment = _strip_comments(text)
    text = text.strip()
    if not text:
        return None
    name: str | None = None
    if "<" in text and text.rstrip().endswith(">"):
        lt = text.rfind("<")
        name = _unquote(text[:lt]) or None
        spec = text[lt + 1 : -1].strip()
    else:
        spec = text
        name = comment or None
    if spec.startswith("@") and ":" in spec:  # obsolete source route
        spec = spec.split(":", 1)[1]
    local, at, host = spec.rpartition("@")
    if not at:
        local, host = spec, ""
    local = _unquote(local) if local.startswith('"') else local
    return (
        b"("
        + nstring(name)
        + b" "
        + NIL
        + b" "
        + nstring(local or None)
        + b" "
        + nstring(host or None)
        + b")"
    )


def address_list(value: str | None) -> bytes:
    """An RFC 5322 address list as ``((name adl mailbox host)...)``, groups with start/end markers."""
    if value is None:
        return NIL
    parts: list[bytes] = []
    for item in _split_top(value, ","):
        head, colon, rest = _group_split(item)
        if colon:
            parts.append(b"(NIL NIL " + nstring(_unquote(head)) + b" NIL)")
            for member in _split_top(rest.rstrip().rstrip(";"), ","):
                addr = _mailbox(member)
                if addr is not None:
                    parts.append(addr)
            parts.append(b"(NIL NIL NIL NIL)")
            continue
        addr = _mailbox(item.rstrip().rstrip(";") if ";" in item and ":" not in item else item)
        if addr is not None:
            parts.append(addr)
    if not parts:
        return NIL
    return b"(" + b"".join(parts) + b")"


def _group_split(item: str) -> tuple[str, bool, str]:
    pieces = _split_top(item, ":")
    if len(pieces) > 1 and "@" not in pieces[0] and "<" not in pieces[0]:
        return pieces[0], True, ":".join(pieces[1:])
    return item, False, ""


def envelope(ent: Entity) -> bytes:
    """ENVELOPE: date subject from sender reply-to to cc bcc in-reply-to message-id (§7.5.2)."""
    sender = ent.field("From")
    fields = [
        nstring(ent.field("Date")),
        nstring(ent.field("Subject")),
        address_list(sender),
        address_list(ent.field("Sender") or sender),
        address_list(ent.field("Reply-To") or sender),
        address_list(ent.field("To")),
        address_list(ent.field("Cc")),
        address_list(ent.field("Bcc")),
        nstring(ent.field("In-Reply-To")),
        nstring(ent.field("Message-ID")),
    ]
    return b"(" + b" ".join(fields) + b")"


# -- body structure -----------------------------------------------------------------------------


def _params(raw: str) -> tuple[str, list[tuple[str, str]]]:
    """Split ``type/sub; a=b; c="d"`` keeping the case of names and values."""
    pieces = _split_top(raw, ";")
    params: list[tuple[str, str]] = []
    for piece in pieces[1:]:
        name, eq, value = piece.partition("=")
        if eq and name.strip():
            params.append((name.strip(), _unquote(value)))
    return pieces[0].strip(), params


def _param_list(params: list[tuple[str, str]]) -> bytes:
    if not params:
        return NIL
    return b"(" + b" ".join(string(n) + b" " + string(v) for n, v in params) + b")"


def _content_type(ent: Entity) -> tuple[str, str, list[tuple[str, str]]]:
    raw = ent.field("Content-Type")
    if not raw:
        return "TEXT", "PLAIN", [("CHARSET", "US-ASCII")]
    main, params = _params(raw)
    typ, slash, sub = main.partition("/")
    if not slash or not typ.strip() or not sub.strip():
        return "TEXT", "PLAIN", [("CHARSET", "US-ASCII")]
    return typ.strip(), sub.strip(), params


def _disposition(ent: Entity) -> bytes:
    raw = ent.field("Content-Disposition")
    if not raw:
        return NIL
    main, params = _params(raw)
    return b"(" + string(main) + b" " + _param_list(params) + b")"


def body_structure(ent: Entity, *, extensible: bool) -> bytes:
    """BODYSTRUCTURE (``extensible``) or BODY (basic fields only) of an entity (§7.5.2)."""
    typ, sub, params = _content_type(ent)
    if ent.is_multipart:
        out = b"".join(body_structure(p, extensible=extensible) for p in ent.parts)
        out += b" " + string(sub)
        if extensible:
            out += b" " + _param_list(params) + b" " + _disposition(ent) + b" NIL NIL"
        return b"(" + out + b")"
    encoding = ent.field("Content-Transfer-Encoding") or "7BIT"
    fields = [
        string(typ),
        string(sub),
        _param_list(params),
        nstring(ent.field("Content-ID")),
        nstring(ent.field("Content-Description")),
        string(encoding.strip()),
        str(ent.body_size).encode(),
    ]
    lowered = (typ.lower(), sub.lower())
    if lowered == ("message", "rfc822"):
        inner = Message.from_bytes(ent.body_bytes()).root
        fields += [
            envelope(inner),
            body_structure(inner, extensible=extensible),
            str(ent.body_lines()).encode(),
        ]
    elif lowered[0] == "text":
        fields.append(str(ent.body_lines()).encode())
    if extensible:
        fields += [nstring(ent.field("Content-MD5")), _disposition(ent), NIL, NIL]
    return b"(" + b" ".join(fields) + b")"
