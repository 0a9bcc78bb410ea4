"""Configuration of the POP3 server engine and the CAPA list it implies (RFC 2449).

A :class:`Pop3Config` is frozen and validated on construction, so an engine never has to wonder
whether its greeting fits in a 512-octet status line or whether ``EXPIRE`` holds a legal value.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Literal

from .pop3_events import Pop3State

MAX_STATUS_LINE = 512  # octets including CRLF (RFC 1939 §3)
MAX_COMMAND_LINE = 255  # octets including CRLF (RFC 2449 §4)
NEVER: Literal["NEVER"] = "NEVER"

# Order of the CAPA lines: the order of the RFC 2449 §5 example, unknown extras before STLS.
_CAPA_ORDER = (
    "TOP",
    "USER",
    "SASL",
    "RESP-CODES",
    "LOGIN-DELAY",
    "PIPELINING",
    "EXPIRE",
    "UIDL",
    "IMPLEMENTATION",
)
_MANAGED = frozenset(
    {
        "TOP",
        "USER",
        "RESP-CODES",
        "LOGIN-DELAY",
        "PIPELINING",
        "EXPIRE",
        "UIDL",
        "IMPLEMENTATION",
        "STLS",
    }
)
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_TIMESTAMP = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+>")  # printable, no spaces, no inner < >


def _check_text(name: str, value: str, limit: int, *, spaces: bool = True) -> None:
    if not isinstance(value, str) or not _PRINTABLE.fullmatch(value):
        raise ValueError(f"{name}={value!r}: allowed printable ASCII (0x20-0x7E)")
    if not spaces and " " in value:
        raise ValueError(f"{name}={value!r}: allowed without spaces")
    if not 1 <= len(value) <= limit:
        raise ValueError(f"{name}={value!r}: length {len(value)}, allowed 1..{limit}")


def template_fields(template: str) -> list[tuple[str, str]]:
    """``(name, format spec)`` of each replacement field of a ``str.format`` template; a
    conversion (``!r``) is refused: the cost model prices fields by their plain text."""
    fields = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if conversion is not None:
            raise ValueError(f"field {name!r} has a conversion !{conversion}; allowed none")
        fields.append((name, spec or ""))
    return fields


def template_fixed(template: str) -> int:
    """Length of a template's literal text (its replacement fields left out)."""
    return sum(len(literal) for literal, _, _, _ in string.Formatter().parse(template))


