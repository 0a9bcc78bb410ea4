"""Fixtures for the real-browser tests: Chromium via Playwright, JupyterLab, per-lesson timings.

Without /usr/bin/chromium (or Playwright) these tests skip with the reason, except under CI=true,
where they fail: CI must really look at the lessons.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from labpage import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, missing_browser, under_ci
from labserver import start_lab

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
# lesson -> {"seconds": ..., "control": ...}, printed at the end and kept as JSON
TIMINGS: dict[str, dict[str, object]] = {}


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium per test module.

    Module scope on purpose: Playwright's sync API keeps an asyncio loop marked as running in
    this thread while it is alive, which would make `asyncio.run()` in later (non-browser) tests
    fail; ending it with the module leaves the thread clean."""
    missing = missing_browser()
    if missing:
        if under_ci(os.environ):
            pytest.fail(f"browser tests cannot run under CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context per test, so no lesson inherits another's state."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def repo_lab(browser, tmp_path_factory):
    """JupyterLab serving the repository itself, as a learner would start it."""
    server = start_lab(ROOT, tmp_path_factory.mktemp("lab-repo"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where the run keeps screenshots and timings (git-ignored)."""
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lesson_timings() -> dict[str, dict[str, object]]:
    return TIMINGS


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the seconds each lesson took in the browser and keep them as JSON."""
    if not TIMINGS:
        return
    terminalreporter.section(
        "browser: seconds per lesson (open, run all, sweep, change a "
        "control) and the control that changed the outputs"
    )
    for name, record in TIMINGS.items():
        terminalreporter.write_line(f"{record['seconds']:7.1f}  {name:<24} {record['control']}")
    total = sum(record["seconds"] for record in TIMINGS.values())
    terminalreporter.write_line(f"{total:7.1f}  total")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-timings.json").write_text(json.dumps(TIMINGS, indent=1))
