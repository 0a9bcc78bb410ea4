"""Lesson 11 helpers: transcript viewer, live server on loopback, the exported figure."""

from __future__ import annotations

import imaplib
import poplib

import pytest

from course import style
from course.wire import LiveLab, draw_bytes_per_command, transcript_results, transcript_view


def test_transcript_view_shows_lines_and_totals() -> None:
    view = transcript_view("pop3", "rfc1939")
    assert "RFC 1939" in view.body.value
    assert "Client sent 95 bytes; server sent 620 bytes" in view.body.value
    view.pick.value = ("pop3", "typical")
    assert "RETR 1" in view.body.value and "PASS" in view.body.value


def test_transcript_view_elides_long_payloads_unless_asked() -> None:
    view = transcript_view("pop3", "typical")
    short_html = view.body.value
    view.show_all.value = True
    assert len(view.body.value) > len(short_html)


def test_transcript_results_name_lesson_11_keys() -> None:
    results = transcript_results()
    assert set(results) == {"pop3_client_bytes", "imap_client_bytes"}
    assert results["pop3_client_bytes"] > 50


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"messages": -1}, "messages"),
        ({"users": 0}, "users"),
        ({"deliver_every": 0}, "deliver_every"),
    ],
)
def test_live_lab_rejects_bad_arguments(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        LiveLab.start(**kwargs)


@pytest.mark.timeout(60)
def test_live_lab_serves_poplib_and_imaplib_then_stops() -> None:
    with LiveLab.start(messages=3) as lab:
        assert lab.running and lab.pop3.host == "127.0.0.1"
        pop = poplib.POP3(lab.pop3.host, lab.pop3.port, timeout=10)
        pop.user(lab.user)
        pop.pass_(lab.password)
        assert pop.stat()[0] == 3
        pop.quit()
        imap = imaplib.IMAP4(lab.imap.host, lab.imap.port, timeout=10)
        imap.login(lab.user, lab.password)
        status, data = imap.select("INBOX")
        assert status == "OK" and data == [b"3"]
        imap.logout()
    assert not lab.running
    lab.stop()  # idempotent


def test_bytes_per_command_figure_draws() -> None:
    fig = style.figure(12, 6.75)
    with style.context():
        draw_bytes_per_command(fig)
    assert len(fig.axes) == 2
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "PASS ****" in labels  # the password is not printed on a slide


def test_state_machine_figure_names_every_state() -> None:
    from course.wire import draw_state_machines

    fig = style.figure(12, 6.75)
    with style.context():
        draw_state_machines(fig)
    texts = {t.get_text() for ax in fig.axes for t in ax.texts}
    for state in (
        "AUTHORIZATION",
        "TRANSACTION",
        "UPDATE",
        "Not Authenticated",
        "Authenticated",
        "Selected",
        "Logout",
    ):
        assert state in texts


def test_ui_state_machines_cell_returns_an_image() -> None:
    from course import ui

    image = ui.Lesson(11).state_machines()
    assert image.value[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.timeout(60)
def test_live_server_stops_when_the_kernel_process_is_killed(tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "kernel.py"
    script.write_text(
        "from course.wire import LiveLab\n"
        "lab = LiveLab.start(messages=1)\n"
        "print(lab.process.pid, flush=True)\n"
        "import time; time.sleep(60)\n"
    )
    kernel = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, cwd=os.getcwd()
    )
    server_pid = int(kernel.stdout.readline())
    kernel.send_signal(signal.SIGKILL)  # no atexit: only the parent-death signal can stop it
    kernel.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(server_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(server_pid, signal.SIGKILL)
        pytest.fail("the live server outlived a killed kernel")
    kernel.stdout.close()