@dataclass(frozen=True)
class Pop3Texts:
    """What a POP3 server says after ``+OK``, as ``str.format`` templates.

    The defaults are the texts of RFC 1939's examples (so the RFC sessions replay to the byte);
    ``sim.protocol.profiles`` holds Dovecot 2.3's.  Fields: ``{user}``, ``{hostname}``, ``{count}``
    (messages), ``{messages}`` (``"1 message"`` / ``"<n> messages"``), ``{octets}``, ``{number}``.
    The QUIT texts are chosen by whether the session removed messages and whether the maildrop
    is then empty (``{messages}`` counts those left).  ``uidl_id`` formats the UIDL id from
    ``{uidvalidity}`` and ``{uid}`` (decimal, or a fixed-width spec such as ``08x``).
    """

    user_ok: str = "send PASS"
    pass_ok: str = "{user}'s maildrop has {messages} ({octets} octets)"
    stat_ok: str = "{count} {octets}"
    list_ok: str = "{messages} ({octets} octets)"
    uidl_ok: str = "unique-id listing follows"
    retr_ok: str = "{octets} octets"
    top_ok: str = "top of message follows"
    dele_ok: str = "message {number} deleted"
    rset_ok: str = "maildrop has {messages} ({octets} octets)"
    capa_ok: str = "Capability list follows"
    quit_unauthenticated: str = "{hostname} POP3 server signing off"
    quit_left: str = "{hostname} POP3 server signing off ({messages} left)"
    quit_empty: str = "{hostname} POP3 server signing off (maildrop empty)"
    quit_deleted_left: str = "{hostname} POP3 server signing off ({messages} left)"
    quit_deleted_empty: str = "{hostname} POP3 server signing off (maildrop empty)"
    uidl_id: str = "{uidvalidity}.{uid}"

    def __post_init__(self) -> None:
        for name, allowed in _TEXT_FIELDS.items():
            value = getattr(self, name)
            if not isinstance(value, str) or not _PRINTABLE.fullmatch(value) or len(value) > 200:
                raise ValueError(
                    f"Pop3Texts.{name}={value!r}: allowed printable ASCII, at most 200 characters"
                )
            try:
                fields = template_fields(value)
            except ValueError as exc:
                raise ValueError(f"Pop3Texts.{name}={value!r}: {exc}") from None
            bad = {f for f, _ in fields} - allowed
            if bad:
                raise ValueError(
                    f"Pop3Texts.{name}={value!r}: unknown fields {sorted(bad)}; "
                    f"allowed {sorted(allowed)}"
                )
            if any(spec for _, spec in fields):  # the cost model counts plain decimal digits
                raise ValueError(
                    f"Pop3Texts.{name}={value!r}: allowed plain fields only (no format spec)"
                )
        try:
            fields = template_fields(self.uidl_id) if isinstance(self.uidl_id, str) else []
        except ValueError as exc:
            raise ValueError(f"Pop3Texts.uidl_id={self.uidl_id!r}: {exc}") from None
        if (
            {f for f, _ in fields} - {"uidvalidity", "uid"}
            or not any(f == "uid" for f, _ in fields)
            or any(spec not in ("", "08x", "08X") for _, spec in fields)
        ):
            raise ValueError(
                f"Pop3Texts.uidl_id={self.uidl_id!r}: allowed {{uid}} and "
                "{uidvalidity}, each plain decimal or ':08x'/':08X'"
            )
        if not _UIDL_CHARS.fullmatch(template_fixed_text(self.uidl_id)):
            raise ValueError(
                f"Pop3Texts.uidl_id={self.uidl_id!r}: literal text must be 0x21-0x7E (RFC 1939 §7)"
            )

    def unique_id(self, uidvalidity: int, uid: int) -> str:
        """The UIDL id of a message (RFC 1939 §7: 1-70 characters 0x21-0x7E)."""
        return self.uidl_id.format(uidvalidity=uidvalidity, uid=uid)

    def ids_octets(self, n: int, uid_digits: int, uidvalidity: int) -> int:
        """Octets of ``n`` UIDL ids of one mailbox whose UIDs' decimal lengths add up to
        ``uid_digits`` -- the cost model's arithmetic, from the template (UIDs are 32-bit, so a
        fixed-width hex field is always its width)."""
        total = n * template_fixed(self.uidl_id)
        for name, spec in template_fields(self.uidl_id):
            if spec:
                total += n * int(spec[:2])
            elif name == "uid":
                total += uid_digits
            else:
                total += n * len(str(uidvalidity))
        return total


_COUNTS = frozenset({"count", "messages", "octets"})
#: The fields each text may use (what the engine knows when it sends that reply).
_TEXT_FIELDS: dict[str, frozenset[str]] = {
    "user_ok": frozenset({"hostname"}),
    "pass_ok": _COUNTS | {"user", "hostname"},
    "stat_ok": _COUNTS,
    "list_ok": _COUNTS,
    "uidl_ok": frozenset(),
    "retr_ok": frozenset({"octets"}),
    "top_ok": frozenset(),
    "dele_ok": frozenset({"number"}),
    "rset_ok": _COUNTS,
    "capa_ok": frozenset(),
    "quit_unauthenticated": frozenset({"hostname"}),
    "quit_left": frozenset({"hostname", "count", "messages"}),
    "quit_empty": frozenset({"hostname", "count", "messages"}),
    "quit_deleted_left": frozenset({"hostname", "count", "messages"}),
    "quit_deleted_empty": frozenset({"hostname", "count", "messages"}),
}


def template_fixed_text(template: str) -> str:
    return "".join(literal for literal, _, _, _ in string.Formatter().parse(template))


_UIDL_CHARS = re.compile(r"[\x21-\x7e]*")


