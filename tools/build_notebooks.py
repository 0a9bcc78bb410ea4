"""Generate the lesson notebooks (the guide's answer key, the README's lesson table) from content.

Why generate
------------
The narrative lives in ``course/content/lesson_NN.py``; a notebook is only the order of a few
one-line calls into ``course.ui`` plus static Markdown taken from the lesson's ``extra`` snippets.
Generating keeps the twelve notebooks consistent, reviewable as Python diffs, and free of outputs
(they are committed clean and executed by ``pytest --nbval-lax notebooks/``).

Usage::

    python tools/build_notebooks.py            # write notebooks/*.ipynb, the answer key, README table
    python tools/build_notebooks.py --check    # exit 1 if any generated file is out of date

Cells whose output varies between runs (widgets, the live server) carry the nbval tag
``nbval-ignore-output``, so even a strict nbval run would not compare them.
"""

from __future__ import annotations

import argparse
import base64
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from course import lesson_text as text  # noqa: E402
from course.content import LESSON_NUMBERS, glossary, lesson  # noqa: E402
from course.content.schema import LessonContent  # noqa: E402
from course.diagrams import MAIL_FLOW_ALT, mail_flow_png  # noqa: E402
from course.lessons import LESSONS, entry  # noqa: E402
from course.quiz import MultipleChoice, Numeric  # noqa: E402

NOTEBOOK_DIR = ROOT / "notebooks"
GUIDE = ROOT / "course" / "INSTRUCTOR.md"
IGNORE_OUTPUT = "nbval-ignore-output"
GUIDE_BEGIN = "<!-- BEGIN GENERATED ANSWER KEY: python tools/build_notebooks.py -->"
GUIDE_END = "<!-- END GENERATED ANSWER KEY -->"
README = ROOT / "README.md"
TABLE_BEGIN = "<!-- BEGIN GENERATED LESSON TABLE: python tools/build_notebooks.py -->"
TABLE_END = "<!-- END GENERATED LESSON TABLE -->"


@dataclass(frozen=True)
class Cell:
    """One notebook cell: Markdown text, or code (with ``vary`` when its output changes per run).

    ``attachments`` (Markdown only): file name -> {MIME type: base64}, shown by
    ``![alt](attachment:name)`` before any code runs."""

    kind: str  # "markdown" or "code"
    source: str
    vary: bool = False
    attachments: tuple[tuple[str, str, str], ...] = ()  # (name, MIME type, base64)


def md(text: str) -> Cell:
    return Cell("markdown", text.strip("\n"))


def code(text: str, vary: bool = False) -> Cell:
    return Cell("code", text.strip("\n"), vary)


# -- per-lesson cell plans ----------------------------------------------------------------------
# Prose is Markdown (course.lesson_text renders it from course.content); code cells hold only the
# widgets, one short call each.


def _header(c: LessonContent, presenter: bool = False) -> Cell:
    first = LESSONS[0]
    nav = "" if c.number == first.number else f"[Welcome]({first.notebook}) · "
    last = max(LESSON_NUMBERS)
    how = (
        "The cells have already run: move the controls and the figures follow."
        if presenter
        else "Read on, and run the cells from top to bottom with **Shift+Enter**: the widgets "
        "(your prediction, the dashboard, the quiz) appear as their cells run."
    )
    return md(
        f"# POP vs IMAP Lab — lesson {c.number} of {last}\n\n{nav}{how} Linked words "
        f"are explained in the [glossary]({text.GLOSSARY_NOTEBOOK}).\n\n" + text.intro_markdown(c)
    )


def _open(n: int) -> Cell:
    return code(f"from course import ui\nL = ui.lesson({n})")


def _predict() -> list[Cell]:
    return [
        md("## Predict\n\nCommit your guess *before* the model runs; it locks once committed."),
        code("L.predict()", vary=True),
    ]


def _run(extra: str = "") -> list[Cell]:
    words = (
        "## Run the model\n\nPOP3 and IMAP replay the same workload trace. Move a control: "
        "the figure and the summary update, and after the first run your prediction is shown "
        "next to the model's result."
    )
    return [md(words + extra), code("L.dashboard()", vary=True)]


