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
  axes over it, the layered draw under it), checked after every draw on boxes holding the pixels
  each part drew, which :class:`_Tracer` records from the renderer's calls as they are made;
* figure-level artists sit above every axes (zorder above the axes').

Where a condition fails, the figure is drawn plainly (:meth:`Layers.draw` says which path it
took).  ``tests/course/test_figure_layers.py`` compares the pixels with a plain draw along each
lesson's settings.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from operator import attrgetter
from typing import Any, ClassVar

from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.path import get_path_collection_extents
from matplotlib.text import Text
from matplotlib.transforms import BboxBase

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
        self._reach: tuple[Box | None, ...] = ()  # per drawn axes: where its background drew
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
            with _Tracer(renderer) as tracer:
                _draw_hidden(canvas, split.foreground())
            if len(tracer.parts) != len(split.axes):  # not drawn as _split expects
                self.forget()
                return self._plain(canvas)
            self.key = key
            self._pixels = renderer.copy_from_bbox(fig.bbox)
            self._reach = tuple(_union(part) for part in tracer.parts)
            path = Drawn.BACKGROUND
        else:
            renderer.restore_region(self._pixels)
        front = _draw_foreground(split, renderer)
        if not _ordered(front[: len(split.axes)], self._reach):
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
    per_axes = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
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
    return _Split(tuple(per_axes), tuple(sorted(own, key=lambda a: a.get_zorder())))


def _draw_foreground(split: _Split, renderer: RendererAgg) -> list[list[Box]]:
    """Draw each axes' foreground, then the figure's own artists: where each drew, traced (a
    part per axes in ``split``'s order, then one for the figure's artists)."""
    with _Tracer(renderer) as tracer:
        for _, artists in split.axes:
            tracer.begin()
            for artist in artists:
                artist.draw(renderer)
        tracer.begin()
        for artist in split.figure:
            artist.draw(renderer)
        tracer.end()
    return tracer.parts


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


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in display pixels (y up)


def _ordered(front: Sequence[Sequence[Box]], reach: Sequence[Box | None]) -> bool:
    """True when no axes' foreground (``front``: the boxes each axes' artists drew in) reaches a
    later axes' background (``reach``): then drawing every background first covers nothing a
    plain draw would not."""
    for i, boxes in enumerate(front):
        for r in reach[i + 1 :]:
            if r is not None and any(_overlap(box, r) for box in boxes):
                return False
    return True


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _union(boxes: Sequence[Box]) -> Box | None:
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def _padded(box: Any, pad: float) -> Box:
    x0, y0, x1, y1 = box.extents if isinstance(box, BboxBase) else box
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


EVERYWHERE: Box = (-math.inf, -math.inf, math.inf, math.inf)
"""The box of a drawing call whose pixels are not worked out (it overlaps everything)."""


class _Tracer:
    """Where each part of a draw puts pixels: while a pass draws, the renderer's drawing methods
    are wrapped so that each call, once drawn, adds a box holding its pixels to the current part:
    its clip rectangle when it has one (the axes' box, for what is plotted), else the box of what
    it drew.  A part starts at each axes' draw (``open_group("axes")``, as ``Axes.draw`` opens
    it) or at :meth:`begin`, and ends at :meth:`end`."""

    # each drawing method and how the box of its pixels is worked out
    _DRAWS: ClassVar[dict[str, str]] = {
        "draw_path": "_path_box",
        "draw_markers": "_markers_box",
        "draw_path_collection": "_path_collection_box",
        "draw_text": "_text_box",
        # images are left to a plain draw; these, if ever traced, overlap everything
        "draw_image": "_everywhere",
        "draw_gouraud_triangles": "_everywhere",
        "draw_quad_mesh": "_everywhere",
    }

    def __init__(self, renderer: RendererAgg) -> None:
        self.renderer = renderer
        self.parts: list[list[Box]] = []
        self._part: list[Box] | None = None
        self._saved: dict[str, Any] = {}
        self._clips: dict[int, tuple[Any, Box]] = {}  # id -> (clip rectangle, its box)

    def begin(self) -> None:
        self.parts.append([])
        self._part = self.parts[-1]

    def end(self) -> None:
        self._part = None

    def __enter__(self) -> _Tracer:
        r = self.renderer
        for name in (*self._DRAWS, "open_group", "close_group"):
            self._saved[name] = r.__dict__.get(name)  # instance attributes (Agg binds some)
        for name, box_of in self._DRAWS.items():
            setattr(r, name, self._traced(getattr(r, name), getattr(self, box_of)))
        group_open, group_close = r.open_group, r.close_group

        def open_group(s: str, gid: Any = None) -> None:
            group_open(s, gid)
            if s == "axes":
                self.begin()

        def close_group(s: str) -> None:
            group_close(s)
            if s == "axes":
                self.end()

        r.open_group, r.close_group = open_group, close_group  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        for name, old in self._saved.items():
            if old is None:
                self.renderer.__dict__.pop(name, None)
            else:
                setattr(self.renderer, name, old)

    def _traced(self, draw: Any, box_of: Any) -> Any:
        def traced(gc: Any, *args: Any, **kwargs: Any) -> None:
            draw(gc, *args, **kwargs)
            if self._part is None:
                return
            clip = gc.get_clip_rectangle()
            if clip is None:
                box = box_of(gc, *args, **kwargs)
                if box is not None:
                    self._part.append(box)
                return
            kept = self._clips.get(id(clip))
            if kept is None or kept[0] is not clip:
                kept = (clip, _padded(clip, 1.0))  # antialiasing at its edge
                self._clips[id(clip)] = kept
            self._part.append(kept[1])

        return traced

    def _stroke(self, gc: Any) -> float:
        """Room around a stroked path for its line (joins and caps included) and antialiasing."""
        return 2.0 * self.renderer.points_to_pixels(gc.get_linewidth()) + 1.0

    def _path_box(self, gc: Any, path: Any, transform: Any, *_: Any) -> Box | None:
        return _padded(path.get_extents(transform), self._stroke(gc))

    def _markers_box(
        self, gc: Any, marker: Any, marker_trans: Any, path: Any, trans: Any, *_: Any
    ) -> Box | None:
        if not len(path.vertices):
            return None
        at, shape = path.get_extents(trans), marker.get_extents(marker_trans)
        box = (at.x0 + shape.x0, at.y0 + shape.y0, at.x1 + shape.x1, at.y1 + shape.y1)
        return _padded(box, self._stroke(gc))

    def _path_collection_box(
        self,
        gc: Any,
        master_transform: Any,
        paths: Any,
        transforms: Any,
        offsets: Any,
        offset_trans: Any,
        facecolors: Any,
        edgecolors: Any,
        linewidths: Any,
        *_: Any,
    ) -> Box | None:
        if not len(paths):
            return None
        box = get_path_collection_extents(
            master_transform, paths, transforms, offsets, offset_trans
        )
        width = max((float(w) for w in linewidths), default=0.0)
        return _padded(box, 2.0 * self.renderer.points_to_pixels(width) + 1.0)

    def _everywhere(self, gc: Any, *_: Any) -> Box | None:
        return EVERYWHERE

    def _text_box(self, gc: Any, *_: Any, **__: Any) -> Box | None:
        box = getattr(self.renderer, "last_text_box", None)  # see course.style.TextCachingRenderer
        return EVERYWHERE if box is None else _padded(box, 1.0)


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
