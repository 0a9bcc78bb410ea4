"""Self-check questions: sealed answers, checking with explanations, and a quiz widget.

Why sealed answers
------------------
A learner who scrolls through a lesson's source should not read the answer next to the question.
:func:`seal` turns an answer into an opaque token (a salt, then the answer XORed with a key stream
derived from a fixed key and the salt, all URL-safe base64) and
:func:`unseal` reverses it.  This is **obfuscation, not security**: anyone who runs ``unseal`` gets
the answer, which is fine for a self-check.  Make tokens with ``python -m course seal TEXT``.

Content authors write questions as data::

    MultipleChoice(
        prompt="Which port does POP3 over implicit TLS use?",
        options=("110", "995", "993"),
        answer="sealed:drORuA==",   # from `python -m course seal 1` (option index 1), never plain
        explanations=("110 is plain POP3 ...", "995 is POP3S ...", "993 is IMAPS ..."),
    )
    Numeric(prompt="...", answer="sealed:...", tolerance=0, unit="bytes", explanation="...")

Explanations say *why*; :func:`check` adds the verdict ("Correct." / "Not quite.") itself, so an
explanation should not start with one.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # ipywidgets is imported lazily so that checking works without it
    import ipywidgets

__all__ = [
    "Feedback",
    "MultipleChoice",
    "Numeric",
    "Question",
    "check",
    "quiz_widget",
    "seal",
    "unseal",
]

_KEY = b"pop-vs-imap-lab:not-a-secret"
_PREFIX = "sealed:"
_SALT_LEN = 3


def _stream(salt: bytes, length: int) -> bytes:
    """A key stream from the fixed key and a per-token salt (so equal answers look different)."""
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(_KEY + salt + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def seal(answer: str, salt: bytes | None = None) -> str:
    """Return an opaque token for ``answer`` (obfuscation so it is not plain text; not security).

    A fresh 3-byte salt is drawn unless ``salt`` is given, so two questions with the same answer
    get different tokens; pass ``salt`` for a reproducible token.
    """
    if not isinstance(answer, str):
        raise TypeError(f"seal: answer must be a str, got {type(answer).__name__} {answer!r}")
    if salt is None:
        salt = secrets.token_bytes(_SALT_LEN)
    if not isinstance(salt, bytes) or len(salt) != _SALT_LEN:
        raise ValueError(f"seal: salt must be {_SALT_LEN} bytes, got {salt!r}")
    raw = answer.encode("utf-8")
    mixed = bytes(a ^ b for a, b in zip(raw, _stream(salt, len(raw))))
    return _PREFIX + base64.urlsafe_b64encode(salt + mixed).decode("ascii")


def unseal(token: str) -> str:
    """Reverse :func:`seal`; a token that :func:`seal` did not make raises ``ValueError``."""
    if not isinstance(token, str) or not token.startswith(_PREFIX):
        raise ValueError(f"unseal: token must be a str starting with {_PREFIX!r}, got {token!r}")
    try:
        data = base64.urlsafe_b64decode(token[len(_PREFIX) :].encode("ascii"))
        if len(data) < _SALT_LEN:
            raise ValueError("too short")
        salt, mixed = data[:_SALT_LEN], data[_SALT_LEN:]
        raw = bytes(a ^ b for a, b in zip(mixed, _stream(salt, len(mixed))))
        return raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"unseal: token {token!r} is not a sealed answer ({exc})") from None


@dataclass(frozen=True)
class Feedback:
    """The verdict on one response and the explanation the learner sees."""

    correct: bool
    message: str


@dataclass(frozen=True)
class MultipleChoice:
    """A question with one right option.

    ``answer`` is ``seal(str(index))`` of the right option; ``explanations`` has one entry per
    option, shown when that option is chosen (so a wrong choice learns *why* it is wrong).
    """

    prompt: str
    options: tuple[str, ...]
    answer: str
    explanations: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        object.__setattr__(self, "explanations", tuple(self.explanations))
        if len(self.options) < 2:
            raise ValueError(
                f"MultipleChoice.options: need at least 2 options, got {len(self.options)} "
                f"for {self.prompt[:60]!r}"
            )
        if len(self.explanations) != len(self.options):
            raise ValueError(
                f"MultipleChoice.explanations: need one per option ({len(self.options)}), "
                f"got {len(self.explanations)} for {self.prompt[:60]!r}"
            )
        index = self.answer_index()  # raises on a bad token
        if not 0 <= index < len(self.options):
            raise ValueError(
                f"MultipleChoice.answer: sealed index {index} is outside 0..{len(self.options) - 1} "
                f"for {self.prompt[:60]!r}"
            )

    def answer_index(self) -> int:
        """The right option's index (unsealed): for tests and the instructor guide."""
        text = unseal(self.answer)
        try:
            return int(text)
        except ValueError:
            raise ValueError(
                f"MultipleChoice.answer: sealed value {text!r} is not an option index"
            ) from None


@dataclass(frozen=True)
class Numeric:
    """A question whose answer is a number; responses within ``tolerance`` (absolute) count."""

    prompt: str
    answer: str
    tolerance: float = 0.0
    unit: str = ""
    explanation: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.tolerance, (int, float)) and self.tolerance >= 0):
            raise ValueError(
                f"Numeric.tolerance: must be a number >= 0, got {self.tolerance!r} "
                f"for {self.prompt[:60]!r}"
            )
        self.answer_value()  # raises on a bad token

    def answer_value(self) -> float:
        """The right number (unsealed): for tests and the instructor guide."""
        text = unseal(self.answer)
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"Numeric.answer: sealed value {text!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"Numeric.answer: sealed value {text!r} is not finite")
        return value


