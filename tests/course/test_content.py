"""The lesson texts are complete, point at each other, keep the DESIGN.md §5 nuance, hide answers.

These tests read ``course/content/lesson_NN.py`` only: no model run, no widgets.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from pathlib import Path

import pytest

from course.content import LESSON_NUMBERS, lesson
from course.content.schema import PredictKind
from course.quiz import MultipleChoice, Numeric

ROOT = Path(__file__).resolve().parents[2]
CONTENT_DIR = ROOT / "course" / "content"
LESSONS = tuple(LESSON_NUMBERS)
DIFFERENCE_LESSONS = tuple(range(1, 10))

# DESIGN.md §5, column "Nuance the lesson must add": for every lesson, each group lists spellings
# of one required idea, and at least one spelling must appear in the lesson's nuance boxes (text,
# title or source, case-insensitive).
REQUIRED_NUANCE: dict[int, list[tuple[str, ...]]] = {
    1: [("leave", "leaves"), ("local copies", "offline copies", "cache")],
    2: [("tcp only",), ("rfc 8314",), ("logindisabled",), ("rfc 1939 §3",)],
    3: [("* n exists",), ("29 minutes",), ("router", "nat"), ("can poll", "noop")],
    4: [("one maildrop",), ("client feature",)],
    5: [("$forwarded",), ("queues", "queued")],
    6: [("advice",), ("uidl",), ("quit",)],
    7: [("at delivery",), ("rescan",), ("one place", "once for all")],
    8: [("local copies", "cache"), ("server work", "moves the work")],
    9: [("imap is not a backup",), ("local copy",)],
}

# Sources a nuance box must cite (FACTS.md); lesson -> substrings of the joined sources.
REQUIRED_SOURCES: dict[int, tuple[str, ...]] = {
    1: ("RFC 1939",),
    2: ("RFC 1939 §3", "RFC 8314", "RFC 9051 §6.2.3"),
    3: ("RFC 2177",),
    5: ("RFC 5788",),
    6: ("RFC 1939 §7", "RFC 2449"),
}

# Numbers a nuance box may state: each is in ../shared/FACTS.md (ports, years, timers, limits,
# defaults).  A new number in a nuance box must be added here *with* a FACTS entry behind it.
FACTS_NUMBERS = {
    "0",
    "1",
    "2",
    "5",
    "10",
    "14",
    "24",
    "29",
    "30",
    "70",  # EXPIRE 0, UIDL 1-70, timers, days
    "110",
    "143",
    "993",
    "995",
    "1999",
    "2018",  # ports; RFC 2595 (1999) and RFC 8314 (2018)
}


def _all_text(n: int) -> str:
    c = lesson(n)
    parts = [c.title, c.claim_en, *c.objectives, *c.notice, *c.extra.values()]
    parts += [f"{b.title} {b.text} {b.source}" for b in c.nuance]
    if c.predict is not None:
        parts.append(c.predict.question)
    for q in c.quiz:
        parts.append(q.prompt)
        if isinstance(q, MultipleChoice):
            parts += [*q.options, *q.explanations]
        else:
            parts.append(q.explanation)
    return "\n".join(parts)


@pytest.mark.parametrize("n", LESSONS)
def test_lesson_is_complete(n: int) -> None:
    c = lesson(n)
    assert c.number == n
    assert c.title.strip()
    assert 2 <= len(c.objectives) <= 5, "2-5 learning objectives"
    assert all(len(o) > 20 for o in c.objectives)
    assert c.claim_en.strip(), "the article's claim, in English"
    assert len(c.notice) >= 2
    assert 2 <= len(c.quiz) <= 4, "2-4 self-check questions"
    assert re.fullmatch(rf"{n:02d}_[a-z0-9_]+\.ipynb", c.notebook), c.notebook


@pytest.mark.parametrize("n", LESSONS)
def test_next_link_points_to_the_following_lesson(n: int) -> None:
    c = lesson(n)
    if n == max(LESSONS):
        assert c.next_lesson is None
    else:
        assert c.next_lesson == n + 1
        assert lesson(n + 1).notebook.startswith(f"{n + 1:02d}_")


def test_notebook_names_are_unique_and_follow_the_design() -> None:
    names = [lesson(n).notebook for n in LESSONS]
    assert len(set(names)) == len(names)
    assert names[0] == "00_welcome.ipynb"
    assert names[10] == "10_capstone.ipynb"
    assert names[11] == "11_on_the_wire.ipynb"


@pytest.mark.parametrize("n", [n for n in LESSONS if n != 0])
def test_every_lesson_after_the_welcome_asks_a_prediction(n: int) -> None:
    p = lesson(n).predict
    assert p is not None
    spec = lesson(n).results[p.result_key]
    if p.kind is PredictKind.CHOICE:
        assert {o.key for o in p.options} == set(spec.choices), "offer every possible outcome"
    else:
        assert p.unit == spec.unit
        assert p.min_value <= 0 < p.max_value, "an input range that does not hint at the answer"


@pytest.mark.parametrize("n", DIFFERENCE_LESSONS)
def test_nuance_covers_the_design_table(n: int) -> None:
    c = lesson(n)
    assert c.nuance, f"lesson {n} needs nuance boxes (DESIGN.md §5)"
    joined = " ".join(f"{b.title} {b.text} {b.source}" for b in c.nuance).lower()
    for group in REQUIRED_NUANCE[n]:
        assert any(s in joined for s in group), f"lesson {n} nuance lacks any of {group}"
    sources = " ".join(b.source for b in c.nuance)
    for src in REQUIRED_SOURCES.get(n, ()):
        assert src in sources, f"lesson {n} nuance should cite {src}"
    assert all(b.source.strip() for b in c.nuance), "every nuance box names a source"


@pytest.mark.parametrize("n", LESSONS)
def test_numbers_in_nuance_boxes_come_from_facts(n: int) -> None:
    for box in lesson(n).nuance:
        text = re.sub(r"(RFC|[Ll]essons?) \d+", "", box.text)
        text = re.sub(r"§\s?\d+(\.\d+)*", "", text)
        for number in re.findall(r"(?<![\w.$-])\d+(?:\.\d+)?(?![\w.]\d)", text):
            assert number in FACTS_NUMBERS, f"lesson {n} box {box.title!r}: {number} not in FACTS"


def test_welcome_lists_the_nine_claims_as_the_lessons_quote_them() -> None:
    table = lesson(0).extra["claims"]
    rows = [line for line in table.splitlines() if re.match(r"\| [1-9] \|", line)]
    assert [int(r.split("|")[1]) for r in rows] == list(DIFFERENCE_LESSONS)
    for n, row in zip(DIFFERENCE_LESSONS, rows):
        quoted = re.search(r"\"(.+?)\"", row.split("|")[2]).group(1)
        assert quoted in lesson(n).claim_en, f"claim {n} in the welcome differs from lesson {n}"
        assert re.search(r"\*\*[^*]+\*\*", row.split("|")[3]), f"claim {n} needs a verdict"
        assert row.split("|")[4].strip() == str(n)


@pytest.mark.parametrize("n", DIFFERENCE_LESSONS)
def test_difference_lessons_keep_the_original_wording(n: int) -> None:
    bg = lesson(n).claim_bg
    assert bg and re.search(r"[а-яА-Я]", bg), "the Bulgarian original beside the translation"


# -- quizzes ------------------------------------------------------------------------------------


def _questions() -> list[tuple[int, int, MultipleChoice | Numeric]]:
    return [(n, i, q) for n in LESSONS for i, q in enumerate(lesson(n).quiz)]


def test_the_course_mixes_question_kinds() -> None:
    kinds = Counter(type(q).__name__ for _, _, q in _questions())
    assert kinds["MultipleChoice"] >= 20 and kinds["Numeric"] >= 8, kinds


@pytest.mark.parametrize("n,i,q", _questions(), ids=lambda v: str(v) if isinstance(v, int) else "")
def test_question_explains_why(n: int, i: int, q: MultipleChoice | Numeric) -> None:
    verdicts = re.compile(r"^\s*(correct|wrong|right|yes|no|incorrect|not quite)\b", re.I)
    if isinstance(q, MultipleChoice):
        assert 3 <= len(q.options) <= 5
        assert len(set(q.options)) == len(q.options)
        for e in q.explanations:
            assert len(e) > 20 and not verdicts.match(e), e
    else:
        assert q.unit and len(q.explanation) > 30 and not verdicts.match(q.explanation)


def test_right_options_are_spread_over_positions() -> None:
    """A reader cannot guess 'always the first/second option'."""
    mcs = [q for _, _, q in _questions() if isinstance(q, MultipleChoice)]
    positions = Counter(q.answer_index() for q in mcs)
    total = sum(positions.values())
    assert len(positions) == 4, positions
    assert max(positions.values()) <= total // 2, positions


def test_right_option_is_not_systematically_the_longest() -> None:
    mcs = [q for _, _, q in _questions() if isinstance(q, MultipleChoice)]
    longest = sum(
        1 for q in mcs if len(q.options[q.answer_index()]) == max(len(o) for o in q.options)
    )
    assert longest <= 0.4 * len(mcs), f"{longest} of {len(mcs)} right answers are the longest"


@pytest.mark.parametrize(
    "n,i,q",
    [t for t in _questions() if isinstance(t[2], Numeric)],
    ids=lambda v: str(v) if isinstance(v, int) else "",
)
def test_numeric_answer_is_not_printed_in_its_own_question(n: int, i: int, q: Numeric) -> None:
    value = q.answer_value()
    shown = f"{value:g}"
    for text in (q.prompt, q.explanation):
        assert not re.search(rf"(?<![\d.]){re.escape(shown)}(?![\d.])", text), (
            f"lesson {n} Q{i + 1}: the answer {shown} is readable in {text!r}"
        )


@pytest.mark.parametrize("path", sorted(CONTENT_DIR.glob("lesson_*.py")), ids=lambda p: p.name)
def test_content_sources_hold_only_sealed_answers(path: Path) -> None:
    """Every ``answer=`` is a literal sealed token; no ``seal(...)`` call or answer comment."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    answers = 0
    for node in ast.walk(tree):
        name = getattr(node.func, "id", "") if isinstance(node, ast.Call) else ""
        if name in {"MultipleChoice", "Numeric"}:
            kw = {k.arg: k.value for k in node.keywords}
            assert isinstance(kw.get("answer"), ast.Constant), f"{path.name}: answer not a literal"
            assert kw["answer"].value.startswith("sealed:"), f"{path.name}: unsealed answer"
            answers += 1
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in {"seal", "unseal"}:
            pytest.fail(f"{path.name}: calls {node.func.id}() -- write the token, not the answer")
    n = int(path.stem.split("_")[1])
    assert answers == len(lesson(n).quiz)
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            assert not re.search(r"answer|correct|solution", tok.string, re.I), (
                f"{path.name}:{tok.start[0]}: comment may reveal an answer: {tok.string}"
            )


