"""Leaving loopback is deliberate (``--public``), and passwords never reach ``--trace``."""

from __future__ import annotations

import imaplib
import io
import poplib
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from live_support import ROOT, SOCKET_TIMEOUT, Served
from test_live_misbehaving import read_line
from test_live_tls import certificate, client_context  # noqa: F401 (a fixture)

from sim.live.demo import password_for
from sim.live.loopback import Service, WireTrace


def serve_error(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", "serve", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--host", "0.0.0.0"), "--host=0.0.0.0: 0.0.0.0 is not a loopback address; add --public"),
        (("--host", "no-such-host.invalid"), "--host='no-such-host.invalid': cannot resolve"),
        (("--public",), "--public needs --tls-cert/--tls-key"),
        (("--allow-cleartext-login",), "--allow-cleartext-login: allowed only with --public"),
        (("--max-connections", "0"), "--max-connections=0: allowed 1..10000"),
        (("--max-unauthenticated", "10001"), "--max-unauthenticated=10001: allowed 1..10000"),
        (("--login-timeout", "61"), "--login-timeout=61: allowed > 0 and <= 60"),
        (("--idle-timeout", "0"), "--idle-timeout=0: allowed > 0 and <= 86400"),
    ],
)
def test_bad_serve_options_are_one_line_errors(args: tuple[str, ...], named: str) -> None:
    proc = serve_error(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"python -m sim serve: error: {named}"), proc.stderr


def test_public_needs_tls_for_login_and_uses_random_passwords(
    serve: Callable[..., Served],
    certificate: tuple[str, str],  # noqa: F811 (the fixture)
) -> None:
    cert, key = certificate
    served = serve(extra=("--public", "--tls-cert", cert, "--tls-key", key))
    assert served.info["public"] is True
    assert served.password("alice") != password_for("alice", 7)
    assert len(served.password("alice")) >= 16
    imap = imaplib.IMAP4("127.0.0.1", served.port("imap"), timeout=SOCKET_TIMEOUT)
    assert "LOGINDISABLED" in imap.capabilities
    with pytest.raises(imaplib.IMAP4.error, match="PRIVACYREQUIRED"):
        imap.login("alice", served.password("alice"))
    imap.starttls(client_context(cert))
    imap.login("alice", served.password("alice"))
    imap.logout()
    pop = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT)
    assert "USER" not in pop.capa() and "STLS" in pop.capa()
    with pytest.raises(poplib.error_proto, match="use STLS"):
        pop.user("alice")
    with pytest.raises(poplib.error_proto, match="use STLS"):
        pop.pass_(served.password("alice"))
    pop.stls(client_context(cert))
    assert "USER" in pop.capa()
    pop.user("alice")
    pop.pass_(served.password("alice"))
    assert pop.stat()[0] == 6
    pop.quit()


def test_pop3_login_pipelined_behind_stls_is_refused(
    serve: Callable[..., Served],
    certificate: tuple[str, str],  # noqa: F811 (the fixture)
) -> None:
    cert, key = certificate
    served = serve(extra=("--public", "--tls-cert", cert, "--tls-key", key))
    sock = socket.create_connection(("127.0.0.1", served.port("pop3")), timeout=SOCKET_TIMEOUT)
    read_line(sock)
    sock.sendall(
        b"STLS\r\nUSER alice\r\nPASS " + served.password("alice").encode() + b"\r\nPASS"
    )  # the partial line must not be joined to what follows TLS
    assert read_line(sock).startswith(b"+OK")
    secure = client_context(cert).wrap_socket(sock, server_hostname="127.0.0.1")
    secure.sendall(b" " + served.password("alice").encode() + b"\r\nQUIT\r\n")
    assert read_line(secure).startswith(b"-ERR")  # no USER before: PASS is out of sequence
    assert read_line(secure).startswith(b"+OK")
    secure.close()


def test_failed_logins_are_slowed_then_cut_off(serve: Callable[..., Served]) -> None:
    served = serve(extra=("--public", "--allow-cleartext-login"))
    sock = socket.create_connection(("127.0.0.1", served.port("imap")), timeout=SOCKET_TIMEOUT)
    sock.settimeout(SOCKET_TIMEOUT + 8)
    read_line(sock)
    waits = []
    for n in range(3):
        started = time.monotonic()
        sock.sendall(b"a%d LOGIN alice wrong\r\n" % n)
        assert read_line(sock).startswith(b"a%d NO" % n)
        waits.append(time.monotonic() - started)
    assert waits[0] >= 0.45 and waits[1] >= 0.95 and waits[2] >= 1.95, waits
    assert read_line(sock) == b"* BYE too many failed logins\r\n"
    assert sock.recv(1024) == b""
    sock.close()
    pop = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT + 8)
    pop.user("bob")
    pop.pass_(served.password("bob"))  # cleartext allowed; a success is not slowed
    pop.quit()


def trace_of(service: Service, client: bytes) -> str:
    """The trace of ``client``'s bytes, two lines per read (longer reads are elided)."""
    out = io.StringIO()
    trace = WireTrace(out, service, 1)
    lines = client.split(b"\r\n")
    for i in range(0, len(lines), 2):
        trace.client(b"\r\n".join(lines[i : i + 2]) + (b"\r\n" if i + 2 < len(lines) else b""))
    return out.getvalue()


def test_trace_redacts_every_form_of_login() -> None:
    pop3 = trace_of(
        Service.POP3,
        b"USER alice\r\nPASS s3cret word\r\n"
        b"APOP alice c4c9334bac560ecc979e58001b3e22fb\r\nPASS\r\n",
    )
    assert pop3.splitlines() == [
        "[pop3 #1] C: USER alice",
        "[pop3 #1] C: PASS ***",
        "[pop3 #1] C: APOP alice ***",
        "[pop3 #1] C: PASS",
    ]
    imap = trace_of(
        Service.IMAP,
        b'a1 LOGIN alice s3cret\r\na2 login "al ice" "s3cret"\r\n'
        b"a3 LOGIN {5}\r\nalice {6}\r\ns3cret\r\na4 NOOP\r\n"
        b"a5 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldA==\r\n"
        b"a6 AUTHENTICATE PLAIN\r\nAGFsaWNlAHMzY3JldA==\r\na7 NOOP\r\n",
    )
    assert imap.splitlines() == [
        "[imap #1] C: a1 LOGIN alice ***",
        '[imap #1] C: a2 login "al ice" ***',
        "[imap #1] C: a3 LOGIN ***",
        "[imap #1] C: ***",
        "[imap #1] C: ***",
        "[imap #1] C: a4 NOOP",
        "[imap #1] C: a5 AUTHENTICATE PLAIN ***",
        "[imap #1] C: a6 AUTHENTICATE PLAIN",
        "[imap #1] C: ***",
        "[imap #1] C: a7 NOOP",
    ]
    endless = trace_of(Service.IMAP, b"a1 LOGIN alice " + b"s3cret" * 1000)
    assert "s3cret" not in endless
