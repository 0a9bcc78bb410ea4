"""Fairness and limits: one session cannot freeze the others, idle sockets cannot hoard the slots.

The latency bound is a fairness assertion (another user's NOOP during a heavy pipeline), with a
wide margin: on a 2-core machine with one core kept busy, about 2 ms median and under 60 ms at
worst, against the whole pipeline's duration (tens of seconds) before the server took turns.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import poplib
import resource
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from live_support import SOCKET_TIMEOUT, Served, stop_server
from test_live_misbehaving import imap_works, pop3_works, read_line
from test_live_tls import certificate, client_context  # noqa: F401 (a fixture)

NOOP_BOUND = 0.25  # seconds
HEAVY = 40  # pipelined SEARCH TEXT over 1,000 messages: the first about 1 s of CPU, then 30 ms


@pytest.fixture
def many_descriptors() -> Iterator[None]:
    """Room for a few hundred sockets in this process (the server is another process)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2048 if hard == resource.RLIM_INFINITY else min(hard, 2048)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_heavy_pipeline_does_not_freeze_other_users(serve: Callable[..., Served]) -> None:
    served = serve(users=3, messages=1000)
    bob = imaplib.IMAP4("127.0.0.1", served.port("imap"), timeout=60)
    bob.login("bob", served.password("bob"))
    carol = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=60)
    carol.user("carol")
    carol.pass_(served.password("carol"))
    heavy = socket.create_connection(("127.0.0.1", served.port("imap")), timeout=120)
    read_line(heavy)
    heavy.sendall(b"a LOGIN alice " + served.password("alice").encode() + b"\r\nb SELECT INBOX\r\n")
    while not read_line(heavy).startswith(b"b OK"):
        pass
    done = threading.Event()

    def drain() -> None:  # read alice's answers as they come
        answered = 0
        while answered < HEAVY:
            answered += read_line(heavy).startswith(b"s")
        done.set()

    heavy.sendall(b"".join(b"s%d SEARCH TEXT no-such-words\r\n" % i for i in range(HEAVY)))
    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    latencies = []
    while not done.is_set():
        for noop in (bob.noop, carol.noop):
            started = time.perf_counter()
            noop()
            latencies.append(time.perf_counter() - started)
        time.sleep(0.02)
    reader.join(60)
    assert max(latencies) < NOOP_BOUND, f"NOOP latencies while alice searched: {latencies}"
    assert len(latencies) >= 4, "the pipeline ended before it could be measured"
    heavy.close()
    bob.logout()
    carol.quit()


def test_idle_unauthenticated_sockets_cannot_lock_clients_out(
    serve: Callable[..., Served], many_descriptors: None
) -> None:
    served = serve()
    idle = []
    for i in range(200):  # every one trickles a byte; each new one evicts the oldest beyond 64
        sock = socket.create_connection(
            ("127.0.0.1", served.port("imap" if i % 2 else "pop3")), timeout=SOCKET_TIMEOUT
        )
        read_line(sock)  # the server has taken it in: the login below is the newest connection
        sock.sendall(b"x")
        idle.append(sock)
    try:
        imap_works(served)
        pop3_works(served)
    finally:
        for sock in idle:
            sock.close()


def test_login_timeout_closes_a_trickling_connection(serve: Callable[..., Served]) -> None:
    served = serve(extra=("--login-timeout", "1"))
    for service in ("pop3", "imap"):
        sock = socket.create_connection(("127.0.0.1", served.port(service)), timeout=SOCKET_TIMEOUT)
        read_line(sock)
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 4 and not closed:
            try:
                sock.sendall(b"N")  # a byte every 0.1 s never completes a line nor idles
                sock.settimeout(0.1)
                closed = sock.recv(1024).endswith(b"login timeout\r\n")
            except TimeoutError:
                continue
            except ConnectionError:
                closed = True
        assert closed, f"{service}: still open after {time.monotonic() - started:.1f} s"
        assert time.monotonic() - started < 2.5
        sock.close()
    imap_works(served)


def test_half_open_tls_handshakes_are_counted_timed_out_and_quiet(
    serve: Callable[..., Served],
    certificate: tuple[str, str],  # noqa: F811
    many_descriptors: None,
) -> None:
    cert, key = certificate
    # 2 s to log in: a TLS handshake and LOGIN fit even on a loaded machine (1 s did not always)
    served = serve(
        extra=(
            "--tls-cert",
            cert,
            "--tls-key",
            key,
            "--login-timeout",
            "2",
            "--max-unauthenticated",
            "20",
        )
    )
    half_open = [
        socket.create_connection(("127.0.0.1", served.port("imaps")), timeout=SOCKET_TIMEOUT)
        for _ in range(100)
    ]
    for sock in half_open[::3]:
        sock.sendall(b"\x16\x03\x01\x00")  # the start of a ClientHello, never finished
    imap = imaplib.IMAP4_SSL(
        "127.0.0.1", served.port("imaps"), timeout=SOCKET_TIMEOUT, ssl_context=client_context(cert)
    )
    imap.login("alice", served.password("alice"))
    imap.logout()
    time.sleep(2.5)  # past the login timeout: every half-open handshake is closed
    last = half_open[-1]
    last.settimeout(SOCKET_TIMEOUT)
    with contextlib.suppress(ConnectionError):
        assert last.recv(1024) == b""
    for sock in half_open:
        sock.close()
    status, err = stop_server(served, signal.SIGTERM)
    assert status == 0
    assert err == "", err


def rss_kib(pid: int, field: str) -> int:
    """A memory figure of a process from /proc (``VmRSS`` now, ``VmHWM`` its peak), in KiB."""
    with open(f"/proc/{pid}/status") as status:
        line = next(ln for ln in status if ln.startswith(field + ":"))
    return int(line.split()[1])


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_large_literals_before_login_do_not_grow_memory(serve: Callable[..., Served]) -> None:
    served = serve()
    before = rss_kib(served.proc.pid, "VmRSS")
    chunk = b"x" * (1 << 20)
    for i in range(4):  # each announces 64 MiB for APPEND and sends it, never having logged in
        sock = socket.create_connection(("127.0.0.1", served.port("imap")), timeout=SOCKET_TIMEOUT)
        read_line(sock)
        sent = 0
        with contextlib.suppress(ConnectionError):
            sock.sendall(b"a%d APPEND INBOX {%d}\r\n" % (i, 64 * len(chunk)))
            while sent < 64:
                sock.sendall(chunk)
                sent += 1
        assert sent < 64, "the server read a 64 MiB literal from a client not logged in"
        sock.close()
    grown = rss_kib(served.proc.pid, "VmHWM") - before
    assert grown < 16 * 1024, f"peak memory grew by {grown} KiB"
    imap_works(served)