def _after_run(c: LessonContent) -> list[Cell]:
    """What to notice, then the nuance: what gives the answer away is folded."""
    cells = [md(text.notice_markdown(c))]
    if any(not b.spoiler for b in c.nuance):
        cells.append(md(text.nuance_markdown(c, spoilers=False)))
    if any(b.spoiler for b in c.nuance):
        cells.append(md(text.nuance_markdown(c, spoilers=True)))
    return cells


def _quiz(words: str = "Every answer, right or wrong, comes with the reason why.") -> list[Cell]:
    return [md(f"## Check yourself\n\n{words}"), code("L.quiz()", vary=True)]


def _next(c: LessonContent) -> Cell:
    n = c.next_lesson
    return md(text.next_markdown(c, None if n is None else lesson(n)))


def standard_plan(c: LessonContent, presenter: bool = False) -> list[Cell]:
    """Lessons 1-9: intro, predict, dashboard, notice, nuance, quiz, next."""
    return [
        _header(c, presenter),
        _open(c.number),
        *_predict(),
        *_run(),
        *_after_run(c),
        *_quiz(),
        _next(c),
    ]


def _flow_diagram() -> Cell:
    png = base64.b64encode(mail_flow_png()).decode()
    return Cell(
        "markdown",
        "## Where the mail goes\n\n"
        f"![{MAIL_FLOW_ALT}](attachment:mail_flow.png)\n\n"
        "*The two ways of reading mail. The lessons run both on the same mail and the "
        "same user, side by side, and count what each one moves.*",
        attachments=(("mail_flow.png", "image/png", png),),
    )


# The presenter keeps a journal of its own that each `run.py present` starts blank, so the
# welcome lesson tells the room that instead of "kept between sessions".
LEARNER_PROGRESS = (
    "## Your progress\n\nYour predictions and quiz answers are kept between "
    "sessions (in a small file of your own, not in the course). Here is how far "
    "you have come."
)
PRESENTER_PROGRESS = (
    "## Progress in this session\n\nPredictions and quiz answers made here are "
    "kept until the presenter is started again, apart from anyone's own "
    "progress in the lab. Here is how far this session has come."
)


def welcome_plan(c: LessonContent, presenter: bool = False) -> list[Cell]:
    x = c.extra
    how = x["how_to_use"] + ("" if presenter else "\n" + x["how_to_run"])
    return [
        _header(c, presenter),
        _open(c.number),
        _flow_diagram(),
        md(how),
        md(PRESENTER_PROGRESS if presenter else LEARNER_PROGRESS),
        code("L.progress()", vary=True),
        md(
            x["model_in_five_minutes"]
            + "\n\nThe dashboard below runs the default scenario once under each protocol: a first "
            "look at the metrics the lessons explore one by one."
        ),
        code("L.dashboard()", vary=True),
        md(x["claims"]),
        *_after_run(c),
        *_quiz("Try the quiz now: it shows how every lesson ends."),
        _next(c),
    ]


def capstone_plan(c: LessonContent, presenter: bool = False) -> list[Cell]:
    x = c.extra
    return [
        _header(c, presenter),
        _open(c.number),
        *_predict(),
        md(x["profiles"]),
        *_run(),
        *_after_run(c),
        *(
            (md(x["justify_presenter"]),)
            if presenter
            else (md(x["justify"]), md(x["answer_template"]))
        ),
        *_quiz(),
        _next(c),
    ]


def _client(source: str, presenter: bool) -> tuple[Cell, ...]:
    """A live client's call. Voila hides all code, so the presenter's copy shows the call above
    its result: without it the room would see replies to commands nobody sent."""
    call = code(source, vary=True)
    return (md(f"```python\n{call.source}\n```"), call) if presenter else (call,)


