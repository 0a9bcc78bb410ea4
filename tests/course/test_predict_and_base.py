"""Predict-then-run state and the dashboard base, with a tiny fake experiment (no model needed)."""

from __future__ import annotations

from typing import Any

import pytest

from course.content.schema import (
    WHICH,
    Choice,
    LessonContent,
    NuanceBox,
    PredictKind,
    PredictPrompt,
    choice_result,
    number_result,
)
from course.dashboards.base import Control, ControlKind, Dashboard, which, which_smaller
from course.predict import Prediction, PredictionState, format_value, predict_widget
from course.quiz import Numeric, seal

NUMBER = PredictPrompt(
    PredictKind.NUMBER,
    "POP3 median delay with a 10-minute poll?",
    "median_delay_s_pop3",
    unit="s",
    min_value=0,
    max_value=3600,
    step=10,
)
CHOICE = PredictPrompt(
    PredictKind.CHOICE,
    "Who shows new mail sooner?",
    "faster_notice",
    options=(Choice("pop3", "POP3"), Choice("imap", "IMAP"), Choice("same", "about the same")),
)


class FakeBoard(Dashboard):
    lesson = 3
    title = "fake"
    controls = (
        Control("poll_min", "poll interval", ControlKind.INT, 10, 1, 240, unit="min"),
        Control("idle", "IMAP IDLE", ControlKind.TOGGLE, True),
        Control(
            "leave",
            "leave on server",
            ControlKind.OPTIONAL_INT,
            None,
            0,
            60,
            off_label="delete after download",
        ),
    )

    def __init__(self, **values: Any) -> None:
        self.simulations = 0
        super().__init__(**values)

    def simulate(self, values, progress):
        self.simulations += 1
        progress(1.0)
        return {
            "pop3": values["poll_min"] * 30.0,
            "imap": 2.0 if values["idle"] else values["poll_min"] * 30.0,
        }

    def compute_results(self, data):
        return {
            "median_delay_s_pop3": data["pop3"],
            "median_delay_s_imap": data["imap"],
            "faster_notice": which_smaller(data["pop3"], data["imap"]),
        }

    def summary(self, data):
        return f"POP3 median {data['pop3']:.0f} s, IMAP {data['imap']:.0f} s"

    def draw(self, fig, data):
        ax = fig.subplots()
        ax.bar(["POP3", "IMAP"], [data["pop3"], data["imap"]])


def test_dashboard_set_updates_everything_and_caches() -> None:
    d = FakeBoard()
    assert d.summary_text == "POP3 median 300 s, IMAP 2 s"
    d.set(poll_min=20)
    assert d.results["median_delay_s_pop3"] == 600.0
    assert d.summary_text == "POP3 median 600 s, IMAP 2 s"
    assert d.figure.axes[0].patches[0].get_height() == 600.0
    d.set(poll_min=10)
    assert d.simulations == 2  # back to the default: cached
    d.set(idle=False)
    assert d.results["faster_notice"] == "same"


@pytest.mark.parametrize(
    "values, match",
    [
        ({"poll_min": 0}, r"poll_min: 0 is outside the allowed range 1..240 min"),
        ({"poll_min": 2.5}, "whole number"),
        ({"idle": 1}, "True or False"),
        ({"leave": 61}, "leave: 61 is outside"),
        ({"nope": 1}, "no control 'nope'"),
    ],
)
def test_bad_control_values_name_the_control_and_range(values, match) -> None:
    d = FakeBoard()
    with pytest.raises(ValueError, match=match):
        d.set(**values)
    assert d.values["poll_min"] == 10  # unchanged


def test_optional_control_accepts_none_and_numbers() -> None:
    d = FakeBoard(leave=14)
    assert d.values["leave"] == 14
    d.set(leave=None)
    assert d.values["leave"] is None


def test_which() -> None:
    assert which(10, 5) == "pop3" and which(5, 10) == "imap" and which(100, 103) == "same"
    assert which_smaller(10, 5) == "imap"


