"""``course.lessons.LESSONS`` is the one list of lessons: every lesson file is in it, everything
named in it exists and agrees, and no module lists lesson numbers of its own."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from course.lessons import LESSONS, NUMBERS, Lesson, entry

ROOT = Path(__file__).resolve().parents[2]


def test_numbers_run_from_zero_without_a_gap() -> None:
    assert tuple(range(len(LESSONS))) == NUMBERS and len(LESSONS) >= 2


def test_the_notebooks_folder_holds_exactly_the_registrys_lessons() -> None:
    on_disk = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert on_disk == [x.notebook for x in LESSONS]


def test_every_content_module_is_a_registered_lesson() -> None:
    files = sorted(p.stem for p in (ROOT / "course" / "content").glob("lesson_*.py"))
    assert [f"course.content.{f}" for f in files] == [x.content for x in LESSONS]


def _dashboard_classes() -> set[str]:
    """``module:Class`` of every Dashboard subclass defined under course/dashboards."""
    found = set()
    for path in sorted((ROOT / "course" / "dashboards").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id == "Dashboard" for b in node.bases
            ):
                found.add(f"course.dashboards.{path.stem}:{node.name}")
    return found


def test_every_dashboard_belongs_to_one_lesson() -> None:
    named = [x.dashboard_class() for x in LESSONS if x.dashboard is not None]
    assert len(set(named)) == len(named)
    defined = _dashboard_classes()
    assert {f"{c.__module__}:{c.__name__}" for c in named if c is not None} == defined
    for x in LESSONS:
        cls = x.dashboard_class()
        assert cls is None or cls.lesson == x.number, (x.number, cls)


@pytest.mark.parametrize("x", LESSONS, ids=[f"lesson{x.number}" for x in LESSONS])
def test_each_entry_agrees_with_what_it_names(x: Lesson) -> None:
    from course.content import lesson

    c = lesson(x.number)
    assert (c.number, c.notebook) == (x.number, x.notebook)
    assert (x.view == "transcript") == (x.dashboard is None)
    if x.figures is not None:
        assert x.caption.startswith(f"Lesson {x.number}, "), x.caption


def test_the_experiments_are_the_ones_sim_marks_per_lesson() -> None:
    from sim.cli.lesson import LESSONS as CLI_LESSONS
    from sim.lessons.experiments import EXPERIMENTS

    named = {x.number: x.experiment for x in LESSONS if x.experiment is not None}
    assert {n: f.__name__ for n, f in EXPERIMENTS.items()} == named
    assert dict(sorted(named.items())) == CLI_LESSONS
    for x in LESSONS:
        assert x.experiment_function() is EXPERIMENTS.get(x.number)


def test_entry_names_the_value_and_the_allowed_numbers() -> None:
    top = NUMBERS[-1]
    with pytest.raises(ValueError, match=rf"n must be an int in 0\.\.{top}, got {top + 1}"):
        entry(top + 1)
    with pytest.raises(TypeError, match=r"got True"):
        entry(True)
    with pytest.raises(ValueError, match="notebook"):
        Lesson(3, "3_x.ipynb", "course.content.lesson_03", None, None, figures="m:f")
    with pytest.raises(ValueError, match="figures"):
        Lesson(3, "03_x.ipynb", "course.content.lesson_03", None, None)


# a lesson range written out: range(12), range(0, 12), range(1, 11), tuple(range(1, 12)) ...
LESSON_RANGE = re.compile(r"range\(\s*(?:[01]\s*,\s*)?1[0-2]\s*\)")
# a lesson singled out by number: `n == 11`, `self.number == 0`, `{0: ..., 10: ..., 11: ...}`
# (``n == 1`` is left alone: it picks a plural far more often than a lesson)
LESSON_CASE = re.compile(
    r"\b(?:number|lesson)\s*(?:==|!=)\s*\d|\bn\s*(?:==|!=)\s*(?:0|1[01])\b|\{\s*0\s*:\s*\w+_plan"
)


def _sources() -> list[Path]:
    return sorted([*(ROOT / "course").rglob("*.py"), *(ROOT / "tools").rglob("*.py")])


def test_the_patterns_catch_what_they_are_for() -> None:
    assert LESSON_RANGE.search("tuple(range(1, 11))") and LESSON_RANGE.search("range(12)")
    assert not LESSON_RANGE.search("range(120)") and not LESSON_RANGE.search("range(n)")
    assert LESSON_CASE.search("if self.number == 11:") and LESSON_CASE.search("if n == 0")
    assert LESSON_CASE.search("{0: welcome_plan, 10: capstone_plan}.get(n, standard_plan)")
    assert not LESSON_CASE.search('word if n == 1 else word + "s"')


def test_no_module_lists_lessons_of_its_own() -> None:
    """Only the registry says which lessons exist and which is special."""
    found = []
    for path in _sources():
        if path == ROOT / "course" / "lessons.py":
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if LESSON_RANGE.search(line) or LESSON_CASE.search(line):
                found.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not found, "lesson numbers outside course/lessons.py:\n" + "\n".join(found)
