"""``python -m sim serve``: the documented start-up record, clean shutdown on SIGINT/SIGTERM."""

from __future__ import annotations

import imaplib
import os
import poplib
import re
import select
import signal
import socket
import subprocess
import sys
from collections.abc import Callable

from live_support import ROOT, SOCKET_TIMEOUT, START_TIMEOUT, Served, stop_server

from sim.live.demo import password_for


def read_record(proc: subprocess.Popen[str]) -> list[str]:
    """Lines of the plain-text start-up record, up to and including READY (raw reads: a
    buffered readline could swallow several lines while select() waits on the descriptor)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    data = b""
    while not data.endswith(b"READY\n"):
        ready, _, _ = select.select([fd], [], [], START_TIMEOUT)
        assert ready, f"no READY after {data!r}"
        chunk = os.read(fd, 4096)
        assert chunk, f"server exited after {data!r}"
        data += chunk
    return data.decode().splitlines()


def test_plain_record_format_and_sigint() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "serve",
            "--users",
            "3",
            "--messages",
            "1",
            "--seed",
            "42",
            "--deliver-every",
            "60",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    served = Served(proc, {}, None)  # type: ignore[arg-type]
    try:
        lines = read_record(proc)
    finally:
        status, err = stop_server(served, signal.SIGINT)
    assert re.fullmatch(r"POP3 127\.0\.0\.1 \d+", lines[0])
    assert re.fullmatch(r"IMAP 127\.0\.0\.1 \d+", lines[1])
    assert lines[0].split()[2] != lines[1].split()[2]
    assert lines[2:5] == [f"USER {u} {password_for(u, 42)}" for u in ("alice", "bob", "carol")]
    assert lines[5:] == ["DELIVER 60", "READY"]
    assert status == 0
    assert err == ""


def test_sigterm_with_open_sessions_exits_cleanly(serve: Callable[..., Served]) -> None:
    served = serve(extra=("--deliver-every", "30"))
    assert served.info["deliver_every"] == 30.0
    assert [u["user"] for u in served.info["users"]] == ["alice", "bob", "carol"]  # type: ignore
    pop = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT)
    pop.user("alice")
    pop.pass_(served.password("alice"))
    imap = imaplib.IMAP4("127.0.0.1", served.port("imap"), timeout=SOCKET_TIMEOUT)
    imap.login("bob", served.password("bob"))
    imap.select("INBOX")
    imap.send(imap._new_tag() + b" IDLE\r\n")
    assert imap.readline().startswith(b"+ ")
    status, err = stop_server(served, signal.SIGTERM)
    assert status == 0
    assert "Traceback" not in err
    assert imap.readline() == b""  # the server closed the connection
    pop.close()
    imap.shutdown()


def test_port_in_use_is_one_line_error() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "sim", "serve", "--imap-port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("python -m sim serve: error: cannot listen on 127.0.0.1")
    assert "--imap-port" in proc.stderr


def test_trace_prints_the_wire_of_a_real_client(serve: Callable[..., Served]) -> None:
    served = serve(users=1, messages=2, extra=("--trace",))
    client = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT)
    client.user("alice")
    client.pass_(served.password("alice"))
    _, _lines, _ = client.retr(1)
    client.quit()
    dropped = imaplib.IMAP4("127.0.0.1", served.port("imap"), timeout=SOCKET_TIMEOUT)
    dropped.shutdown()
    imap = imaplib.IMAP4("127.0.0.1", served.port("imap"), timeout=SOCKET_TIMEOUT)
    imap.login("alice", served.password("alice"))
    imap.logout()
    status, err = stop_server(served, signal.SIGTERM)
    assert status == 0
    trace = err.splitlines()
    assert "[pop3 #1] C: USER alice" in trace
    assert "[pop3 #1] C: PASS ***" in trace  # redacted, as the engines' own events show it
    assert any(re.fullmatch(r"\[imap #3\] C: \S+ LOGIN alice \*\*\*", ln) for ln in trace)
    assert served.password("alice") not in err
    assert "[pop3 #1] S: +OK send PASS" in trace
    assert any(ln.startswith("[pop3 #1] S: ... ") and "more lines" in ln for ln in trace)
    size = served.demo.store.accounts["alice"].inbox.messages[0].size
    assert f"[pop3 #1] S: +OK {size} octets" in trace
    sent = 12 + 7 + len(served.password("alice")) + 8 + 6  # USER, PASS, RETR 1, QUIT lines
    closing = [ln for ln in trace if ln.startswith("[pop3 #1] -- session ended by QUIT")]
    assert closing and f"client sent {sent} bytes" in closing[0]
    assert any(ln.startswith("[imap #2] -- dropped without QUIT/LOGOUT") for ln in trace)


def _greeting(served: Served, service: str) -> bytes:
    with socket.create_connection(
        ("127.0.0.1", served.port(service)), timeout=SOCKET_TIMEOUT
    ) as sock:
        data = b""
        while not data.endswith(b"\r\n"):
            chunk = sock.recv(4096)
            assert chunk, data
            data += chunk
        return data


def test_profile_picks_the_servers_texts(serve: Callable[..., Served]) -> None:
    """``--profile dovecot`` greets as Dovecot 2.3 does; the default is the RFC examples' texts."""
    dovecot = serve(extra=("--profile", "dovecot"))
    assert _greeting(dovecot, "pop3") == b"+OK Dovecot (Debian) ready.\r\n"
    assert _greeting(dovecot, "imap").startswith(b"* OK [CAPABILITY IMAP4rev1 SASL-IR ")
    rfc = serve()
    assert _greeting(rfc, "pop3").startswith(b"+OK POP3 server ready <")
    assert _greeting(rfc, "imap") == b"* OK IMAP4rev2 Service Ready\r\n"
