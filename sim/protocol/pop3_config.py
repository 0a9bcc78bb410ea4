"""Configuration of the POP3 server engine and the CAPA list it implies (RFC 2449).

A :class:`Pop3Config` is frozen and validated on construction, so an engine never has to wonder
whether its greeting fits in a 512-octet status line or whether ``EXPIRE`` holds a legal value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .pop3_events import Pop3State

MAX_STATUS_LINE = 512  # octets including CRLF (RFC 1939 §3)
MAX_COMMAND_LINE = 255  # octets including CRLF (RFC 2449 §4)
NEVER: Literal["NEVER"] = "NEVER"

# Order of the CAPA lines: the order of the RFC 2449 §5 example, unknown extras before STLS.
_CAPA_ORDER = ("TOP", "USER", "SASL", "RESP-CODES", "LOGIN-DELAY", "PIPELINING", "EXPIRE", "UIDL",
               "IMPLEMENTATION")
_MANAGED = frozenset({"TOP", "USER", "RESP-CODES", "LOGIN-DELAY", "PIPELINING", "EXPIRE", "UIDL",
                      "IMPLEMENTATION", "STLS"})
_PRINTABLE = re.compile(r"[\x20-\x7e]*")
_TIMESTAMP = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+>")  # printable, no spaces, no inner < >


def _check_text(name: str, value: str, limit: int, *, spaces: bool = True) -> None:
    if not isinstance(value, str) or not _PRINTABLE.fullmatch(value):
        raise ValueError(f"{name}={value!r}: allowed printable ASCII (0x20-0x7E)")
    if not spaces and " " in value:
        raise ValueError(f"{name}={value!r}: allowed without spaces")
    if not 1 <= len(value) <= limit:
        raise ValueError(f"{name}={value!r}: length {len(value)}, allowed 1..{limit}")


@dataclass(frozen=True)
class Pop3Config:
    """How one POP3 server presents itself.

    ``expire`` is the RFC 2449 EXPIRE value: days (int >= 0; 0 = leaving mail is not allowed),
    ``"NEVER"``, or None to leave EXPIRE out of CAPA.  ``apop_timestamp`` fixes the greeting's
    ``<...>`` timestamp (for replaying RFC examples); otherwise each engine derives one from
    ``hostname`` and its ``connection_id``.  ``extra_capabilities`` are advertised verbatim (e.g.
    ``"SASL CRAM-MD5"`` to reproduce the RFC 2449 example); the engine does not implement them.
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

    def __post_init__(self) -> None:
        _check_text("hostname", self.hostname, 64, spaces=False)
        _check_text("greeting", self.greeting, 300)
        if self.apop_timestamp is not None:
            if not isinstance(self.apop_timestamp, str) or not _TIMESTAMP.fullmatch(
                    self.apop_timestamp) or len(self.apop_timestamp) > 100:
                raise ValueError(f"apop_timestamp={self.apop_timestamp!r}: allowed '<...>' of "
                                 "printable ASCII without spaces, at most 100 characters")
        if self.expire is not None and self.expire != NEVER:
            if isinstance(self.expire, bool) or not isinstance(self.expire, int) or not (
                    0 <= self.expire <= 100_000):
                raise ValueError(f"expire={self.expire!r}: allowed 0..100000 days, 'NEVER' or None")
        if self.login_delay is not None and (
                isinstance(self.login_delay, bool) or not isinstance(self.login_delay, int)
                or not 0 <= self.login_delay <= 10_000_000):
            raise ValueError(f"login_delay={self.login_delay!r}: allowed 0..10000000 seconds "
                             "or None")
        if self.implementation is not None:
            _check_text("implementation", self.implementation, 200)
        if not isinstance(self.extra_capabilities, tuple):
            raise ValueError(f"extra_capabilities={self.extra_capabilities!r}: allowed a tuple "
                             "of str")
        for cap in self.extra_capabilities:
            _check_text("extra_capabilities item", cap, 200)
            if cap.split(" ")[0].upper() in _MANAGED:
                raise ValueError(f"extra_capabilities item {cap!r}: allowed only capabilities "
                                 f"the config does not manage (not {sorted(_MANAGED)})")


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
    if config.tls_available and not tls_active and state is Pop3State.AUTHORIZATION:
        lines.append((len(_CAPA_ORDER) + 1, "STLS"))
    lines.sort(key=lambda item: item[0])  # stable: equal ranks keep their order
    return [text for _, text in lines]
