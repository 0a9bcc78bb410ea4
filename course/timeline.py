"""The timeline figure: per device, what it holds over time, with the events that changed it.

One lane per device (server on top).  In each lane a shaded step area shows how many messages the
device holds (scaled to the lane; the number at the right end is the final count), and markers show
what happened there: arrivals (on the server lane), polls, IDLE pushes, reads, flag syncs and
crashes.  POP3 and IMAP are drawn one above the other on the same time axis, so the same trace
can be read down the page.  The input is a :class:`TimelineData` per protocol, built from a model
run by :func:`course.adapters.timeline_data` (or by hand in tests).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from course import style
from course.style import EVENT_STYLE, PROTOCOL_COLOURS, EventKind, Protocol

__all__ = [
    "TimelineData",
    "TimelineEvent",
    "draw_timeline",
    "draw_timeline_figure",
    "draw_timelines",
    "legend_handles",
    "timeline_axes",
    "timeline_figure",
]


@dataclass(frozen=True)
class TimelineEvent:
    """Something that happened on one lane at one time (``device`` is ``"server"`` for arrivals)."""

    time_s: float
    device: str
    kind: EventKind


@dataclass(frozen=True)
class TimelineData:
    """What one protocol's run looked like, lane by lane.

    ``held`` gives, per lane, the step function of messages held: ``(time_s, count)`` points, each
    count valid from its time until the next point.  ``events`` may be in any order.
    """

    protocol: Protocol
    duration_s: float
    lanes: tuple[str, ...]  # top to bottom, e.g. ("server", "alice/phone", "alice/laptop")
    held: tuple[tuple[str, tuple[tuple[float, int], ...]], ...]
    events: tuple[TimelineEvent, ...]
    held_unit: str = "messages"  # or "bytes": what the held counts are

    def __post_init__(self) -> None:
        if self.duration_s <= 0:
            raise ValueError(f"TimelineData.duration_s: must be > 0, got {self.duration_s!r}")
        lanes = set(self.lanes)
        for name, _ in self.held:
            if name not in lanes:
                raise ValueError(f"TimelineData.held: lane {name!r} is not in lanes {self.lanes}")
        for e in self.events:
            if e.device not in lanes:
                raise ValueError(
                    f"TimelineData.events: device {e.device!r} is not in lanes {self.lanes}"
                )

    def held_of(self, lane: str) -> tuple[tuple[float, int], ...]:
        for name, points in self.held:
            if name == lane:
                return points
        return ()


_BAND_LOW = -0.4  # the held-messages band spans y0-0.4 .. y0+0.1 of each lane
_BAND_HEIGHT = 0.5
_MARKER_OFFSET = 0.25  # event markers ride above the band


def _lane_colour(lane: str) -> str:
    return style.BLACK if lane == "server" else style.device_colour(lane)


@dataclass
class _Lanes:
    """The artists :func:`draw_timeline` made on one axes, in the order it added them: what a
    redraw of the same lanes updates instead of making anew (``structure`` says which lanes have a
    band and which event kinds have markers)."""

    structure: tuple[object, ...]
    bands: list[tuple[Any, Line2D] | None]  # per lane: the held area and its edge, or none
    baselines: list[Line2D]
    markers: list[PathCollection]  # one per event kind that has events, in EventKind order

    def removed(self) -> bool:
        """Taken off their axes (by :func:`course.style.empty_axes`): free to be added again."""
        return all(a.axes is None for a in self._all())

    def _all(self) -> list[Any]:
        kept = [a for band in self.bands if band for a in band]
        return [*kept, *self.baselines, *self.markers]


_made: WeakKeyDictionary[Axes, _Lanes] = WeakKeyDictionary()


def draw_timeline(
    ax: Axes, data: TimelineData, max_held: int | None = None, note: str = ""
) -> None:
    """Draw one protocol's lanes on ``ax`` (lane 0 at the top); ``note`` ends the title (which
    run this is, when it is not the figure's main one).

    Redrawn on the same axes after :func:`course.style.empty_axes` with the same lanes and kinds
    of events, the areas, edges, baselines and markers of the last draw get the new data and go
    back on the axes in the order they were first added (a dashboard's slider move: making them
    costs more than the rest of the draw); the pixels are a fresh draw's
    (``tests/course/test_dashboards.py``)."""
    lanes = list(data.lanes)
    peak = max_held or max([c for _, pts in data.held for _, c in pts] + [1])
    marks = []
    for kind in EventKind:
        pts = [
            (e.time_s, len(lanes) - 1 - lanes.index(e.device))
            for e in data.events
            if e.kind is kind
        ]
        if pts:
            # arrays, not lists: scatter converts a list to a masked array element by element
            times = np.array([t for t, _ in pts], dtype=float)
            rows = np.array([y + _MARKER_OFFSET for _, y in pts], dtype=float)
            marks.append((kind, times, rows))
    structure = (
        tuple(lanes),
        tuple(bool(data.held_of(lane)) for lane in lanes),
        tuple(kind for kind, _, _ in marks),
    )
    kept = _made.get(ax)
    if kept is not None and not (kept.structure == structure and kept.removed()):
        kept = None  # other lanes or kinds of events, or still on the axes: make new artists
    bands: list[tuple[Any, Line2D] | None] = []
    baselines: list[Line2D] = []
    for i, lane in enumerate(lanes):
        y0 = len(lanes) - 1 - i  # top lane highest
        colour = _lane_colour(lane)
        points = data.held_of(lane)
        band = None
        if points:
            xs = np.array([t for t, _ in points] + [data.duration_s], dtype=float)
            ys = np.array(
                [y0 + _BAND_LOW + _BAND_HEIGHT * c / peak for _, c in points]
                + [y0 + _BAND_LOW + _BAND_HEIGHT * points[-1][1] / peak],
                dtype=float,
            )
            if kept is not None and (old := kept.bands[i]) is not None:
                area, edge = old
                ax.add_collection(area, autolim=False)  # set_data needs the axes (for units)
                area.set_data(xs, y0 + _BAND_LOW, ys)
                for edge_ys in (ys, np.full_like(ys, y0 + _BAND_LOW)):  # as fill_between does
                    ax.update_datalim(np.column_stack([xs, edge_ys]))
                edge.set_data(xs, ys)
                ax.add_line(edge)
                band = old
            else:
                area = ax.fill_between(
                    xs, y0 + _BAND_LOW, ys, step="post", color=colour, alpha=0.22, linewidth=0
                )
                (edge,) = ax.step(xs, ys, where="post", color=colour, linewidth=1.4)
                band = (area, edge)
            final = points[-1][1]
            label = style.format_bytes(final) if data.held_unit == "bytes" else f"{final}"
            ax.text(
                data.duration_s * 1.005,
                ys[-1],
                label,
                va="center",
                ha="left",
                fontsize=8.5,
                color=colour,
            )
        bands.append(band)
        if kept is not None:
            baseline = kept.baselines[i]
            ax.add_line(baseline)  # its y is the lane's, which the structure fixes
        else:
            # just above the grid (the axes sit at 0.5): under the bands, as a ruled baseline
            baseline = ax.axhline(y0 + _BAND_LOW, color="#DDDDDD", linewidth=0.8, zorder=0.6)
        baselines.append(baseline)
    markers: list[PathCollection] = []
    for k, (kind, times, rows) in enumerate(marks):
        if kept is not None:
            dots = kept.markers[k]
            dots.set_offsets(np.column_stack([times, rows]))
            ax.add_collection(dots)
        else:
            marker, colour, size = EVENT_STYLE[kind]
            poll = kind is EventKind.POLL
            dots = ax.scatter(
                times,
                rows,
                marker=marker,
                s=size,
                color=colour,
                linewidths=1.0 if poll else 0.6,
                edgecolors=None if poll else "white",
                zorder=2 if poll else 3,
            )
        markers.append(dots)
    _made[ax] = _Lanes(structure, bands, baselines, markers)
    ax.set_yticks([y - 0.1 for y in range(len(lanes))])
    ax.set_yticklabels(
        [("server" if lane == "server" else style.device_label(lane)) for lane in reversed(lanes)]
    )
    ax.set_ylim(-0.55, len(lanes) - 0.5)
    ax.grid(axis="y", visible=False)
    what = "mail" if data.held_unit == "bytes" else "messages"
    ax.set_title(
        f"{data.protocol.label}: {what} held per device{note}",
        color=PROTOCOL_COLOURS[data.protocol],
        loc="left",
    )
    style.set_days_axis(ax, data.duration_s)


def legend_handles(unit: str = "messages") -> list[Line2D]:
    """Legend entries for the held band (in ``unit``, a :attr:`TimelineData.held_unit`) and every
    event marker."""
    what = "mail held (bytes)" if unit == "bytes" else "messages held"
    handles = [
        Line2D(
            [],
            [],
            color=style.GREY,
            linewidth=6,
            alpha=0.3,
            label=f"{what}; lane height = most held",
        )
    ]
    for kind in EventKind:
        marker, colour, _ = EVENT_STYLE[kind]
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=marker,
                color=colour,
                markersize=7,
                markeredgewidth=1.6 if marker == "|" else 0.6,
                label=kind.value,
            )
        )
    return handles


def draw_timelines(
    axes: Sequence[Axes],
    runs: Sequence[TimelineData],
    note: str = "",
    time_axis_on_each: bool = False,
) -> None:
    """One run per axes, top to bottom, lanes scaled to the most any lane of any run holds (so
    the runs compare); only the lowest axes keeps its time labels unless ``time_axis_on_each``
    (a panel among others, read on its own); ``note`` ends each title."""
    if not runs or len(axes) != len(runs):
        raise ValueError(
            f"draw_timelines: need one axes per run, got {len(axes)} axes for "
            f"{len(runs)} runs (at least one)"
        )
    peak = max([c for r in runs for _, pts in r.held for _, c in pts] + [1])
    for ax, run in zip(axes, runs):
        draw_timeline(ax, run, max_held=peak, note=note)
    for ax in [] if time_axis_on_each else axes[:-1]:
        ax.set_xlabel("")
        ax.tick_params(labelbottom=False)


def timeline_figure(runs: Sequence[TimelineData], fig: Figure | None = None) -> Figure:
    """POP3 above IMAP on a shared time axis, with one legend for the event markers."""
    if not runs:
        raise ValueError("timeline_figure: runs must hold at least one TimelineData")
    lanes = max(len(r.lanes) for r in runs)
    if fig is None:
        fig = style.figure(11.0, 1.2 + 0.55 * lanes * len(runs) + 0.6)
    fig.clear()
    with style.context():
        draw_timeline_figure(timeline_axes(fig, len(runs)), runs)
    return fig


def timeline_axes(fig: Figure, count: int) -> list[Axes]:
    """The axes of :func:`timeline_figure` for ``count`` runs: one above the other, time shared."""
    return list(fig.subplots(count, 1, sharex=True, squeeze=False)[:, 0])


def draw_timeline_figure(axes: Sequence[Axes], runs: Sequence[TimelineData]) -> None:
    """:func:`draw_timelines` on :func:`timeline_axes`, and the figure's legend of the markers."""
    fig = axes[0].get_figure(root=True) if axes else None
    if fig is None:
        raise ValueError("draw_timeline_figure: axes must be a figure's (see timeline_axes)")
    draw_timelines(axes, runs)
    fig.legend(
        handles=legend_handles(runs[0].held_unit),
        loc="outside lower center",
        ncols=7,
        fontsize=8.5,
        handlelength=1.4,
    )
