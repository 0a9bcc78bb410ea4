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
  with after the first run.  Only the keys listed in :data:`RESULT_KEYS` for that lesson exist; the
  dashboards compute every one of them from the model, and a test checks that each lesson's
  ``result_key`` is listed here.  For ``PredictKind.CHOICE`` the result is one of the choice keys
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
from dataclasses import dataclass, field

from course.lessons import NUMBERS
from course.quiz import MultipleChoice, Numeric, Question

__all__ = [
    "RESULT_KEYS",
    "Choice",
    "LessonContent",
    "NuanceBox",
    "PredictKind",
    "PredictPrompt",
    "ResultKey",
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
class LessonContent:
    """Everything a lesson says; the notebook cells only call ``course.ui``."""

    number: int
    title: str
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
            keys = RESULT_KEYS.get(self.number, {})
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


@dataclass(frozen=True)
class ResultKey:
    """A dashboard result a prediction can be compared with (after the first run)."""

    meaning: str
    unit: str = ""  # for numbers
    choices: tuple[str, ...] = ()  # for choice results: the possible values (Choice keys)


def _n(meaning: str, unit: str) -> ResultKey:
    return ResultKey(meaning, unit=unit)


def _c(meaning: str, *choices: str) -> ResultKey:
    return ResultKey(meaning, choices=choices)


_WHICH = ("pop3", "imap", "same")

# Result keys each lesson's dashboard computes for its *default* controls and after every change.
# "same" in a choice means the two protocols are within 5 % (or 1 unit) of each other.
RESULT_KEYS: dict[int, dict[str, ResultKey]] = {
    1: {
        "phone_mb_pop3": _n("MB of mail stored on the phone at the end, POP3", "MB"),
        "phone_mb_imap": _n("MB of mail stored on the phone at the end, IMAP", "MB"),
        "server_mb_pop3": _n("MB of mail kept on the server at the end, POP3", "MB"),
        "server_mb_imap": _n("MB of mail kept on the server at the end, IMAP", "MB"),
        "new_device_messages_pop3": _n(
            "messages a brand-new device finds at the end, POP3", "messages"
        ),
        "new_device_messages_imap": _n(
            "messages a brand-new device finds at the end, IMAP", "messages"
        ),
        "more_on_phone": _c("which protocol leaves more bytes on the phone", *_WHICH),
    },
    2: {
        "round_trips_pop3_110_stls": _n(
            "round trips before POP3 can log in, port 110 + STLS", "round trips"
        ),
        "round_trips_pop3_995": _n(
            "round trips before POP3 can log in, port 995 (implicit TLS)", "round trips"
        ),
        "round_trips_imap_143_starttls": _n(
            "round trips before IMAP can log in, port 143 + STARTTLS", "round trips"
        ),
        "round_trips_imap_993": _n(
            "round trips before IMAP can log in, port 993 (implicit TLS)", "round trips"
        ),
        "starttls_extra_round_trips": _n(
            "extra round trips of 143+STARTTLS over 993", "round trips"
        ),
        "cleartext_password": _c(
            "without TLS, whose password an eavesdropper reads", "pop3", "imap", "both", "neither"
        ),
    },
    3: {
        "median_delay_s_pop3": _n(
            "median notification delay on the device picked (the phone by default), POP3 polling",
            "s",
        ),
        "median_delay_s_imap": _n(
            "median notification delay on the device picked (the phone by "
            "default), IMAP (IDLE or polling)",
            "s",
        ),
        "overhead_kb_day_pop3": _n(
            "protocol overhead per day (framing + TLS, no messages), POP3", "KB/day"
        ),
        "overhead_kb_day_imap": _n(
            "protocol overhead per day (framing + TLS, no messages), IMAP", "KB/day"
        ),
        "faster_notice": _c("which protocol shows new mail sooner (median)", *_WHICH),
    },
    4: {
        "filed": _n(
            "messages the user filed into folders (on whichever device they used)", "messages"
        ),
        "phone_filed_pop3": _n(
            "of those, messages the phone shows in the intended folder, POP3", "messages"
        ),
        "phone_filed_imap": _n(
            "of those, messages the phone shows in the intended folder, IMAP", "messages"
        ),
        "new_device_filed_pop3": _n(
            "of those, messages a new device shows in the intended folder, POP3", "messages"
        ),
        "new_device_filed_imap": _n(
            "of those, messages a new device shows in the intended folder, IMAP", "messages"
        ),
        "folders_everywhere": _c(
            "with which protocol do filed messages appear in their folder on every device", *_WHICH
        ),
    },
    5: {
        "consistency_pct_pop3": _n("mean share of consistent (message, device) pairs, POP3", "%"),
        "consistency_pct_imap": _n("mean share of consistent (message, device) pairs, IMAP", "%"),
        "state_agreement_pct_pop3": _n(
            "mean share of held messages with the intended flags/folder, POP3", "%"
        ),
        "state_agreement_pct_imap": _n(
            "mean share of held messages with the intended flags/folder, IMAP", "%"
        ),
        "more_consistent": _c("which protocol keeps devices more consistent", *_WHICH),
    },
    6: {
        "missed_messages_pop3": _n("messages some device never received, POP3", "messages"),
        "missed_messages_imap": _n("messages some device never received, IMAP", "messages"),
        "duplicate_mb_pop3": _n("MB downloaded more than once, POP3", "MB"),
        "duplicate_mb_imap": _n("MB downloaded more than once, IMAP", "MB"),
        "server_mb_pop3": _n("MB kept on the server at the end, POP3", "MB"),
        "server_mb_imap": _n("MB kept on the server at the end, IMAP", "MB"),
        "lock_refusals_pop3": _n(
            "POP3 logins refused: the other client's session held the maildrop lock", "logins"
        ),
        "more_missed": _c("which protocol makes some device miss more messages", *_WHICH),
    },
    7: {
        "exposed_pop3": _n(
            "infected copies on devices before quarantine, as (message, device) pairs, POP3",
            "copies",
        ),
        "exposed_imap": _n(
            "infected copies on devices before quarantine, as (message, device) pairs, IMAP",
            "copies",
        ),
        "caught_by_rescan_pop3": _n(
            "infected messages a server rescan quarantined, POP3", "messages"
        ),
        "caught_by_rescan_imap": _n(
            "infected messages a server rescan quarantined, IMAP", "messages"
        ),
        "more_exposed": _c("which protocol puts more infected copies on devices", *_WHICH),
    },
    8: {
        "recall_pct_phone_pop3": _n(
            "share of matching messages the phone's search finds, POP3", "%"
        ),
        "recall_pct_phone_imap": _n(
            "share of matching messages the phone's search finds, IMAP", "%"
        ),
        "recall_pct_new_device_pop3": _n("share a brand-new device's search finds, POP3", "%"),
        "recall_pct_new_device_imap": _n("share a brand-new device's search finds, IMAP", "%"),
        "search_kb_phone_pop3": _n(
            "bytes on the wire to answer the query on the phone, POP3", "KB"
        ),
        "search_kb_phone_imap": _n(
            "bytes on the wire to answer the query on the phone, IMAP", "KB"
        ),
        "better_recall_new_device": _c(
            "which protocol finds more old mail on a new device", *_WHICH
        ),
    },
    9: {
        "lost_messages_pop3": _n(
            "messages lost when the device crashes, POP3 (delete after download)", "messages"
        ),
        "lost_messages_imap": _n("messages lost when the device crashes, IMAP", "messages"),
        "deleted_kept_devices_pop3": _n(
            "devices still holding the message deleted by mistake on the "
            "phone, POP3 (delete after download)",
            "devices",
        ),
        "deleted_kept_devices_pop3_archive": _n(
            "devices still holding the message deleted by mistake "
            "on the phone, POP3 with a desktop archive",
            "devices",
        ),
        "deleted_kept_devices_imap": _n(
            "devices still holding the message deleted by mistake on the phone, IMAP", "devices"
        ),
        "yearly_loss_pop3": _n(
            "Monte Carlo mean received messages lost per year (crashes and deletes "
            "by mistake), POP3 (delete after download)",
            "messages/year",
        ),
        "yearly_loss_pop3_archive": _n(
            "Monte Carlo mean received messages lost per year, POP3 with a desktop archive",
            "messages/year",
        ),
        "yearly_loss_imap": _n(
            "Monte Carlo mean received messages lost per year, IMAP", "messages/year"
        ),
        "more_lost": _c("which protocol loses more mail in the crash", *_WHICH),
    },
    10: {
        "wire_mb_pop3": _n("total MB on the wire, all devices, POP3", "MB"),
        "wire_mb_imap": _n("total MB on the wire, all devices, IMAP", "MB"),
        "consistency_pct_pop3": _n("mean consistency, POP3", "%"),
        "consistency_pct_imap": _n("mean consistency, IMAP", "%"),
        "median_delay_s_pop3": _n("median notification delay on the phone, POP3", "s"),
        "median_delay_s_imap": _n("median notification delay on the phone, IMAP", "s"),
        "less_wire": _c("which protocol puts fewer bytes on the wire", *_WHICH),
        "more_consistent": _c("which protocol keeps devices more consistent", *_WHICH),
    },
    11: {
        "pop3_client_bytes": _n("bytes the client sends in the default POP3 transcript", "bytes"),
        "imap_client_bytes": _n("bytes the client sends in the default IMAP transcript", "bytes"),
    },
}