@dataclass(frozen=True)
class Pop3Config:
    """How one POP3 server presents itself.

    ``expire`` is the RFC 2449 EXPIRE value: days (int >= 0; 0 = leaving mail is not allowed),
    ``"NEVER"``, or None to leave EXPIRE out of CAPA.  ``apop_timestamp`` fixes the greeting's
    ``<...>`` timestamp (for replaying RFC examples); otherwise each engine derives one from
    ``hostname`` and its ``connection_id``.  ``extra_capabilities`` are advertised verbatim (e.g.
    ``"SASL CRAM-MD5"`` to reproduce the RFC 2449 example); the engine does not implement them.
    ``texts`` are the replies' human-readable parts (``sim.protocol.profiles`` has sets of them).
    """

    hostname: str = "pop.lab.example"
    greeting: str = "POP3 server ready"
    apop: bool = True
    apop_timestamp: str | None = None
    user_command: bool = True
    expire: int | Literal["NEVER"] | None = NEVER
    login_delay: int | None = None
    pipelining: bool = True
    implementation: str | None = "pop-vs-imap-lab"
    tls_available: bool = False
    extra_capabilities: tuple[str, ...] = field(default=())
    #: AUTH PLAIN (RFC 5034, RFC 4616), advertised as ``SASL PLAIN`` where USER is offered.
    sasl_plain: bool = False
    texts: Pop3Texts = field(default_factory=Pop3Texts)

    def __post_init__(self) -> None:
        _check_text("hostname", self.hostname, 64, spaces=False)
        _check_text("greeting", self.greeting, 300)
        if self.apop_timestamp is not None and (
            not isinstance(self.apop_timestamp, str)
            or not _TIMESTAMP.fullmatch(self.apop_timestamp)
            or len(self.apop_timestamp) > 100
        ):
            raise ValueError(
                f"apop_timestamp={self.apop_timestamp!r}: allowed '<...>' of "
                "printable ASCII without spaces, at most 100 characters"
            )
        if (
            self.expire is not None
            and self.expire != NEVER
            and (
                isinstance(self.expire, bool)
                or not isinstance(self.expire, int)
                or not 0 <= self.expire <= 100_000
            )
        ):
            raise ValueError(f"expire={self.expire!r}: allowed 0..100000 days, 'NEVER' or None")
        if self.login_delay is not None and (
            isinstance(self.login_delay, bool)
            or not isinstance(self.login_delay, int)
            or not 0 <= self.login_delay <= 10_000_000
        ):
            raise ValueError(
                f"login_delay={self.login_delay!r}: allowed 0..10000000 seconds or None"
            )
        if self.sasl_plain and any(
            c.split(" ")[0].upper() == "SASL" for c in self.extra_capabilities
        ):
            raise ValueError(
                "sasl_plain=True with a SASL item in extra_capabilities; allowed: one of them"
            )
        if not isinstance(self.texts, Pop3Texts):
            raise ValueError(f"texts={self.texts!r}: allowed a Pop3Texts")
        if self.implementation is not None:
            _check_text("implementation", self.implementation, 200)
        if not isinstance(self.extra_capabilities, tuple):
            raise ValueError(
                f"extra_capabilities={self.extra_capabilities!r}: allowed a tuple of str"
            )
        for cap in self.extra_capabilities:
            _check_text("extra_capabilities item", cap, 200)
            if cap.split(" ")[0].upper() in _MANAGED:
                raise ValueError(
                    f"extra_capabilities item {cap!r}: allowed only capabilities "
                    f"the config does not manage (not {sorted(_MANAGED)})"
                )


def capability_lines(config: Pop3Config, state: Pop3State, tls_active: bool) -> list[str]:
    """The CAPA listing for a session in ``state`` (STLS only before login and before TLS)."""
    lines: list[tuple[int, str]] = [(0, "TOP")]
    if config.user_command:
        lines.append((1, "USER"))
    lines.append((3, "RESP-CODES"))
    if config.login_delay is not None:
        lines.append((4, f"LOGIN-DELAY {config.login_delay}"))
    if config.pipelining:
        lines.append((5, "PIPELINING"))
    if config.expire is not None:
        lines.append((6, f"EXPIRE {config.expire}"))
    lines.append((7, "UIDL"))
    if config.implementation is not None:
        lines.append((8, f"IMPLEMENTATION {config.implementation}"))
    for cap in config.extra_capabilities:
        key = cap.split(" ")[0].upper()
        rank = _CAPA_ORDER.index(key) if key in _CAPA_ORDER else len(_CAPA_ORDER)
        lines.append((rank, cap))
    if config.sasl_plain and config.user_command and state is Pop3State.AUTHORIZATION:
        lines.append((2, "SASL PLAIN"))
    if config.tls_available and not tls_active and state is Pop3State.AUTHORIZATION:
        lines.append((len(_CAPA_ORDER) + 1, "STLS"))
    lines.sort(key=lambda item: item[0])  # stable: equal ranks keep their order
    return [text for _, text in lines]