Question = MultipleChoice | Numeric


def _format_number(value: float, unit: str) -> str:
    text = f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def check(question: Question, response: float | str | None) -> Feedback:
    """Judge ``response`` (option index for :class:`MultipleChoice`, number for :class:`Numeric`).

    The message always carries the explanation, right or wrong, because the point of a
    self-check is the *why*.  An empty or unreadable response is not correct and says what is
    expected, rather than raising.
    """
    if isinstance(question, MultipleChoice):
        if response is None or isinstance(response, bool):
            return Feedback(False, "Choose one of the options first.")
        try:
            index = int(response)
        except (TypeError, ValueError):
            return Feedback(
                False, f"Choose an option number between 0 and {len(question.options) - 1}."
            )
        if not 0 <= index < len(question.options):
            return Feedback(
                False, f"Choose an option number between 0 and {len(question.options) - 1}."
            )
        right = question.answer_index()
        verdict = "Correct." if index == right else "Not quite."
        message = f"{verdict} {question.explanations[index]}"
        if index != right:
            message += " (Think again, then try another option.)"
        return Feedback(index == right, message)
    if isinstance(question, Numeric):
        try:
            value = float(response)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return Feedback(False, "Enter a number first.")
        if not math.isfinite(value):
            return Feedback(False, "Enter a finite number.")
        target = question.answer_value()
        ok = abs(value - target) <= question.tolerance + 1e-9 * max(1.0, abs(target))
        if ok:
            return Feedback(True, f"Correct. {question.explanation}".strip())
        hint = "too high" if value > target else "too low"
        return Feedback(
            False,
            f"Not quite: {_format_number(value, question.unit)} is {hint}. {question.explanation}".strip(),
        )
    raise TypeError(
        f"check: question must be MultipleChoice or Numeric, got {type(question).__name__}"
    )


def _question_widget(
    number: int, question: Question, lesson: int | None = None, kept: dict[str, Any] | None = None
) -> ipywidgets.Widget:
    """``lesson``: the answer checked is kept in the learner's journal; ``kept``, the one
    kept from an earlier session, is shown again with its feedback."""
    import ipywidgets as w

    prompt = w.HTMLMath(f"<b>Q{number}.</b> {_md_inline(question.prompt)}")
    feedback = w.HTML("")
    button = w.Button(description="Check", button_style="", layout=w.Layout(width="90px"))
    if isinstance(question, MultipleChoice):
        answer_input: w.Widget = w.RadioButtons(
            options=[(text, i) for i, text in enumerate(question.options)],
            value=None,
            layout=w.Layout(width="auto"),
        )
    else:
        answer_input = w.FloatText(
            value=0.0, description=question.unit or "answer", layout=w.Layout(width="260px")
        )

    def on_click(_: object, save: bool = True) -> None:
        answer = answer_input.value
        result = check(question, answer)
        colour = "#1b7837" if result.correct else "#b2182b"
        feedback.value = f'<span style="color:{colour}">{_md_inline(result.message)}</span>'
        if save and lesson is not None and answer is not None:
            from course.journal import journal

            journal().save_quiz_answer(lesson, number, answer, result.correct)

    button.on_click(on_click)
    if kept is not None:
        try:
            answer_input.value = kept["answer"]
            on_click(None, save=False)
        except (TypeError, ValueError, KeyError):  # (an answer to an older question)
            feedback.value = ""
    box = w.VBox(
        [prompt, answer_input, w.HBox([button, feedback])], layout=w.Layout(margin="0 0 12px 0")
    )
    # expose the parts so tests (and curious learners) can drive the widget without a browser
    box.question, box.answer_input, box.check_button, box.feedback = (
        question,
        answer_input,
        button,
        feedback,
    )
    return box


def _md_inline(text: str) -> str:
    """Tiny Markdown subset for widget labels: `code`, **bold**, *italic*; HTML-escaped first."""
    import html
    import re

    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)
    out = re.sub(r"(?<![*\w])\*([^*]+)\*(?!\w)", r"<i>\1</i>", out)
    return out


def quiz_widget(
    questions: tuple[Question, ...] | list[Question], lesson: int | None = None
) -> ipywidgets.Widget:
    """A VBox with one block per question: prompt, answer input, a Check button and feedback.
    ``lesson``: answers are kept in the learner's journal across sessions.

    Each block has attributes ``answer_input``, ``check_button`` and ``feedback`` so a test can set
    a value, call ``check_button.click()`` and read ``feedback.value``.
    """
    import ipywidgets as w

    kept: dict[int, dict[str, Any]] = {}
    if lesson is not None:
        from course.journal import journal

        kept = journal().quiz_answers(lesson)  # (one read of the journal for the whole quiz)
    blocks = [_question_widget(i, q, lesson, kept.get(i)) for i, q in enumerate(questions, start=1)]
    if not blocks:
        return w.VBox([w.HTML("<i>No questions in this lesson.</i>")])
    box = w.VBox(blocks)
    box.blocks = blocks
    return box
