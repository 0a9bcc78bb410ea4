"""Lesson texts: one module ``lesson_NN.py`` per lesson, each defining ``CONTENT`` (see ``schema``)."""

from __future__ import annotations

import importlib

from .schema import LessonContent

LESSON_NUMBERS = tuple(range(12))


def lesson(n: int) -> LessonContent:
    """The content of lesson ``n`` (0..11), loaded from ``course/content/lesson_NN.py``."""
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"lesson: n must be an int in 0..11, got {n!r}")
    if n not in LESSON_NUMBERS:
        raise ValueError(f"lesson: n must be an int in 0..11, got {n!r}")
    module = importlib.import_module(f"{__name__}.lesson_{n:02d}")
    content = getattr(module, "CONTENT", None)
    if not isinstance(content, LessonContent):
        raise TypeError(
            f"lesson: course/content/lesson_{n:02d}.py must define CONTENT = LessonContent(...)"
        )
    if content.number != n:
        raise ValueError(
            f"lesson: lesson_{n:02d}.py has CONTENT.number={content.number}, expected {n}"
        )
    return content
