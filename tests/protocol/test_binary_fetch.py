"""FETCH BINARY[], BINARY.PEEK[] and BINARY.SIZE[] (RFC 9051 §6.4.5): a part with its
Content-Transfer-Encoding undone, checked against the standard library's MIME decoder and, with
hypothesis, on any octets sent base64 or quoted-printable."""

from __future__ import annotations

import base64
import email
import quopri
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from test_imap_support import PASSWORD, USER, logged_in, selected, send

from sim.protocol.imap import ImapServer
from sim.protocol.message import Message
from sim.protocol.store import Store


def _mime(parts: list[tuple[str, str, bytes]]) -> bytes:
    """A multipart/mixed message of (content type, transfer encoding, encoded body) parts."""
    out = [
        b"From: a@example.org",
        b"Subject: parts",
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/mixed; boundary="b0"',
        b"",
    ]
    for ctype, cte, body in parts:
        out += [
            b"--b0",
            b"Content-Type: " + ctype.encode(),
            b"Content-Transfer-Encoding: " + cte.encode(),
            b"",
            body,
        ]
    out += [b"--b0--", b""]
    return b"\r\n".join(out)


def _engine(raw: bytes) -> ImapServer:
    store = Store()
    store.add_account(USER, PASSWORD).inbox.append(Message.from_bytes(raw))
    engine = logged_in(store)
    send(engine, "s SELECT INBOX")
    return engine


def _literal(out: bytes, name: bytes) -> bytes:
    m = re.search(re.escape(name) + rb" ~?\{(\d+)\}\r\n", out)
    assert m is not None, out[:200]
    return out[m.end() : m.end() + int(m.group(1))]


def _crlf_lines(data: bytes) -> bytes:
    return data.replace(b"\n", b"\r\n")


def test_base64_and_quoted_printable_parts_decode_as_the_email_package_does() -> None:
    blob = bytes(range(256)) * 3
    text = "caf\u00e9 = 100 %\r\nline two\r\n".encode()
    raw = _mime(
        [
            ("application/octet-stream", "base64", _crlf_lines(base64.encodebytes(blob))),
            (
                "text/plain; charset=utf-8",
                "quoted-printable",
                quopri.encodestring(text).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"),
            ),
            ("text/plain", "7bit", b"plain words\r\n"),
        ]
    )
    reference = [
        p.get_payload(decode=True)
        for p in email.message_from_bytes(raw).walk()
        if not p.is_multipart()
    ]
    engine = _engine(raw)
    out = send(engine, "a FETCH 1 (BINARY.PEEK[1] BINARY.PEEK[2] BINARY.PEEK[3])")
    got = [_literal(out, b"BINARY[%d]" % n) for n in (1, 2, 3)]
    assert got[0] == blob == reference[0]
    assert got[1] == reference[1]
    # (the CRLF before each boundary belongs to the boundary, RFC 2046 §5.1.1)
    assert got[1] == text and got[2] == b"plain words\r\n"
    assert b"BINARY[1] ~{768}\r\n" in out  # NUL octets: a literal8 (RFC 9051 §4.3)
    assert b"BINARY[2] {" in out  # no NUL: an ordinary literal
    assert send(engine, "b FETCH 1 (BINARY.SIZE[1] BINARY.SIZE[2] FLAGS)") == (
        b"* 1 FETCH (BINARY.SIZE[1] 768 BINARY.SIZE[2] %d FLAGS ())\r\nb OK FETCH completed\r\n"
        % len(reference[1])
    )


