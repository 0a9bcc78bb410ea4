"""`python3 run.py present [N]`: the command line, the presenter copies, the journal kept apart,
a clean stop; and run.py's install progress lines. (tests/browser/test_presenter.py looks at the
lesson in a browser.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from delivery_tools import ROOT, free_port, load_run_py, readme_commands, run

PRESENT = ROOT / ".present"


@pytest.mark.parametrize("lesson", ["12", "x", "1.5", "99"])
def test_a_bad_lesson_number_is_one_line_and_status_2(lesson: str) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "present", lesson],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"run.py: present: no lesson '{lesson}'; the lessons are 0-11"
    ]


def test_lesson_numbers_name_the_committed_lessons() -> None:
    run_py = load_run_py()
    assert run_py.lesson_notebook("3") == "03_push_vs_poll.ipynb"
    assert run_py.lesson_notebook("03") == "03_push_vs_poll.ipynb"
    assert run_py.lesson_notebook("0") == "00_welcome.ipynb"
    assert run_py.lesson_notebook("12") is None and run_py.lesson_notebook("-1") is None


def test_voila_serves_the_presenter_folder_on_loopback_without_code() -> None:
    run_py = load_run_py()
    command = run_py.presenter_command(Path("/venv/bin/python"), 8866)
    assert command[1:3] == ["-m", "voila"]
    assert "--Voila.ip=127.0.0.1" in command and "--strip_sources=True" in command
    assert f"--Voila.root_dir={run_py.PRESENT}" in command and "--no-browser" in command
    env = run_py.presenter_env()
    assert env["POPIMAP_JOURNAL"] == str(PRESENT / "journal.json")
    assert ".present/" in (ROOT / ".gitignore").read_text().split()


@pytest.mark.slow
@pytest.mark.delivery
def test_present_writes_fresh_copies_leaves_notebooks_alone_and_stops_on_ctrl_c() -> None:
    PRESENT.mkdir(exist_ok=True)
    stale_journal = PRESENT / "journal.json"
    stale_journal.write_text('{"predictions": {"lesson01": "from the lab"}}')
    (PRESENT / "01_where_mail_lives.ipynb").write_text("an old copy")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), "present", "3", "--port", str(port), "--no-browser"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, process.stdout.read()
            assert time.monotonic() < deadline, "the presenter did not answer in 120 s"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.3)
        # the copies: every lesson and the glossary, afresh, in Voila's wording
        names = sorted(p.name for p in PRESENT.glob("*.ipynb"))
        assert names == sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
        for name in names:
            text = (PRESENT / name).read_text()
            assert "Shift+Enter" not in text, name
            assert json.loads(text)["cells"]
        assert not stale_journal.exists(), "the presenter must start with a blank journal"
        assert (
            run(["git", "status", "--porcelain", "notebooks/"], ROOT, dict(os.environ), timeout=60)
            == ""
        )
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in its terminal sends
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    assert process.returncode == 0, output
    assert f"http://127.0.0.1:{port}/voila/render/03_push_vs_poll.ipynb" in output
    assert "run.py: the presenter stopped" in output
    assert "Traceback" not in output


def test_pip_progress_says_what_pip_does_and_something_every_few_seconds() -> None:
    run_py = load_run_py()
    now = {"t": 0.0}
    script = [
        (0, "Collecting simpy<5,>=4.1"),
        (1, "  Downloading simpy-4.1.2.whl"),
        (2, "Collecting ipywidgets"),
        (7, "Collecting voila"),
        (30, None),
        (31, "Installing collected packages: simpy, ipywidgets, voila, a, b"),
        (50, None),
        (90, "Successfully installed a-1 b-2 ipywidgets-8 simpy-4 voila-0.5"),
    ]

    def lines():
        for at, line in script:
            now["t"] = at
            yield line

    said = list(run_py.pip_progress(lines(), heartbeat=15.0, clock=lambda: now["t"]))
    assert said == [
        "resolving: 1 package so far (latest: simpy<5,>=4.1), 0 s",
        "resolving: 3 packages so far (latest: voila), 7 s",
        "still working, 30 s",
        "installing 5 packages (simpy, ipywidgets, voila, a, ...), 31 s",
        "still working, 50 s",
        "done: 5 packages installed in 90 s",
    ]


def test_readme_tells_how_to_present_a_lesson() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Presenting a lesson" in readme
    assert any(c.startswith("python3 run.py present") for c in readme_commands())
