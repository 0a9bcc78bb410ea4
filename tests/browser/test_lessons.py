"""Every lesson in a real JupyterLab in headless Chromium, as a learner meets it.

Per lesson: open it, Run > Run All Cells, wait for the kernel, scroll through every cell, and
assert no traceback, no "Error displaying widget", controls present, and that moving a control
changes the figure or the summary. A screenshot per lesson goes to artifacts/screenshots/.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import labpage
import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Lessons that teach by reading rather than by a dashboard may have no control to move.
# Keep this list short and explain each entry.
NO_DASHBOARD: dict[str, str] = {}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_there_are_lessons_to_open() -> None:
    """The lesson parametrisation below must not pass by having nothing to open:
    the course has lessons 00 to 11, starting with the welcome lesson."""
    from course.lessons import LESSONS as REGISTRY

    assert [p.name for p in LESSONS] == [x.notebook for x in REGISTRY], LESSONS
    assert LESSONS[0].name == "00_welcome.ipynb"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("notebook", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_in_browser(notebook: Path, page, repo_lab, artifacts_dir, lesson_timings) -> None:
    before = hashlib.sha256(notebook.read_bytes()).hexdigest()
    started = time.monotonic()
    change = None
    relative = notebook.relative_to(ROOT).as_posix()
    try:
        labpage.open_notebook(page, repo_lab.lab_url(relative))
        labpage.run_all_cells(page)
        report = labpage.wait_until_executed(page, labpage.code_cell_count(notebook), timeout_s=300)
        assert report.errors == [], f"{relative}: tracebacks in outputs:\n" + "\n---\n".join(
            report.errors
        )
        assert report.widget_errors == [], f"{relative}: {report.widget_errors}"
        assert report.loading_widgets == 0, f"{relative}: widgets still 'Loading widget...'"
        if notebook.stem not in NO_DASHBOARD:
            assert report.control_count > 0, (
                f"{relative}: no ipywidgets control rendered (controls seen: {report.controls})"
            )
            labpage.scroll_to(page, 0.0)
            change = labpage.change_a_control(page)
            after_change = labpage.sweep(page)
            assert after_change.errors == [], (
                f"{relative}: traceback after moving "
                f"{change.kind} #{change.index}:\n" + "\n---\n".join(after_change.errors)
            )
            assert after_change.widget_errors == []
    finally:
        lesson_timings[notebook.stem] = {
            "seconds": round(time.monotonic() - started, 1),
            "control": change.describe() if change else "-",
        }
        try:  # best effort: a failure here must not hide the assertion that brought us here
            labpage.screenshot_dashboard(
                page, artifacts_dir / "screenshots" / f"{notebook.stem}.png"
            )
        except Exception as error:  # reported, not raised
            print(f"screenshot of {relative} failed: {error}")
        repo_lab.shutdown_kernels()
    # autosave is off in the test server: running a lesson must never write into the repository
    assert hashlib.sha256(notebook.read_bytes()).hexdigest() == before
