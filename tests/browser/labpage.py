"""Driving one notebook in JupyterLab as a person would: open, Run All, scroll, look, move a control.

Only the page's DOM and the menus are used (no hooks into JupyterLab's internals), so what these
helpers see is what a learner sees. JupyterLab renders only cells near the viewport, so every
check scrolls through the whole notebook and gathers what each screenful shows.
"""

from __future__ import annotations

import importlib.util
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

try:  # imported lazily so that a machine without Playwright gets a skip, not a collection error
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Page
except ImportError:  # pragma: no cover - exercised only where Playwright is missing
    PlaywrightError = Exception
    Page = object

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 900}


def missing_browser(chromium: str = CHROMIUM) -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    if not Path(chromium).exists():
        return f"{chromium} is missing (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is missing (pip install playwright; no browser download)"
    if importlib.util.find_spec("jupyterlab") is None:
        return "JupyterLab is missing (pip install '.[lab]')"
    return ""


def under_ci(environ: Mapping[str, str]) -> bool:
    """CI=true (or any value but empty/0/false/no): a missing browser is then a failure."""
    return environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


SCROLLER = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"
INDICATOR = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator"

# Read every output rendered in the DOM right now (JavaScript, run in the page).
_SNAPSHOT_JS = """
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const text = (el) => (el.innerText || el.textContent || '');
  const outputs = Array.from(panel.querySelectorAll('.jp-OutputArea-output'));
  const prompts = Array.from(panel.querySelectorAll('.jp-CodeCell')).map((cell) => {
    const p = cell.querySelector('.jp-InputPrompt');
    return [cell.getAttribute('data-windowed-list-index') || '', p ? p.textContent.trim() : ''];
  });
  const stderr = outputs.filter((o) =>
      o.getAttribute('data-mime-type') === 'application/vnd.jupyter.stderr'
      || o.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]'))
    .map(text).filter((t) => /Traceback|Error\\b|Exception/.test(t));
  const widgetErrors = Array.from(panel.querySelectorAll('.jupyter-widgets, .jp-OutputArea-output'))
    .map(text).filter((t) => t.includes('Error displaying widget'));
  const loading = Array.from(panel.querySelectorAll('.jp-OutputArea-output'))
    .filter((o) => text(o).trim() === 'Loading widget...').length;
  const controls = {};
  for (const [name, sel] of Object.entries({
      slider: '.widget-slider, .widget-hslider, .widget-vslider',
      dropdown: '.widget-dropdown select',
      toggle: '.widget-toggle-buttons button, .widget-toggle-button',
      radio: '.widget-radio-box input',
      checkbox: '.widget-checkbox input',
      text: '.widget-text input, .widget-inline-hbox input[type=number]',
      button: 'button.jupyter-button'})) {
    controls[name] = panel.querySelectorAll(sel).length;
  }
  const images = Array.from(panel.querySelectorAll('.jp-OutputArea-output img'))
    .map((i) => i.getAttribute('src') || '');
  const svgs = Array.from(panel.querySelectorAll('.jp-OutputArea-output svg'))
    .map((s) => s.outerHTML.length);
  // the text the outputs show, without the controls' own labels and readouts
  const CONTROL = '.widget-slider, .widget-hslider, .widget-vslider, .widget-dropdown, '
    + '.widget-toggle-buttons, .widget-radio-box, .widget-checkbox, .widget-text, '
    + '.widget-readout, .widget-label, button, input, select, textarea';
  const shown = outputs.map((o) => {
    const copy = o.cloneNode(true);
    copy.querySelectorAll(CONTROL).forEach((c) => c.remove());
    return copy.textContent;
  });
  return {
    prompts, stderr, widgetErrors, loading, controls, images, svgs,
    outputText: shown.join('\\n'),
    cells: panel.querySelectorAll('.jp-Cell').length,
  };
}
"""


@dataclass
class NotebookReport:
    """What one pass over a notebook saw, merged over every screenful."""

    errors: list[str] = field(default_factory=list)
    widget_errors: list[str] = field(default_factory=list)
    loading_widgets: int = 0
    controls: dict[str, int] = field(default_factory=dict)
    prompts: dict[str, str] = field(default_factory=dict)

    def merge(self, snap: dict) -> None:
        self.errors += [e for e in snap["stderr"] if e not in self.errors]
        self.widget_errors += [e for e in snap["widgetErrors"] if e not in self.widget_errors]
        self.loading_widgets = max(self.loading_widgets, snap["loading"])
        for name, count in snap["controls"].items():
            self.controls[name] = max(self.controls.get(name, 0), count)
        self.prompts.update({index: prompt for index, prompt in snap["prompts"]})

    @property
    def control_count(self) -> int:
        return sum(v for k, v in self.controls.items() if k != "button")


