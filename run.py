#!/usr/bin/env python3
"""The two set-up commands of POP vs IMAP Lab, needing nothing but Python 3.11+.

    python3 run.py lab         # install into ./.venv if needed, launch JupyterLab on the welcome lesson
    python3 run.py test        # install into ./.venv if needed, lint, type-check, run every test
    python3 run.py test --quick   # the same without the browser, delivery and long property tests
    python3 run.py present 3   # show lesson 3 in Voila: prose and dashboards, no code (a lecture)

Why a script and not a Makefile: a lecture-hall laptop may have no `make`, but it has Python.
Installing is idempotent: a stamp file in the virtual environment records a hash of
`pyproject.toml` and the extras installed, so a second run starts at once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".pop-vs-imap-lab-install.json"
# Binder's pins constrain the local install too, so the tests (the browser test above all) run
# the very jupyterlab / ipywidgets / jupyterlab_widgets set that Binder will serve.
CONSTRAINTS = ROOT / "binder" / "requirements.txt"
NOTEBOOKS = ROOT / "notebooks"
# The lab serves the learner's own copies of the lessons (git-ignored), so running and saving a
# lesson never modifies a tracked file and the learner's notes survive a `git pull`.
MY_LESSONS = ROOT / "my_lessons"
WELCOME = "00_welcome.ipynb"  # in MY_LESSONS, the lab's root
# JupyterLab's settings and workspaces belong to this project, not to ~/.jupyter: a tab left open
# by another course does not reopen here, and the news pop-up stays off.
LAB_STATE = ROOT / ".lab"
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    }
}
# The presenter serves copies of the lessons made for Voila (their text does not ask anyone to
# run cells), generated afresh on every start into this git-ignored folder: the committed
# lessons are never touched.  The presenter keeps its own journal there as well, so predictions
# made while preparing in the lab do not show the answers in class; it starts blank every time.
PRESENT = ROOT / ".present"
PRESENT_JOURNAL = "journal.json"  # in PRESENT
# Run by the venv's Python (run.py itself runs without the project's dependencies): writes the
# presenter copies of every notebook of the course into argv[2], one file name per output line.
_WRITE_PRESENTER_COPIES = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from build_notebooks import notebook_files
for name, text in notebook_files(presenter=True):
    Path(sys.argv[2], name).write_text(text, encoding="utf-8")
    print(name)
"""
PIP_LOG = VENV / "pip-install.log"
MIN_PYTHON = (3, 11)


