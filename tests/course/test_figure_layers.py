"""A figure drawn in layers (kept background, foreground on it) has a plain draw's pixels.

``course.figure_layers`` keeps the pixels of a figure's axes (frame, grid, ticks, labels) and
draws only what is plotted on them while those are unchanged.  These tests compare the PNG a dashboard sends
with the PNG of a twin that draws every image plainly, along settings a learner moves through, and
check on small figures that each condition of the module sends a figure down the plain path, that
every kind of background change is seen by the key, and that the comparison itself can fail.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from course import style
from course.bench import extremes
from course.dashboards import DASHBOARD_LESSONS, make
from course.figure_layers import Drawn, Layers, background_key


def _pixels(png: bytes) -> Any:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _twins(n: int) -> tuple[Any, Any]:
    """Lesson ``n``'s dashboard drawing in layers, and a twin drawing plainly (one run cache)."""
    d, plain = make(n), make(n)
    plain.layers = None
    plain._cache = d._cache
    return d, plain


def _same_along(n: int, path: list[dict[str, Any]]) -> Layers:
    d, plain = _twins(n)
    defaults = {c.name: c.default for c in d.controls}
    for step in [{}, *path, {}, {}]:
        values = {**defaults, **step}
        try:
            d.set(**values)
        except ValueError:
            continue  # e.g. a crash day after the end of a short run
        plain.set(**values)
        layered, drawn = _pixels(d.png()), _pixels(plain.png())
        assert layered.shape == drawn.shape and np.array_equal(layered, drawn), (
            f"lesson {n} at {values}: {(layered != drawn).any(axis=2).sum()} pixels differ "
            f"from a plain draw"
        )
    assert d.layers is not None
    return d.layers


def _seed_steps(n: int) -> list[dict[str, Any]]:
    names = {c.name for c in make(n).controls}
    return [{"seed": 1000}, {"seed": 1001}] if "seed" in names else []


@pytest.mark.parametrize("n", DASHBOARD_LESSONS)
def test_each_dashboard_in_layers_draws_a_plain_draws_pixels(n: int) -> None:
    """Defaults, new seeds, back to the defaults twice: the same pixels as a plain draw, and the
    kept background is used (every dashboard meets the module's conditions at its defaults)."""
    layers = _same_along(n, _seed_steps(n))
    assert layers.counts[Drawn.REUSED] >= 1, layers.counts
    assert layers.counts[Drawn.PLAIN] == 0, layers.counts


@pytest.mark.slow
@pytest.mark.parametrize("n", DASHBOARD_LESSONS)
def test_each_dashboard_in_layers_at_the_ends_of_its_ranges(n: int) -> None:
    """Every control at each end of its range, and all at their high ends together."""
    path = [s for s in extremes(n) if not {"monte_carlo", "campus"} & {*s, *map(str, s.values())}]
    _same_along(n, path)


# -- small figures: each condition and each kind of background change ------------------------------


def _figure(two: bool = False) -> tuple[Figure, list[Any]]:
    with style.context():
        fig = Figure(figsize=(4, 3), dpi=100)
        axes = [fig.add_subplot(2, 1, k) for k in (1, 2)] if two else [fig.add_subplot()]
        for ax in axes:
            ax.plot([0, 1, 2], [0, 1, 4], label="a line")
            ax.set_title("a title")
            ax.set_ylabel("y")
    return fig, axes


def _png(fig: Figure, layers: Layers | None) -> Any:
    with style.context():
        return _pixels(style.encode_png(fig, 100, layers))


def _check(fig: Figure, layers: Layers) -> Drawn:
    """Draw ``fig`` in layers, then plainly: the pixels agree; returns the layered path."""
    before = dict(layers.counts)
    layered = _png(fig, layers)
    path = next(p for p in Drawn if layers.counts[p] != before[p])
    assert np.array_equal(layered, _png(fig, None)), path
    return path


