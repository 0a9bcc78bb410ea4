"""`python3 run.py present 1` in headless Chromium, as a lecture hall sees it.

The presenter serves Voila copies of the lessons: prose and dashboards, no code and no "run this
cell" instructions. The test starts the real command, opens lesson 1, gets past the prediction
gate (the figure shows once a prediction is committed or skipped), moves a slider and checks the
figure changes, then follows the lesson's links as Voila's URLs resolve them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from labserver import free_port, stop_group

from course.journal import shown_path

ROOT = Path(__file__).resolve().parents[2]
LESSON = "01_where_mail_lives.ipynb"
RENDER_SECONDS = 180  # a cold kernel plus lesson 1's first run; measured ~4-15 s on 2 cores

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIGURE = ".jupyter-widgets img[alt]"
GATE_BUTTON = "button:has-text('Show the result without predicting')"


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2.0):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def presenter(browser, tmp_path_factory):
    """`run.py present 1` on a free port; yields (base URL, the printed lesson URL)."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("presenter") / "present.log"
    env = dict(os.environ, PYDEVD_DISABLE_FILE_VALIDATION="1")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "run.py"),
                "present",
                "1",
                "--port",
                str(port),
                "--no-browser",
            ],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while not _answers(f"{base}/"):
            assert process.poll() is None, f"run.py present exited:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"no answer:\n{log_path.read_text()}"
            time.sleep(0.3)
        printed = re.search(r"http://127\.0\.0\.1:\d+/voila/render/\S+", log_path.read_text())
        assert printed, log_path.read_text()
        yield base, printed[0]
    finally:
        stop_group(process, seconds=20)


def _figure_src(page) -> str:
    return page.locator(FIGURE).first.get_attribute("src") or ""


def test_lesson_1_shows_dashboards_without_code_and_its_figure_follows_a_slider(
    presenter, page
) -> None:
    base, printed = presenter
    assert printed == f"{base}/voila/render/{LESSON}"
    started = time.monotonic()
    page.goto(printed, timeout=RENDER_SECONDS * 1000)
    # the dashboard starts behind the prediction gate: skip the prediction (or the figure is
    # already there when the journal has one)
    page.wait_for_selector(f"{GATE_BUTTON}, {FIGURE}", timeout=RENDER_SECONDS * 1000)
    rendered = time.monotonic() - started
    if page.locator(GATE_BUTTON).count():
        page.locator(GATE_BUTTON).first.click()
    page.wait_for_selector(FIGURE, timeout=60_000)
    print(f"\nVoila rendered {LESSON} (to its dashboard) in {rendered:.1f} s")

    body = page.inner_text("body")
    assert "Shift+Enter" not in body and "Shift-Enter" not in body
    # Voila strips the sources: no code editor, no input area, no "import course" on the page
    assert page.locator(".jp-InputArea-editor, .CodeMirror, .cm-editor").count() == 0
    assert "import course" not in body and "course.ui" not in body
    assert "Traceback" not in body and "Error displaying widget" not in body

    before = _figure_src(page)
    assert before.startswith("data:image/"), before[:60]
    slider = page.locator(".widget-hslider:not(:has(.noUi-target[disabled]))").first
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed(timeout=5000)
    handle.focus(timeout=5000)
    page.keyboard.press("ArrowRight")
    deadline = time.monotonic() + 60
    while _figure_src(page) == before:
        assert time.monotonic() < deadline, "moving the slider did not change the figure"
        page.wait_for_timeout(250)


def test_lesson_links_work_under_voilas_urls(presenter, page) -> None:
    base, printed = presenter
    page.goto(printed, timeout=RENDER_SECONDS * 1000)
    page.wait_for_selector(f"{GATE_BUTTON}, {FIGURE}", timeout=RENDER_SECONDS * 1000)
    hrefs = page.eval_on_selector_all(
        "a[href$='.ipynb'], a[href*='.ipynb#']", "links => links.map(a => a.href)"
    )
    assert f"{base}/voila/render/02_ports_and_tls.ipynb" in hrefs, hrefs
    glossary = sorted({h for h in hrefs if "/voila/render/glossary.ipynb#" in h})
    assert glossary, hrefs
    for href in sorted({h.split("#")[0] for h in hrefs}):
        status = page.request.get(href, timeout=RENDER_SECONDS * 1000).status
        assert status == 200, f"{href} answers {status}"
    # a glossary anchor lands on its entry
    target = glossary[0]
    anchor = target.split("#", 1)[1]
    page.goto(target, timeout=RENDER_SECONDS * 1000)
    page.wait_for_selector(f"[id='{anchor}']", state="attached", timeout=RENDER_SECONDS * 1000)


def test_the_presenter_keeps_its_own_journal(presenter, page) -> None:
    """The welcome lesson says where predictions are kept: the presenter's own file, so the
    predictions made while preparing in the lab do not give the answers away in class."""
    base, _ = presenter
    page.goto(f"{base}/voila/render/00_welcome.ipynb", timeout=RENDER_SECONDS * 1000)
    page.wait_for_selector("text=Kept in", timeout=RENDER_SECONDS * 1000)
    shown = shown_path(ROOT / ".present" / "journal.json")
    assert f"Kept in {shown}." in page.inner_text("body")
