"""The lessons' dashboards; :data:`course.lessons.LESSONS` says which class is each lesson's."""

from __future__ import annotations

from course.lessons import LESSONS, entry

from .base import Control, ControlKind, Dashboard

__all__ = ["DASHBOARD_LESSONS", "Control", "ControlKind", "Dashboard", "dashboard_class", "make"]

DASHBOARD_LESSONS = tuple(x.number for x in LESSONS if x.dashboard is not None)
"""The lessons that have a dashboard, in order."""


def dashboard_class(n: int) -> type[Dashboard]:
    """The dashboard class of lesson ``n`` (one of :data:`DASHBOARD_LESSONS`)."""
    ok = isinstance(n, int) and not isinstance(n, bool) and n in DASHBOARD_LESSONS
    cls = entry(n).dashboard_class() if ok else None
    if cls is None:
        raise ValueError(
            f"dashboard_class: n must be one of {', '.join(map(str, DASHBOARD_LESSONS))} "
            f"(the lessons with a dashboard), got {n!r}"
        )
    return cls


def make(n: int, **values: object) -> Dashboard:
    """A ready dashboard for lesson ``n`` with the given control values (others at defaults)."""
    return dashboard_class(n)(**values)
