"""Generate the lesson notebooks (and the instructor guide's answer key) from ``course/content``.

Why generate
------------
The narrative lives in ``course/content/lesson_NN.py``; a notebook is only the order of a few
one-line calls into ``course.ui`` plus static Markdown taken from the lesson's ``extra`` snippets.
Generating keeps the twelve notebooks consistent, reviewable as Python diffs, and free of outputs
(they are committed clean and executed by ``pytest --nbval-lax notebooks/``).

Usage::

    python tools/build_notebooks.py            # write notebooks/*.ipynb and the guide's answer key
    python tools/build_notebooks.py --check    # exit 1 if any generated file is out of date

Cells whose output varies between runs (widgets, the live server) carry the nbval tag
``nbval-ignore-output``, so even a strict nbval run would not compare them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from course.content import LESSON_NUMBERS, lesson  # noqa: E402
from course.content.schema import LessonContent  # noqa: E402
from course.quiz import MultipleChoice, Numeric  # noqa: E402

NOTEBOOK_DIR = ROOT / "notebooks"
GUIDE = ROOT / "course" / "INSTRUCTOR.md"
IGNORE_OUTPUT = "nbval-ignore-output"
GUIDE_BEGIN = "<!-- BEGIN GENERATED ANSWER KEY: python tools/build_notebooks.py -->"
GUIDE_END = "<!-- END GENERATED ANSWER KEY -->"


@dataclass(frozen=True)
class Cell:
    """One notebook cell: Markdown text, or code (with ``vary`` when its output changes per run)."""

    kind: str  # "markdown" or "code"
    source: str
    vary: bool = False


def md(text: str) -> Cell:
    return Cell("markdown", text.strip("\n"))


def code(text: str, vary: bool = False) -> Cell:
    return Cell("code", text.strip("\n"), vary)


# -- per-lesson cell plans ----------------------------------------------------------------------

def _header(c: LessonContent, presenter: bool = False) -> Cell:
    nav = "" if c.number == 0 else "[Welcome](00_welcome.ipynb) · "
    last = max(LESSON_NUMBERS)
    how = ("Every cell has already run: move the controls and the figures follow."
           if presenter else
           "Run the cells from top to bottom with **Shift+Enter**; the first one shows "
           "the lesson's title, objectives and the article's claim.")
    return md(f"# POP vs IMAP Lab — lesson {c.number} of {last}\n\n{nav}{how}")


def _open(n: int) -> Cell:
    return code(f"from course import ui\nL = ui.lesson({n})\nL.intro()")


def _predict() -> list[Cell]:
    return [md("## Predict\n\nCommit your guess *before* the model runs; it locks once committed."),
            code("L.predict()", vary=True)]


def _run(extra: str = "") -> list[Cell]:
    text = ("## Run the model\n\nPOP3 and IMAP replay the same workload trace. Move a control: "
            "the figure and the summary update, and after the first run your prediction is shown "
            "next to the model's result.")
    return [md(text + extra), code("L.dashboard()", vary=True)]


def _closing(c: LessonContent) -> list[Cell]:
    cells = [code("L.notice()")]  # notice() brings its own heading
    if c.nuance:
        cells += [md("## Nuance: where the article oversimplifies or errs"), code("L.nuance()")]
    cells += [md("## Check yourself\n\nEvery answer, right or wrong, comes with the reason why."),
              code("L.quiz()", vary=True), code("L.next()")]
    return cells


def standard_plan(c: LessonContent) -> list[Cell]:
    """Lessons 1-9: intro, predict, dashboard, notice, nuance, quiz, next."""
    return [_header(c), _open(c.number), *_predict(), *_run(), *_closing(c)]


def welcome_plan(c: LessonContent) -> list[Cell]:
    x = c.extra
    return [
        _header(c), _open(c.number),
        md(x["how_to_use"]),
        md("## Your progress\n\nYour predictions and quiz answers are kept between sessions "
           "(in a small file of your own, not in the course). Here is how far you have come."),
        code("L.progress()", vary=True),
        md(x["model_in_five_minutes"]
           + "\n\nThe dashboard below runs the default scenario once under each protocol: a first "
             "look at the metrics the lessons explore one by one."),
        code("L.dashboard()", vary=True),
        md(x["claims"]),
        code("L.notice()"),
        md("## Nuance"), code("L.nuance()"),
        md("## Check yourself\n\nTry the quiz now: it shows how every lesson ends."),
        code("L.quiz()", vary=True), code("L.next()"),
    ]


def capstone_plan(c: LessonContent) -> list[Cell]:
    x = c.extra
    return [
        _header(c), _open(c.number), *_predict(),
        md(x["profiles"]),
        *_run(),
        code("L.notice()"),
        md("## Nuance"), code("L.nuance()"),
        md(x["justify"]),
        md(x["answer_template"]),
        md("## Check yourself"), code("L.quiz()", vary=True), code("L.next()"),
    ]


def wire_plan(c: LessonContent) -> list[Cell]:
    x = c.extra
    return [
        _header(c), _open(c.number), *_predict(),
        md("## Annotated transcripts\n\n" + x["reading"].split("\n", 1)[1]
           + "\nPick a transcript in the dropdown; *show every payload line* expands the message "
             "contents."),
        code("L.transcript()", vary=True),
        md(x["state_machines"]),
        md(x["live"]),
        code("lab = L.live_server(messages=3, deliver_every=2)\nlab", vary=True),
        md("### POP3 with `poplib`\n\nLog in, then ask for the maildrop's size, the unique ids, "
           "and the first lines of message 1. `quit()` ends the session (and would apply any "
           "`DELE`)."),
        code("import poplib\npop = poplib.POP3(lab.pop3.host, lab.pop3.port, timeout=10)\n"
             "pop.user(lab.user), pop.pass_(lab.password)", vary=True),
        code("pop.stat(), pop.uidl()", vary=True),
        code("pop.retr(1)[1][:6]", vary=True),
        code("pop.quit()", vary=True),
        md("### IMAP with `imaplib`\n\nLog in, open INBOX, search it on the server, and fetch two "
           "header fields of message 1 without marking it read (`BODY.PEEK`)."),
        code("import imaplib\nimap = imaplib.IMAP4(lab.imap.host, lab.imap.port, timeout=10)\n"
             "imap.login(lab.user, lab.password)", vary=True),
        code('imap.select("INBOX"), imap.search(None, "ALL")', vary=True),
        code('imap.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])")', vary=True),
        md(x["idle"]),
        code('imap.send(b"i1 IDLE\\r\\n")\nimap.readline()', vary=True),
        code("imap.readline()", vary=True),
        code('imap.send(b"DONE\\r\\n")\n'
             'while not (line := imap.readline()).startswith(b"i1 "): print(line)\nline',
             vary=True),
        code("imap.logout(), lab.stop()", vary=True),
        code("L.notice()"),
        md("## Nuance"), code("L.nuance()"),
        md("## Check yourself"), code("L.quiz()", vary=True), code("L.next()"),
    ]


def plan(n: int, presenter: bool = False) -> list[Cell]:
    """The cells of lesson ``n``'s notebook (``presenter``: the copy Voilà serves)."""
    c = lesson(n)
    if n == 0:
        cells = welcome_plan(c)
    elif n == 10:
        cells = capstone_plan(c)
    elif n == 11:
        cells = wire_plan(c)
    else:
        cells = standard_plan(c)
    return [_header(c, presenter), *cells[1:]]


