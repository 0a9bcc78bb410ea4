"""Shared test settings for the whole suite (kept small: each area has its own conftest)."""

from __future__ import annotations

import os
import tempfile
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
