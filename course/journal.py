"""The learner's journal: predictions and quiz answers that survive a kernel restart.

One small JSON file in the user's data directory -- not in the repository, so a ``git pull``
or a fresh copy of the lessons keeps it -- records, per lesson, the committed prediction (and
whether it was committed after the model had already run) and the last answer checked for each
quiz question with its verdict.  ``course.ui`` reads it when a lesson is opened and writes it on
every commit and every Check; lesson 0 shows how far the learner has come and can start over.

The file is ``$POPIMAP_JOURNAL`` when set (tests use it), else
``$XDG_DATA_HOME/pop-vs-imap-lab/journal.json`` (``~/.local/share/...``; on Windows
``%APPDATA%\\pop-vs-imap-lab\\journal.json``).  A file that cannot be read is treated as empty
and a file that cannot be written is reported with a warning: a lesson never fails for it.
"""

from __future__ import annotations

import html
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["ENV", "Journal", "journal", "journal_path", "shown_path"]

ENV = "POPIMAP_JOURNAL"


def journal_path() -> Path:
    """Where the journal lives (see the module docstring)."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    if os.name == "nt" and os.environ.get("APPDATA"):
        base = Path(os.environ["APPDATA"])
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "pop-vs-imap-lab" / "journal.json"


class Journal:
    """Read and write the journal file; every write goes to disk at once (atomically)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else journal_path()

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as exc:
            warnings.warn(f"your progress could not be saved to {self.path}: {exc}", stacklevel=3)

    def _lesson(self, data: dict[str, Any], lesson: int) -> dict[str, Any]:
        return data.setdefault("lessons", {}).setdefault(str(lesson), {})

    # -- predictions ----------------------------------------------------------------------------
    def prediction(self, lesson: int) -> dict[str, Any] | None:
        """``{"value": ..., "committed_after_run": bool}`` of a committed prediction, or None."""
        entry = self._load().get("lessons", {}).get(str(lesson), {}).get("prediction")
        return entry if isinstance(entry, dict) and "value" in entry else None

    def save_prediction(self, lesson: int, value: float | str, committed_after_run: bool) -> None:
        data = self._load()
        self._lesson(data, lesson)["prediction"] = {
            "value": value,
            "committed_after_run": committed_after_run,
        }
        self._save(data)

    # -- quiz -----------------------------------------------------------------------------------
    def quiz_answers(self, lesson: int) -> dict[int, dict[str, Any]]:
        """``{question (1..): {"answer": ..., "correct": bool}}`` last checked in ``lesson``."""
        entries = self._load().get("lessons", {}).get(str(lesson), {}).get("quiz", {})
        return {
            int(q): e
            for q, e in entries.items()
            if q.isdigit() and isinstance(e, dict) and "answer" in e
        }

    def quiz_answer(self, lesson: int, question: int) -> dict[str, Any] | None:
        """``{"answer": ..., "correct": bool}`` last checked for question ``question`` (1..)."""
        return self.quiz_answers(lesson).get(question)

    def save_quiz_answer(
        self, lesson: int, question: int, answer: float | int, correct: bool
    ) -> None:
        data = self._load()
        self._lesson(data, lesson).setdefault("quiz", {})[str(question)] = {
            "answer": answer,
            "correct": correct,
        }
        self._save(data)

    # -- the whole course -----------------------------------------------------------------------
    def summary(self, questions: dict[int, int]) -> list[tuple[int, bool, int, int]]:
        """Per lesson of ``questions`` (lesson -> number of quiz questions): (lesson, predicted,
        questions answered right, questions)."""
        lessons = self._load().get("lessons", {})
        out = []
        for n, total in sorted(questions.items()):
            entry = lessons.get(str(n), {})
            right = sum(
                1
                for q in entry.get("quiz", {}).values()
                if isinstance(q, dict) and q.get("correct")
            )
            out.append((n, "prediction" in entry, right, total))
        return out

    def clear(self) -> None:
        """Start over: forget every prediction and answer."""
        self._save({})


def journal() -> Journal:
    """The journal at :func:`journal_path` (read anew on every call: cheap, and always current)."""
    return Journal()


def progress_text(entries: list[tuple[int, bool, int, int]]) -> str:
    """An HTML table of :meth:`Journal.summary`: per lesson, predicted or not, quiz score."""
    rows = "".join(
        f"<tr><td>{n:02d}</td><td>{'yes' if predicted else '—'}</td>"
        f"<td>{right} of {total}</td></tr>"
        for n, predicted, right, total in entries
    )
    done = sum(1 for _, _, right, total in entries if total and right == total)
    return (
        f"<p>Quizzes fully right: <b>{done} of {len(entries)}</b> lessons.</p>"
        "<table><tr><th>lesson</th><th>prediction committed</th>"
        f"<th>quiz answered right</th></tr>{rows}</table>"
    )


def shown_path(path: Path) -> str:
    """``path`` as a reader would type it: under the home folder as ``~/...`` (shorter on a
    projector, and it does not show the account's name to a class)."""
    home = Path.home()
    try:
        return str(Path("~") / path.relative_to(home))
    except ValueError:
        return str(path)


def progress_widget(on_start_over: Callable[[], None] | None = None) -> Any:
    """Lesson 0's view of the journal, with a Start over button (which asks to be clicked
    twice: forgetting every answer should not take one slip); ``on_start_over`` is called
    after the journal is cleared (``course.ui`` forgets the lessons open in this kernel)."""
    import ipywidgets as w

    from course.content import lesson as load_content
    from course.lessons import NUMBERS

    questions = {n: len(load_content(n).quiz) for n in NUMBERS}
    table = w.HTML(progress_text(journal().summary(questions)))
    button = w.Button(
        description="Start over", button_style="warning", layout=w.Layout(width="140px")
    )
    note = w.HTML(f"<small>Kept in {html.escape(shown_path(journal_path()))}.</small>")
    armed = [False]

    def on_click(_: object) -> None:
        if not armed[0]:
            armed[0] = True
            note.value = "Click again to forget every prediction and answer."
            return
        journal().clear()
        if on_start_over is not None:
            on_start_over()
        armed[0] = False
        table.value = progress_text(journal().summary(questions))
        note.value = "Started over: run a lesson's cells again and it asks afresh."

    button.on_click(on_click)
    box = w.VBox([table, w.HBox([button, note])])
    box.table, box.start_over, box.note = table, button, note
    return box
