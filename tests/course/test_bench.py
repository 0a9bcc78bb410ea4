"""The benchmark runs and reports sane fields (no wall-clock assertions), and the image path it
times draws what ``savefig`` would."""

from __future__ import annotations

import io
import math

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from PIL import Image

from course import style
from course.bench import (
    BenchLine,
    bench_dashboard,
    empty_like,
    extremes,
    moved_setting,
    simulation_alone,
    worst_case,
)
from course.dashboards import make


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


def savefig_png(fig: Figure) -> bytes:
    """``fig`` through matplotlib's own Agg canvas and ``savefig``: no cached text rasters."""
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


@pytest.mark.parametrize("n", [1, 3, 9])
def test_encode_png_pixels_equal_savefig(n: int) -> None:
    ours, theirs = make(n), make(n)  # the same figure twice: a layout pass changes a figure
    # first render (a live constrained layout), then a redraw on the layout it recorded
    assert np.array_equal(pixels(style.encode_png(ours.figure)), pixels(savefig_png(theirs.figure)))
    for board in (ours, theirs):
        board.png()
        board.redraw()
    assert not isinstance(ours.figure.get_layout_engine(), ConstrainedLayoutEngine)
    assert np.array_equal(pixels(style.encode_png(ours.figure)), pixels(savefig_png(theirs.figure)))


@pytest.mark.parametrize("channels", [3, 4])
def test_png_bytes_decode_to_the_pixels_given(channels: int) -> None:
    """Random pixels (every byte value, so the Up filter wraps modulo 256) survive the round trip
    through Pillow's decoder, translucent alpha included."""
    rng = np.random.default_rng(12)
    given = rng.integers(0, 256, size=(37, 53, channels), dtype=np.uint8)
    decoded = np.asarray(Image.open(io.BytesIO(style.png_bytes(given))))
    assert decoded.shape == given.shape and np.array_equal(decoded, given)
    one_row = given[:1]
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(style.png_bytes(one_row)))), one_row)


@pytest.mark.parametrize(
    "bad", [np.zeros((4, 4, 2), np.uint8), np.zeros((4, 4, 3)), np.zeros((0, 4, 3), np.uint8)]
)
def test_png_bytes_rejects_what_is_not_an_rgb_or_rgba_image(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="pixels: need a non-empty uint8 array"):
        style.png_bytes(bad)


def test_a_translucent_figure_keeps_its_alpha() -> None:
    fig = Figure(figsize=(2, 1), dpi=50, facecolor=(1, 1, 1, 0.5))
    decoded = np.asarray(Image.open(io.BytesIO(style.encode_png(fig, dpi=50))))
    assert decoded.shape == (50, 100, 4) and (decoded[..., 3] == 128).all()


@pytest.mark.parametrize(
    ("n", "control", "values"), [(2, "rtt_ms", (80.0, 50.0)), (4, "seed", (2, 1))]
)
def test_replayed_text_rasters_equal_fresh_ones(n: int, control: str, values: tuple) -> None:
    """After updates at other settings (some texts replayed from the cache, some new), every
    pixel is what plain Agg draws."""
    ours, theirs = make(n), make(n)
    for board in (ours, theirs):
        board.png()
    style.encode_png(ours.figure)  # a second time: every text of this figure is cached
    for value in values:
        for board in (ours, theirs):
            board.set(**{control: value})
            board.png()
        assert style._text_rasters  # the cache is in use
        assert np.array_equal(
            pixels(style.encode_png(ours.figure)), pixels(savefig_png(theirs.figure))
        )


def test_a_text_drawn_differently_is_not_replayed() -> None:
    """Same string at the same spot (left and baseline aligned: the spot does not move with the
    font), then another size, weight, family, generic family's font, angle, colour: each image
    equals plain Agg's (a stale replay would not)."""
    fig = Figure(figsize=(3, 1), dpi=100)
    text = fig.text(0.1, 0.3, "Mail 123 jg", ha="left", va="baseline")

    def same_as_agg() -> bool:
        return np.array_equal(pixels(style.encode_png(fig)), pixels(savefig_png(fig)))

    for change in (
        lambda: None,
        lambda: text.set_fontsize(14),
        lambda: text.set_fontweight("bold"),
        lambda: text.set_family("monospace"),
    ):
        change()
        assert same_as_agg()
    with matplotlib.rc_context({"font.monospace": ["DejaVu Serif"]}):
        assert same_as_agg()
    for change in (lambda: text.set_rotation(20), lambda: text.set_color("#D55E00")):
        change()
        assert same_as_agg()