def test_peek_partial_seen_and_errors() -> None:
    engine = selected()
    out = send(engine, "a FETCH 2 BINARY.PEEK[2]<100.16>")
    whole = base64.b64decode(_literal(send(engine, "b FETCH 2 BODY.PEEK[2]"), b"BODY[2]"))
    assert _literal(out, b"BINARY[2]<100>") == whole[100:116]
    assert b"FLAGS" not in out  # PEEK leaves \Seen alone
    assert b"FLAGS (\\Seen)" in send(engine, "c FETCH 1 BINARY[1]<0.10>")
    assert send(engine, "d FETCH 2 BINARY.SIZE[2]") == (
        b"* 2 FETCH (BINARY.SIZE[2] 200000)\r\nd OK FETCH completed\r\n"
    )
    assert send(engine, "e FETCH 2 BINARY[2.HEADER]") == (
        b"e BAD FETCH: BINARY[] takes part numbers only, not HEADER\r\n"
    )
    assert send(engine, "f FETCH 2 BINARY.SIZE[2]<0.5>").startswith(b"f BAD ")
    assert send(engine, "g FETCH 2 BINARY.PEEK").startswith(b"g BAD FETCH: BINARY.PEEK needs")
    assert send(engine, "h FETCH 2 BINARY.PEEK[7]") == (
        b"* 2 FETCH (BINARY[7] NIL)\r\nh OK FETCH completed\r\n"
    )


def test_unknown_transfer_encoding_is_no_unknown_cte() -> None:
    raw = _mime([("application/octet-stream", "x-uuencode", b"begin 644 f\r\n`\r\nend\r\n")])
    engine = _engine(raw)
    assert send(engine, "a FETCH 1 BINARY.PEEK[1]") == (
        b"a NO [UNKNOWN-CTE] cannot decode Content-Transfer-Encoding X-UUENCODE\r\n"
    )
    assert send(engine, "b FETCH 1 BODY.PEEK[1]").endswith(b"b OK FETCH completed\r\n")


def _qp(data: bytes) -> bytes:
    """Quoted-printable with every octet but letters and digits as =XX, soft line breaks every
    72 characters (RFC 2045 §6.7): valid for any octets, with no trailing space to lose."""
    chars = [chr(b).encode() if chr(b).isalnum() and b < 0x80 else b"=%02X" % b for b in data]
    lines, line = [], b""
    for c in chars:
        if len(line) + len(c) > 72:
            lines.append(line + b"=")
            line = b""
        line += c
    return b"\r\n".join(lines + [line])


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(["base64", "quoted-printable"]))
def test_any_octets_come_back_decoded(data: bytes, cte: str) -> None:
    body = (
        _crlf_lines(base64.encodebytes(data)).removesuffix(b"\r\n")
        if cte == "base64"
        else _qp(data)
    )
    engine = _engine(_mime([("application/octet-stream", cte, body)]))
    out = send(engine, "a FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])")
    assert _literal(out, b"BINARY[1]") == data
    assert b"BINARY.SIZE[1] %d " % len(data) in out


def test_append_takes_a_literal8_and_binary_returns_its_octets() -> None:
    """RFC 9051 §6.3.12: APPEND's message may be a literal8 (``~{n}``, synchronising or not), so
    octets with NUL can be stored; a literal8 anywhere else is BAD."""
    engine = logged_in()
    msg = b"Subject: x\r\n\r\nhi\x00there\r\n"
    assert send(engine, b"a APPEND INBOX ~{%d+}\r\n" % len(msg) + msg + b"\r\n") == (
        b"a OK [APPENDUID 1 6] APPEND completed\r\n"
    )
    assert send(engine, b"b APPEND INBOX (\\Seen) ~{%d}\r\n" % len(msg)) == (
        b"+ Ready for literal data\r\n"
    )
    assert send(engine, msg + b"\r\n") == b"b OK [APPENDUID 1 7] APPEND completed\r\n"
    send(engine, "c SELECT INBOX")
    assert send(engine, "d FETCH 6:7 BINARY.PEEK[1]") == (
        b"* 6 FETCH (BINARY[1] ~{10}\r\nhi\x00there\r\n)\r\n"
        b"* 7 FETCH (BINARY[1] ~{10}\r\nhi\x00there\r\n)\r\nd OK FETCH completed\r\n"
    )
    assert send(engine, b"e CREATE ~{3+}\r\nBox\r\n") == (
        b"e BAD CREATE: a literal8 (~{n}) is allowed only for APPEND's message\r\n"
    )