@pytest.mark.parametrize("path", sorted(CONTENT_DIR.glob("lesson_*.py")), ids=lambda p: p.name)
def test_right_option_text_is_not_next_to_an_answer_marker(path: Path) -> None:
    """The correct option's text never stands within a line of 'answer'/'correct' in the source."""
    n = int(path.stem.split("_")[1])
    lines = path.read_text(encoding="utf-8").lower().splitlines()
    for q in lesson(n).quiz:
        if not isinstance(q, MultipleChoice):
            continue
        right = q.options[q.answer_index()].lower()[:40]
        for k, line in enumerate(lines):
            if right in line:
                near = " ".join(lines[max(0, k - 1) : k + 2])
                marker = r"\b(answer|correct|right answer)\b\s*[:=]\s*(?!\"sealed:)"
                assert not re.search(marker, near), (
                    f"{path.name}:{k + 1}: right option next to an answer marker"
                )


@pytest.mark.parametrize("n", LESSONS)
def test_lesson_text_is_plain_markdown_without_html_or_todo(n: int) -> None:
    text = _all_text(n)
    assert "TODO" not in text and "XXX" not in text
    assert "<script" not in text.lower()


@pytest.mark.parametrize("n", LESSONS)
def test_plain_text_fields_carry_no_markdown(n: int) -> None:
    """Quiz options and predict texts are shown as plain widget labels: no `code` or *emphasis*."""
    c = lesson(n)
    plain = [o for q in c.quiz if isinstance(q, MultipleChoice) for o in q.options]
    if c.predict is not None:
        plain += [c.predict.question, *(o.text for o in c.predict.options)]
    for text in plain:
        assert "`" not in text and not re.search(r"\*\w[^*]*\*", text), text


