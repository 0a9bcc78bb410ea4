"""Draw a dashboard's figure in two layers: a background kept as pixels, the data drawn on it.

Most of drawing a dashboard is its axes, not its data: the frame's fill, the grid, the tick marks
and the tick labels, which matplotlib lays out and draws anew on every draw (an empty figure with
the same axes costs 10-75 ms here).  After a slider move they are usually the same as before: the
same limits, the same ticks, the same labels.  :class:`Layers` keeps the pixels of that
*background* and, while it is unchanged, draws only the *foreground* on a copy of them: the
plotted artists, spines, titles and legends of each axes, then the figure's own texts and legends.

The background of an axes is its patch and its two axis artists (grid, tick marks, tick labels,
axis label, offset text); :func:`background_key` is everything their pixels depend on, read
through the same tick update a draw makes.  The layered image equals a plain draw's pixel for
pixel when matplotlib would draw the foreground after the background anyway:

* in each axes, every foreground artist's zorder is above its axis artists' (the course style
  puts the axes below, ``axes.axisbelow``), and no axes holds images or child axes;
* one axes' foreground never reaches into a later axes' background (a plain draw paints the later
  axes over it, the layered draw under it), checked on the drawn extents after every draw;
* figure-level artists sit above every axes (zorder above the axes').

Where a condition fails, the figure is drawn plainly (:meth:`Layers.draw` says which path it
took).  ``tests/course/test_layers.py`` compares the pixels with a plain draw along each lesson's
settings.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import attrgetter
from typing import Any

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.spines import Spine
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["Drawn", "Layers", "background_key"]


class Drawn(Enum):
    """Which path :meth:`Layers.draw` took."""

    PLAIN = "plain"  # the conditions do not hold: one ordinary draw
    BACKGROUND = "background"  # the background changed: drawn and kept, then the foreground
    REUSED = "reused"  # the kept background, then the foreground


@dataclass(frozen=True)
class _Split:
    """A figure's artists by layer, in the order a plain draw draws them."""

    axes: tuple[tuple[Axes, tuple[Artist, ...]], ...]  # visible axes' foregrounds, by zorder
    index: tuple[int, ...]  # where each of those axes is in ``figure.axes``
    figure: tuple[Artist, ...]  # the figure's texts, legends, lines and patches, by zorder

    def foreground(self) -> Iterable[Artist]:
        for _, artists in self.axes:
            yield from artists
        yield from self.figure


class Layers:
    """The kept background of one figure (a dashboard's), and the drawing on top of it."""

    def __init__(self) -> None:
        self.key: Hashable | None = None
        self._pixels: Any = None  # the renderer's saved region of the whole canvas
        self._reach: tuple[Bbox, ...] = ()  # per axes: where its background has pixels
        self.counts = {path: 0 for path in Drawn}

    def forget(self) -> None:
        """Drop the kept background (the next draw draws it anew)."""
        self.key, self._pixels, self._reach = None, None, ()

    def draw(self, canvas: FigureCanvasAgg) -> Drawn:
        """Draw ``canvas``'s figure into its renderer: on the kept background when it still
        holds, else drawing the background first; plainly when layers would change pixels."""
        fig = canvas.figure
        split = _split(fig)
        if split is None:
            return self._plain(canvas)
        renderer = canvas.get_renderer()
        key = background_key(fig, renderer)
        path = Drawn.REUSED
        if key != self.key or self._pixels is None:
            _draw_hidden(canvas, split.foreground())
            self.key = key
            self._pixels = renderer.copy_from_bbox(fig.bbox)
            self._reach = tuple(_background_reach(ax, renderer) for ax in fig.axes)
            path = Drawn.BACKGROUND
        else:
            renderer.restore_region(self._pixels)
        for _, artists in split.axes:
            for artist in artists:
                artist.draw(renderer)
        for artist in split.figure:
            artist.draw(renderer)
        if not _ordered(split, self._reach, renderer):
            return self._plain(canvas)
        self.counts[path] += 1
        return path

    def _plain(self, canvas: FigureCanvasAgg) -> Drawn:
        canvas.draw()
        self.counts[Drawn.PLAIN] += 1
        return Drawn.PLAIN