def wire_plan(c: LessonContent, presenter: bool = False) -> list[Cell]:
    x = c.extra
    variant = "_presenter" if presenter else ""
    return [
        _header(c, presenter),
        _open(c.number),
        *_predict(),
        md(
            "## Annotated transcripts\n\n"
            + x["reading"].split("\n", 1)[1]
            + "\nPick a transcript in the dropdown; *show every payload line* expands the message "
            "contents."
        ),
        code("L.transcript()", vary=True),
        md(x["state_machines"]),
        md(x["live" + variant] + "\n" + x["live_timeout" + variant]),
        *_client("lab = L.live_server(messages=3, deliver_every=2)\nlab", presenter),
        md(
            "### POP3 with `poplib`\n\nLog in, then ask for the maildrop's size, the unique ids, "
            "and the first lines of message 1. `quit()` ends the session (and would apply any "
            "`DELE`)."
        ),
        *_client(
            "import poplib\npop = poplib.POP3(lab.pop3.host, lab.pop3.port, timeout=10)\n"
            "pop.user(lab.user), pop.pass_(lab.password)",
            presenter,
        ),
        *_client("pop.stat(), pop.uidl()", presenter),
        *_client("pop.retr(1)[1][:6]", presenter),
        *_client("pop.quit()", presenter),
        md(
            "### IMAP with `imaplib`\n\nLog in, open INBOX, search it on the server, and fetch two "
            "header fields of message 1 without marking it read (`BODY.PEEK`)."
        ),
        *_client(
            "import imaplib\nimap = imaplib.IMAP4(lab.imap.host, lab.imap.port, timeout=10)\n"
            "imap.login(lab.user, lab.password)",
            presenter,
        ),
        *_client('imap.select("INBOX"), imap.search(None, "ALL")', presenter),
        *_client('imap.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])")', presenter),
        md(x["idle" + variant]),
        *_client('imap.send(b"i1 IDLE\\r\\n")\nimap.readline()', presenter),
        *_client("imap.readline()", presenter),
        *_client(
            'imap.send(b"DONE\\r\\n")\n'
            'while not (line := imap.readline()).startswith(b"i1 "): print(line)\nline',
            presenter,
        ),
        *_client("imap.logout(), lab.stop()", presenter),
        *_after_run(c),
        *_quiz(),
        _next(c),
    ]


def plan(n: int, presenter: bool = False) -> list[Cell]:
    """The cells of lesson ``n``'s notebook (``presenter``: the copy Voila serves), with the
    first use of each glossary term linked."""
    c = lesson(n)
    cells = PLANS[entry(n).plan](c, presenter)
    seen: set[str] = set()
    terms = [(t.name, t.forms) for t in glossary.TERMS]
    return [
        replace(cell, source=text.link_glossary(cell.source, terms, seen))
        if cell.kind == "markdown"
        else cell
        for cell in cells
    ]


PLANS: dict[str, Callable[[LessonContent, bool], list[Cell]]] = {
    "standard": standard_plan,
    "welcome": welcome_plan,
    "capstone": capstone_plan,
    "wire": wire_plan,
}
"""The cell plans a :class:`course.lessons.Lesson` can name."""


# -- notebook JSON ------------------------------------------------------------------------------


