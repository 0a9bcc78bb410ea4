"""The committed lesson notebooks: generated, clean, thin, in lesson order, and answer-free.

Executing them is nbval's job (``pytest --nbval-lax notebooks/``); these tests read the JSON.
"""

from __future__ import annotations

import ast
import base64
import html
import importlib.util
import io
import itertools
import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest

from course.content import LESSON_NUMBERS, lesson
from course.lesson_text import GLOSSARY_NOTEBOOK, glossary_anchor
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


def test_there_is_one_notebook_per_lesson_the_glossary_and_nothing_else() -> None:
    expected = {lesson(n).notebook for n in LESSON_NUMBERS} | {GLOSSARY_NOTEBOOK}
    present = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    assert present == expected


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_notebook_is_what_the_generator_writes(n: int) -> None:
    text = (NOTEBOOKS / lesson(n).notebook).read_text(encoding="utf-8")
    assert text == _builder().notebook_json(n), "run: python tools/build_notebooks.py"


def test_glossary_is_what_the_generator_writes() -> None:
    text = (NOTEBOOKS / GLOSSARY_NOTEBOOK).read_text(encoding="utf-8")
    assert text == _builder().glossary_json(), "run: python tools/build_notebooks.py"


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


def _markdown(n: int) -> list[str]:
    return [_src(c) for c in _nb(n)["cells"] if c["cell_type"] == "markdown"]


def _unlinked(markdown: str) -> str:
    """The text a reader sees: glossary links reduced to their words."""
    return re.sub(r"\[([^\]]*)\]\(glossary\.ipynb#[^)]*\)", r"\1", markdown)


def _position(n: int, needle: str) -> int:
    """Index of the first cell (any kind) whose source holds ``needle``."""
    for i, cell in enumerate(_nb(n)["cells"]):
        if needle in _unlinked(_src(cell)):
            return i
    raise AssertionError(f"lesson {n}: no cell holds {needle!r}")


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_lesson_reads_before_it_runs(n: int) -> None:
    """The prose is in Markdown cells, so it shows before any code runs: objectives, the claim
    (and its original), what to notice, every nuance box and the link to the next lesson."""
    c = lesson(n)
    prose = _unlinked("\n".join(_markdown(n)))
    for part in (*c.objectives, *c.notice, *(b.text for b in c.nuance),
                 *(b.title for b in c.nuance)):
        assert part in prose, f"lesson {n}: {part[:60]!r} is not in a Markdown cell"
    if c.claim_en:
        assert c.claim_en.splitlines()[0] in prose
    if c.claim_bg:
        assert html.escape(c.claim_bg) in prose
    if c.next_lesson is not None:
        assert f"({lesson(c.next_lesson).notebook})" in _markdown(n)[-1]
    assert not {"intro", "notice", "nuance", "next"} & set(_calls(n)), "prose is Markdown"


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_lesson_order_predict_run_notice_nuance_quiz_next(n: int) -> None:
    calls = _calls(n)
    c = lesson(n)
    assert calls[-1] == "quiz"
    run = "transcript" if n == 11 else "dashboard"
    assert run in calls
    if c.predict is not None:
        assert calls.index("predict") < calls.index(run), "predict before the first run"
    else:
        assert "predict" not in calls
    run_cell = _position(n, f"L.{run}()")
    notice = _position(n, "### What to notice")
    assert run_cell < notice < _position(n, "L.quiz()") < _position(n, "**Next:**" if
                                                                    c.next_lesson is not None
                                                                    else "last lesson")
    for box in c.nuance:
        assert notice < _position(n, box.text) < _position(n, "L.quiz()")


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_what_gives_the_answer_away_is_folded(n: int) -> None:
    """What to notice and every spoiler box sit inside a <details> block; the others do not."""
    c = lesson(n)
    for cell in _markdown(n):
        text = _unlinked(cell)
        folded = text[text.find("<details>"):] if "<details>" in text else ""
        for item in c.notice:
            if item in text:
                assert item in folded, f"lesson {n}: a notice bullet is not folded"
        for box in c.nuance:
            if box.text in text:
                assert (box.text in folded) is box.spoiler, f"lesson {n}: {box.title!r}"


