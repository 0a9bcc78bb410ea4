"""The lessons, in order: one table that says what each lesson is made of.

Everything that walks the course (the notebook builder, the figure export, the benchmark, the
journal, ``course.ui``, the tests) iterates :data:`LESSONS`; nothing else lists lesson numbers.
Adding a lesson is its own files (content, dashboard, experiment) plus one :class:`Lesson` here.

The entries name modules and functions as ``"module:attribute"`` strings, loaded on first use, so
importing this table costs nothing (dashboards import matplotlib, experiments the model).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from course.dashboards.base import Dashboard, FigureDrawer

__all__ = ["LESSONS", "NUMBERS", "Lesson", "entry", "load"]

View = Literal["dashboard", "transcript"]
Plan = Literal["standard", "welcome", "capstone", "wire"]


def load(ref: str) -> Any:
    """``"package.module:name"`` -> that attribute of the imported module."""
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class Lesson:
    """One lesson: where its parts live.

    ``dashboard``: the :class:`~course.dashboards.base.Dashboard` class (``None``: the lesson has
    none).  ``view``: what ``L.dashboard()`` shows, the dashboard or the annotated transcripts.
    ``experiment``: its function in :mod:`sim.lessons.experiments` (``python -m sim lesson N``), or
    ``None``.  ``figures``: a function giving the exported key figures as ``(name, drawer)``
    pairs, with ``caption`` under each; ``None``: the dashboard's key figures and captions.
    ``plan``: which cell plan of ``tools/build_notebooks.py`` writes the notebook."""

    number: int
    notebook: str  # file name in notebooks/
    content: str  # module defining CONTENT
    dashboard: str | None
    experiment: str | None
    view: View = "dashboard"
    plan: Plan = "standard"
    figures: str | None = None
    caption: str = ""

    def __post_init__(self) -> None:
        if not self.notebook.startswith(f"{self.number:02d}_") or not self.notebook.endswith(
            ".ipynb"
        ):
            raise ValueError(
                f"Lesson.notebook: must be '{self.number:02d}_<name>.ipynb', got {self.notebook!r}"
            )
        if self.figures is None and self.dashboard is None:
            raise ValueError(f"Lesson {self.number}: give figures when there is no dashboard")

    def load_content(self) -> object:
        """The lesson's ``CONTENT``, unchecked: :func:`course.content.lesson` checks it is a
        :class:`~course.content.schema.LessonContent` of this lesson."""
        return getattr(importlib.import_module(self.content), "CONTENT", None)

    def dashboard_class(self) -> type[Dashboard] | None:
        return None if self.dashboard is None else load(self.dashboard)

    def experiment_function(self) -> Callable[..., Any] | None:
        if self.experiment is None:
            return None
        import sim.lessons.experiments

        return getattr(sim.lessons.experiments, self.experiment)

    def key_figures(self) -> list[tuple[str, FigureDrawer, str]]:
        """The lesson's key figures at default settings as (name, drawer, caption)."""
        if self.figures is None:
            cls = self.dashboard_class()
            assert cls is not None  # __post_init__
            board = cls()
            return [(name, drawer, board.caption(name)) for name, drawer in board.key_figures()]
        return [(name, drawer, self.caption) for name, drawer in load(self.figures)()]


def _dashboard(n: int) -> str:
    return f"course.dashboards.lesson{n:02d}:DASHBOARD"


def _content(n: int) -> str:
    return f"course.content.lesson_{n:02d}"


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        0,
        "00_welcome.ipynb",
        _content(0),
        "course.dashboards.overview:OverviewDashboard",
        "lesson0_overview",
        plan="welcome",
        figures="course.dashboards.overview:overview_figures",
        caption=(
            "Lesson 0, the model in five minutes. Model run: POP3 and IMAP on the same simulated "
            "trace of preset 'family' (one user with a phone, a laptop and a desktop), 2 days, "
            "seed 1, default settings. Assumptions: the model's documented defaults (message "
            "sizes and rates, online hours, client policies, TLS)."
        ),
    ),
    Lesson(1, "01_where_mail_lives.ipynb", _content(1), _dashboard(1), "lesson1_where_mail_lives"),
    Lesson(2, "02_ports_and_tls.ipynb", _content(2), _dashboard(2), "lesson2_ports_and_tls"),
    Lesson(3, "03_push_vs_poll.ipynb", _content(3), _dashboard(3), "lesson3_notification"),
    Lesson(4, "04_folders.ipynb", _content(4), _dashboard(4), "lesson4_folders"),
    Lesson(5, "05_flags_everywhere.ipynb", _content(5), _dashboard(5), "lesson5_flags"),
    Lesson(6, "06_leave_on_server.ipynb", _content(6), _dashboard(6), "lesson6_leave_on_server"),
    Lesson(7, "07_virus_scanning.ipynb", _content(7), _dashboard(7), "lesson7_virus"),
    Lesson(8, "08_search.ipynb", _content(8), _dashboard(8), "lesson8_search"),
    Lesson(9, "09_crashes_and_backups.ipynb", _content(9), _dashboard(9), "lesson9_crash"),
    Lesson(10, "10_capstone.ipynb", _content(10), _dashboard(10), "capstone", plan="capstone"),
    Lesson(
        11,
        "11_on_the_wire.ipynb",
        _content(11),
        None,
        None,
        view="transcript",
        plan="wire",
        figures="course.wire:wire_figures",
        caption=(
            "Lesson 11, on the wire. Bytes of each command and its reply as the project's POP3 "
            "and IMAP engines write them in the 'typical' transcripts of python -m sim "
            "transcript (the same engines serve real clients); protocol bytes only: TCP and TLS "
            "overhead are not in these counts."
        ),
    ),
)
"""Every lesson, in course order (numbers 0, 1, 2, ... with no gap)."""

NUMBERS: tuple[int, ...] = tuple(x.number for x in LESSONS)
"""The lesson numbers, in order."""

if tuple(range(len(LESSONS))) != NUMBERS:  # pragma: no cover - a mistake in the table above
    raise RuntimeError(f"course.lessons.LESSONS: numbers must run 0, 1, 2, ...; got {NUMBERS}")


def entry(n: int) -> Lesson:
    """Lesson ``n``'s entry; anything else raises naming the value and the allowed numbers."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"lesson: n must be an int in {_allowed()}, got {n!r}")
    if n not in NUMBERS:
        raise ValueError(f"lesson: n must be an int in {_allowed()}, got {n!r}")
    return LESSONS[n]


def _allowed() -> str:
    return f"{NUMBERS[0]}..{NUMBERS[-1]}"