# -- notebook JSON ------------------------------------------------------------------------------

def notebook_json(n: int, presenter: bool = False) -> str:
    """Lesson ``n``'s notebook as nbformat 4.5 JSON text, without outputs, deterministic.

    ``presenter``: the copy ``run.py present`` serves in Voilà, whose text does not ask the
    reader to run cells."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                       "language": "python"},
        "language_info": {"name": "python"},
    }
    for i, cell in enumerate(plan(n, presenter)):
        if cell.kind == "markdown":
            nbc = nbformat.v4.new_markdown_cell(cell.source)
        else:
            nbc = nbformat.v4.new_code_cell(cell.source)
            if cell.vary:
                nbc.metadata["tags"] = [IGNORE_OUTPUT]
        nbc["id"] = f"lesson{n:02d}-cell{i:02d}"
        nb.cells.append(nbc)
    nbformat.validate(nb)
    return nbformat.writes(nb, version=4) + "\n"


def notebook_path(n: int) -> Path:
    return NOTEBOOK_DIR / lesson(n).notebook


# -- instructor guide answer key ----------------------------------------------------------------

def _format_number(value: float) -> str:
    return f"{int(value)}" if value == int(value) else f"{value:g}"


def answer_key() -> str:
    """The guide's generated section: every quiz question with its unsealed answer and why."""
    out = [GUIDE_BEGIN, "",
           "## Lesson by lesson: objectives and answer key",
           "", "*Generated from `course/content` by `python tools/build_notebooks.py`; do not edit "
           "by hand.*", ""]
    for n in LESSON_NUMBERS:
        c = lesson(n)
        out += [f"### Lesson {n}: {c.title}", "", f"Notebook: `notebooks/{c.notebook}`", "",
                "*Objectives:*", ""]
        out += [f"- {o}" for o in c.objectives]
        out.append("")
        if c.claim_en:
            out += [f"*The article's claim:* \"{c.claim_en}\"", ""]
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
                out.append(f"*Answer:* {_format_number(q.answer_value())} {q.unit}{tol}. "
                           f"{q.explanation}")
            out.append("")
        if c.predict is not None:
            out.append(f"*Prediction asked:* {c.predict.question} — compared with the model's "
                       f"`{c.predict.result_key}` at the lesson's default settings (computed live; "
                       f"no fixed answer).")
            out.append("")
    out.append(GUIDE_END)
    return "\n".join(out)


def guide_text(current: str) -> str:
    """``current`` with its generated section replaced (appended if the markers are missing)."""
    key = answer_key()
    if GUIDE_BEGIN in current and GUIDE_END in current:
        head, rest = current.split(GUIDE_BEGIN, 1)
        _, tail = rest.split(GUIDE_END, 1)
        return head + key + tail
    return current.rstrip("\n") + "\n\n" + key + "\n"


# -- command line -------------------------------------------------------------------------------

def outputs() -> Iterable[tuple[Path, str]]:
    """Every generated file and its up-to-date text."""
    for n in LESSON_NUMBERS:
        yield notebook_path(n), notebook_json(n)
    current = GUIDE.read_text(encoding="utf-8") if GUIDE.exists() else ""
    yield GUIDE, guide_text(current)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="report out-of-date files and exit 1 instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs():
        old = path.read_text(encoding="utf-8") if path.exists() else None
        if old == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    for path in stale:
        verb = "out of date" if args.check else "wrote"
        print(f"{verb}: {path.relative_to(ROOT)}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    raise SystemExit(main())
