"""Predictions and quiz answers survive a kernel restart (course.journal)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from course import ui
from course.journal import ENV, Journal, journal_path
from course.predict import PredictionState


@pytest.fixture
def journal_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "journal.json"
    monkeypatch.setenv(ENV, str(path))
    ui._LESSONS.clear()  # a fresh kernel
    yield path
    ui._LESSONS.clear()


def _restart() -> None:
    ui._LESSONS.clear()  # what a kernel restart does to the lessons open in it


def test_a_committed_prediction_is_there_after_a_restart(journal_file: Path) -> None:
    lesson = ui.lesson(3)
    box = lesson.predict()
    box.answer_input.value = 300.0
    box.commit_button.click()
    assert lesson.prediction.state is PredictionState.COMMITTED
    _restart()
    again = ui.lesson(3)
    assert again.prediction.state is PredictionState.COMMITTED
    assert again.prediction.value == 300.0 and not again.prediction.committed_after_run
    assert again.predict().answer_input.disabled  # locked, as it was
    assert json.loads(journal_file.read_text())["lessons"]["3"]["prediction"]["value"] == 300.0


def test_a_checked_quiz_answer_comes_back_with_its_feedback(journal_file: Path) -> None:
    quiz = ui.lesson(3).quiz()
    first = quiz.blocks[0]
    first.answer_input.value = 2
    first.check_button.click()
    said = first.feedback.value
    assert said
    _restart()
    again = ui.lesson(3).quiz().blocks[0]
    assert again.answer_input.value == 2 and again.feedback.value == said
    assert Journal().quiz_answer(3, 1)["correct"] == ("#1b7837" in said)


def test_lesson_0_shows_progress_and_starts_over_on_a_second_click(journal_file: Path) -> None:
    Journal().save_prediction(5, "imap", False)
    Journal().save_quiz_answer(5, 1, 0, True)
    view = ui.lesson(0).progress()
    assert "<td>05</td><td>yes</td><td>1 of" in view.table.value
    view.start_over.click()
    assert Journal().prediction(5) is not None  # one click only arms it
    view.start_over.click()
    assert Journal().prediction(5) is None and Journal().quiz_answer(5, 1) is None
    assert "<td>05</td><td>—</td><td>0 of" in view.table.value


def test_an_unreadable_journal_is_empty_and_an_unwritable_one_only_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "journal.json"
    bad.write_text("{not json")
    assert Journal(bad).prediction(3) is None
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.warns(UserWarning, match="could not be saved"):
        Journal(blocked / "journal.json").save_prediction(3, 1.0, False)


def test_the_journal_lives_in_the_users_data_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert journal_path() == tmp_path / "pop-vs-imap-lab" / "journal.json"
    root = Path(__file__).resolve().parents[2]
    assert not journal_path().is_relative_to(root)


def test_lesson_11s_transcript_waits_for_the_prediction(journal_file: Path) -> None:
    """Lesson 11 is gated like the dashboards: the transcript (whose totals are the answer) is
    hidden until the prediction is committed, which is then not "after the model had run"."""
    lesson = ui.lesson(11)
    view = lesson.transcript()
    assert view.gate_button and lesson.prediction.first_result is None
    assert view.body not in view.children  # the totals are not shown yet
    lesson.prediction.commit(100.0)
    assert view.body in view.children and lesson.prediction.first_result is not None
    assert "after the model had already run" not in lesson.prediction.comparison_text()
    _restart()
    again = ui.lesson(11).transcript()  # committed in the journal: nothing to gate
    assert again.body in again.children


def test_skipping_the_prediction_shows_the_transcript_and_says_so_later(journal_file: Path) -> None:
    lesson = ui.lesson(11)
    view = lesson.transcript()
    view.gate_button.click()
    assert view.body in view.children
    lesson.prediction.commit(100.0)
    assert "Committed after the model had already run" in lesson.prediction.comparison_text()


def test_what_to_notice_is_folded_until_opened() -> None:
    text = ui.lesson(3).notice().data
    assert "<details><summary>" in text and text.index("<details>") < text.index("- ")


def test_the_journal_path_is_shown_from_the_home_folder(monkeypatch, tmp_path) -> None:
    from course.journal import shown_path

    monkeypatch.setenv("HOME", str(tmp_path))
    assert (
        shown_path(tmp_path / "lab" / ".present" / "journal.json") == "~/lab/.present/journal.json"
    )
    assert shown_path(Path("/srv/journal.json")) == "/srv/journal.json"  # elsewhere: as it is
