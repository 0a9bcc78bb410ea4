"""Lesson texts: one module ``lesson_NN.py`` per lesson, each defining ``CONTENT`` (see ``schema``).

Which lessons exist, and which module holds each one's text, is :data:`course.lessons.LESSONS`.
"""

from __future__ import annotations

from course.lessons import NUMBERS, entry

from .schema import LessonContent

LESSON_NUMBERS = NUMBERS


def lesson(n: int) -> LessonContent:
    """The content of lesson ``n``, loaded from the module its registry entry names."""
    e = entry(n)
    content = e.load_content()
    if not isinstance(content, LessonContent):
        raise TypeError(f"lesson: {e.content} must define CONTENT = LessonContent(...)")
    if content.number != n:
        raise ValueError(f"lesson: {e.content} has CONTENT.number={content.number}, expected {n}")
    if content.notebook != e.notebook:
        raise ValueError(
            f"lesson: {e.content} has CONTENT.notebook={content.notebook!r}, but course.lessons "
            f"names {e.notebook!r}"
        )
    return content
