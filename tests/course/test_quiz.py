"""Quiz checking: sealed answers round-trip, right and wrong answers get explained feedback."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course.quiz import Feedback, MultipleChoice, Numeric, check, quiz_widget, seal, unseal


@given(st.text(max_size=40))
@settings(max_examples=100, deadline=None)
def test_seal_round_trips_and_hides_text(answer: str) -> None:
    assert unseal(seal(answer)) == answer
    token = seal(answer, salt=b"lab")  # fixed salt: the property is deterministic
    assert unseal(token) == answer
    assert token.startswith("sealed:")
    if len(answer) >= 6 and answer.isalnum():
        assert answer not in token


def test_seal_is_reproducible_with_a_salt_and_varies_without() -> None:
    assert seal("2", salt=b"abc") == seal("2", salt=b"abc")
    assert len({seal("2") for _ in range(20)}) > 1


@pytest.mark.parametrize("token", ["", "2", "sealed:", "sealed:!!!", "sealed:QQ"])
def test_unseal_rejects_foreign_tokens(token: str) -> None:
    with pytest.raises(ValueError, match="unseal"):
        unseal(token)


def mc() -> MultipleChoice:
    return MultipleChoice(
        prompt="Which port does POP3 over implicit TLS use?",
        options=("110", "995", "993"),
        answer=seal("1"),
        explanations=("110 is plain POP3.", "995 is POP3S (RFC 8314).", "993 is IMAPS."),
    )


def test_multiple_choice_right_answer() -> None:
    fb = check(mc(), 1)
    assert fb == Feedback(True, "Correct. 995 is POP3S (RFC 8314).")


def test_multiple_choice_wrong_answer_explains_the_chosen_option() -> None:
    fb = check(mc(), 2)
    assert not fb.correct
    assert fb.message.startswith("Not quite. 993 is IMAPS.")


@pytest.mark.parametrize("response", [None, -1, 3, "x", True])
def test_multiple_choice_bad_response_is_not_correct_and_does_not_raise(response: object) -> None:
    fb = check(mc(), response)  # type: ignore[arg-type]
    assert not fb.correct


def test_multiple_choice_validates_its_definition() -> None:
    with pytest.raises(ValueError, match="explanations"):
        MultipleChoice("p", ("a", "b"), seal("0"), ("x",))
    with pytest.raises(ValueError, match=r"outside 0\.\.1"):
        MultipleChoice("p", ("a", "b"), seal("2"), ("x", "y"))
    with pytest.raises(ValueError, match="unseal"):
        MultipleChoice("p", ("a", "b"), "1", ("x", "y"))


def test_numeric_tolerance_and_hints() -> None:
    q = Numeric(
        "Client bytes of the RFC 1939 session?",
        seal("95"),
        tolerance=2,
        unit="bytes",
        explanation="Count every command line with its CRLF.",
    )
    assert check(q, 95).correct
    assert check(q, 97).correct
    low = check(q, 90)
    assert not low.correct and "too low" in low.message and "CRLF" in low.message
    assert "too high" in check(q, 100).message
    assert not check(q, "abc").correct
    assert not check(q, float("nan")).correct
    with pytest.raises(ValueError, match="tolerance"):
        Numeric("p", seal("1"), tolerance=-1)
    with pytest.raises(ValueError, match="not a number"):
        Numeric("p", seal("many"))


def test_quiz_widget_drives_feedback_without_a_browser() -> None:
    box = quiz_widget([mc(), Numeric("n?", seal("3"), explanation="three")])
    first, second = box.blocks
    first.answer_input.value = 0
    first.check_button.click()
    assert "Not quite" in first.feedback.value and "110 is plain POP3." in first.feedback.value
    first.answer_input.value = 1
    first.check_button.click()
    assert "Correct" in first.feedback.value
    second.answer_input.value = 3.0
    second.check_button.click()
    assert "Correct" in second.feedback.value


def test_answers_never_appear_in_plain_text_in_widget_state() -> None:
    box = quiz_widget([mc()])
    block = box.blocks[0]
    assert block.feedback.value == ""  # nothing revealed before a check
