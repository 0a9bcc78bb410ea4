"""Benchmark: what a learner waits for after moving a slider, against what any image would cost.

``python -m course bench`` times, per lesson dashboard at its default settings, the whole update
behind a slider move: simulate both protocols (cache cleared), results, summary, redraw, and
encode the image the browser receives (:meth:`Dashboard.figure_html`).  Machines vary in speed by
2x from hour to hour, so each run also times a *floor* in the same loop: an empty figure of the
same size with the same axes, encoded the same way (:func:`course.style.encode_png`).  Targets
(issue 12): median <= 2x floor, p95 <= 3x floor, and no setting at the ends of the ranges over 1 s.

A dashboard draws its figure in layers (:mod:`course.figure_layers`): while its axes keep their
limits, ticks and labels, only what is plotted on them is drawn again, on the kept pixels of the
axes.
The floor is still drawn whole, axes and all: what any image of that shape costs from scratch.

Repeating the default update draws the same texts every time, which the image path does not
rasterise again (:class:`course.style.TextCachingRenderer`).  So each run also times *moved*
updates, each at a setting not drawn before in the run (:func:`moved_setting`: a new seed), as
a slider move is: their median over the same floor is the ``moved/fl`` column.

The ``sim/fl`` column is the simulation alone (both protocols, as an update makes them, nothing
drawn) over the same floor: where it is above the median target, no lighter figure or image
path can meet that target, only a faster model.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from course import style

if TYPE_CHECKING:
    from course.dashboards.base import Dashboard

__all__ = [
    "BenchLine",
    "bench_dashboard",
    "empty_like",
    "extremes",
    "moved_setting",
    "run_bench",
    "simulation_alone",
    "worst_case",
]

MEDIAN_TARGET = 2.0  # median end-to-end / floor
P95_TARGET = 3.0  # p95 end-to-end / floor
EXTREME_LIMIT_S = 1.0  # any setting in range, end to end
SKIPPED = ("monte_carlo", "campus")  # long runs behind a progress bar, not a slider move


@dataclass(frozen=True)
class BenchLine:
    """Timings of one dashboard (seconds); ``worst_s`` is at ``worst_setting`` (an extreme)."""

    lesson: int
    floor_s: float  # median: empty figure of the same size and axes, encoded
    median_s: float  # median end-to-end update
    p95_s: float
    worst_s: float = float("nan")
    worst_setting: dict[str, object] | None = None
    moved_median_s: float = float("nan")  # median end-to-end update at a setting new to the run
    # median of the simulation alone (both protocols, as an update makes them): what no change
    # to the drawing or the image path can take off
    sim_median_s: float = float("nan")

    @property
    def median_ratio(self) -> float:
        return self.median_s / self.floor_s

    @property
    def p95_ratio(self) -> float:
        return self.p95_s / self.floor_s

    @property
    def moved_ratio(self) -> float:
        return self.moved_median_s / self.floor_s

    @property
    def sim_ratio(self) -> float:
        """The simulation alone over the floor: above :data:`MEDIAN_TARGET`, only a faster model
        (not a lighter figure) can meet the median target."""
        return self.sim_median_s / self.floor_s

    @property
    def ok(self) -> bool:
        """Meets the targets (an unmeasured worst case counts as met)."""
        return (
            self.median_ratio <= MEDIAN_TARGET
            and self.p95_ratio <= P95_TARGET
            and not self.worst_s > EXTREME_LIMIT_S
        )


def empty_like(fig: Figure) -> Figure:
    """A figure of ``fig``'s size and dpi with axes where ``fig``'s are, nothing plotted: the cost
    of drawing and encoding any image of that shape, which the dashboard cannot go below."""
    width, height = fig.get_size_inches()
    empty = Figure(figsize=(width, height), dpi=fig.dpi)
    with style.context():
        for ax in fig.axes:
            empty.add_axes(ax.get_position().bounds)
    return empty


def _timed(action: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    action()
    return time.perf_counter() - t0


def _p95(samples: list[float]) -> float:
    return (
        samples[0]
        if len(samples) == 1
        else statistics.quantiles(samples, n=20, method="inclusive")[-1]
    )


def end_to_end(board: Dashboard) -> float:
    """Seconds of one uncached update of ``board``, up to the HTML the browser receives."""
    board.clear_cache()
    t0 = time.perf_counter()
    board.update()
    board.figure_html()
    return time.perf_counter() - t0


def simulation_alone(board: Dashboard) -> float:
    """Seconds of the simulation behind one uncached update of ``board`` (both protocols, made
    as an update makes them: POP3 in the helper process while IMAP runs here), nothing drawn.
    Every cache is cleared first: some dashboards keep runs of their own (lessons 3, 9, 10)."""
    board.clear_cache()
    t0 = time.perf_counter()
    board._simulate_now(None)
    return time.perf_counter() - t0


def moved_setting(board: Dashboard, i: int) -> dict[str, object]:
    """The ``i``-th setting of ``board`` not drawn before: seed ``1000 + i`` (a new trace, so new
    numbers on the figure), or for a dashboard without a seed its first float control at the
    ``i``-th point of a golden-ratio sequence over its range (all distinct, none at an end)."""
    from course.dashboards.base import ControlKind

    for c in board.controls:
        if c.kind is ControlKind.SEED:
            return {c.name: 1000 + i}
    for c in board.controls:
        if c.kind in (ControlKind.FLOAT, ControlKind.LOG_FLOAT):
            return {c.name: c.low + (c.high - c.low) * ((i + 1) * 0.6180339887 % 1.0)}
    raise ValueError(f"lesson {board.lesson}: no seed or float control to move")


def bench_dashboard(n: int, repeat: int = 7, moved: bool = True) -> BenchLine:
    """Time ``repeat`` end-to-end default updates of lesson ``n``, as many floors and as many
    simulations alone (:func:`simulation_alone`), interleaved so that a machine slowing down
    mid-run slows them all (after one warm-up of each); then, if ``moved``, ``repeat`` updates
    each at a new setting (:func:`moved_setting`)."""
    from course.dashboards import make

    if not 1 <= repeat <= 1000:
        raise ValueError(f"repeat: {repeat} is outside the allowed range 1..1000")
    board = make(n)
    board.figure_html()  # warm-up: imports, fonts, the first (constrained) layout
    floor_fig = empty_like(board.figure)
    style.encode_png(floor_fig)
    floors, updates, sims = [], [], []
    for _ in range(repeat):
        floors.append(_timed(lambda: style.encode_png(floor_fig)))
        updates.append(end_to_end(board))
        sims.append(simulation_alone(board))
    moves = []
    if moved:
        for i in range(repeat):
            floors.append(_timed(lambda: style.encode_png(floor_fig)))
            board._apply(moved_setting(board, i))
            moves.append(end_to_end(board))
    return BenchLine(
        n,
        statistics.median(floors),
        statistics.median(updates),
        _p95(updates),
        moved_median_s=statistics.median(moves) if moves else float("nan"),
        sim_median_s=statistics.median(sims),
    )


def worst_case(n: int, skip: tuple[str, ...] = SKIPPED) -> tuple[float, dict[str, object]]:
    """The slowest end-to-end update over :func:`extremes` (long runs with a progress bar skipped)."""
    from course.dashboards import make

    board = make(n)
    board.figure_html()
    worst: tuple[float, dict[str, object]] = (0.0, {})
    for setting in extremes(n):
        if any(k in skip or v in skip for k, v in setting.items()):
            continue
        try:
            board._apply({**{c.name: c.default for c in board.controls}, **setting})
        except ValueError:
            continue  # e.g. a crash day after the end of a short run
        elapsed = end_to_end(board)
        if elapsed > worst[0]:
            worst = (elapsed, setting)
    return worst


def extremes(n: int) -> list[dict[str, object]]:
    """Control settings at the edges of lesson ``n``'s ranges: each control alone at its low and
    high end, and every numeric control at its high end together (the usual worst case)."""
    from course.dashboards import dashboard_class
    from course.dashboards.base import ControlKind

    cls = dashboard_class(n)
    settings: list[dict[str, object]] = []
    together: dict[str, object] = {}
    for c in cls.controls:
        if c.kind in (ControlKind.TOGGLE,):
            settings.append({c.name: not c.default})
        elif c.kind is ControlKind.CHOICE:
            settings += [{c.name: v} for _, v in c.options if v != c.default]
        elif c.kind is not ControlKind.SEED:
            low = int(c.low) if c.kind in (ControlKind.INT, ControlKind.OPTIONAL_INT) else c.low
            high = int(c.high) if c.kind in (ControlKind.INT, ControlKind.OPTIONAL_INT) else c.high
            settings += [{c.name: low}, {c.name: high}]
            together[c.name] = high
    settings.append(together)
    return settings


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f} ms"


def run_bench(repeat: int = 7, lessons: tuple[int, ...] | None = None, worst: bool = True) -> int:
    """Print the table; exit status 0 (the numbers are for the report, not a pass/fail gate).
    ``lessons`` defaults to every lesson with a dashboard (:data:`course.lessons.LESSONS`)."""
    if lessons is None:
        from course.dashboards import DASHBOARD_LESSONS

        lessons = DASHBOARD_LESSONS
    print(
        f"end to end = uncached update (simulate both, results, summary, redraw) + figure_html; "
        f"floor = empty figure, same size and axes, encoded; {repeat} runs each"
    )
    print(
        f"targets: median <= {MEDIAN_TARGET:g}x floor, p95 <= {P95_TARGET:g}x floor, "
        f"worst extreme <= {EXTREME_LIMIT_S:g} s ({', '.join(SKIPPED)} skipped)"
    )
    print("moved/fl = median of updates each at a setting new to the run (a new seed) / floor")
    print(
        f"sim/fl = median of the simulation alone (both protocols, nothing drawn) / floor: "
        f"above {MEDIAN_TARGET:g}, only a faster model can meet the median target"
    )
    head = (
        f"{'lesson':>6} {'floor':>7} {'median':>8} {'p95':>8} {'med/fl':>6} {'p95/fl':>6} "
        f"{'moved/fl':>8} {'sim/fl':>6} {'worst':>8}  {'verdict':<7}  worst setting"
    )
    print(head)
    print("-" * len(head))
    for n in lessons:
        line = bench_dashboard(n, repeat)
        if worst:
            seconds, setting = worst_case(n)
            line = replace(line, worst_s=seconds, worst_setting=setting)
        print(
            f"{n:>6} {_ms(line.floor_s):>7} {_ms(line.median_s):>8} {_ms(line.p95_s):>8} "
            f"{line.median_ratio:>6.2f} {line.p95_ratio:>6.2f} {line.moved_ratio:>8.2f} "
            f"{line.sim_ratio:>6.2f} {_ms(line.worst_s) if worst else '-':>8}  {'ok' if line.ok else 'over':<7}  "
            f"{line.worst_setting if worst else ''}",
            flush=True,
        )
    return 0
