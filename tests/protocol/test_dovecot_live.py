"""The ``dovecot`` profile against a real Dovecot 2.3 started here (Debian's dovecot-imapd and
dovecot-pop3d, which ``.ci/run`` installs): every step of every session within 5 %.

Skipped, saying why, where Dovecot is not installed or the tests do not run as root (Dovecot's
master process must start as root to drop to its own users).  Dovecot is stopped, and its
directory removed, when the module's tests end.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator

import pytest
from dovecot_support import (
    IMAP_SESSIONS,
    POP3_SESSIONS,
    Dovecot,
    Session,
    dovecot,
    dovecot_binary,
    poll_octets,
    run_engine,
    run_socket,
)

from sim.protocol.profiles import DOVECOT

TOLERANCE = 0.05
#: Dovecot's timing text after a tagged OK: two figures, or three when the command waited for a
#: lock -- which varies from run to run (the profile fixes one form, the recorded fixture holds
#: one run).  The comparison here leaves it out on both sides, so a busy machine cannot fail it.
_TIMING = re.compile(rb" \(\d+\.\d{3} \+ \d+\.\d{3}(?: \+ \d+\.\d{3})? secs\)\.")


def _untimed(steps: dict[str, bytes]) -> dict[str, bytes]:
    return {step: _TIMING.sub(b".", data) for step, data in steps.items()}


SESSIONS = [("pop3", s) for s in POP3_SESSIONS] + [("imap", s) for s in IMAP_SESSIONS]

pytestmark = [
    pytest.mark.skipif(
        dovecot_binary() is None,
        reason="Dovecot is not installed (apt-get install dovecot-imapd "
        "dovecot-pop3d; .ci/run does it)",
    ),
    pytest.mark.skipif(os.geteuid() != 0, reason="Dovecot's master process must start as root"),
]


@pytest.fixture(scope="module")
def server() -> Iterator[Dovecot]:
    with dovecot() as running:
        master = int((running.dir / "run" / "master.pid").read_text())
        yield running
    with pytest.raises(ProcessLookupError):
        os.kill(master, 0)  # stopped
    assert not running.dir.exists()


def test_the_profiles_timing_text_is_dovecots_form(server: Dovecot) -> None:
    theirs = run_socket("imap", IMAP_SESSIONS[0], server.port("imap"))
    assert _TIMING.search(theirs["logout"])
    assert _TIMING.search(run_engine("imap", IMAP_SESSIONS[0], DOVECOT)["logout"])


def test_it_is_dovecot_2_3(server: Dovecot) -> None:
    exe = dovecot_binary()
    assert exe is not None
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("2.3."), version.stdout


@pytest.mark.parametrize(
    ("protocol", "session"), SESSIONS, ids=[f"{p}-{s.name}" for p, s in SESSIONS]
)
def test_every_step_is_within_5_percent_of_a_running_dovecot(
    server: Dovecot, protocol: str, session: Session
) -> None:
    theirs = _untimed(run_socket(protocol, session, server.port(protocol)))
    ours = _untimed(run_engine(protocol, session, DOVECOT))
    assert set(ours) == set(theirs)
    for step, want in theirs.items():
        assert abs(len(ours[step]) / len(want) - 1) <= TOLERANCE, (
            step,
            ours[step][:200],
            want[:200],
        )
    if session.name in ("empty-poll", "poll-100"):
        work = next(
            s
            for s in (POP3_SESSIONS if protocol == "pop3" else IMAP_SESSIONS)
            if s.name != session.name and s.name in ("work", "download")
        )
        capability = _untimed(run_engine(protocol, work, DOVECOT)).get("capability")
        assert (
            abs(poll_octets(protocol, ours, capability) / poll_octets(protocol, theirs) - 1)
            <= TOLERANCE
        )