def venv_python() -> Path:
    """The interpreter inside ./.venv (POSIX and Windows layouts)."""
    if os.name == "nt":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def install_fingerprint(extras: frozenset[str]) -> str:
    """What an install depends on: the project metadata, the pins, the extras and the interpreter."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    constraints = ROOT / "binder" / "requirements.txt"
    if constraints.exists():
        digest.update(constraints.read_bytes())
    digest.update(",".join(sorted(extras)).encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def stamp_satisfies(extras: frozenset[str]) -> bool:
    """True when the recorded install covers `extras` for the current pyproject.toml."""
    try:
        recorded = json.loads(STAMP.read_text())
        installed = frozenset(recorded["extras"])
        return extras <= installed and recorded["fingerprint"] == install_fingerprint(installed)
    except (OSError, ValueError, KeyError, TypeError):
        return False


def ensure_venv(extras: frozenset[str]) -> Path:
    """Create ./.venv when missing and install the project with `extras` unless already done."""
    if sys.version_info < MIN_PYTHON:
        sys.exit(
            f"run.py: Python {'.'.join(map(str, MIN_PYTHON))} or newer is needed, "
            f"this is {sys.version.split()[0]}"
        )
    python = venv_python()
    if not python.exists():
        print(f"run.py: creating a virtual environment in {VENV.relative_to(ROOT)}/", flush=True)
        created = subprocess.run([sys.executable, "-m", "venv", str(VENV)])
        if created.returncode != 0:
            sys.exit(
                "run.py: could not create .venv (on Debian/Ubuntu: apt-get install python3-venv)"
            )
    if stamp_satisfies(extras):
        return python
    spec = f".[{','.join(sorted(extras))}]"
    print(
        f"run.py: installing the project with {spec} into .venv (first run: a few minutes; "
        f"pip's full output goes to {PIP_LOG.relative_to(ROOT)})",
        flush=True,
    )
    pip = [
        str(python),
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--progress-bar",
        "off",
    ]
    if CONSTRAINTS.exists():
        pip += ["--constraint", str(CONSTRAINTS)]
    if run_pip([*pip, "--editable", spec]) != 0:
        sys.exit(
            f"run.py: pip install failed (the last lines of {PIP_LOG.relative_to(ROOT)} are above)"
        )
    STAMP.write_text(
        json.dumps({"extras": sorted(extras), "fingerprint": install_fingerprint(extras)})
    )
    return python


# pip's lines worth a progress line of their own (the rest goes to the log only)
_PIP_STEPS = ("ERROR", "error:")


def _packages(count: int) -> str:
    return f"{count} package" + ("" if count == 1 else "s")


def pip_progress(
    lines: Iterable[str | None],
    heartbeat: float = 15.0,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[str]:
    """What to print while pip works, from pip's output lines (``None`` items: no new line yet).

    A line every few seconds while pip collects packages (how many so far and the latest), one
    when it starts installing them (how many), and a line every ``heartbeat`` seconds of silence
    (the install of a big set says nothing for minutes), then a summary."""
    started = last_said = clock()
    collected: list[str] = []
    for line in lines:
        now = clock()
        if line is not None:
            line = line.strip()
            if line.startswith("Collecting "):
                collected.append(line.split()[1])
                if now - last_said >= 5.0 or len(collected) == 1:
                    yield (
                        f"resolving: {_packages(len(collected))} so far "
                        f"(latest: {collected[-1]}), {now - started:.0f} s"
                    )
                    last_said = now
                continue
            if line.startswith("Installing collected packages:"):
                names = line.split(":", 1)[1].split(",")
                yield (
                    f"installing {_packages(len(names))} ({', '.join(n.strip() for n in names[:4])}"
                    f"{', ...' if len(names) > 4 else ''}), {now - started:.0f} s"
                )
                last_said = now
                continue
            if line.startswith("Successfully installed "):
                yield (
                    f"done: {_packages(len(line.split()) - 2)} installed in {now - started:.0f} s"
                )
                last_said = now
                continue
            if line.startswith(_PIP_STEPS) or (
                line.startswith("Building ") and line.endswith("finished with status 'done'")
            ):
                yield line[:110]
                last_said = now
                continue
        if now - last_said >= heartbeat:
            yield f"still working, {now - started:.0f} s"
            last_said = now


def _lines_with_ticks(stream: IO[str], tick: float) -> Iterator[str | None]:
    """The lines of ``stream``, and ``None`` whenever ``tick`` seconds pass without one."""
    import queue
    import threading

    pending: queue.Queue[str | None] = queue.Queue()

    end = "\x00end"

    def pump() -> None:
        for line in stream:
            pending.put(line)
        pending.put(end)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        try:
            line = pending.get(timeout=tick)
        except queue.Empty:
            yield None
            continue
        if line == end:
            return
        yield line


def run_pip(command: list[str]) -> int:
    """Run pip with its output in PIP_LOG, printing progress lines; its exit status."""
    with (
        PIP_LOG.open("w", encoding="utf-8") as log,
        subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            bufsize=1,
        ) as pip,
    ):
        assert pip.stdout is not None  # stdout=PIPE
        output = pip.stdout

        def logged() -> Iterator[str | None]:
            for line in _lines_with_ticks(output, 1.0):
                if line is not None:
                    log.write(line)
                    log.flush()
                yield line

        for said in pip_progress(logged()):
            print(f"run.py:   {said}", flush=True)
        status = pip.wait()
    if status != 0:
        print("\n".join(PIP_LOG.read_text(errors="replace").splitlines()[-25:]), flush=True)
    return status


def free_port(start: int = 8888, tries: int = 50) -> int:
    """The first port from `start` that nothing on 127.0.0.1 listens on."""
    for port in range(start, start + tries):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    sys.exit(f"run.py: no free port in {start}..{start + tries - 1}; pass --port")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sync_lessons(source: Path = NOTEBOOKS, target: Path = MY_LESSONS) -> list[str]:
    """Copy the lessons into the learner's working copy; returns what it says about them.

    A lesson missing there is copied.  A copy the learner has not changed follows the lesson
    (after a `git pull`, say).  A copy the learner has changed is kept as it is, and the new
    lesson goes beside it as ``NN_name.new.ipynb``: nothing of the learner's is overwritten.
    ``.copied.json`` records, per lesson, the digest of what was last copied."""
    target.mkdir(exist_ok=True)
    ledger_path = target / ".copied.json"
    try:
        ledger: dict[str, str] = json.loads(ledger_path.read_text())
    except (OSError, ValueError):
        ledger = {}
    said: list[str] = []
    for lesson in sorted(source.glob("*.ipynb")):
        mine = target / lesson.name
        fresh = _digest(lesson)
        if not mine.exists():
            mine.write_bytes(lesson.read_bytes())
        elif ledger.get(lesson.name) == fresh:
            continue  # this lesson has not changed since it was copied
        elif _digest(mine) == ledger.get(lesson.name):  # untouched by the learner: follow
            mine.write_bytes(lesson.read_bytes())
            said.append(f"{lesson.name}: updated to the new version of the lesson")
        elif _digest(mine) != fresh:  # changed by the learner, and the lesson changed too
            beside = target / f"{lesson.stem}.new.ipynb"
            beside.write_bytes(lesson.read_bytes())
            said.append(
                f"{lesson.name}: the lesson has a new version, saved as {beside.name} "
                f"(your copy, with your notes, is kept as it is)"
            )
        ledger[lesson.name] = fresh
    ledger_path.write_text(json.dumps(ledger, indent=1, sort_keys=True))
    return said


def lab_settings(state: Path = LAB_STATE) -> tuple[Path, Path]:
    """The project's JupyterLab settings and workspaces folders, with the news pop-up off."""
    settings, workspaces = state / "settings", state / "workspaces"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=1))
    workspaces.mkdir(parents=True, exist_ok=True)
    return settings, workspaces


