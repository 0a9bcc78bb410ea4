"""A lesson's prose as Markdown: what the notebook's text cells hold and ``course.ui`` shows.

Why one module
--------------
The same words reach the learner three ways: as Markdown cells of the committed notebook (so a
lesson reads on GitHub, on Binder before the kernel starts, and in JupyterLab before Run All), as
the presenter's copy in Voila, and from ``course.ui`` (``L.intro()`` and friends). Rendering them
here, from ``course.content``, keeps the three identical.

Glossary links
--------------
:func:`link_glossary` links the first use of each glossary term in a lesson to its entry in
``glossary.ipynb``. The entry's heading is the term's name, and JupyterLab and nbconvert (Voila)
both give a heading the id "its text with spaces as hyphens", which the link's fragment names.
Code spans, links, HTML tags and headings are never rewritten.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import quote

from course.content.schema import LessonContent, NuanceBox

__all__ = [
    "GLOSSARY_NOTEBOOK",
    "glossary_anchor",
    "glossary_markdown",
    "intro_markdown",
    "link_glossary",
    "next_markdown",
    "notice_markdown",
    "nuance_markdown",
]

GLOSSARY_NOTEBOOK = "glossary.ipynb"
FOLD_SUMMARY = "Open after you have run the dashboard"


def intro_markdown(c: LessonContent) -> str:
    """Title, objectives and the article's claim (English, then the Bulgarian original)."""
    parts = [f"## Lesson {c.number}: {c.title}", "", "**By the end of this lesson you can:**", ""]
    parts += [f"- {o}" for o in c.objectives]
    if c.claim_en:
        parts += ["", "**The article claims:**", "", _quote(c.claim_en)]
        if c.claim_bg:
            parts += ["", f"<small>Original (Bulgarian): <i>{html.escape(c.claim_bg)}</i></small>"]
    return "\n".join(parts)


def notice_markdown(c: LessonContent) -> str:
    """The "what to notice" bullets, folded: they give the answers away, so they wait until
    the learner has run the dashboard and opens them."""
    items = c.notice or ("Compare the two panels: same trace, different protocol.",)
    bullets = "\n".join(f"- {n}" for n in items)
    return _folded("### What to notice", bullets, "it gives the answers away")


def nuance_markdown(c: LessonContent, spoilers: bool | None = None) -> str:
    """The lesson's nuance boxes as quoted blocks with their sources.

    ``spoilers``: ``False`` renders only the boxes that give nothing away, ``True`` only those
    that do (folded, to open after the dashboard), ``None`` all of them, unfolded."""
    boxes = [b for b in c.nuance if spoilers is None or b.spoiler is spoilers]
    if not boxes:
        return "*No nuance box in this lesson.*" if spoilers is None else ""
    text = "\n\n".join(_box(b) for b in boxes)
    if spoilers:
        return _folded(
            "### Nuance that gives the answer away", text, "where the article errs, with the answer"
        )
    return "### Nuance: where the article oversimplifies or errs\n\n" + text


def next_markdown(c: LessonContent, next_content: LessonContent | None) -> str:
    """A link to the next lesson's notebook, or the end of the course."""
    if next_content is None:
        return "**This is the last lesson.** Back to the [welcome](00_welcome.ipynb)."
    return (
        f"**Next:** [Lesson {next_content.number}: {next_content.title}]({next_content.notebook})"
    )


def _box(box: NuanceBox) -> str:
    return _quote(f"**Nuance: {box.title}**\n\n{box.text}\n\n<small>Source: {box.source}</small>")


def _folded(heading: str, body: str, why: str) -> str:
    return (
        f"{heading}\n\n<details><summary><b>{FOLD_SUMMARY}</b> ({why})</summary>\n\n"
        f"{body}\n\n</details>"
    )


def _quote(text: str) -> str:
    return "\n".join(("> " + line).rstrip() for line in text.splitlines())


# -- glossary -----------------------------------------------------------------------------------


def glossary_anchor(name: str) -> str:
    """The id JupyterLab and nbconvert give the heading ``name``: spaces become hyphens."""
    return name.replace(" ", "-")


def glossary_href(name: str, notebook: str = GLOSSARY_NOTEBOOK) -> str:
    return f"{notebook}#{quote(glossary_anchor(name), safe='-')}"


# Markdown that must stay as it is: code spans and fences, links and images, HTML tags, headings,
# bare URLs
_PROTECTED = re.compile(
    r"```.*?```"  # fenced code
    r"|`[^`\n]*`"  # code span
    r"|!?\[[^\]\n]*\]\([^)\n]*\)"  # link or image
    r"|<[^>\n]+>"  # an HTML tag
    r"|^#{1,6} [^\n]*$"  # a heading
    r"|https?://\S+",  # a bare address
    re.S | re.M,
)


def _forms(terms: Iterable[tuple[str, tuple[str, ...]]]) -> dict[str, str]:
    """Every spelling to link -> the term's name (a sentence may start with a capital)."""
    forms: dict[str, str] = {}
    for name, extra in terms:
        for form in (name, *extra):
            forms.setdefault(form, name)
            if form[:1].islower():
                forms.setdefault(form[:1].upper() + form[1:], name)
    return forms


def link_glossary(
    text: str,
    terms: Iterable[tuple[str, tuple[str, ...]]],
    seen: set[str],
    notebook: str = GLOSSARY_NOTEBOOK,
) -> str:
    """``text`` with the first use of each term not in ``seen`` linked to its glossary entry.

    ``terms`` are (name, other spellings) pairs; ``seen`` collects the names already linked in
    this lesson (the caller keeps it across the lesson's cells). Matching is case-sensitive and
    whole-word, longest spelling first; only plain prose is touched."""
    forms = _forms(terms)
    if not forms:
        return text
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    word = re.compile(rf"(?<![\w\\-])(?:{alternatives})(?![\w-])")

    def link_prose(prose: str) -> str:
        def one(m: re.Match[str]) -> str:
            name = forms[m.group(0)]
            if name in seen:
                return m.group(0)
            seen.add(name)
            return f"[{m.group(0)}]({glossary_href(name, notebook)})"

        return word.sub(one, prose)

    out, last = [], 0
    for m in _PROTECTED.finditer(text):
        out.append(link_prose(text[last : m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(link_prose(text[last:]))
    return "".join(out)


def glossary_markdown(entries: Iterable[tuple[str, str, str]]) -> str:
    """The glossary page: one heading per (name, definition, source), in the order given."""
    parts = [
        "# Glossary",
        "",
        "The words the lessons use, in plain language. Each lesson links the first use of a "
        "term here; the source says where to read more.",
        "",
    ]
    for name, definition, source in entries:
        parts += [f"## {name}", "", definition.strip(), "", f"<small>Source: {source}</small>", ""]
    parts.append("Back to the [welcome](00_welcome.ipynb).")
    return "\n".join(parts)
