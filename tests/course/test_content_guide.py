"""The instructor guide is up to date with the lesson texts and covers every lesson."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from course.content import LESSON_NUMBERS, lesson
from course.quiz import MultipleChoice

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "course" / "INSTRUCTOR.md"


def _builder():
    spec = importlib.util.spec_from_file_location(
        "build_notebooks", ROOT / "tools" / "build_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules.setdefault("build_notebooks", module)
    spec.loader.exec_module(module)
    return module


def _guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def test_answer_key_is_regenerated() -> None:
    assert _builder().guide_text(_guide()) == _guide(), "run: python tools/build_notebooks.py"


def test_readme_lesson_table_is_regenerated() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert _builder().readme_text(readme) == readme, "run: python tools/build_notebooks.py"


def test_readme_table_follows_the_registry_and_the_summaries() -> None:
    """The table has one row per lesson, in order, and a changed row is written back."""
    builder = _builder()
    table = builder.lesson_table()
    rows = [r for r in table.splitlines() if r.startswith("| [")]
    assert [r.split("`")[1] for r in rows] == [lesson(n).notebook[:-6] for n in LESSON_NUMBERS]
    assert all(f"| {lesson(n).summary} |" in rows[i] for i, n in enumerate(LESSON_NUMBERS))
    stale = "intro\n\n" + table.replace(lesson(3).summary, "old words") + "\n\noutro\n"
    assert builder.readme_text(stale) == "intro\n\n" + table + "\n\noutro\n"


def _key_section(n: int) -> str:
    text = _guide()
    start = text.index(f"### Lesson {n}: {lesson(n).title}")
    nxt = text.find("### Lesson ", start + 1)
    return text[start : nxt if nxt != -1 else len(text)]


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_every_question_appears_with_its_unsealed_answer(n: int) -> None:
    section = _key_section(n)
    for i, q in enumerate(lesson(n).quiz, start=1):
        assert f"**Q{i}.** {q.prompt}" in section
        if isinstance(q, MultipleChoice):
            right = q.options[q.answer_index()]
            assert f"- ✅ {right} — {q.explanations[q.answer_index()]}" in section
            assert f"*Answer:* {right}" in section
            choices = sum(isinstance(x, MultipleChoice) for x in lesson(n).quiz)
            assert section.count("- ✅ ") == choices
        else:
            value = q.answer_value()
            shown = f"{int(value)}" if value == int(value) else f"{value:g}"
            assert re.search(rf"\*Answer:\* {re.escape(shown)} {re.escape(q.unit)}", section)


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_every_lesson_has_notes_a_discussion_question_and_misconceptions(n: int) -> None:
    text = _guide()
    start = text.index(f"### Lesson {n} —")
    end = text.find("\n### ", start + 1)
    notes = text[start:end]
    assert "**Discussion:**" in notes and "?" in notes.split("**Discussion:**")[1]
    assert "**Watch for:**" in notes


def test_both_timing_plans_cover_the_course() -> None:
    text = _guide()
    lecture = text[text.index("### 90-minute lecture") : text.index("### Self-paced path")]
    ends = [int(m) for m in re.findall(r"^\| \d+–(\d+) \|", lecture, re.M)]
    assert ends and ends[-1] == 90 and ends == sorted(ends)
    starts = [int(m) for m in re.findall(r"^\| (\d+)–\d+ \|", lecture, re.M)]
    assert starts[0] == 0 and starts[1:] == ends[:-1], "the lecture slots are contiguous"
    selfpaced = text[text.index("### Self-paced path") : text.index("## Lesson notes")]
    rows = re.findall(r"^\| (\d\d) [^|]+\| (\d+) \|", selfpaced, re.M)
    assert [int(r[0]) for r in rows] == list(LESSON_NUMBERS)
    lecture_lessons = {int(x) for x in re.findall(r"^\| [\d–]+ \| (\d\d)", lecture, re.M)}
    lecture_lessons |= {int(x) for x in re.findall(r"^\| [\d–]+ \| \d\d \+ (\d\d)", lecture, re.M)}
    assert lecture_lessons == set(LESSON_NUMBERS)


def test_misconception_table_points_at_existing_lessons() -> None:
    text = _guide()
    table = text[text.index("## Misconceptions to watch for") : text.index("<!-- BEGIN GENERATED")]
    rows = [r for r in table.splitlines() if r.startswith("| ") and not r.startswith("| Often")]
    assert len(rows) >= 12
    for row in rows[1:] if rows[0].startswith("|---") else rows:
        lessons = row.rstrip(" |").split("|")[-1]
        assert all(0 <= int(x) <= 11 for x in re.findall(r"\d+", lessons)), row


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_every_lesson_lists_its_objectives(n: int) -> None:
    section = _key_section(n)
    assert f"`notebooks/{lesson(n).notebook}`" in section
    for objective in lesson(n).objectives:
        assert f"- {objective}" in section