@pytest.mark.parametrize("n,i,q", _questions(), ids=lambda v: str(v) if isinstance(v, int) else "")
def test_checking_accepts_exactly_the_sealed_answer(
    n: int, i: int, q: MultipleChoice | Numeric
) -> None:
    from course.quiz import check

    if isinstance(q, MultipleChoice):
        verdicts = [check(q, k).correct for k in range(len(q.options))]
        assert verdicts.count(True) == 1 and verdicts[q.answer_index()]
        for k in range(len(q.options)):
            assert q.explanations[k] in check(q, k).message, "feedback explains every choice"
    else:
        right = q.answer_value()
        assert check(q, right).correct and check(q, right + q.tolerance).correct
        assert not check(q, right + q.tolerance + 1).correct
        assert not check(q, right - q.tolerance - 1).correct


# -- what the learner reads is sourced and exact (issue 11) ---------------------------------------

GUIDE = ROOT / "course" / "INSTRUCTOR.md"


def _strings(value: object) -> list[str]:
    """Every string inside a lesson's content: dataclass fields, tuples, dicts, all the way down."""
    import dataclasses

    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in _strings(getattr(value, f.name))]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, (tuple, list)):
        return [s for v in value for s in _strings(v)]
    return []


def test_strings_walks_into_every_field() -> None:
    c = lesson(2)
    found = "\n".join(_strings(c))
    assert c.nuance[0].source in found and c.quiz[0].explanations[-1] in found
    assert c.predict is not None and c.predict.question in found


