"""STLS / STARTTLS: advertised only with a certificate; the upgrade works for poplib and imaplib."""

from __future__ import annotations

import asyncio
import imaplib
import poplib
import shutil
import signal
import socket
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from live_support import SOCKET_TIMEOUT, Served, stop_server

from sim.live.demo import build_demo
from sim.live.loopback import LiveServer, Service, pop3_factory, tls_context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A throw-away self-signed certificate for 127.0.0.1 (PEM certificate, PEM key)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    made = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        capture_output=True,
        timeout=30,
    )
    if made.returncode != 0:  # e.g. an openssl too old for -addext
        pytest.skip(f"openssl could not make a test certificate: {made.stderr[-200:]!r}")
    return str(cert), str(key)


def client_context(cert: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cert)  # verifies the chain and the IP address


def test_pop3_stls_upgrade_in_process(certificate: tuple[str, str]) -> None:
    cert, key = certificate
    demo = build_demo(1, 3, 5)

    async def main() -> None:
        server = LiveServer(
            demo, {Service.POP3: pop3_factory(demo, tls=True)}, tls=tls_context(cert, key)
        )
        port = (await server.start())[0].port

        def session() -> None:
            client = poplib.POP3("127.0.0.1", port, timeout=SOCKET_TIMEOUT)
            assert "STLS" in client.capa()
            client.stls(client_context(cert))
            assert "STLS" not in client.capa()  # offered only before TLS
            client.user("alice")
            client.pass_(demo.credentials[0].password)
            assert client.stat()[0] == 3
            client.quit()

        try:
            await asyncio.get_running_loop().run_in_executor(None, session)
        finally:
            await server.close()

    asyncio.run(main())


def test_without_certificate_tls_is_not_advertised(serve: Callable[..., Served]) -> None:
    served = serve()
    pop = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT)
    assert "STLS" not in pop.capa()
    pop.quit()
    imap = imaplib.IMAP4("127.0.0.1", served.port("imap"), timeout=SOCKET_TIMEOUT)
    assert "STARTTLS" not in imap.capabilities
    imap.logout()
    assert served.info["tls"] is False
    assert "pop3s" not in served.info and "imaps" not in served.info


def test_serve_with_certificate_upgrades_both(
    serve: Callable[..., Served], certificate: tuple[str, str]
) -> None:
    cert, key = certificate
    served = serve(extra=("--tls-cert", cert, "--tls-key", key))
    assert served.info["tls"] is True
    pop = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT)
    pop.stls(client_context(cert))
    pop.user("alice")
    pop.pass_(served.password("alice"))
    assert pop.stat()[0] == 6
    pop.quit()
    imap = imaplib.IMAP4("127.0.0.1", served.port("imap"), timeout=SOCKET_TIMEOUT)
    assert "STARTTLS" in imap.capabilities
    imap.starttls(client_context(cert))
    imap.login("alice", served.password("alice"))
    assert imap.select("INBOX") == ("OK", [b"6"])
    imap.logout()


def test_implicit_tls_ports(serve: Callable[..., Served], certificate: tuple[str, str]) -> None:
    cert, key = certificate
    served = serve(extra=("--tls-cert", cert, "--tls-key", key))
    pop = poplib.POP3_SSL(
        "127.0.0.1", served.port("pop3s"), timeout=SOCKET_TIMEOUT, context=client_context(cert)
    )
    assert "STLS" not in pop.capa()  # already encrypted
    pop.user("bob")
    pop.pass_(served.password("bob"))
    assert pop.stat()[0] == 6
    pop.quit()
    imap = imaplib.IMAP4_SSL(
        "127.0.0.1", served.port("imaps"), timeout=SOCKET_TIMEOUT, ssl_context=client_context(cert)
    )
    assert "STARTTLS" not in imap.capabilities
    imap.login("bob", served.password("bob"))
    assert imap.select("INBOX") == ("OK", [b"6"])
    imap.logout()
    ports = {served.port(s) for s in ("pop3", "imap", "pop3s", "imaps")}
    assert len(ports) == 4


def test_tls_options_must_come_together(tmp_path: Path) -> None:
    from sim.cli.main import UsageError

    with pytest.raises(UsageError, match="--tls-cert needs --tls-key"):
        tls_context("cert.pem", None)
    with pytest.raises(UsageError, match=r"--tls-cert=.*cannot load"):
        tls_context(str(tmp_path / "missing.pem"), str(tmp_path / "missing.key"))


def test_plaintext_pipelined_behind_stls_is_discarded(
    serve: Callable[..., Served], certificate: tuple[str, str]
) -> None:
    cert, key = certificate
    served = serve(extra=("--tls-cert", cert, "--tls-key", key))
    sock = socket.create_connection(("127.0.0.1", served.port("pop3")), timeout=SOCKET_TIMEOUT)
    plain = sock.makefile("rb")
    assert plain.readline().startswith(b"+OK")
    sock.sendall(b"STLS\r\nUSER alice\r\n")  # an injected command riding on the upgrade
    assert plain.readline().startswith(b"+OK")
    secure = client_context(cert).wrap_socket(sock, server_hostname="127.0.0.1")
    reader = secure.makefile("rb")
    secure.sendall(b"PASS " + served.password("alice").encode() + b"\r\n")
    assert reader.readline().startswith(b"-ERR")  # USER did not survive the upgrade
    secure.sendall(b"QUIT\r\n")
    assert reader.readline().startswith(b"+OK")
    secure.close()


def test_plaintext_on_an_implicit_tls_port_is_dropped_quietly(
    serve: Callable[..., Served], certificate: tuple[str, str]
) -> None:
    cert, key = certificate
    """A plaintext client on 995 or 993 gets no plaintext reply (at most a TLS alert record) and
    its connection is closed, not left hanging; the server logs no traceback and keeps serving."""
    served = serve(extra=("--tls-cert", cert, "--tls-key", key))
    for service in ("pop3s", "imaps"):
        sock = socket.create_connection(("127.0.0.1", served.port(service)), timeout=SOCKET_TIMEOUT)
        sock.sendall(b"USER alice\r\nQUIT\r\n" * 50)
        received, closed = b"", False
        try:
            while chunk := sock.recv(1024):  # a timeout here: the server kept the connection
                received += chunk
            closed = True
        except ConnectionResetError:
            closed = True
        finally:
            sock.close()
        assert closed, service
        assert received == b"" or received[0] == 0x15, (service, received[:40])  # 0x15: alert
        assert b"OK" not in received, (service, received[:40])  # no greeting, no +OK
    pop = poplib.POP3_SSL(
        "127.0.0.1", served.port("pop3s"), timeout=SOCKET_TIMEOUT, context=client_context(cert)
    )
    assert pop.getwelcome().startswith(b"+OK")  # still serving
    pop.quit()
    status, err = stop_server(served, signal.SIGTERM)
    assert (status, "Traceback" in err) == (0, False), err
