#!/usr/bin/env python3
"""The two set-up commands of POP vs IMAP Lab, needing nothing but Python 3.11+.

    python3 run.py lab     # install into ./.venv if needed, launch JupyterLab on the welcome lesson
    python3 run.py test    # install into ./.venv if needed, run every test (pytest + notebooks)
    python3 run.py build   # compile the model's hot modules (mypyc; `test` does it too)

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
import socket
import subprocess
import sys
from pathlib import Path

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
LAB_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
                 {"fetchNews": "false", "checkForUpdates": False}}
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
            sys.exit("run.py: could not create .venv (on Debian/Ubuntu: apt-get install python3-venv)")
    if stamp_satisfies(extras):
        return python
    spec = f".[{','.join(sorted(extras))}]"
    print(f"run.py: installing the project with {spec} into .venv (first run: about a minute)",
          flush=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if CONSTRAINTS.exists():
        pip += ["--constraint", str(CONSTRAINTS)]
    if subprocess.run([*pip, "--editable", spec], cwd=ROOT).returncode != 0:
        sys.exit("run.py: pip install failed (see above)")
    STAMP.write_text(json.dumps({"extras": sorted(extras),
                                 "fingerprint": install_fingerprint(extras)}))
    return python


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
            said.append(f"{lesson.name}: the lesson has a new version, saved as {beside.name} "
                        f"(your copy, with your notes, is kept as it is)")
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
        sys.exit(f"run.py: --port must be in 1..65535 (or 0 for the first free one), got {args.port}")
    python = ensure_venv(frozenset({"lab"}))
    port = args.port or free_port()
    token = args.token or os.environ.get("JUPYTER_TOKEN") or secrets.token_hex(24)
    url = f"http://127.0.0.1:{port}/lab/tree/{WELCOME}?token={token}"
    for line in sync_lessons():
        print(f"run.py: {line}", flush=True)
    settings, workspaces = lab_settings()
    command = [
        str(python), "-m", "jupyter", "lab",
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
    print(f"run.py: the course opens at\n\n    {url}\n\nrun.py: it serves your own copies of "
          f"the lessons, in {MY_LESSONS.relative_to(ROOT)}/ (your notes stay there)\n"
          f"run.py: stop it with Ctrl-C", flush=True)
    if os.name == "nt":  # no exec on Windows: wait for the child instead
        return subprocess.run(command, cwd=ROOT).returncode
    os.chdir(ROOT)
    os.execv(command[0], command)  # signals (Ctrl-C, a test's SIGTERM) go straight to Jupyter
    return 0  # not reached


def test_command(python: Path, extra: list[str]) -> list[str]:
    """pytest over tests/ plus nbval (lax) over the lessons, when there are lessons."""
    command = [str(python), "-m", "pytest", "tests", "-p", "no:cacheprovider"]
    if sorted(NOTEBOOKS.glob("*.ipynb")):
        command += ["--nbval-lax", "--nbval-current-env", "notebooks"]
    return command + extra


def build_native(python: Path) -> bool:
    """Compile the model's hot modules (tools/build_native.py; quick when up to date)."""
    done = subprocess.run([str(python), str(ROOT / "tools" / "build_native.py")], cwd=ROOT)
    return done.returncode == 0


def build(args: argparse.Namespace) -> int:
    """Make the compiled build of the model (big scenarios in about 60 % of the time)."""
    python = ensure_venv(frozenset({"native"}))
    return 0 if build_native(python) else 1


def test(args: argparse.Namespace) -> int:
    """Run every test; the exit status is pytest's (5, no test collected, counts as failure).
    The tests run on the compiled model when it can be built (CI requires it: it sets
    POPIMAP_REQUIRE_NATIVE=1), else on the pure-Python one, which gives the same results."""
    python = ensure_venv(frozenset({"lab", "test", "native"}))
    if not build_native(python):
        if os.environ.get("POPIMAP_REQUIRE_NATIVE") == "1":
            sys.exit("run.py: the compiled build failed and POPIMAP_REQUIRE_NATIVE=1 requires it")
        print("run.py: the compiled build failed (see above); testing the pure-Python model",
              flush=True)
    command = test_command(python, args.pytest_args)
    print("run.py: " + " ".join(command[1:]), flush=True)
    return subprocess.run(command, cwd=ROOT).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    lab_parser = commands.add_parser("lab", help="launch the course in JupyterLab")
    lab_parser.add_argument("--port", type=int, default=0,
                            help="port on 127.0.0.1 (default: the first free one from 8888)")
    lab_parser.add_argument("--no-browser", action="store_true",
                            help="only print the address, do not open a browser")
    lab_parser.add_argument("--token", default="",
                            help="access token (default: $JUPYTER_TOKEN or a random one)")
    lab_parser.set_defaults(run=lab)
    test_parser = commands.add_parser("test", help="run all tests (extra arguments go to pytest)")
    test_parser.add_argument("pytest_args", nargs=argparse.REMAINDER,
                             help="passed to pytest, e.g. -k browser -x")
    test_parser.set_defaults(run=test)
    build_parser = commands.add_parser(
        "build", help="compile the model's hot modules with mypyc (faster big scenarios)")
    build_parser.set_defaults(run=build)
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