def _notebook(cells: list[Cell], prefix: str) -> str:
    """nbformat 4.5 JSON text of ``cells``, without outputs, deterministic."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {
            "name": "python3",
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
        },
        "language_info": {"name": "python"},
    }
    for i, cell in enumerate(cells):
        if cell.kind == "markdown":
            nbc = nbformat.v4.new_markdown_cell(cell.source)
            if cell.attachments:
                nbc["attachments"] = {name: {mime: data} for name, mime, data in cell.attachments}
        else:
            nbc = nbformat.v4.new_code_cell(cell.source)
            if cell.vary:
                nbc.metadata["tags"] = [IGNORE_OUTPUT]
        nbc["id"] = f"{prefix}-cell{i:02d}"
        nb.cells.append(nbc)
    nbformat.validate(nb)
    return nbformat.writes(nb, version=4) + "\n"


def notebook_json(n: int, presenter: bool = False) -> str:
    """Lesson ``n``'s notebook as nbformat 4.5 JSON text, without outputs, deterministic.

    ``presenter``: the copy ``run.py present`` serves in Voila, whose text does not ask the
    reader to run cells."""
    return _notebook(plan(n, presenter), f"lesson{n:02d}")


def glossary_json() -> str:
    """The glossary notebook (Markdown only) the lessons link to."""
    entries = [(t.name, t.definition, t.source) for t in glossary.TERMS]
    return _notebook([md(text.glossary_markdown(entries))], "glossary")


def notebook_files(presenter: bool = False) -> list[tuple[str, str]]:
    """Every notebook of the course as (file name, JSON text): the lessons and the glossary."""
    files = [(lesson(n).notebook, notebook_json(n, presenter)) for n in LESSON_NUMBERS]
    return files + [(text.GLOSSARY_NOTEBOOK, glossary_json())]


def notebook_path(n: int) -> Path:
    return NOTEBOOK_DIR / lesson(n).notebook


# -- instructor guide answer key ----------------------------------------------------------------


def _format_number(value: float) -> str:
    return f"{int(value)}" if value == int(value) else f"{value:g}"


def answer_key() -> str:
    """The guide's generated section: every quiz question with its unsealed answer and why."""
    out = [
        GUIDE_BEGIN,
        "",
        "## Lesson by lesson: objectives and answer key",
        "",
        "*Generated from `course/content` by `python tools/build_notebooks.py`; do not edit "
        "by hand.*",
        "",
    ]
    for n in LESSON_NUMBERS:
        c = lesson(n)
        out += [
            f"### Lesson {n}: {c.title}",
            "",
            f"Notebook: `notebooks/{c.notebook}`",
            "",
            "*Objectives:*",
            "",
        ]
        out += [f"- {o}" for o in c.objectives]
        out.append("")
        if c.claim_en:
            out += [f'*The article\'s claim:* "{c.claim_en}"', ""]
        for i, q in enumerate(c.quiz, start=1):
            out.append(f"**Q{i}.** {q.prompt}")
            out.append("")
            if isinstance(q, MultipleChoice):
                right = q.answer_index()
                for k, option in enumerate(q.options):
                    mark = "✅" if k == right else "▫️"
                    out.append(f"- {mark} {option} — {q.explanations[k]}")
                out.append("")
                out.append(f"*Answer:* {q.options[right]}")
            elif isinstance(q, Numeric):
                tol = f" (accepted within ±{_format_number(q.tolerance)})" if q.tolerance else ""
                out.append(
                    f"*Answer:* {_format_number(q.answer_value())} {q.unit}{tol}. {q.explanation}"
                )
            out.append("")
        if c.predict is not None:
            out.append(
                f"*Prediction asked:* {c.predict.question} — compared with the model's "
                f"`{c.predict.result_key}` at the lesson's default settings (computed live; "
                f"no fixed answer)."
            )
            out.append("")
    out.append(GUIDE_END)
    return "\n".join(out)


def _replace_section(current: str, begin: str, end: str, section: str) -> str:
    """``current`` with the text from ``begin`` to ``end`` replaced by ``section`` (which starts
    with ``begin`` and ends with ``end``); appended if the markers are missing."""
    if begin in current and end in current:
        head, rest = current.split(begin, 1)
        _, tail = rest.split(end, 1)
        return head + section + tail
    return current.rstrip("\n") + "\n\n" + section + "\n"


def guide_text(current: str) -> str:
    """The instructor guide ``current`` with its answer key regenerated."""
    return _replace_section(current, GUIDE_BEGIN, GUIDE_END, answer_key())


# -- README lesson table ------------------------------------------------------------------------


def lesson_table() -> str:
    """The README's table of lessons, one row per registry entry, from each lesson's summary."""
    rows = [TABLE_BEGIN, "| Notebook | Lesson |", "|---|---|"]
    for e in LESSONS:
        rows.append(
            f"| [`{e.notebook[:-6]}`](notebooks/{e.notebook}) | {lesson(e.number).summary} |"
        )
    return "\n".join([*rows, TABLE_END])


def readme_text(current: str) -> str:
    """The README ``current`` with its lesson table regenerated."""
    return _replace_section(current, TABLE_BEGIN, TABLE_END, lesson_table())


# -- command line -------------------------------------------------------------------------------


def outputs() -> Iterable[tuple[Path, str]]:
    """Every generated file and its up-to-date text."""
    for name, notebook in notebook_files():
        yield NOTEBOOK_DIR / name, notebook
    current = GUIDE.read_text(encoding="utf-8") if GUIDE.exists() else ""
    yield GUIDE, guide_text(current)
    yield README, readme_text(README.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="report out-of-date files and exit 1 instead of writing",
    )
    args = parser.parse_args(argv)
    stale = []
    for path, fresh in outputs():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == fresh:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(fresh, encoding="utf-8")
    for path in stale:
        verb = "out of date" if args.check else "wrote"
        print(f"{verb}: {path.relative_to(ROOT)}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