def lab(args: argparse.Namespace) -> int:
    """Launch JupyterLab on the welcome lesson, printing the address to open."""
    if not 0 <= args.port <= 65535:
        sys.exit(
            f"run.py: --port must be in 1..65535 (or 0 for the first free one), got {args.port}"
        )
    python = ensure_venv(frozenset({"lab"}))
    port = args.port or free_port()
    token = args.token or os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(24)
    url = f"http://127.0.0.1:{port}/lab/tree/{WELCOME}?token={token}"
    for line in sync_lessons():
        print(f"run.py: {line}", flush=True)
    settings, workspaces = lab_settings()
    command = [
        str(python),
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={MY_LESSONS}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspaces}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--LabApp.default_url=/lab/tree/{WELCOME}",
    ]
    if args.no_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI machines run as root
        command.append("--allow-root")
    print(
        f"run.py: the course opens at\n\n    {url}\n\nrun.py: it serves your own copies of "
        f"the lessons, in {MY_LESSONS.relative_to(ROOT)}/ (your notes stay there)\n"
        f"run.py: stop it with Ctrl-C",
        flush=True,
    )
    if os.name == "nt":  # no exec on Windows: wait for the child instead
        return subprocess.run(command, cwd=ROOT).returncode
    os.chdir(ROOT)
    os.execv(command[0], command)  # signals (Ctrl-C, a test's SIGTERM) go straight to Jupyter
    return 0  # not reached


# `run.py test --quick`: everything but the tests that take minutes (pyproject.toml's markers)
QUICK_MARKS = "not browser and not delivery and not slow and not long_property"
# both tiers run on two processes (pytest-xdist; a file's tests, a notebook's cells above all,
# stay together in one process)
TEST_WORKERS = ["-n", "2", "--dist", "loadfile"]


def test_command(python: Path, extra: list[str], quick: bool = False) -> list[str]:
    """pytest over tests/ plus nbval (lax) over the lessons, when there are lessons; ``quick``
    leaves out the browser, delivery, slow and long property tests (the lessons still run)."""
    command = [str(python), "-m", "pytest", "tests", "-p", "no:cacheprovider", *TEST_WORKERS]
    if quick:
        command += ["-m", QUICK_MARKS]
    if sorted(NOTEBOOKS.glob("*.ipynb")):
        command += ["--nbval-lax", "--nbval-current-env", "notebooks"]
    return command + extra


