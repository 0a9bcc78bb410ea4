"""The glossary: one entry per term, findable, sourced, and linked from the lessons."""

from __future__ import annotations

import re

from course.content import LESSON_NUMBERS, lesson
from course.content.glossary import TERMS, term

# Named by the issue that asked for a glossary: a learner meets each of them in the lessons.
REQUIRED = (
    "round trip",
    "maildrop",
    "UID",
    "UIDL",
    "untagged response",
    "literal",
    "MODSEQ",
    "NAT",
    "STARTTLS",
)


def test_names_forms_and_anchors_are_unique() -> None:
    spellings = [s for t in TERMS for s in (t.name, *t.forms)]
    assert len(spellings) == len(set(spellings))
    anchors = [t.anchor for t in TERMS]
    assert len(anchors) == len(set(anchors))


def test_terms_are_in_alphabetical_order() -> None:
    names = [t.name.lower() for t in TERMS]
    assert names == sorted(names)


def test_the_required_terms_are_there_with_a_source() -> None:
    for name in REQUIRED:
        entry = term(name)
        assert entry.source and entry.definition.endswith(".")


def test_most_terms_are_used_in_some_lesson() -> None:
    texts = " ".join(repr(lesson(n)) for n in LESSON_NUMBERS)
    unused = [
        t.name
        for t in TERMS
        if not any(re.search(rf"(?<!\w){re.escape(s)}(?!\w)", texts) for s in (t.name, *t.forms))
    ]
    assert not unused, f"glossary entries no lesson mentions: {unused}"
