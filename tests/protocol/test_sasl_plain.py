"""AUTHENTICATE PLAIN (RFC 4616) with SASL-IR (RFC 4959): the RFCs' example exchanges, and the
same credential check as LOGIN (hypothesis)."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st
from test_imap_support import send

from sim.live.demo import build_demo
from sim.live.loopback import imap_factory
from sim.protocol.imap import ImapConfig, ImapServer
from sim.protocol.imap.events import ImapState, LoggedIn, LoginFailed
from sim.protocol.imap.server import parse_plain
from sim.protocol.store import Store

PLAIN = ImapConfig(auth_plain=True)


def _engine(user: str, password: str, config: ImapConfig = PLAIN) -> ImapServer:
    store = Store()
    store.add_account(user, password)
    engine = ImapServer(store, config)
    engine.outbox.data_to_send()
    return engine


def test_rfc4616_example_without_an_initial_response() -> None:
    """RFC 4616 §4: CAPABILITY names AUTH=PLAIN; the empty challenge is ``+``; authzid empty,
    authcid "tim", passwd "tanstaaftanstaaf"."""
    engine = _engine("tim", "tanstaaftanstaaf")
    caps = send(engine, "A001 CAPABILITY").split(b"\r\n")[0].split(b" ")
    assert b"AUTH=PLAIN" in caps and b"SASL-IR" in caps
    assert send(engine, "A002 AUTHENTICATE PLAIN") == b"+ \r\n"
    assert send(engine, "AHRpbQB0YW5zdGFhZnRhbnN0YWFm") == b"A002 OK AUTHENTICATE completed\r\n"
    assert engine.state is ImapState.AUTHENTICATED


def test_rfc4616_authorization_identity_of_someone_else_is_refused() -> None:
    """RFC 4616 §4's second message: Kurt asks to act as Ursel.  This server lets nobody act as
    another user, so the right password still fails (and says nothing about which part)."""
    assert parse_plain(base64.b64decode("VXJzZWwAS3VydAB4aXBqM3BsbXE=")) == (
        "Ursel",
        "Kurt",
        "xipj3plmq",
    )
    engine = _engine("Kurt", "xipj3plmq")
    events = engine.receive_data(b"A002 AUTHENTICATE PLAIN VXJzZWwAS3VydAB4aXBqM3BsbXE=\r\n")
    assert engine.outbox.data_to_send() == (
        b"A002 NO [AUTHENTICATIONFAILED] Authentication failed\r\n"
    )
    assert [type(e) for e in events if isinstance(e, (LoggedIn, LoginFailed))] == [LoginFailed]
    assert engine.state is ImapState.NOT_AUTHENTICATED


def test_rfc4959_initial_response_saves_the_round_trip() -> None:
    """RFC 4959 §3: the response rides on the command, no ``+`` is sent.  (authzid, authcid and
    passwd are all "test": an authzid equal to the user is allowed.)"""
    engine = _engine("test", "test")
    assert send(engine, "A01 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=") == (
        b"A01 OK AUTHENTICATE completed\r\n"
    )


def test_cancel_bad_base64_and_malformed_messages() -> None:
    engine = _engine("tim", "tanstaaftanstaaf")
    assert send(engine, "a AUTHENTICATE PLAIN") == b"+ \r\n"
    assert send(engine, "*") == b"a BAD AUTHENTICATE cancelled\r\n"  # RFC 9051 §6.2.2
    assert send(engine, "b AUTHENTICATE PLAIN") == b"+ \r\n"
    assert send(engine, "not base64!") == b"b BAD the SASL response is not base64\r\n"
    assert send(engine, "c AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWF") == (
        b"c BAD the SASL response is not base64\r\n"
    )  # a truncated quantum
    # "=" is an empty initial response (RFC 4959 §3); empty is no PLAIN message
    assert send(engine, "d AUTHENTICATE PLAIN =") == (
        b"d NO [AUTHENTICATIONFAILED] malformed PLAIN message: 0 NUL separators; PLAIN has 2\r\n"
    )
    no_password = base64.b64encode(b"\x00tim\x00").decode()
    assert send(engine, f"e AUTHENTICATE PLAIN {no_password}") == (
        b"e NO [AUTHENTICATIONFAILED] malformed PLAIN message: empty user name or password\r\n"
    )
    assert send(engine, "f AUTHENTICATE CRAM-MD5") == (
        b"f NO [CANNOT] unsupported mechanism CRAM-MD5\r\n"
    )
    assert engine.state is ImapState.NOT_AUTHENTICATED
    assert send(engine, "g LOGIN tim tanstaaftanstaaf") == b"g OK LOGIN completed\r\n"


def test_parse_plain_bounds() -> None:
    assert parse_plain(b"\x00u\x00p") == ("", "u", "p")
    assert parse_plain(b"a\x00u\x00p\x00") == "3 NUL separators; PLAIN has 2"
    assert parse_plain(b"\x00" + b"u" * 256 + b"\x00p") == "a field longer than 255 octets"
    assert parse_plain(b"\x00\xff\x00p") == "not UTF-8"
    assert parse_plain("\x00zoë\x00pässword".encode()) == ("", "zoë", "pässword")


def test_not_offered_where_login_is_disabled_and_offered_after_tls() -> None:
    engine = _engine(
        "tim", "tanstaaftanstaaf", ImapConfig(auth_plain=True, starttls=True, cleartext_login=False)
    )
    caps = send(engine, "a CAPABILITY")
    assert b"LOGINDISABLED" in caps and b"AUTH=PLAIN" not in caps and b"SASL-IR" not in caps
    # refused before the "+": the client is never invited to send the password in the clear
    assert send(engine, "b AUTHENTICATE PLAIN") == (
        b"b NO [PRIVACYREQUIRED] authentication is disabled until TLS is active\r\n"
    )
    assert send(engine, "c STARTTLS") == b"c OK Begin TLS negotiation now\r\n"
    engine.tls_started()
    caps = send(engine, "d CAPABILITY")
    assert b" AUTH=PLAIN SASL-IR" in caps and b"LOGINDISABLED" not in caps
    assert send(engine, "e AUTHENTICATE PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm") == (
        b"e OK AUTHENTICATE completed\r\n"
    )
    assert b"AUTH=PLAIN" not in send(engine, "f CAPABILITY")  # only before authentication


def test_the_live_server_offers_plain() -> None:
    engine = imap_factory(build_demo(1, 2, 3))()
    assert {"AUTH=PLAIN", "SASL-IR"} <= set(engine.capabilities())


_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=0,
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["alice", "zoë"]),
    st.sampled_from(["s3cret", "pässword"]),
    _TEXT,
    _TEXT,
    st.booleans(),
)
def test_plain_and_login_accept_exactly_the_same_credentials(
    user: str, password: str, tried_user: str, tried_password: str, as_self: bool
) -> None:
    """With no authorization identity (or the user's own), PLAIN accepts what LOGIN accepts."""
    tried_user = tried_user or user
    tried_password = tried_password if len(tried_password) % 2 else password
    authzid = tried_user if as_self else ""
    via_login = _engine(user, password)
    quoted = [v.replace("\\", "\\\\").replace('"', '\\"') for v in (tried_user, tried_password)]
    via_login.receive_data(f'a LOGIN "{quoted[0]}" "{quoted[1]}"\r\n'.encode())
    via_plain = _engine(user, password)
    token = base64.b64encode(f"{authzid}\0{tried_user}\0{tried_password}".encode()).decode()
    via_plain.receive_data(f"a AUTHENTICATE PLAIN {token}\r\n".encode())
    if any(ord(c) < 0x20 or c == "\x7f" for c in tried_user + tried_password):
        return  # not sayable in a quoted LOGIN string; PLAIN still decided without error
    assert via_login.state is via_plain.state
    assert via_plain.state is (
        ImapState.AUTHENTICATED
        if (tried_user, tried_password) == (user, password)
        else ImapState.NOT_AUTHENTICATED
    )