# Internal design notes are not sources a learner can check: cite an RFC, a measurement, or the
# model ("the model (lesson 9)").
INTERNAL_REFERENCE = re.compile(r"\bDESIGN\b|DESIGN\.md|FACTS\.md|(?i:\bissue \d+)")


@pytest.mark.parametrize("n", LESSONS)
def test_lesson_text_cites_no_internal_design_file(n: int) -> None:
    for text in _strings(lesson(n)):
        assert not INTERNAL_REFERENCE.search(text), f"lesson {n}: {text[:120]!r}"


def test_instructor_guide_cites_no_internal_design_file() -> None:
    for k, line in enumerate(GUIDE.read_text(encoding="utf-8").splitlines(), start=1):
        assert not INTERNAL_REFERENCE.search(line), f"INSTRUCTOR.md:{k}: {line[:120]!r}"


def _learner_texts() -> list[tuple[str, str]]:
    texts = [(f"lesson {n}", t) for n in LESSONS for t in _strings(lesson(n))]
    return texts + [("INSTRUCTOR.md", GUIDE.read_text(encoding="utf-8"))]


def test_no_text_says_a_server_must_refuse_cleartext_login() -> None:
    """RFC 9051 §6.2.3: a server MUST *implement a configuration* that advertises LOGINDISABLED
    and refuses LOGIN; sites SHOULD NOT allow cleartext LOGIN; clients MUST NOT use it on
    "unsecure networks".  Nothing makes every server refuse it."""
    wrong = re.compile(r"\b(must|requires? (the|a|every) server to)\s+(advertise|refuse)\b", re.I)
    for where, text in _learner_texts():
        assert not wrong.search(text), f"{where}: {wrong.search(text).group(0)!r}"


def test_lesson2_states_the_login_rules_with_their_force() -> None:
    boxes = " ".join(b.text for b in lesson(2).nuance)
    assert "MUST implement a configuration" in boxes and "`LOGINDISABLED`" in boxes
    assert "SHOULD NOT allow `LOGIN`" in boxes
    assert "MUST NOT use `LOGIN`" in boxes
    lab = [b for b in lesson(2).nuance if "lab" in b.title.lower()]
    assert lab and "loopback" in lab[0].text, "say why the lab's own server allows cleartext LOGIN"
    # the quiz's right answer carries the same rules, the "every server refuses" option is wrong
    q = next(q for q in lesson(2).quiz if "LOGIN" in q.prompt)
    right = q.options[q.answer_index()]
    assert "MUST NOT" in right and "SHOULD NOT" in right