def check_commands(python: Path) -> list[list[str]]:
    """ruff's lint and format check and mypy's type check, as configured in pyproject.toml."""
    return [
        [str(python), "-m", "ruff", "check", "."],
        [str(python), "-m", "ruff", "format", "--check", "."],
        [str(python), "-m", "mypy"],
    ]


def run_checks(python: Path) -> int:
    """Lint, check the format and type-check before the tests; the first failure's exit status,
    else 0."""
    for command in check_commands(python):
        print("run.py: " + " ".join(command[1:]), flush=True)
        status = subprocess.run(command, cwd=ROOT).returncode
        if status != 0:
            print(f"run.py: {command[2]} found problems (above); the tests did not run", flush=True)
            return status
    return 0


def test(args: argparse.Namespace) -> int:
    """Lint and check the format (ruff), type-check (mypy), then run every test; the exit status is the first failing
    step's (pytest's 5, no test collected, counts as failure)."""
    python = ensure_venv(frozenset({"lab", "test", "dask"}))
    checked = run_checks(python)
    if checked != 0:
        return checked
    command = test_command(python, args.pytest_args, quick=args.quick)
    print("run.py: " + " ".join(command[1:]), flush=True)
    print(
        "run.py: pytest shows a dot per test passed and, at each line's end, the share done; "
        "the browser and fresh-clone tests take minutes each",
        flush=True,
    )
    started = time.monotonic()
    # unbuffered: the progress reaches a CI log as it happens, not in blocks
    status = subprocess.run(
        command, cwd=ROOT, env=dict(os.environ, PYTHONUNBUFFERED="1")
    ).returncode
    minutes, seconds = divmod(round(time.monotonic() - started), 60)
    print(
        f"run.py: the tests took {minutes} min {seconds} s (pytest's exit status: {status})",
        flush=True,
    )
    return status


def lesson_notebook(number: str, source: Path = NOTEBOOKS) -> str | None:
    """The file name of lesson ``number`` ("3" or "03"), or None when there is no such lesson."""
    if not (number.isascii() and number.isdigit()):
        return None
    found = sorted(source.glob(f"{int(number):02d}_*.ipynb"))
    found = [f for f in found if not f.name.endswith(".new.ipynb")]
    return found[0].name if found else None


