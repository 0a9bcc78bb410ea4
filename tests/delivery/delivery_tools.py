"""Helpers shared by the launch-path tests: a clean Python, a clean environment, HTTP polling."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def load_run_py():
    """run.py as a module: it is a script, not part of an installed package."""
    spec = importlib.util.spec_from_file_location("run_py", ROOT / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    """A port on 127.0.0.1 that the OS says is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def readme_commands() -> list[str]:
    """Each line of the README's command blocks, its comment dropped: what a reader types."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", readme, re.DOTALL)
    return [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]


def base_python() -> str:
    """The interpreter the test venv was made from: what a fresh machine's `python3` is."""
    return getattr(sys, "_base_executable", None) or sys.executable


def clean_env(work: Path, **extra: str) -> dict[str, str]:
    """The environment minus this test run's virtualenv, with Jupyter's files kept in `work`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH"}
    }
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin
    )
    env.update(
        JUPYTER_RUNTIME_DIR=str(work / "jupyter-runtime"),
        JUPYTER_CONFIG_DIR=str(work / "jupyter-config"),
        JUPYTER_DATA_DIR=str(work / "jupyter-data"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    env.update(extra)
    return env


def copy_repository(destination: Path) -> Path:
    """The working tree without environments, caches or artifacts (what repo2docker copies)."""
    shutil.copytree(
        ROOT,
        destination,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "artifacts",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".hypothesis",
            ".pytest_cache",
            ".ipynb_checkpoints",
            ".virtual_documents",
        ),
    )
    return destination


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    """Run a command; on failure raise with its output, which says what went wrong."""
    done = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-4000:]}"
        )
    return done.stdout


def get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def put_json(url: str, body: dict, timeout: float = 30.0) -> tuple[int, bytes]:
    """PUT ``body`` as JSON (what JupyterLab's autosave sends to the contents API)."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for_json(url: str, seconds: float, process: subprocess.Popen) -> dict:
    """Poll `url` until it answers 200 with JSON; stop early if `process` has exited."""
    deadline = time.monotonic() + seconds
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the launch command exited with status {process.returncode}")
        try:
            status, body = get(url, timeout=3.0)
            if status == 200:
                return json.loads(body)
            last = f"HTTP {status}"
        except OSError as error:
            last = str(error)
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds:.0f} s ({last})")