def code_cell_count(notebook: Path) -> int:
    """How many code cells the notebook file holds (what Run All must execute)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return sum(
        1 for cell in cells if cell["cell_type"] == "code" and "".join(cell["source"]).strip()
    )


def snapshot(page: Page) -> dict:
    return page.evaluate(_SNAPSHOT_JS)


def open_notebook(page: Page, url: str, timeout_s: float = 90) -> None:
    """Open a notebook and wait until its kernel has started and is idle."""
    page.goto(url)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout_s * 1000)
    wait_for_kernel_idle(page, timeout_s)
    hide_side_panel(page)


# The status bar reads "Python 3 (ipykernel) | Idle" once a kernel is connected and idle; the
# toolbar's indicator already says "idle" before any kernel exists, so it is not enough alone.
_KERNEL_IDLE_JS = """
() => Array.from(document.querySelectorAll('.jp-StatusBar-Item')).some(
  (e) => /^(?!No Kernel).+ [|] Idle$/.test(e.textContent.trim()))
"""


def wait_for_kernel_idle(page: Page, timeout_s: float) -> None:
    page.wait_for_function(_KERNEL_IDLE_JS, timeout=timeout_s * 1000)
    page.wait_for_selector(f'{INDICATOR}[data-status="idle"]', timeout=timeout_s * 1000)


def hide_side_panel(page: Page) -> None:
    """Close the file browser so the lesson has the whole width (as for a screenshot)."""
    if page.locator("#jp-left-stack:not(.lm-mod-hidden)").count():
        page.locator(".jp-NotebookPanel .jp-Notebook").first.click(position={"x": 5, "y": 5})
        page.keyboard.press("Control+b")


def run_all_cells(page: Page) -> None:
    """Run > Run All Cells, through the menu bar like a learner."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def scroll_to(page: Page, fraction: float) -> None:
    page.evaluate(
        "([sel, f]) => { const s = document.querySelector(sel);"
        " if (s) s.scrollTop = f * (s.scrollHeight - s.clientHeight); }",
        [SCROLLER, fraction],
    )


def sweep(page: Page, settle_s: float = 0.3) -> NotebookReport:
    """Scroll from top to bottom a screenful at a time and merge what each screenful shows."""
    report = NotebookReport()
    scroll_to(page, 0.0)
    page.wait_for_timeout(settle_s * 1000)
    for _ in range(400):
        snap = snapshot(page)
        if snap is not None:
            report.merge(snap)
        moved = page.evaluate(
            "(sel) => { const s = document.querySelector(sel); if (!s) return false;"
            " const before = s.scrollTop; s.scrollTop += s.clientHeight * 0.8;"
            " return s.scrollTop > before; }",
            SCROLLER,
        )
        if not moved:
            break
        page.wait_for_timeout(settle_s * 1000)
    snap = snapshot(page)
    if snap is not None:
        report.merge(snap)
    return report


def wait_until_executed(page: Page, code_cells: int, timeout_s: float) -> NotebookReport:
    """Wait until the kernel is idle and every code cell shows an execution number.

    Run All stops at the first cell that raises; then the report (with the traceback) comes
    back at once so the caller can show it, instead of waiting for cells that will never run.
    """
    deadline = time.monotonic() + timeout_s
    page.wait_for_timeout(500)
    stalled = 0
    while True:
        idle = page.locator(f'{INDICATOR}[data-status="idle"]').count() > 0 and page.evaluate(
            _KERNEL_IDLE_JS
        )
        if idle:
            report = sweep(page, settle_s=0.15)
            numbered = [p for p in report.prompts.values() if re.fullmatch(r"\[\d+\]:", p)]
            running = [p for p in report.prompts.values() if "*" in p]
            if not running and (len(numbered) >= code_cells or report.errors):
                return report
            stalled = 0 if running else stalled + 1
            if stalled >= 5:
                raise AssertionError(
                    f"Run All stopped early: expected {code_cells} numbered "
                    f"code cells, saw {report.prompts}"
                )
        if time.monotonic() > deadline:
            seen = sweep(page, settle_s=0.15).prompts
            raise TimeoutError(
                f"cells still running or unnumbered after {timeout_s:.0f} s: "
                f"expected {code_cells} numbered code cells, saw {seen}"
            )
        page.wait_for_timeout(1000)


