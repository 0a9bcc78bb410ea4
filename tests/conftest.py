"""Shared test settings for the whole suite (kept small: each area has its own conftest)."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The learner's journal (course.journal) of this test run: never the user's own file.  Set at
# import, before any kernel, JupyterLab or subprocess a test starts inherits the environment.
_JOURNAL_DIR = tempfile.mkdtemp(prefix="popimap-journal-")
os.environ["POPIMAP_JOURNAL"] = str(Path(_JOURNAL_DIR) / "journal.json")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder, wherever the tests are run from."""
    return ROOT


@pytest.fixture()
def worker_processes() -> Callable[[], list[multiprocessing.process.BaseProcess]]:
    """Reads this process's live worker processes, but for a lesson's pair helper
    (``sim.model.pair``), which a dashboard in an earlier test may have started and which stays
    for the session by design: a sharded run must leave none of its own."""
    from sim.model.pair import HELPER_NAME

    def live() -> list[multiprocessing.process.BaseProcess]:
        return [p for p in multiprocessing.active_children() if p.name != HELPER_NAME]

    return live
