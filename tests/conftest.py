"""Shared test settings for the whole suite (kept small: each area has its own conftest)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder, wherever the tests are run from."""
    return ROOT