@pytest.mark.parametrize("n", [1, 3, 7, 9])
def test_fixed_title_height_draws_what_automatic_placement_draws(
    n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``axes.titley`` in the course style skips matplotlib's per-draw title placement; the
    pixels are those of the automatic placement (which would move a title above top ticks)."""
    fixed = make(n)
    assert all(ax._autotitlepos is False for ax in fixed.figure.axes)
    monkeypatch.setitem(style.rc, "axes.titley", None)
    auto = make(n)
    assert all(ax._autotitlepos for ax in auto.figure.axes)
    assert np.array_equal(pixels(fixed.png()), pixels(auto.png()))
    for board in (fixed, auto):  # and on the layout the first render recorded
        board.set(**moved_setting(board, 0))
    assert np.array_equal(pixels(fixed.png()), pixels(auto.png()))


def test_bench_line_for_one_dashboard() -> None:
    line = bench_dashboard(2, repeat=1)
    assert line.lesson == 2
    assert line.floor_s > 0 and 0 < line.median_s <= line.p95_s
    assert line.median_ratio == line.median_s / line.floor_s
    assert isinstance(line.ok, bool)


def test_verdict_follows_the_targets() -> None:
    assert BenchLine(1, 0.1, 0.2, 0.3, 1.0).ok
    assert not BenchLine(1, 0.1, 0.21, 0.3).ok
    assert not BenchLine(1, 0.1, 0.2, 0.31).ok
    assert not BenchLine(1, 0.1, 0.2, 0.3, 1.01).ok


def test_floor_figure_has_the_same_size_and_axes_and_nothing_drawn() -> None:
    fig = make(7).figure
    empty = empty_like(fig)
    assert tuple(empty.get_size_inches()) == tuple(fig.get_size_inches()) and empty.dpi == fig.dpi
    assert [a.get_position().bounds for a in empty.axes] == [
        a.get_position().bounds for a in fig.axes
    ]
    assert not any(a.lines or a.patches or a.texts or a.collections for a in empty.axes)


def test_worst_case_names_an_extreme_setting() -> None:
    seconds, setting = worst_case(2)
    assert seconds > 0 and setting in extremes(2)


def test_extremes_cover_both_ends_of_every_numeric_control() -> None:
    settings = extremes(3)
    assert {"poll_interval_min": 1.0} in settings and {"poll_interval_min": 240.0} in settings
    assert {"idle": False} in settings
    assert settings[-1] == {
        "poll_interval_min": 240.0,
        "nat_timeout_min": 60,
        "keepalive_min": 30,
        "days": 60,
    }


def test_moved_settings_are_new_and_valid() -> None:
    seeded, unseeded = make(4), make(2)
    assert [moved_setting(seeded, i) for i in range(3)] == [
        {"seed": 1000},
        {"seed": 1001},
        {"seed": 1002},
    ]
    rtts = [moved_setting(unseeded, i)["rtt_ms"] for i in range(20)]
    assert len(set(rtts)) == 20
    rtt = unseeded.control("rtt_ms")
    assert all(rtt.low < v < rtt.high for v in rtts)
    unseeded.set(**moved_setting(unseeded, 0))  # accepted by the control


def test_bench_line_times_moved_updates_too() -> None:
    line = bench_dashboard(2, repeat=1)
    assert line.moved_median_s > 0 and line.moved_ratio == line.moved_median_s / line.floor_s
    assert math.isnan(bench_dashboard(2, repeat=1, moved=False).moved_median_s)


@pytest.mark.parametrize("n", [4, 10])
def test_simulation_alone_simulates_every_time_and_draws_nothing(n: int) -> None:
    board = make(n)
    board.figure_html()
    calls: list[dict] = []
    simulate = board.simulate

    def counted(values: dict, progress: object) -> object:
        calls.append(values)
        return simulate(values, progress)

    board.simulate = counted  # type: ignore[method-assign]
    draws = board.runs
    # a run of a week takes tens of milliseconds; a run kept by the dashboard (lesson 10 keeps
    # its own) comes back in microseconds: above 1 ms, the model ran
    assert simulation_alone(board) > 1e-3 and simulation_alone(board) > 1e-3
    assert calls == [dict(board.values)] * 2  # never from the update's cache
    assert board.runs == draws  # no update, no redraw


def test_bench_line_reports_the_simulation_alone() -> None:
    line = bench_dashboard(2, repeat=1, moved=False)
    assert line.sim_median_s > 0 and line.sim_ratio == line.sim_median_s / line.floor_s
