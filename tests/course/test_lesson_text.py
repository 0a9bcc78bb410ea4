"""The lesson prose as Markdown: glossary links on first use only, in prose only; folding."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.content import LESSON_NUMBERS, lesson
from course.lesson_text import (
    glossary_anchor,
    glossary_markdown,
    link_glossary,
    notice_markdown,
    nuance_markdown,
)

TERMS = [("UID", ("UIDs",)), ("round trip", ("round trips",)), ("port", ("ports",))]


def link(text: str, seen: set[str] | None = None) -> str:
    return link_glossary(text, TERMS, set() if seen is None else seen)


def test_first_use_is_linked_and_later_ones_are_not() -> None:
    out = link("Each UID is unique; a UID never changes.")
    assert out == "Each [UID](glossary.ipynb#UID) is unique; a UID never changes."


def test_other_spellings_and_a_capital_at_a_sentence_start_link_to_the_term() -> None:
    out = link("Round trips cost time. Two UIDs.")
    assert out == (
        "[Round trips](glossary.ipynb#round-trip) cost time. Two [UIDs](glossary.ipynb#UID)."
    )


def test_the_set_of_linked_terms_carries_across_cells() -> None:
    seen: set[str] = set()
    assert "glossary" in link("one port", seen)
    assert link("another port", seen) == "another port"
    assert seen == {"port"}


@pytest.mark.parametrize(
    "text",
    [
        "`UID FETCH` and `port`",
        "[the UID lesson](01.ipynb)",
        "## UID and port",
        "<small title='UID'>x</small>",
        "see https://example.org/port",
        "```\nUID 4\n```",
    ],
)
def test_code_links_headings_tags_and_addresses_are_left_alone(text: str) -> None:
    assert link(text) == text


def test_only_whole_words_match() -> None:
    assert link("UIDVALIDITY, portable, support, sport") == "UIDVALIDITY, portable, support, sport"


@given(st.text(alphabet="UIDport round-trips.,\n ", max_size=80))
def test_linking_only_adds_links(text: str) -> None:
    """Reducing every link to its words gives the text back, and each term links at most once."""
    out = link(text)
    assert re.sub(r"\[([^\]]*)\]\(glossary\.ipynb#[^)]*\)", r"\1", out) == text
    targets = re.findall(r"\(glossary\.ipynb#([^)]*)\)", out)
    assert len(targets) == len(set(targets))


def test_anchor_is_the_heading_id_jupyter_gives() -> None:
    assert glossary_anchor("round trip") == "round-trip"
    page = glossary_markdown([("round trip", "There and back.", "RFC 9293")])
    assert "## round trip" in page and "Source: RFC 9293" in page


@pytest.mark.parametrize("n", LESSON_NUMBERS)
def test_spoilers_fold_and_the_rest_do_not(n: int) -> None:
    c = lesson(n)
    assert notice_markdown(c).index("<details>") < notice_markdown(c).index("- ")
    plain, folded = nuance_markdown(c, spoilers=False), nuance_markdown(c, spoilers=True)
    for box in c.nuance:
        assert box.text in (folded if box.spoiler else plain)
        assert box.text not in (plain if box.spoiler else folded)
    assert "<details>" not in plain
    assert (not folded) or "<details>" in folded
