"""Binder's environment, built from binder/ alone as repo2docker would (short of Docker), runs
the welcome lesson; and binder/ agrees with pyproject.toml."""

from __future__ import annotations

import importlib.metadata
import json
import re
import sys
import tomllib
from pathlib import Path

import pytest
from delivery_tools import ROOT, base_python, clean_env, copy_repository, run
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

BINDER = ROOT / "binder"
WELCOME = Path("notebooks") / "00_welcome.ipynb"
TOGETHER = ("jupyterlab", "ipywidgets", "jupyterlab-widgets")


def binder_pins() -> dict[str, str]:
    """name -> exact version from binder/requirements.txt (every line must be `name==version`)."""
    pins = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.+!-]*)", line)
        assert match, f"binder/requirements.txt: {line!r} is not pinned as name==version"
        pins[canonicalize_name(match[1])] = match[2]
    return pins


def test_binder_pins_every_direct_dependency_within_pyproject_ranges() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [
        Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["lab"]
    ]
    pins = binder_pins()
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"binder/requirements.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(pins[name]), (
            f"binder pins {name}=={pins[name]}, outside pyproject's {requirement}"
        )
    assert all(name in pins for name in TOGETHER)


def test_the_tests_run_with_binders_pins() -> None:
    """run.py installs with binder/requirements.txt as constraints, so the browser test checks
    the very widget/lab versions that Binder serves."""
    installed = {name: importlib.metadata.version(name) for name in binder_pins()}
    differing = {
        name: (installed[name], pin)
        for name, pin in binder_pins().items()
        if installed[name] != pin
    }
    assert differing == {}, (
        f"installed vs pinned: {differing} (make .venv with python3 run.py test)"
    )


def test_binder_files_are_what_repo2docker_expects() -> None:
    post_build = (BINDER / "postBuild").read_text()
    assert post_build.startswith("#!/bin/bash")
    assert (BINDER / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    assert re.search(r"pip install --no-deps .*\.\s*$", post_build, re.MULTILINE)
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}"


@pytest.mark.slow
@pytest.mark.delivery
@pytest.mark.timeout(900)
def test_binder_environment_executes_the_welcome_lesson(tmp_path: Path) -> None:
    assert (ROOT / WELCOME).exists(), f"{WELCOME} is missing"
    repo = copy_repository(tmp_path / "repo")
    env_dir = tmp_path / "env"
    bin_dir = env_dir / "bin"
    env = clean_env(tmp_path, VIRTUAL_ENV=str(env_dir))
    env["PATH"] = f"{bin_dir}:{env['PATH']}"

    run([base_python(), "-m", "venv", str(env_dir)], repo, env, timeout=120)
    run(
        [
            str(bin_dir / "python"),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "-q",
            "-r",
            "binder/requirements.txt",
        ],
        repo,
        env,
        timeout=600,
    )
    run(["bash", "binder/postBuild"], repo, env, timeout=300)

    # the pins hold together and the widget front-end is the one ipywidgets expects
    run([str(bin_dir / "python"), "-m", "pip", "check"], repo, env, timeout=60)
    extensions = run([str(bin_dir / "jupyter"), "labextension", "list"], repo, env, timeout=60)
    extensions = re.sub(r"\x1b\[[0-9;]*m", "", extensions)  # drop terminal colours
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v5\.\S+ enabled\s+OK", extensions), (
        extensions
    )
    # the project came from postBuild (installed, not imported from the working tree)
    where = run(
        [str(bin_dir / "python"), "-c", "import course, sim; print(course.__file__)"],
        tmp_path,
        env,
        timeout=60,
    )
    assert "site-packages" in where

    out = tmp_path / "executed"
    run(
        [
            str(bin_dir / "jupyter"),
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.timeout=300",
            "--output-dir",
            str(out),
            str(WELCOME),
        ],
        repo,
        env,
        timeout=600,
    )
    executed = json.loads((out / WELCOME.name).read_text())
    code = [c for c in executed["cells"] if c["cell_type"] == "code"]
    assert code and all(c["execution_count"] is not None for c in code)
    errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert errors == []