def test_welcome_opens_with_the_flow_diagram() -> None:
    from PIL import Image

    from course.diagrams import MAIL_FLOW, Box, Label

    cells = _nb(0)["cells"]
    first_md_after_code = next(c for c in cells[2:] if c["cell_type"] == "markdown")
    assert "attachment:mail_flow.png" in _src(first_md_after_code)
    data = first_md_after_code["attachments"]["mail_flow.png"]["image/png"]
    png = base64.b64decode("".join(data) if isinstance(data, list) else data)
    width, height = Image.open(io.BytesIO(png)).size  # a PNG JupyterLab can show
    assert width > 900 and 0.4 < height / width < 0.5
    words = " ".join([s.text for s in MAIL_FLOW if isinstance(s, Label)]
                     + [line for s in MAIL_FLOW if isinstance(s, Box) for line in s.lines])
    for part in ("Sender", "SMTP", "Mail server", "POP3", "IMAP", "phone", "laptop", "desktop"):
        assert part in words
    alt = re.search(r"!\[([^\]]+)\]\(attachment:mail_flow\.png\)", _src(first_md_after_code))
    assert alt and len(alt.group(1)) > 80, "the diagram needs alt text that describes it"


def test_glossary_links_land_on_a_heading_of_the_glossary() -> None:
    glossary = "".join(_src(c) for c in json.loads(
        (NOTEBOOKS / GLOSSARY_NOTEBOOK).read_text(encoding="utf-8"))["cells"])
    headings = {glossary_anchor(h) for h in re.findall(r"^## (.+)$", glossary, re.M)}
    linked = 0
    for n in LESSON_NUMBERS:
        targets = re.findall(r"\]\(glossary\.ipynb#([^)]+)\)", "\n".join(_markdown(n)))
        assert len(targets) == len(set(targets)), f"lesson {n}: a term is linked twice"
        for target in targets:
            assert unquote(target) in headings, (n, target)
        linked += len(targets)
    assert linked >= 30, linked


def test_presenter_copies_do_not_ask_to_run_cells() -> None:
    builder = _builder()
    for name, text in builder.notebook_files(presenter=True):
        for phrase in ("Shift+Enter", "double-click", "run the cell", "Run the cells"):
            assert phrase not in text, (name, phrase)
    assert {name for name, _ in builder.notebook_files()} == \
        {p.name for p in NOTEBOOKS.glob("*.ipynb")}


def test_presenter_welcome_says_its_progress_lasts_until_the_next_start() -> None:
    """`run.py present` starts a blank journal each time: "kept between sessions" would be wrong."""
    copies = dict(_builder().notebook_files(presenter=True))
    assert "kept between sessions" not in copies["00_welcome.ipynb"]
    assert "until the presenter is started again" in copies["00_welcome.ipynb"]
    assert "kept between sessions" in (NOTEBOOKS / "00_welcome.ipynb").read_text()


def test_presenter_copy_of_lesson_11_shows_each_client_call_above_its_result() -> None:
    """Voila hides every code cell: without the call beside it, `(b'+OK ...', ...)` on the
    projector answers a command the room never saw."""
    cells = _builder().plan(11, presenter=True)
    calls = [(before, cell) for before, cell in itertools.pairwise(cells)
             if cell.kind == "code" and re.search(r"\b(pop|imap)\.", cell.source)]
    assert len(calls) >= 8
    for before, cell in calls:
        assert before.kind == "markdown" and f"```python\n{cell.source}\n```" == before.source
    prose = "\n".join(c.source for c in cells if c.kind == "markdown")
    assert "next cells" not in prose and "the calls shown below send" in prose
    learner = "\n".join(c.source for c in _builder().plan(11) if c.kind == "markdown")
    assert "```python" not in learner and "so the next cells send" in learner


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
