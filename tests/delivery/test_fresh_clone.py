"""A fresh clone, the README's launch command, and JupyterLab answering with the welcome lesson.

This runs the real launch path: `python3 run.py lab` in a new clone creates its own .venv,
installs the project with the `lab` extra, and starts JupyterLab; then the test stops it.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
from pathlib import Path

import pytest
from delivery_tools import (
    ROOT,
    base_python,
    clean_env,
    free_port,
    get,
    put_json,
    run,
    wait_for_json,
)

WELCOME = "00_welcome.ipynb"  # served from the learner's copies, my_lessons/


def _stop(process: subprocess.Popen) -> None:
    """Stop the launcher's whole process group (JupyterLab and any kernel)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.mark.slow
@pytest.mark.delivery
@pytest.mark.timeout(600)
def test_fresh_clone_launches_the_course(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    env = clean_env(tmp_path)
    run(["git", "clone", "--quiet", str(ROOT), str(clone)], tmp_path, env, timeout=120)
    assert not (clone / ".venv").exists()

    port, token = free_port(), secrets.token_hex(16)
    log_path = tmp_path / "launch.log"
    with log_path.open("wb") as log:
        launcher = subprocess.Popen(
            [base_python(), "run.py", "lab", "--port", str(port), "--no-browser", "--token", token],
            cwd=clone,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            status = wait_for_json(f"{base}/api/status?token={token}", 300, launcher)
        except AssertionError as error:
            raise AssertionError(f"{error}\nlaunch log:\n{log_path.read_text()[-4000:]}") from error
        assert "started" in status
        printed = log_path.read_text()
        assert f"http://127.0.0.1:{port}/lab/tree/{WELCOME}?token={token}" in printed

        # a wrong token is refused: the server is not open to anyone on the machine
        assert get(f"{base}/api/contents?token=wrong")[0] == 403

        assert (clone / "notebooks" / WELCOME).exists(), f"{WELCOME} is not committed"
        code, body = get(f"{base}/api/contents/{WELCOME}?token={token}")
        assert code == 200
        lesson = json.loads(body)
        assert lesson["type"] == "notebook" and lesson["content"]["cells"]
        code, page = get(f"{base}/lab/tree/{WELCOME}?token={token}")
        assert code == 200 and b"JupyterLab" in page
        # the clone has its own environment, made by the launch command
        assert (clone / ".venv" / "bin" / "jupyter").exists()

        # save the lesson as the browser's autosave does, with kernel metadata and an output:
        # the learner's copy changes, no tracked file does
        saved = lesson["content"]
        saved["metadata"]["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
        code_cell = next(c for c in saved["cells"] if c["cell_type"] == "code")
        code_cell["outputs"] = [
            {"output_type": "stream", "name": "stdout", "text": "a learner's run\n"}
        ]
        code_cell["execution_count"] = 1
        code, _ = put_json(
            f"{base}/api/contents/{WELCOME}?token={token}",
            {"type": "notebook", "format": "json", "content": saved},
        )
        assert code == 200
        assert "a learner's run" in (clone / "my_lessons" / WELCOME).read_text()
        porcelain = run(["git", "status", "--porcelain"], clone, env, timeout=60)
        assert porcelain == "", f"using the lab modified the checkout:\n{porcelain}"
        # JupyterLab's settings are the project's: the news pop-up is off
        news = (
            clone
            / ".lab"
            / "settings"
            / "@jupyterlab"
            / "apputils-extension"
            / "notification.jupyterlab-settings"
        )
        assert json.loads(news.read_text())["fetchNews"] == "false"
        code, body = get(
            f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification?token={token}"
        )
        assert code == 200 and json.loads(body)["settings"]["fetchNews"] == "false"
        # ... and so is the workspace: the layout JupyterLab saves (its open tabs) lands in the
        # project's git-ignored .lab folder, not in the user's Jupyter folders, so tabs another
        # course left open never reopen here and this course's never reopen there
        layout = {
            "data": {"layout-restorer:data": {"main": {"current": f"notebook:{WELCOME}"}}},
            "metadata": {"id": "default"},
        }
        code, _ = put_json(f"{base}/lab/api/workspaces/default?token={token}", layout)
        assert code in (200, 204), code
        kept = list((clone / ".lab" / "workspaces").glob("*.jupyterlab-workspace"))
        assert len(kept) == 1 and f"notebook:{WELCOME}" in kept[0].read_text()
        assert not list((tmp_path / "jupyter-config").rglob("*.jupyterlab-workspace"))
        porcelain = run(["git", "status", "--porcelain"], clone, env, timeout=60)
        assert porcelain == "", f"saving the workspace modified the checkout:\n{porcelain}"
    finally:
        _stop(launcher)
    assert launcher.returncode is not None
