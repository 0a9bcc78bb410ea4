"""A JupyterLab server for browser tests: loopback, a free port, a token, and no side effects.

The server never saves notebooks (autosave off, so a test run cannot write outputs into the
committed lessons), keeps its workspace and runtime files in a temporary folder, and asks the
internet for nothing (no news, no update check).
"""

from __future__ import annotations

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
from dataclasses import dataclass
from pathlib import Path

STARTUP_SECONDS = 90.0


def free_port() -> int:
    """A port on 127.0.0.1 that the OS says is free right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop_group(process: subprocess.Popen, seconds: float = 15.0) -> None:
    """End a server started with ``start_new_session`` and the kernels it started: a polite
    SIGTERM to its process group, then SIGKILL if it has not stopped within ``seconds``."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def http_json(url: str, timeout: float = 5.0) -> tuple[int, object]:
    """GET `url`; the status code and the decoded JSON body (None when it is not JSON)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        return error.code, None
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


def wait_for_status(
    base_url: str, token: str, seconds: float, process: subprocess.Popen | None = None
) -> dict:
    """Poll `/api/status` until the server answers 200; fail early if the process died."""
    deadline = time.monotonic() + seconds
    last_error = "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with status {process.returncode} before answering"
            )
        try:
            status, body = http_json(f"{base_url}/api/status?token={token}", timeout=2.0)
            if status == 200 and isinstance(body, dict):
                return body
            last_error = f"HTTP {status}"
        except OSError as error:
            last_error = str(error)
        time.sleep(0.25)
    raise TimeoutError(
        f"JupyterLab at {base_url} did not answer /api/status in {seconds:.0f} s ({last_error})"
    )


def write_lab_settings(settings_dir: Path) -> None:
    """User settings for the test server: no autosave, no news pop-ups."""
    values = {
        "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }
    for relative, content in values.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content))


@dataclass
class LabServer:
    """A running JupyterLab: where it listens, its token, and the process to stop."""

    root: Path
    port: int
    token: str
    process: subprocess.Popen
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lab_url(self, relative_path: str) -> str:
        """The address that opens `relative_path` (from the root) in JupyterLab, fresh workspace."""
        return f"{self.base_url}/lab/tree/{relative_path}?reset&token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def shutdown_kernels(self) -> None:
        """End every session's kernel, so the next lesson has both cores to itself."""
        headers = {"Authorization": f"token {self.token}"}
        listing = urllib.request.Request(f"{self.base_url}/api/sessions", headers=headers)
        with urllib.request.urlopen(listing, timeout=10) as response:
            sessions = json.loads(response.read())
        for session in sessions:
            request = urllib.request.Request(
                f"{self.base_url}/api/sessions/{session['id']}", headers=headers, method="DELETE"
            )
            with urllib.request.urlopen(request, timeout=30):
                pass

    def stop(self) -> None:
        """Stop the server and every kernel it started (they share its process group)."""
        stop_group(self.process)


def start_lab(root: Path, work_dir: Path) -> LabServer:
    """Start JupyterLab serving `root`, with its private files under `work_dir`."""
    port, token = free_port(), secrets.token_hex(16)
    settings = work_dir / "user-settings"
    write_lab_settings(settings)
    env = dict(
        os.environ,
        JUPYTER_RUNTIME_DIR=str(work_dir / "runtime"),
        JUPYTER_CONFIG_DIR=str(work_dir / "config"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    log_path = work_dir / "jupyterlab.log"
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={work_dir / 'workspaces'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # CI runs as root
        command.append("--allow-root")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = LabServer(root, port, token, process, log_path)
    try:
        wait_for_status(server.base_url, token, STARTUP_SECONDS, process)
    except Exception as error:
        server.stop()
        raise RuntimeError(
            f"JupyterLab did not start; its log ends:\n{server.log_tail()}"
        ) from error
    return server
