"""The shape of a lesson's text: what the content files fill and what ``course.ui`` renders.

Contract between the lesson texts and the teaching machinery
------------------------------------------------------------
* Each lesson ``n`` of :data:`course.lessons.LESSONS` lives in the module its entry names
  (``course/content/lesson_NN.py``, two digits) and defines one module-level constant
  ``CONTENT = LessonContent(...)``.  ``course.content.lesson(n)`` loads it.
* All prose fields are **Markdown** (``code``, **bold**, *italic*, links, lists); the notebook
  renders them with IPython's Markdown display.  Keep each field short: a learner reads it between
  two code cells.
* Quiz questions are :class:`course.quiz.MultipleChoice` / :class:`course.quiz.Numeric` with their
  answers sealed (``python -m course seal 2`` prints the token for option index 2); never write an
  answer in plain text.  Explanations say *why*, and do not start with "Correct"/"Wrong" (the
  checker adds the verdict).
* A prediction names, in :attr:`PredictPrompt.result_key`, which dashboard result it is compared
  with after the first run.  Only the keys listed in that lesson's ``results`` exist; the
  dashboards compute every one of them from the model, and a check at construction makes the
  ``result_key`` one of them.  For ``PredictKind.CHOICE`` the result is one of the choice keys
  listed for that result key, so :class:`Choice` keys must come from that list.

How a lesson reaches the learner: ``tools/build_notebooks.py`` writes the prose (objectives, the
claim, "What to notice" folded, the nuance boxes, spoilers folded, the next lesson's link) into
Markdown cells through ``course.lesson_text``, and the code cells make the widgets::

    L = ui.lesson(3)
    L.predict()    # question + choice/number input + "Commit my prediction" (locks it in)
    L.dashboard()  # controls, POP3|IMAP figure, plain summary; after a run: prediction vs result
    L.quiz()       # the questions with Check buttons and feedback
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from course.lessons import NUMBERS
from course.quiz import MultipleChoice, Numeric, Question

__all__ = [
    "WHICH",
    "Choice",
    "LessonContent",
    "NuanceBox",
    "PredictKind",
    "PredictPrompt",
    "ResultKey",
    "choice_result",
    "number_result",
]


class PredictKind(enum.Enum):
    """How the learner answers a prediction: pick one option, or type a number."""

    CHOICE = "choice"
    NUMBER = "number"


@dataclass(frozen=True)
class Choice:
    """One option of a choice prediction: ``key`` matches a dashboard result, ``text`` is shown."""

    key: str
    text: str


@dataclass(frozen=True)
class PredictPrompt:
    """The question asked before the first run, and which result it is compared with afterwards.

    ``kind=CHOICE``: give ``options`` (two or more :class:`Choice`).
    ``kind=NUMBER``: give ``unit`` and the input's range ``min_value..max_value`` and ``step``
    (the range should contain the model's answer and plausible wrong guesses).
    """

    kind: PredictKind
    question: str
    result_key: str
    options: tuple[Choice, ...] = ()
    unit: str = ""
    min_value: float = 0.0
    max_value: float = 100.0
    step: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", tuple(self.options))
        if not isinstance(self.kind, PredictKind):
            raise TypeError(f"PredictPrompt.kind: must be a PredictKind, got {self.kind!r}")
        if self.kind is PredictKind.CHOICE and len(self.options) < 2:
            raise ValueError(
                f"PredictPrompt.options: a CHOICE prediction needs >= 2 options, got {len(self.options)}"
            )
        if self.kind is PredictKind.NUMBER:
            if not self.min_value < self.max_value:
                raise ValueError(
                    f"PredictPrompt.min_value/max_value: need min < max, got "
                    f"{self.min_value!r}..{self.max_value!r}"
                )
            if not 0 < self.step <= self.max_value - self.min_value:
                raise ValueError(
                    f"PredictPrompt.step: must be in (0, {self.max_value - self.min_value}], "
                    f"got {self.step!r}"
                )


@dataclass(frozen=True)
class NuanceBox:
    """Where the article oversimplifies or errs: a short title, the correction, and its source."""

    title: str
    text: str
    source: str  # e.g. "RFC 1939 §3", "RFC 2177 §3", "Thunderbird mailnews.js"
    # True when the box gives away the prediction's or the quiz's answer: the notebook then
    # folds it after the dashboard ("open after you have run the dashboard")
    spoiler: bool = False


@dataclass(frozen=True)
class ResultKey:
    """A named result a lesson's dashboard computes, which a prediction can be compared with."""

    meaning: str
    unit: str = ""  # for numbers
    choices: tuple[str, ...] = ()  # for choice results: the possible values (Choice keys)


def number_result(meaning: str, unit: str) -> ResultKey:
    """A numeric result, shown with ``unit``."""
    return ResultKey(meaning, unit=unit)


def choice_result(meaning: str, *choices: str) -> ResultKey:
    """A result that is one of ``choices`` (a choice prediction offers exactly these)."""
    return ResultKey(meaning, choices=choices)


#: The choices of "which protocol ...": "same" means the two are within 5 % (or 1 unit).
WHICH = ("pop3", "imap", "same")


@dataclass(frozen=True)
class LessonContent:
    """Everything a lesson says; the notebook cells only call ``course.ui``."""

    number: int
    title: str
    # one line for the README's lesson table (``tools/build_notebooks.py`` writes the table)
    summary: str
    notebook: str  # file name in notebooks/, e.g. "03_notifications.ipynb" (used by .next() links)
    objectives: tuple[str, ...]
    claim_en: str  # the article's claim in English ("" for lessons 0, 10, 11 if none applies)
    claim_bg: str | None = None  # optional: the original Bulgarian wording
    predict: PredictPrompt | None = None  # None: the lesson has no prediction (e.g. 0, 11)
    notice: tuple[str, ...] = ()  # "What to notice" bullets, each one sentence or two
    nuance: tuple[NuanceBox, ...] = ()
    quiz: tuple[Question, ...] = ()
    next_lesson: int | None = None  # None for the last lesson
    extra: dict[str, str] = field(default_factory=dict)  # free-form named Markdown snippets
    # the named results the lesson's dashboard computes at every run; a prediction names one
    results: Mapping[str, ResultKey] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("objectives", "notice", "nuance", "quiz"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.number not in NUMBERS:
            raise ValueError(
                f"LessonContent.number: must be one of course.lessons.NUMBERS "
                f"({NUMBERS[0]}..{NUMBERS[-1]}), got {self.number!r}"
            )
        if not self.notebook.endswith(".ipynb"):
            raise ValueError(f"LessonContent.notebook: must end with .ipynb, got {self.notebook!r}")
        for q in self.quiz:
            if not isinstance(q, (MultipleChoice, Numeric)):
                raise TypeError(
                    f"LessonContent.quiz: items must be MultipleChoice or Numeric, got {type(q).__name__}"
                )
        if self.predict is not None:
            keys = self.results
            spec = keys.get(self.predict.result_key)
            if spec is None:
                raise ValueError(
                    f"LessonContent.predict.result_key: {self.predict.result_key!r} is not a result of "
                    f"lesson {self.number}; allowed: {sorted(keys)}"
                )
            if self.predict.kind is PredictKind.CHOICE:
                if not spec.choices:
                    raise ValueError(
                        f"LessonContent.predict: {self.predict.result_key!r} is a number; use "
                        f"PredictKind.NUMBER"
                    )
                bad = [c.key for c in self.predict.options if c.key not in spec.choices]
                if bad:
                    raise ValueError(
                        f"LessonContent.predict.options: keys {bad} not in {list(spec.choices)} "
                        f"for {self.predict.result_key!r}"
                    )
            elif spec.choices:
                raise ValueError(
                    f"LessonContent.predict: {self.predict.result_key!r} is a choice among "
                    f"{list(spec.choices)}; use PredictKind.CHOICE"
                )