def test_idle_reissue_is_advice_not_a_limit() -> None:
    """RFC 2177 §3 / RFC 9051 §6.3.13: clients "are advised to" re-issue IDLE at least every 29
    minutes; no text turns that into a hard limit."""
    wrong = re.compile(r"must (end and )?re-?issue|at most how many minutes|may one idle", re.I)
    for where, text in _learner_texts():
        assert not wrong.search(text), f"{where}: {wrong.search(text).group(0)!r}"
    box = next(b for b in lesson(3).nuance if "29 minutes" in b.text)
    assert "advis" in box.text
    q = next(q for q in lesson(3).quiz if isinstance(q, Numeric) and q.answer_value() == 29)
    assert "advis" in q.prompt and "not a hard limit" in q.explanation


# Lessons whose text is checked here for "servers scan at delivery" stated as a protocol fact.
SCAN_LESSONS = (0, 1, 2, 3, 4, 5, 8, 10, 11)


@pytest.mark.parametrize("n", SCAN_LESSONS)
def test_scanning_at_delivery_is_called_a_policy(n: int) -> None:
    """Scanning incoming mail is a provider's policy, not part of POP3 or IMAP."""
    for text in _strings(lesson(n)):
        for sentence in re.split(r"(?<=[.;])\s+|\n", text):
            if re.search(r"\bscan", sentence, re.I) and "delivery" in sentence:
                assert "polic" in sentence, f"lesson {n}: {sentence!r}"


# -- nuance boxes that give the answer away are folded (spoiler=True) ----------------------------

# For each lesson, phrases that state the prediction's answer or a quiz answer (or the mechanism
# that decides it).  A nuance box whose text contains one of them gives that answer away, so it
# must be marked ``spoiler=True``; and every phrase must still occur in some box, so that a box
# rewritten in other words makes this list be looked at again rather than silently pass.
SPOILER_PHRASES: dict[int, tuple[str, ...]] = {
    1: ("offline copies", "top n k"),  # Q4 Thunderbird's IMAP copies; Q2 headers with TOP
    2: ("no pop3 over udp", "implicit tls", "must not use"),  # Q1 TCP only; Q2 RFC 8314; Q3 LOGIN
    3: ("* n exists", "29 minutes", "forget an idle tcp connection"),  # Q1; Q3; Q4 router
    4: ("one maildrop", "`move`"),  # the prediction and Q1; Q2 Trash is a MOVE
    5: ("queues its flag changes", "no command to store"),  # Q2 offline queue; Q3 POP3 status
    6: ("last poll", "same across sessions", "exclusive lock", "removes nothing"),  # pred.; Q2-Q4
    7: ("when it is accepted", "quarantine"),  # Q1 scan at delivery; Q2 and the prediction
    8: ("all they can search", "must download it first"),  # Q3 offline cache; Q2 and prediction
    9: ("copied to every device", "own copy survives"),  # Q1 IMAP delete; Q3 desktop archive
    11: ("one more `.`",),  # Q3 byte-stuffing
}


@pytest.mark.parametrize("n", LESSONS)
def test_nuance_boxes_that_give_an_answer_away_are_spoilers(n: int) -> None:
    phrases = SPOILER_PHRASES.get(n, ())
    boxes = lesson(n).nuance
    for box in boxes:
        text = f"{box.title} {box.text}".lower()
        hits = [p for p in phrases if p in text]
        if hits:
            assert box.spoiler, f"lesson {n} box {box.title!r} gives away {hits}: spoiler=True"
    for phrase in phrases:
        assert any(phrase in f"{b.title} {b.text}".lower() for b in boxes), (
            f"lesson {n}: no box says {phrase!r} any more -- update SPOILER_PHRASES"
        )


@pytest.mark.parametrize("n", LESSONS)
def test_spoiler_boxes_are_marked_for_a_reason(n: int) -> None:
    """A box folded as a spoiler carries one of the lesson's answer phrases (no folding at
    random)."""
    phrases = SPOILER_PHRASES.get(n, ())
    for box in lesson(n).nuance:
        if box.spoiler:
            text = f"{box.title} {box.text}".lower()
            assert any(p in text for p in phrases), f"lesson {n} box {box.title!r}: why a spoiler?"
