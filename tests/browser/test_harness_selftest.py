"""The browser harness proves itself on notebooks it writes: it passes a working dashboard and
fails one that raises and one whose control changes nothing."""

from __future__ import annotations

import time

import labpage
import pytest
from labserver import start_lab
from synthetic import write_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def selftest_lab(browser, tmp_path_factory):
    root = tmp_path_factory.mktemp("selftest-root")
    notebooks = write_notebooks(root)
    server = start_lab(root, tmp_path_factory.mktemp("lab-selftest"))
    yield server, notebooks
    server.stop()


def _open_and_run(page, server, path):
    labpage.open_notebook(page, server.lab_url(path.name))
    labpage.run_all_cells(page)
    return labpage.wait_until_executed(page, labpage.code_cell_count(path), timeout_s=120)


def test_harness_passes_a_working_dashboard(page, selftest_lab, artifacts_dir):
    server, notebooks = selftest_lab
    started = time.monotonic()
    report = _open_and_run(page, server, notebooks["dashboard"])
    assert report.errors == [] and report.widget_errors == []
    assert report.controls["slider"] == 1
    assert len(report.prompts) == 2  # both code cells seen while scrolling, both numbered
    labpage.scroll_to(page, 0.0)
    change = labpage.change_a_control(page)
    assert change.kind == "slider" and change.changed == "figure and summary"
    assert "4 bars" in labpage.snapshot(page)["outputText"]  # 3 -> 4 by one ArrowRight
    labpage.screenshot_dashboard(page, artifacts_dir / "screenshots" / "selftest_dashboard.png")
    assert time.monotonic() - started < 120
    server.shutdown_kernels()


def test_harness_reports_a_traceback(page, selftest_lab):
    """A raising cell's traceback is reported, without waiting out the timeout."""
    server, notebooks = selftest_lab
    started = time.monotonic()
    report = _open_and_run(page, server, notebooks["failing"])
    assert any("KeyError" in error and "Traceback" in error for error in report.errors), (
        report.errors
    )
    assert time.monotonic() - started < 60  # no waiting for cells that cannot run
    server.shutdown_kernels()


def test_harness_fails_when_no_control_changes_anything(page, selftest_lab):
    server, notebooks = selftest_lab
    report = _open_and_run(page, server, notebooks["static"])
    assert report.controls["slider"] == 1 and report.errors == []
    with pytest.raises(AssertionError, match="no control changed"):
        labpage.change_a_control(page, per_control_s=3)
    server.shutdown_kernels()


def test_a_missing_browser_is_named_and_ci_is_recognised(tmp_path):
    """Locally a missing Chromium skips the browser tests with this reason; under CI it fails."""
    absent = tmp_path / "no-chromium"
    assert labpage.missing_browser(str(absent)) == f"{absent} is missing (apt-get install chromium)"
    assert labpage.under_ci({"CI": "true"}) and labpage.under_ci({"CI": "1"})
    assert not labpage.under_ci({}) and not labpage.under_ci({"CI": "false"})
    assert not labpage.under_ci({"CI": " 0 "})