def test_prediction_number_flow_commit_then_run() -> None:
    p = Prediction(NUMBER, 3)
    d = FakeBoard()
    d.attach(p)
    assert not d.revealed and p.first_result is None
    assert "Commit" in p.comparison_text()
    p.commit(250)
    assert d.revealed and p.state is PredictionState.COMMITTED
    assert p.first_result == 300.0
    assert p.comparison_text() == "You predicted 250 s; the model gives 300 s — close."
    d.set(poll_min=60)
    assert p.comparison_text().endswith("With the current settings: 1,800 s.")
    with pytest.raises(ValueError, match="already committed"):
        p.commit(10)


def test_prediction_choice_and_range_checks() -> None:
    p = Prediction(CHOICE, 3)
    with pytest.raises(ValueError, match="one of"):
        p.commit("tcp")
    p.commit("pop3")
    d = FakeBoard()
    d.attach(p)  # already committed: revealed at once
    assert d.revealed
    assert p.comparison_text() == "You predicted POP3; the model gives IMAP — not this time."
    n = Prediction(NUMBER, 3)
    with pytest.raises(ValueError, match=r"0..3600"):
        n.commit(5000)


def test_predict_widget_commit_locks_and_reveals_dashboard_widget() -> None:
    p = Prediction(NUMBER, 3)
    d = FakeBoard()
    d.attach(p)
    view = d.widget()
    assert view.gate_button in view.output.children[0].children  # gated before commit
    pw = predict_widget(p)
    pw.answer_input.value = 600
    pw.commit_button.click()
    assert pw.answer_input.disabled and pw.commit_button.disabled
    assert view.output.children[0] is view.image
    assert "You predicted 600 s; the model gives 300 s — too high." in view.comparison.value


def test_moving_a_control_while_gated_reveals_without_prediction() -> None:
    p = Prediction(NUMBER, 3)
    d = FakeBoard()
    d.attach(p)
    view = d.widget()
    view.views["poll_min"].set(30)
    assert d.revealed and d.values["poll_min"] == 30
    assert "not committed a prediction" in view.comparison.value
    assert "900 s" in view.summary.value


def test_widget_optional_control_and_error_message() -> None:
    d = FakeBoard()
    view = d.widget()
    view.views["leave"].set(7)
    assert d.values["leave"] == 7
    view.views["leave"].set(None)
    assert d.values["leave"] is None
    before = view.image.value
    view.views["poll_min"].set(120)
    assert view.image.value != before and "3600 s" in view.summary.value


def test_format_value() -> None:
    assert format_value(1800.0, "s") == "1,800 s"
    assert format_value(0.123, "MB") == "0.12 MB"
    assert format_value(12.34, "%") == "12.3 %"
    assert format_value(float("nan")) == "n/a"


def test_schema_validates_result_keys_and_kinds() -> None:
    base = {
        "number": 3,
        "title": "t",
        "summary": "s",
        "notebook": "03_x.ipynb",
        "objectives": ("o",),
        "claim_en": "c",
        "results": {
            "median_delay_s_pop3": number_result("delay", "s"),
            "faster_notice": choice_result("sooner", *WHICH),
        },
    }
    LessonContent(
        **base,
        predict=NUMBER,
        quiz=(Numeric("q", seal("1")),),
        nuance=(NuanceBox("t", "x", "RFC 2177"),),
    )
    with pytest.raises(ValueError, match="not a result of lesson 3"):
        LessonContent(**base, predict=PredictPrompt(PredictKind.NUMBER, "q", "nope"))
    with pytest.raises(ValueError, match=r"use PredictKind\.CHOICE"):
        LessonContent(**base, predict=PredictPrompt(PredictKind.NUMBER, "q", "faster_notice"))
    with pytest.raises(ValueError, match="not in"):
        LessonContent(
            **base,
            predict=PredictPrompt(
                PredictKind.CHOICE,
                "q",
                "faster_notice",
                options=(Choice("a", "A"), Choice("b", "B")),
            ),
        )
    with pytest.raises(ValueError, match="notebook"):
        LessonContent(**{**base, "notebook": "03"})
    from course.content import lesson
    from course.lessons import NUMBERS

    assert {n for n in NUMBERS if lesson(n).results} == {
        n for n in NUMBERS if lesson(n).predict is not None
    }