def write_presenter_copies(python: Path, target: Path = PRESENT) -> list[str]:
    """Write the Voila copies of the course's notebooks into ``target``, afresh; their names.

    Whatever was there before goes (notebooks and the presenter's journal): every start is a
    clean class.  The committed notebooks/ are only read, never written."""
    target.mkdir(exist_ok=True)
    for old in [*target.glob("*.ipynb"), target / PRESENT_JOURNAL]:
        old.unlink(missing_ok=True)
    done = subprocess.run(
        [str(python), "-c", _WRITE_PRESENTER_COPIES, str(ROOT / "tools"), str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"run.py: could not write the presenter copies:\n{done.stderr[-2000:]}")
    return done.stdout.split()


def presenter_command(python: Path, port: int, root: Path = PRESENT) -> list[str]:
    """Voila serving every notebook in ``root`` (a lesson at /voila/render/NAME), code hidden."""
    return [
        str(python),
        "-m",
        "voila",
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        f"--Voila.root_dir={root}",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--theme=light",
    ]


def presenter_env(root: Path = PRESENT) -> dict[str, str]:
    """The environment of Voila and its kernels: the presenter's own journal, in ``root``."""
    return dict(
        os.environ, POPIMAP_JOURNAL=str(root / PRESENT_JOURNAL), PYDEVD_DISABLE_FILE_VALIDATION="1"
    )


def can_open_browser() -> bool:
    """A graphical browser can be opened here (not on a bare SSH session or a CI machine)."""
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def wait_until_ready(url: str, process: subprocess.Popen, seconds: float = 120.0) -> bool:
    """True once ``url`` answers (Voila is listening); False if it exits or takes too long."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2.0):
                return True
        except urllib.error.HTTPError:
            return True  # it answers, if not with 200
        except OSError:
            time.sleep(0.3)
    return False


def present(args: argparse.Namespace) -> int:
    """Show lesson N in Voila: the prose and the dashboards, no code, for a lecture."""
    notebook = lesson_notebook(args.lesson)
    if notebook is None:
        lessons = sorted(
            int(f.name[:2])
            for f in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")
            if not f.name.endswith(".new.ipynb")
        )
        span = f"{lessons[0]}-{lessons[-1]}" if lessons else "none"
        print(
            f"run.py: present: no lesson {args.lesson!r}; the lessons are {span}", file=sys.stderr
        )
        return 2
    if not 0 <= args.port <= 65535:
        print(
            f"run.py: --port must be in 1..65535 (or 0 for the first free one), got {args.port}",
            file=sys.stderr,
        )
        return 2
    python = ensure_venv(frozenset({"lab"}))
    written = write_presenter_copies(python)
    if notebook not in written:
        sys.exit(f"run.py: the presenter copies have no {notebook} (wrote {', '.join(written)})")
    port = args.port or free_port(8866)
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/voila/render/{notebook}"
    print(
        f"run.py: lesson {int(args.lesson)} is presented at\n\n    {url}\n\n"
        f"run.py: every lesson is at {base}/ ; the prose and dashboards show, not the code\n"
        f"run.py: predictions made here are kept in {PRESENT.relative_to(ROOT)}/"
        f"{PRESENT_JOURNAL}, apart from the lab's, and forgotten at the next start\n"
        f"run.py: stop it with Ctrl-C",
        flush=True,
    )
    voila = subprocess.Popen(presenter_command(python, port), cwd=PRESENT, env=presenter_env())
    # a SIGTERM to run.py (a test, a service manager) stops Voila and its kernels with it
    signal.signal(signal.SIGTERM, lambda _signum, _frame: voila.terminate())
    try:
        if wait_until_ready(f"{base}/", voila) or voila.poll() is None:
            print(
                f"run.py: ready: {url}\nrun.py: (a lesson takes a few seconds to appear: "
                "it runs as the page opens)",
                flush=True,
            )
            if not args.no_browser and can_open_browser():
                webbrowser.open(url)
        return voila.wait()
    except KeyboardInterrupt:
        # Ctrl-C reached Voila as well (same terminal); give it a moment to stop its kernels
        try:
            voila.wait(timeout=10)
        except subprocess.TimeoutExpired:
            voila.terminate()
            try:
                voila.wait(timeout=5)
            except subprocess.TimeoutExpired:
                voila.kill()
                voila.wait()
        print("\nrun.py: the presenter stopped", flush=True)
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    lab_parser = commands.add_parser("lab", help="launch the course in JupyterLab")
    lab_parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="port on 127.0.0.1 (default: the first free one from 8888)",
    )
    lab_parser.add_argument(
        "--no-browser", action="store_true", help="only print the address, do not open a browser"
    )
    lab_parser.add_argument(
        "--token", default="", help="access token (default: $JUPYTER_TOKEN or a random one)"
    )
    lab_parser.set_defaults(run=lab)
    test_parser = commands.add_parser("test", help="run all tests (extra arguments go to pytest)")
    test_parser.add_argument(
        "--quick",
        action="store_true",
        help="leave out the browser, delivery, slow and long property tests (a few minutes)",
    )
    test_parser.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="passed to pytest, e.g. -k browser -x"
    )
    test_parser.set_defaults(run=test)
    present_parser = commands.add_parser(
        "present", help="show a lesson in Voila for a lecture: prose and dashboards, no code"
    )
    present_parser.add_argument(
        "lesson", nargs="?", default="0", help="the lesson's number, 0-11 (default 0, the welcome)"
    )
    present_parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="port on 127.0.0.1 (default: the first free one from 8866)",
    )
    present_parser.add_argument(
        "--no-browser", action="store_true", help="only print the address, do not open a browser"
    )
    present_parser.set_defaults(run=present)
    # pytest's own options (-k, -x, -n ...) go through: argparse would take a leading one for
    # an option of run.py's and refuse it, REMAINDER notwithstanding
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        if args.run is not test:
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.pytest_args = unknown + args.pytest_args
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
