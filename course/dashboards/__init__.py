"""One dashboard per lesson 1..10 (``lessonNN.py``); :func:`dashboard_class` finds lesson ``n``'s."""

from __future__ import annotations

import importlib

from .base import Control, ControlKind, Dashboard

__all__ = ["DASHBOARD_LESSONS", "Control", "ControlKind", "Dashboard", "dashboard_class", "make"]

DASHBOARD_LESSONS = tuple(range(1, 11))


def dashboard_class(n: int) -> type[Dashboard]:
    """The dashboard class of lesson ``n`` (1..10)."""
    if not isinstance(n, int) or isinstance(n, bool) or n not in DASHBOARD_LESSONS:
        raise ValueError(f"dashboard_class: n must be an int in 1..10, got {n!r}")
    module = importlib.import_module(f"{__name__}.lesson{n:02d}")
    return module.DASHBOARD


def make(n: int, **values: object) -> Dashboard:
    """A ready dashboard for lesson ``n`` with the given control values (others at defaults)."""
    return dashboard_class(n)(**values)
