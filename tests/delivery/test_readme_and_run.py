"""The README's promises hold: its two commands are the ones run.py and .ci/run implement, the
Binder badge opens the welcome lesson, the pictures it shows exist; run.py installs only when
needed."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from delivery_tools import ROOT, load_run_py, readme_commands

README = (ROOT / "README.md").read_text(encoding="utf-8")
LAUNCH, TEST = "python3 run.py lab", "python3 run.py test"


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one() -> None:
    commands = readme_commands()
    assert LAUNCH in commands and TEST in commands
    ci_lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert ci_lines[0] == "set -euo pipefail"
    assert ci_lines[-1] == TEST, "the last thing .ci/run does must be the README's test command"


def test_binder_badge_opens_the_welcome_lesson_in_jupyterlab() -> None:
    links = re.findall(r"\((https://mybinder\.org/v2/gh/[^)\s]+)\)", README)
    assert len(links) == 1, links
    url = urlsplit(links[0])
    assert re.fullmatch(r"/v2/gh/[^/]+/[^/]+/HEAD", url.path)
    urlpath = parse_qs(url.query)["urlpath"][0]
    assert urlpath == "lab/tree/notebooks/00_welcome.ipynb"
    lesson = ROOT / urlpath.removeprefix("lab/tree/")
    assert lesson.exists(), f"{lesson.relative_to(ROOT)} is missing"
    assert json.loads(lesson.read_text())["cells"]


def test_every_local_link_and_picture_in_the_readme_exists() -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    local = [t for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    missing = [t for t in local if not (ROOT / t).exists()]
    assert missing == []
    for picture in re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", README):
        if not picture.startswith("http"):
            assert (ROOT / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_readme_lists_every_lesson_in_the_notebooks_folder() -> None:
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert f"(notebooks/{notebook.name})" in README, f"README does not list {notebook.name}"


def test_run_py_installs_again_only_when_pyproject_or_extras_change(tmp_path, monkeypatch):
    run_py = load_run_py()
    monkeypatch.setattr(run_py, "ROOT", tmp_path)
    monkeypatch.setattr(run_py, "STAMP", tmp_path / "stamp.json")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    lab_and_test = frozenset({"lab", "test"})
    assert not run_py.stamp_satisfies(frozenset({"lab"}))  # nothing installed yet
    run_py.STAMP.write_text(
        json.dumps(
            {
                "extras": sorted(lab_and_test),
                "fingerprint": run_py.install_fingerprint(lab_and_test),
            }
        )
    )
    assert run_py.stamp_satisfies(frozenset({"lab"}))  # test installs a superset of lab
    assert run_py.stamp_satisfies(lab_and_test)
    assert not run_py.stamp_satisfies(frozenset({"lab", "docs"}))
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '2'\n")
    assert not run_py.stamp_satisfies(frozenset({"lab"}))  # pyproject changed: install again
    run_py.STAMP.write_text("not json")
    assert not run_py.stamp_satisfies(frozenset({"lab"}))


def test_run_py_test_command_adds_the_lessons_only_when_there_are_some(tmp_path, monkeypatch):
    run_py = load_run_py()
    monkeypatch.setattr(run_py, "NOTEBOOKS", tmp_path)
    python = Path("/venv/bin/python")
    assert run_py.test_command(python, ["-x"]) == [
        "/venv/bin/python",
        "-m",
        "pytest",
        "tests",
        "-p",
        "no:cacheprovider",
        "-n",
        "2",
        "--dist",
        "loadfile",
        "-x",
    ]
    (tmp_path / "00_welcome.ipynb").write_text("{}")
    command = run_py.test_command(python, [])
    assert "--nbval-lax" in command and command[-1] == "notebooks"


def test_run_py_copies_the_lessons_and_never_overwrites_a_learners_copy(tmp_path) -> None:
    """The lab serves copies of the lessons: new ones are copied, untouched copies follow a
    changed lesson, a copy the learner changed is kept and the new lesson goes beside it."""
    run_py = load_run_py()
    source, mine = tmp_path / "notebooks", tmp_path / "my_lessons"
    source.mkdir()
    (source / "00_welcome.ipynb").write_text("v1")
    (source / "01_where.ipynb").write_text("v1")
    assert run_py.sync_lessons(source, mine) == []
    assert (mine / "00_welcome.ipynb").read_text() == "v1"
    (mine / "01_where.ipynb").write_text("v1 and my notes")  # the learner ran and saved it
    assert run_py.sync_lessons(source, mine) == []  # nothing changed upstream: nothing said
    (source / "00_welcome.ipynb").write_text("v2")  # a `git pull` brings new versions
    (source / "01_where.ipynb").write_text("v2")
    said = run_py.sync_lessons(source, mine)
    assert (mine / "00_welcome.ipynb").read_text() == "v2"  # untouched: follows
    assert (mine / "01_where.ipynb").read_text() == "v1 and my notes"  # kept
    assert (mine / "01_where.new.ipynb").read_text() == "v2"
    assert len(said) == 2 and "your copy, with your notes, is kept" in said[1]
    assert run_py.sync_lessons(source, mine) == []  # told once


def test_run_py_lab_settings_are_the_projects(tmp_path) -> None:
    run_py = load_run_py()
    settings, workspaces = run_py.lab_settings(tmp_path / ".lab")
    assert workspaces.is_dir() and settings.is_relative_to(tmp_path)
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    assert json.loads(news.read_text()) == {"fetchNews": "false", "checkForUpdates": False}
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "my_lessons/" in ignored and ".lab/" in ignored


def test_run_py_rejects_a_bad_port() -> None:
    run_py = load_run_py()
    with pytest.raises(SystemExit, match="--port must be in"):
        run_py.main(["lab", "--port", "70000"])


def test_run_py_refuses_options_only_pytest_would_know_outside_test(capsys) -> None:
    run_py = load_run_py()
    with pytest.raises(SystemExit) as exit_info:
        run_py.main(["lab", "-k", "layers"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: -k" in capsys.readouterr().err


def test_run_py_refuses_an_unknown_command(capsys) -> None:
    run_py = load_run_py()
    with pytest.raises(SystemExit) as exit_info:
        run_py.main(shlex.split("serve"))
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def _readme_module_commands() -> list[list[str]]:
    """`python -m sim ...` / `python -m course ...` lines the README tells people to type."""
    found = re.findall(r"python -m ((?:sim|course) [a-z]+)", README)
    return sorted({tuple(command.split()) for command in found})


def test_readme_names_the_lecture_and_server_commands() -> None:
    commands = {" ".join(c) for c in _readme_module_commands()}
    assert {"sim serve", "sim transcript", "sim compare", "course figures"} <= commands
    assert "course/INSTRUCTOR.md" in README and (ROOT / "course" / "INSTRUCTOR.md").exists()


@pytest.mark.parametrize("command", _readme_module_commands(), ids=" ".join)
def test_every_command_in_the_readme_exists(command: tuple[str, ...]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", *command, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "usage" in done.stdout.lower()


# the README's command-line block names the course's environment by this path (POSIX layout)
VENV_PYTHON = ".venv/bin/python"


def _readme_venv_lines() -> list[str]:
    return [c for c in readme_commands() if c.startswith(f"{VENV_PYTHON} -m ")]


def test_readme_command_line_block_uses_the_environment_run_py_makes() -> None:
    assert len(_readme_venv_lines()) >= 5
    if os.name != "nt":
        assert load_run_py().venv_python() == ROOT / VENV_PYTHON


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("line", _readme_venv_lines())
def test_readme_command_line_block_runs_as_written(line: str) -> None:
    """Each line, typed as the README shows it after set-up, works; `sim serve` (which runs
    until stopped) must get as far as READY, then it is stopped."""
    command = [sys.executable, *shlex.split(line)[1:]]  # this test run's .venv/bin/python
    if command[2:4] == ["sim", "serve"]:
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            said = []
            for said_line in server.stdout:  # until READY (or the end, if it exits)
                said.append(said_line)
                if said_line == "READY\n":
                    break
        finally:
            server.terminate()
            server.wait(timeout=30)
        assert "READY\n" in said and any(s.startswith("POP3 127.0.0.1 ") for s in said), said
        return
    done = subprocess.run(
        command, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip(), "printed nothing"


def _stub_run_py(monkeypatch):
    """run.py with the install and pytest stubbed out (recorded)."""
    run_py = load_run_py()
    seen: dict[str, list] = {"extras": [], "commands": []}

    def ensure_venv(extras):
        seen["extras"].append(set(extras))
        return Path("/venv/bin/python")

    def fake_run(command, **_kw):
        seen["commands"].append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(run_py, "ensure_venv", ensure_venv)
    monkeypatch.setattr(run_py.subprocess, "run", fake_run)
    return run_py, seen


def test_run_py_test_runs_pytest_alone_with_its_options(monkeypatch) -> None:
    run_py, seen = _stub_run_py(monkeypatch)
    assert run_py.main(["test", "-k", "layers", "-x"]) == 0
    assert [c[2:4] for c in seen["commands"]] == [
        ["ruff", "check"],
        ["ruff", "format"],
        ["mypy"],
        ["pytest", "tests"],
    ]
    assert seen["commands"][-1][1:4] == ["-m", "pytest", "tests"]
    assert seen["commands"][-1][-3:] == ["-k", "layers", "-x"]  # pytest's options reach it
    assert seen["extras"] == [{"lab", "test", "dask"}]
    with pytest.raises(SystemExit):  # the compiled build is gone, and its command with it
        run_py.main(["build"])


def test_run_py_test_lints_and_type_checks_first_and_stops_on_a_finding(monkeypatch) -> None:
    run_py, seen = _stub_run_py(monkeypatch)
    assert run_py.main(["test"]) == 0
    assert [c[2:4] for c in seen["commands"]] == [
        ["ruff", "check"],
        ["ruff", "format"],
        ["mypy"],
        ["pytest", "tests"],
    ]

    def ruff_finds_something(command, **_kw):
        seen["commands"].append(command)
        return subprocess.CompletedProcess(command, 1 if "ruff" in command else 0)

    monkeypatch.setattr(run_py.subprocess, "run", ruff_finds_something)
    seen["commands"].clear()
    assert run_py.main(["test"]) == 1
    assert [c[2] for c in seen["commands"]] == ["ruff"]  # neither mypy nor pytest ran


def test_run_py_test_quick_leaves_out_the_slow_marks_and_passes_the_rest(monkeypatch) -> None:
    run_py, seen = _stub_run_py(monkeypatch)
    assert run_py.main(["test", "--quick", "-k", "layers"]) == 0
    pytest_command = seen["commands"][-1]
    marks = pytest_command[pytest_command.index("-m", 3) + 1]
    assert marks == "not browser and not delivery and not slow and not long_property"
    assert pytest_command[pytest_command.index("-n") + 1] == "2"
    assert pytest_command[-2:] == ["-k", "layers"]
    run_py.main(["test"])
    full = seen["commands"][-1]
    assert "-m" not in full[3:]  # the full tier selects nothing out
    assert full[full.index("-n") + 1] == "2"  # and runs on two processes as well
