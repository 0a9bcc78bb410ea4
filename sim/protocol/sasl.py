"""SASL PLAIN (RFC 4616), shared by the IMAP AUTHENTICATE and POP3 AUTH commands."""

from __future__ import annotations

__all__ = ["parse_plain"]


def parse_plain(message: bytes) -> tuple[str, str, str] | str:
    """``(authzid, authcid, passwd)`` of a SASL PLAIN message (RFC 4616 §2), or why it is not
    one: exactly two NULs, UTF-8, authcid and passwd of 1..255 octets, authzid of at most 255."""
    parts = message.split(b"\x00")
    if len(parts) != 3:
        return f"{len(parts) - 1} NUL separators; PLAIN has 2"
    authzid, authcid, passwd = parts
    if not (authcid and passwd):
        return "empty user name or password"
    if max(len(authzid), len(authcid), len(passwd)) > 255:
        return "a field longer than 255 octets"
    try:
        return authzid.decode("utf-8"), authcid.decode("utf-8"), passwd.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
