"""What notebook cells call (``course.ui``), with the real lesson content, without a browser."""

from __future__ import annotations

import math

import pytest
from IPython.display import Markdown

from course import ui
from course.content import lesson as content
from course.content.schema import PredictKind
from course.dashboards import DASHBOARD_LESSONS, make
from course.dashboards.base import ControlKind
from course.lessons import LESSONS as REGISTRY
from course.lessons import NUMBERS
from course.widgets import ControlView, dashboard_widget

LESSONS = NUMBERS
# lessons whose dashboard compares the learner's prediction with the model
PREDICT_DASHBOARDS = [
    x.number for x in REGISTRY if x.view == "dashboard" and content(x.number).predict is not None
]
TRANSCRIPT_LESSONS = [x.number for x in REGISTRY if x.view == "transcript"]


@pytest.mark.parametrize("n", LESSONS)
def test_text_cells_render(n: int) -> None:
    c = content(n)
    L = ui.Lesson(n)  # a fresh object: ui.lesson(n) caches one per kernel
    intro = L.intro()
    assert isinstance(intro, Markdown) and f"Lesson {n}: {c.title}" in intro.data
    for objective in c.objectives:
        assert objective in intro.data
    assert isinstance(L.notice(), Markdown)
    assert isinstance(L.nuance(), Markdown)
    nxt = L.next().data
    if c.next_lesson is None:
        assert "last lesson" in nxt
    else:
        assert content(c.next_lesson).notebook in nxt


@pytest.mark.parametrize("n", LESSONS)
def test_quiz_widget_has_a_block_per_question(n: int) -> None:
    box = ui.Lesson(n).quiz()
    assert len(getattr(box, "blocks", [])) == len(content(n).quiz)


@pytest.mark.parametrize("n", LESSONS)
def test_predict_cell_matches_the_prompt(n: int) -> None:
    L = ui.Lesson(n)
    view = L.predict()
    if content(n).predict is None:
        assert isinstance(view, Markdown)
    else:
        assert hasattr(view, "commit_button")


def test_lesson_objects_are_shared_within_a_kernel() -> None:
    assert ui.lesson(3) is ui.lesson(3)


@pytest.mark.parametrize("n", PREDICT_DASHBOARDS)
def test_prediction_then_dashboard_compares_with_the_model(n: int) -> None:
    L = ui.Lesson(n)
    prompt = content(n).predict
    assert prompt is not None
    board = L.make_dashboard()
    assert not board.revealed
    guess = prompt.options[0].key if prompt.kind is PredictKind.CHOICE else prompt.min_value
    L.prediction.commit(guess)
    assert board.revealed
    truth = board.results[prompt.result_key]
    assert L.prediction.first_result == truth or (
        isinstance(truth, float) and math.isnan(truth) and math.isnan(L.prediction.first_result)
    )
    assert L.prediction.comparison_text().startswith("You predicted")


@pytest.mark.parametrize("n", TRANSCRIPT_LESSONS)
def test_transcript_cell_feeds_its_prediction(n: int) -> None:
    L = ui.Lesson(n)
    view = L.dashboard()
    assert "Client sent" in view.body.value
    assert L.prediction is not None and L.prediction.first_result is None  # gated until...
    view.gate_button.click()  # ...shown without predicting
    assert L.prediction.first_result is not None


def test_every_control_kind_has_a_working_view() -> None:
    seen = set()
    for n in DASHBOARD_LESSONS:
        for c in make(n).controls:
            view = ControlView(c)
            view.set(c.default)
            assert view.get() == c.default
            seen.add(c.kind)
    assert {
        ControlKind.INT,
        ControlKind.FLOAT,
        ControlKind.LOG_FLOAT,
        ControlKind.TOGGLE,
        ControlKind.CHOICE,
        ControlKind.OPTIONAL_INT,
        ControlKind.SEED,
    } <= seen


def test_dashboard_widget_drives_a_real_dashboard() -> None:
    d = make(2)
    view = dashboard_widget(d)
    before = (view.summary.value, view.image.value)
    view.views["rtt_ms"].set(400.0)
    assert d.values["rtt_ms"] == 400.0
    assert view.summary.value != before[0] and view.image.value != before[1]
    assert view.progress.widget.layout.visibility == "hidden"  # shown only while simulating


def test_crash_day_slider_is_capped_by_the_run_length() -> None:
    d = make(9)
    view = dashboard_widget(d)
    assert view.views["crash_day"]._main.max == d.values["days"]
    view.views["days"].set(3)
    assert d.values["days"] == 3 and d.values["crash_day"] == 3.0  # clamped, not an error
    assert view.error.value == ""
