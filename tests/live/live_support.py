"""Helpers for the live-server tests: start ``python -m sim serve --json`` as a subprocess on free
loopback ports and always stop it (the ``serve`` fixture is re-exported by conftest.py)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.live.demo import Demo, build_demo

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 20.0
SOCKET_TIMEOUT = 5.0


@dataclass
class Served:
    """A running live server and what its start-up record said."""

    proc: subprocess.Popen[str]
    info: dict[str, object]
    demo: Demo  # the same accounts and mail, rebuilt in-process from the same arguments

    def port(self, service: str) -> int:
        return int(self.info[service]["port"])  # type: ignore[index]

    def password(self, user: str) -> str:
        return next(u["password"] for u in self.info["users"] if u["user"] == user)  # type: ignore


def _start(users: int, messages: int, seed: int, extra: tuple[str, ...]) -> Served:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim",
            "serve",
            "--json",
            "--users",
            str(users),
            "--messages",
            str(messages),
            "--seed",
            str(seed),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
    if not ready:
        _stop(proc)
        raise AssertionError("live server did not print its start-up record in time")
    first = proc.stdout.readline()
    if not first:
        _, err = _stop(proc)
        raise AssertionError(f"live server exited at start: {err}")
    return Served(proc, json.loads(first), build_demo(users, messages, seed))


def _stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[int, str]:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    err = proc.stderr.read() if proc.stderr and not proc.stderr.closed else ""
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()
    return proc.returncode, err


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """``serve(users=2, messages=6, seed=7, extra=("--deliver-every", "0.2"))`` starts a server;
    every server started is stopped at teardown, which also fails on a traceback in its stderr."""
    started: list[Served] = []

    def start(
        users: int = 3, messages: int = 6, seed: int = 7, extra: tuple[str, ...] = ()
    ) -> Served:
        served = _start(users, messages, seed, extra)
        started.append(served)
        return served

    yield start
    problems = []
    for served in started:
        status, err = _stop(served.proc)
        if "Traceback" in err or status != 0:
            problems.append(f"status {status}, stderr:\n{err}")
    assert not problems, "\n".join(problems)


def stop_server(served: Served, sig: int) -> tuple[int, str]:
    """Stop ``served`` with ``sig`` now; returns (exit status, stderr)."""
    return _stop(served.proc, sig)


def retry(action: Callable[[], object], attempts: int = 40, pause: float = 0.05) -> object:
    """Run ``action`` until it stops raising (the server may not have seen a drop yet)."""
    for _ in range(attempts - 1):
        try:
            return action()
        except Exception:
            time.sleep(pause)
    return action()
