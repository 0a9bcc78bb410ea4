"""The committed lesson notebooks: generated, clean, thin, in lesson order, and answer-free.

Executing them is nbval's job (``pytest --nbval-lax notebooks/``); these tests read the JSON.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from course.content import LESSON_NUMBERS, lesson
from course.quiz import MultipleChoice, Numeric

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
IGNORE = "nbval-ignore-output"
# Modules a lesson's code cells may import: the course and the model; lesson 11 also drives the
# lab's live server with the standard library's own clients, which is its point.
ALLOWED_IMPORTS = {"course", "sim"}
WIRE_IMPORTS = {"poplib", "imaplib"}
MAX_CODE_LINES = 3


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks",
                                                  ROOT / "tools" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules.setdefault("build_notebooks", module)
    spec.loader.exec_module(module)
    return module


def _nb(n: int) -> dict:
    return json.loads((NOTEBOOKS / lesson(n).notebook).read_text(encoding="utf-8"))


def _code(n: int) -> list[dict]:
    return [c for c in _nb(n)["cells"] if c["cell_type"] == "code"]


def _src(cell: dict) -> str:
    return "".join(cell["source"])


def test_there_is_one_notebook_per_lesson_and_nothing_else() -> None:
    expected = {lesson(n).notebook for n in LESSON_NUMBERS}
    present = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    assert present == expected


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_notebook_is_what_the_generator_writes(n: int) -> None:
    text = (NOTEBOOKS / lesson(n).notebook).read_text(encoding="utf-8")
    assert text == _builder().notebook_json(n), "run: python tools/build_notebooks.py"


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_notebook_is_committed_without_outputs(n: int) -> None:
    for cell in _code(n):
        assert cell["outputs"] == [] and cell["execution_count"] is None, _src(cell)


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_code_cells_are_thin(n: int) -> None:
    allowed = ALLOWED_IMPORTS | (WIRE_IMPORTS if n == 11 else set())
    for cell in _code(n):
        source = _src(cell)
        assert len(source.splitlines()) <= MAX_CODE_LINES, source
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "").split(".")[0]]
            else:
                continue
            assert set(names) <= allowed, f"lesson {n} imports {names}: logic goes in course/, sim/"
        defs = (ast.FunctionDef, ast.ClassDef, ast.Lambda)
        assert not any(isinstance(x, defs) for x in ast.walk(tree)), source


def _calls(n: int) -> list[str]:
    """The ``L.method`` names in code-cell order."""
    return [m for cell in _code(n) for m in re.findall(r"\bL\.(\w+)\(", _src(cell))]


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_lesson_order_predict_run_notice_nuance_quiz_next(n: int) -> None:
    calls = _calls(n)
    c = lesson(n)
    assert calls[0] == "intro" and calls[-2:] == ["quiz", "next"]
    run = "transcript" if n == 11 else "dashboard"
    assert run in calls
    if c.predict is not None:
        assert calls.index("predict") < calls.index(run), "predict before the first run"
    else:
        assert "predict" not in calls
    assert calls.index(run) < calls.index("notice") < calls.index("quiz")
    if c.nuance:
        assert calls.index("notice") < calls.index("nuance") < calls.index("quiz")


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_varying_cells_are_marked_for_nbval(n: int) -> None:
    for cell in _code(n):
        varies = re.search(r"L\.(predict|dashboard|transcript|quiz|live_server)\(|lab|imap|pop\.",
                           _src(cell))
        if varies:
            assert IGNORE in cell["metadata"].get("tags", []), _src(cell)


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_next_link_target_exists(n: int) -> None:
    nxt = lesson(n).next_lesson
    if nxt is not None:
        assert (NOTEBOOKS / lesson(nxt).notebook).exists()


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_notebook_holds_no_quiz_answer(n: int) -> None:
    """Quizzes come from ``course.content`` at run time: no question, option, token or answer."""
    text = (NOTEBOOKS / lesson(n).notebook).read_text(encoding="utf-8")
    assert "sealed:" not in text
    for m in LESSON_NUMBERS:
        for q in lesson(m).quiz:
            assert q.prompt[:50] not in text
            if isinstance(q, MultipleChoice):
                right = q.options[q.answer_index()]
                if len(right) >= 20:  # a sentence: it has no business in a notebook at all
                    assert right not in text, f"lesson {m}: right option in {lesson(n).notebook}"
                else:  # a short term (`SEARCH`) may occur in prose, never beside an answer marker
                    marker = rf"(answer|correct|solution)\W{{0,30}}{re.escape(right)}"
                    assert not re.search(marker, text, re.I), (m, right)
                assert q.explanations[q.answer_index()][:50] not in text
            elif isinstance(q, Numeric):
                value = f"{q.answer_value():g}"
                assert not re.search(rf"answer\W{{0,20}}{re.escape(value)}\b", text, re.I)


@pytest.mark.parametrize("n", [10])
def test_capstone_offers_the_structured_justification(n: int) -> None:
    text = "".join(_src(c) for c in _nb(n)["cells"] if c["cell_type"] == "markdown")
    for part in ("User", "Choice", "Evidence", "Trade-off", "What would change my mind"):
        assert f"**{part}:**" in text


def test_wire_lesson_drives_real_clients_and_an_idle_round() -> None:
    code = "\n".join(_src(c) for c in _code(11))
    assert "poplib.POP3(" in code and "imaplib.IMAP4(" in code
    assert 'b"i1 IDLE\\r\\n"' in code and 'b"DONE\\r\\n"' in code
    assert "L.live_server(" in code and "lab.stop()" in code