def _split(fig: Figure) -> _Split | None:
    """``fig``'s foreground per axes and its own, or None where drawing the background first
    would change what covers what (see the module's conditions)."""
    axes_z = {ax.get_zorder() for ax in fig.axes}
    if len(axes_z) > 1:
        return None
    per_axes, index = [], []
    for k, ax in enumerate(fig.axes):
        if not ax.get_visible():
            continue
        index.append(k)
        if ax.child_axes or ax.images:
            return None
        drop: set[int] = {id(ax.patch), id(ax.xaxis), id(ax.yaxis)}
        if not (ax.axison and ax.get_frame_on()):
            drop.update(id(s) for s in ax.spines.values())
        below = max(ax.xaxis.get_zorder(), ax.yaxis.get_zorder()) if ax.axison else float("-inf")
        front = [a for a in ax.get_children() if id(a) not in drop and a.get_visible()]
        if any(a.get_animated() or a.get_zorder() <= below for a in front):
            return None
        # the zorder a plain draw sorts by (stable, so ties keep the children's order)
        per_axes.append((ax, tuple(sorted(front, key=attrgetter("zorder")))))
    top = max(axes_z, default=0.0)
    own = [a for a in fig.get_children() if a is not fig.patch and not isinstance(a, Axes)]
    own = [a for a in own if a.get_visible()]
    if any(a.get_animated() or a.get_zorder() <= top for a in own):
        return None
    return _Split(tuple(per_axes), tuple(index), tuple(sorted(own, key=lambda a: a.get_zorder())))


def _draw_hidden(canvas: FigureCanvasAgg, artists: Iterable[Artist]) -> None:
    """An ordinary draw with ``artists`` left out (matplotlib skips animated artists)."""
    hidden = list(artists)
    for artist in hidden:
        artist.set_animated(True)
    try:
        canvas.draw()
    finally:
        for artist in hidden:
            artist.set_animated(False)


def _background_reach(ax: Axes, renderer: RendererAgg) -> Bbox:
    """Where ``ax``'s background has pixels: its frame, the tick marks out of it, and its axes'
    labels."""
    boxes = []
    if ax.axison and ax.get_frame_on():
        boxes.append(ax.bbox)
    if ax.axison:
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.get_visible():
                continue
            box = axis.get_tightbbox(renderer)
            if box is not None and box.width > 0 and box.height > 0:
                boxes.append(box)
            marks = [
                line.get_markersize()
                for tick in (*axis.get_major_ticks(), *axis.get_minor_ticks())
                for line in (tick.tick1line, tick.tick2line)
                if line.get_visible()
            ]
            if marks:  # a tick mark sticks out of the frame by up to its length
                boxes.append(ax.bbox.padded(renderer.points_to_pixels(max(marks)) + 1.0))
    return Bbox.union(boxes) if boxes else Bbox.null()


def _ordered(split: _Split, reach: Sequence[Bbox], renderer: RendererAgg) -> bool:
    """True when no axes' foreground reaches a later axes' background: then drawing every
    background first covers nothing a plain draw would not (drawn extents, after the draw)."""
    for i, (ax, artists) in enumerate(split.axes):
        after = [reach[k] for k in split.index[i + 1 :]]
        after = [b for b in after if b.width > 0 and b.height > 0]
        if after and any(
            extent.overlaps(b) for extent in _extents(ax, artists, renderer) for b in after
        ):
            return False
    return True


