"""Figure export for lecturers: each lesson's key figures as slide-sized PNG and editable SVG.

``python -m course figures --out DIR`` writes ``DIR/lesson_NN_<name>.png`` (1920×1080 pixels at the
chosen dpi, 16:9) and the same as ``.svg`` (text kept as text, so labels can be edited), using
each lesson's default settings: the same figures a learner sees before moving a control.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path

from matplotlib.layout_engine import ConstrainedLayoutEngine

from course import style
from course.dashboards.base import FigureDrawer
from course.lessons import NUMBERS, entry

__all__ = ["EXPORT_LESSONS", "SLIDE_PIXELS", "export_figures", "lesson_figures", "parse_lessons"]

SLIDE_PIXELS = (1920, 1080)
EXPORT_LESSONS = NUMBERS
_RANGE = f"{NUMBERS[0]}..{NUMBERS[-1]}"


def parse_lessons(text: str) -> tuple[int, ...]:
    """``"1,3,9"`` -> ``(1, 3, 9)``; empty -> every lesson. Bad input names the value and range."""
    if not text.strip():
        return EXPORT_LESSONS
    out = []
    for part in text.split(","):
        try:
            n = int(part)
        except ValueError:
            raise ValueError(
                f"--lessons: {part!r} is not a lesson number (allowed {_RANGE})"
            ) from None
        if n not in EXPORT_LESSONS:
            raise ValueError(f"--lessons: {n} is outside the allowed range {_RANGE}")
        out.append(n)
    return tuple(dict.fromkeys(out))


def lesson_figures(n: int) -> list[tuple[str, FigureDrawer]]:
    """The named key figures of lesson ``n`` as drawers (each draws on a given figure)."""
    return [(name, drawer) for name, drawer, _ in captioned_figures(n)]


def captioned_figures(n: int) -> list[tuple[str, FigureDrawer, str]]:
    """:func:`lesson_figures` with each figure's caption: the lesson, the scenario and settings
    it was drawn from, and the assumptions its numbers rest on (see :mod:`course.lessons`)."""
    if n not in EXPORT_LESSONS:
        raise ValueError(f"lesson_figures: n must be in {_RANGE}, got {n!r}")
    return entry(n).key_figures()


def export_figures(
    out: str | Path, lessons: Iterable[int] = EXPORT_LESSONS, dpi: int = 160
) -> Iterator[Path]:
    """Write every key figure of ``lessons`` into ``out`` (created); yields each written path."""
    if not 50 <= dpi <= 600:
        raise ValueError(f"dpi: {dpi} is outside the allowed range 50..600")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    width_in, height_in = SLIDE_PIXELS[0] / dpi, SLIDE_PIXELS[1] / dpi
    for n in lessons:
        for name, drawer, caption in captioned_figures(n):
            fig = style.figure(width_in, height_in)
            with style.context():
                drawer(fig)
            # the caption goes on the slide, in a band above the figure (legends sit below
            # it), and beside it as text for the speaker's notes
            engine = fig.get_layout_engine()
            assert isinstance(engine, ConstrainedLayoutEngine)  # style.figure's layout
            engine.set(rect=(0.0, 0.0, 1.0, 0.92))
            fig.text(
                0.01,
                0.995,
                textwrap.fill(caption, 210),
                fontsize=7,
                va="top",
                ha="left",
                color="#444444",
            )
            for ext in ("png", "svg"):
                path = folder / f"lesson_{n:02d}_{name}.{ext}"
                fig.savefig(path, format=ext, dpi=dpi)
                yield path
            path = folder / f"lesson_{n:02d}_{name}.txt"
            path.write_text(caption + "\n", encoding="utf-8")
            yield path