CHANGES = {
    "y limits": lambda ax: ax.set_ylim(-1, 10),
    "x scale": lambda ax: ax.set_xscale("symlog"),
    "tick label colour": lambda ax: ax.tick_params(axis="y", labelcolor="red"),
    "tick length": lambda ax: ax.tick_params(axis="x", length=9),
    "tick rotation": lambda ax: ax.tick_params(axis="x", labelrotation=45),
    "tick formatter": lambda ax: ax.yaxis.set_major_formatter(lambda v, _: f"{v:.1f} GB"),
    "axis label": lambda ax: ax.set_ylabel("other"),
    "grid off": lambda ax: ax.grid(False),
    "frame fill": lambda ax: ax.set_facecolor("#EEEEEE"),
    "axis off": lambda ax: ax.set_axis_off(),
    "box": lambda ax: ax.set_position((0.2, 0.2, 0.5, 0.5)),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_background_change_is_seen_and_drawn(change: str) -> None:
    fig, (ax,) = _figure()
    layers = Layers()
    assert _check(fig, layers) is Drawn.BACKGROUND
    assert _check(fig, layers) is Drawn.REUSED
    CHANGES[change](ax)
    assert _check(fig, layers) is Drawn.BACKGROUND


def test_the_comparison_fails_when_a_stale_background_is_reused() -> None:
    """A background kept across a change it should not survive gives other pixels than a plain
    draw: what the tests above would catch if the key missed a change."""
    fig, (ax,) = _figure()
    layers = Layers()
    _png(fig, layers)
    ax.set_ylim(-1, 10)
    layers.key = background_key(fig, fig.canvas.get_renderer())  # pretend nothing changed
    assert not np.array_equal(_png(fig, layers), _png(fig, None))


def test_foreground_changes_alone_reuse_the_background() -> None:
    fig, (ax,) = _figure()
    layers = Layers()
    _check(fig, layers)
    ax.lines[0].set_ydata([3, 1, 0])
    ax.text(1, 2, "a label")
    ax.set_title("another title")
    ax.legend()
    fig.suptitle("a figure title")
    assert _check(fig, layers) is Drawn.REUSED


def test_an_artist_below_the_axes_is_drawn_plainly() -> None:
    fig, (ax,) = _figure()
    ax.axhline(1, zorder=0)  # under the grid (the axes sit at zorder 0.5)
    assert _check(fig, Layers()) is Drawn.PLAIN


def test_an_image_is_drawn_plainly() -> None:
    fig, (ax,) = _figure()
    ax.imshow(np.arange(4.0).reshape(2, 2), extent=(0, 2, 0, 4))
    assert _check(fig, Layers()) is Drawn.PLAIN


def test_a_text_reaching_a_later_axes_background_is_drawn_plainly() -> None:
    """An unclipped text of the upper axes over the lower one's tick labels: a plain draw paints
    the lower axes over it, so layers (background first) would not; the figure is drawn plainly,
    and again once the text has moved away."""
    fig, (top, bottom) = _figure(two=True)
    layers = Layers()
    assert _check(fig, layers) is Drawn.BACKGROUND
    label = top.text(-0.05, -0.4, "far below", transform=top.transAxes, fontsize=30)
    assert _check(fig, layers) is Drawn.PLAIN
    label.set_position((0.5, 0.5))
    assert _check(fig, layers) is Drawn.REUSED
    assert bottom.get_visible()


def test_figure_artists_under_the_axes_are_drawn_plainly() -> None:
    fig, _ = _figure()
    fig.text(0.5, 0.5, "under", zorder=-1)
    assert _check(fig, Layers()) is Drawn.PLAIN


def _mask(boxes: list[Any], shape: tuple[int, ...]) -> Any:
    """The pixels of a canvas of ``shape`` inside any of ``boxes`` (display pixels, y up)."""
    import math

    height, width = shape[:2]
    inside = np.zeros((height, width), bool)
    for x0, y0, x1, y1 in boxes:
        cols = slice(max(0, math.floor(x0)), max(0, min(width, math.ceil(x1))))
        rows = slice(max(0, height - min(height, math.ceil(y1))), max(0, height - math.floor(y0)))
        inside[rows, cols] = True
    return inside


@pytest.mark.parametrize("n", [1, 3, 9])
def test_traced_boxes_hold_every_pixel_each_layer_drew(n: int) -> None:
    """The order check rests on the traced boxes: every pixel the background pass inks lies in
    its axes' boxes, and every pixel the foreground changes lies in its parts' boxes."""
    from course.figure_layers import _draw_foreground, _draw_hidden, _split, _Tracer

    d = make(n)
    d.png()
    fig = d.figure
    canvas = fig.canvas
    renderer = canvas.get_renderer()
    split = _split(fig)
    assert split is not None
    with _Tracer(renderer) as tracer:
        _draw_hidden(canvas, split.foreground())
    background = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    inked = background.min(axis=2) < 255  # the figure is white
    assert len(tracer.parts) == len(split.axes)
    boxes = [b for part in tracer.parts for b in part]
    assert not (inked & ~_mask(boxes, background.shape)).any()
    front = _draw_foreground(split, renderer)
    assert len(front) == len(split.axes) + 1  # and the figure's own artists
    changed = (np.asarray(canvas.buffer_rgba())[..., :3] != background).any(axis=2)
    assert changed.any()
    boxes = [b for part in front for b in part]
    assert not (changed & ~_mask(boxes, background.shape)).any()
    assert "draw_path" not in renderer.__dict__  # the renderer is itself again