def _extents(ax: Axes, artists: Iterable[Artist], renderer: RendererAgg) -> Iterable[Bbox]:
    """Boxes holding every pixel ``artists`` drew: the axes' box for those clipped to its frame,
    else each one's window extent."""
    yield ax.bbox
    clip = ax.patch
    for artist in artists:
        path = artist.get_clip_path()
        if artist.get_clip_on() and (
            artist.get_clip_box() is ax.bbox
            or (path is not None and getattr(path, "_patch", None) is clip)
        ):
            continue
        if isinstance(artist, Spine):
            # its line only (a spine's window extent takes in its axis's ticks, and costs their
            # update): the path as drawn, widened by the line's width
            box = artist.get_transform().transform_path(artist.get_path()).get_extents()
            box = box.padded(renderer.points_to_pixels(artist.get_linewidth()) + 1.0)
        elif isinstance(artist, Legend):
            # its frame, which its draw set around everything it holds (its window extent would
            # lay the legend out again)
            box = artist.legendPatch.get_window_extent(renderer)
        else:
            box = artist.get_window_extent(renderer)
        if box.width > 0 or box.height > 0:
            yield box


def background_key(fig: Figure, renderer: RendererAgg) -> tuple[Hashable, ...]:
    """What the background's pixels depend on: the canvas, and per axes its box, frame and both
    axes' ticks (positions, labels, marks, grid lines, each with how it is drawn), label and
    offset text, after the tick update a draw makes."""
    width, height = renderer.get_canvas_width_height()
    key: list[Hashable] = [width, height, fig.dpi, _patch_key(fig.patch)]
    for ax in fig.axes:
        key += [
            ax.get_visible(),
            tuple(ax.bbox.bounds),
            ax.axison,
            ax.get_frame_on(),
            _patch_key(ax.patch),
        ]
        if ax.axison:
            key += [_axis_key(ax.xaxis), _axis_key(ax.yaxis)]
    return tuple(key)


def _axis_key(axis: Axis) -> tuple[Hashable, ...]:
    if not axis.get_visible():
        return (False,)
    # the ticks a draw would draw, updated as the draw updates them (matplotlib's own step)
    ticks = axis._update_ticks()  # type: ignore[attr-defined]  # private: the draw's tick update
    return (
        True,
        axis.get_scale(),
        tuple(axis.get_view_interval()),
        tuple(
            (
                tick.get_loc(),
                _line_key(tick.tick1line),
                _line_key(tick.tick2line),
                _line_key(tick.gridline),
                _text_key(tick.label1),
                _text_key(tick.label2),
                tick.get_pad(),
            )
            for tick in ticks
        ),
        # where a draw puts these follows from the tick labels: their positions are not inputs
        _text_key(axis.label, placed=False),
        axis.get_label_position(),
        _text_key(axis.get_offset_text(), placed=False),
        tuple(sorted(axis.get_tick_params("major").items(), key=lambda kv: kv[0])),
        tuple(sorted(axis.get_tick_params("minor").items(), key=lambda kv: kv[0])),
    )


def _hashable(value: Any) -> Hashable:
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if hasattr(value, "tolist"):  # a numpy colour array
        return _hashable(value.tolist())
    return value


def _text_key(text: Text, placed: bool = True) -> tuple[Hashable, ...]:
    if not text.get_visible():
        return (False,)
    return (
        True,
        text.get_text(),
        hash(text.get_fontproperties()),
        _hashable(text.get_color()),
        text.get_alpha(),
        text.get_rotation(),
        text.get_horizontalalignment(),
        text.get_verticalalignment(),
        _hashable(text.get_position()) if placed else None,
        text.get_linespacing(),
    )


def _line_key(line: Any) -> tuple[Hashable, ...]:
    if not line.get_visible():
        return (False,)
    return (
        True,
        _hashable(line.get_color()),
        line.get_linewidth(),
        line.get_linestyle(),
        line.get_alpha(),
        line.get_marker(),
        line.get_markersize(),
        line.get_markeredgewidth(),
        _hashable(line.get_markeredgecolor()),
    )


def _patch_key(patch: Any) -> tuple[Hashable, ...]:
    if not patch.get_visible():
        return (False,)
    return (
        True,
        _hashable(patch.get_facecolor()),
        _hashable(patch.get_edgecolor()),
        patch.get_linewidth(),
    )