def signature(page: Page) -> tuple:
    """What the learner sees of the outputs: figures and text (compared before/after a change)."""
    snap = snapshot(page)
    return (tuple(snap["images"]), tuple(snap["svgs"]), snap["outputText"])


@dataclass(frozen=True)
class ControlChange:
    """Which control was changed and how, once the outputs responded."""

    kind: str
    index: int
    how: str
    changed: str  # "figure", "summary" or "figure and summary"

    def describe(self) -> str:
        return f"{self.kind} #{self.index} ({self.how}) changed the {self.changed}"


def _what_changed(before: tuple, after: tuple) -> str:
    figure = before[:2] != after[:2]
    text = before[2] != after[2]
    return " and ".join(name for name, moved in (("figure", figure), ("summary", text)) if moved)


def _wait_for_change(page: Page, before: tuple, timeout_s: float) -> str:
    """What changed in the outputs ("" if nothing did within `timeout_s`)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        if signature(page) != before:
            page.wait_for_timeout(300)  # let the redraw finish before the caller looks
            return _what_changed(before, signature(page))
    return ""


def _nudge_slider(page: Page, slider) -> str:
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed(timeout=5000)
    handle.focus(timeout=5000)
    page.keyboard.press("ArrowRight")
    return "ArrowRight on the handle"


def _nudge_dropdown(page: Page, select) -> str:
    select.scroll_into_view_if_needed(timeout=5000)
    options = select.locator("option")
    current = select.input_value()
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    others = [v for v in values if v is not None and v != current]
    if not others:
        return ""
    select.select_option(others[0], timeout=5000)
    return f"chose option {others[0]!r}"


def _click(page: Page, element) -> str:
    element.scroll_into_view_if_needed(timeout=5000)
    element.click(timeout=5000)
    return "clicked"


def change_a_control(page: Page, per_control_s: float = 15, limit: int = 8) -> ControlChange:
    """Move controls one at a time (sliders first, then dropdowns, toggles, radios, checkboxes)
    until the figures or the text of the outputs change; say which one did it."""
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    candidates = [
        # a disabled slider (e.g. waiting for a checkbox) marks its track, not its container
        (
            "slider",
            panel.locator(".widget-hslider:not(:has(.noUi-target[disabled]))"),
            _nudge_slider,
        ),
        ("dropdown", panel.locator(".widget-dropdown select:not([disabled])"), _nudge_dropdown),
        (
            "toggle",
            panel.locator(".widget-toggle-buttons button:not(.mod-active):not([disabled])"),
            _click,
        ),
        ("radio", panel.locator(".widget-radio-box input:not(:checked):not([disabled])"), _click),
        ("checkbox", panel.locator(".widget-checkbox input:not([disabled])"), _click),
    ]
    tried = []
    for kind, locator, nudge in candidates:
        for index in range(min(locator.count(), limit)):
            element = locator.nth(index)
            before = signature(page)
            try:  # a control may vanish when the dashboard redraws: then try the next one
                if not element.is_enabled(timeout=2000):
                    continue
                how = nudge(page, element)
            except PlaywrightError:
                continue
            if not how:
                continue
            tried.append(f"{kind} #{index}")
            changed = _wait_for_change(page, before, per_control_s)
            if changed:
                return ControlChange(kind, index, how, changed)
    raise AssertionError(
        "no control changed the figure or the summary; tried: "
        + (", ".join(tried) or "nothing (no enabled control found)")
    )


def screenshot_dashboard(page: Page, path: Path) -> None:
    """A screenshot for a human: the first error if there is one, else the first control
    (the lesson's dashboard), else the top of the notebook."""
    scroll_to(page, 0.0)
    path.parent.mkdir(parents=True, exist_ok=True)
    control = page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .widget-slider, "
        ".jp-NotebookPanel:not(.lm-mod-hidden) .widget-dropdown"
    ).first
    error = page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) [data-mime-type='application/vnd.jupyter.stderr']"
    ).first
    target = error if error.count() else control
    if target.count():
        target.evaluate("(el) => el.scrollIntoView({block: 'start'})")
        page.evaluate(
            "(sel) => { const s = document.querySelector(sel);"
            " if (s) s.scrollTop = Math.max(0, s.scrollTop - 60); }",
            SCROLLER,
        )
    page.wait_for_timeout(400)
    page.screenshot(path=str(path))
