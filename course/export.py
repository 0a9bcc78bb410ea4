"""Figure export for lecturers: each lesson's key figures as slide-sized PNG and editable SVG.

``python -m course figures --out DIR`` writes ``DIR/lesson_NN_<name>.png`` (1920×1080 pixels at the
chosen dpi, 16:9) and the same as ``.svg`` (text kept as text, so labels can be edited), using
each lesson's default settings: the same figures a learner sees before moving a control.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from matplotlib.figure import Figure

from course import style

__all__ = ["EXPORT_LESSONS", "SLIDE_PIXELS", "export_figures", "lesson_figures", "parse_lessons"]

SLIDE_PIXELS = (1920, 1080)
EXPORT_LESSONS = tuple(range(12))

FigureDrawer = Callable[[Figure], None]


def parse_lessons(text: str) -> tuple[int, ...]:
    """``"1,3,9"`` -> ``(1, 3, 9)``; empty -> every lesson. Bad input names the value and range."""
    if not text.strip():
        return EXPORT_LESSONS
    out = []
    for part in text.split(","):
        try:
            n = int(part)
        except ValueError:
            raise ValueError(f"--lessons: {part!r} is not a lesson number (allowed 0..11)") from None
        if n not in EXPORT_LESSONS:
            raise ValueError(f"--lessons: {n} is outside the allowed range 0..11")
        out.append(n)
    return tuple(dict.fromkeys(out))


def lesson_figures(n: int) -> list[tuple[str, FigureDrawer]]:
    """The named key figures of lesson ``n`` as drawers (each draws on a given figure)."""
    if n in range(1, 11):
        from course.dashboards import make

        return make(n).key_figures()
    if n == 0:
        from course.dashboards.overview import overview_figures

        return overview_figures()
    if n == 11:
        from course.wire import wire_figures

        return wire_figures()
    raise ValueError(f"lesson_figures: n must be in 0..11, got {n!r}")


def export_figures(out: str | Path, lessons: Iterable[int] = EXPORT_LESSONS,
                   dpi: int = 160) -> Iterator[Path]:
    """Write every key figure of ``lessons`` into ``out`` (created); yields each written path."""
    if not 50 <= dpi <= 600:
        raise ValueError(f"dpi: {dpi} is outside the allowed range 50..600")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    width_in, height_in = SLIDE_PIXELS[0] / dpi, SLIDE_PIXELS[1] / dpi
    for n in lessons:
        for name, drawer in lesson_figures(n):
            fig = style.figure(width_in, height_in)
            with style.context():
                drawer(fig)
            for ext in ("png", "svg"):
                path = folder / f"lesson_{n:02d}_{name}.{ext}"
                fig.savefig(path, format=ext, dpi=dpi)
                yield path
