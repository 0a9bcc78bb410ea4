"""One look for every figure: a colour-blind-safe palette, fonts, units, and POP3|IMAP panel pairs.

Colours are the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), which stays
distinguishable under the common colour-vision deficiencies.  POP3 is always vermillion and IMAP
always blue, in every figure of every lesson, so a learner never has to read a legend twice.
Figures are made with ``matplotlib.figure.Figure`` directly (no pyplot state): dashboards can
redraw many times in one kernel without leaking figures.
"""

from __future__ import annotations

import contextlib
import enum
import struct
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, Literal

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter

from course.figure_layers import Layers
from sim.inputs.access import Protocol  # one enum for the model and the course; `.label` is shown

__all__ = [
    "BLACK",
    "DEVICE_COLOURS",
    "EVENT_STYLE",
    "GREY",
    "KIND_COLOURS",
    "PROTOCOL_COLOURS",
    "EventKind",
    "Protocol",
    "clear_figure",
    "device_colour",
    "empty_axes",
    "encode_png",
    "figure",
    "format_bytes",
    "pair_axes",
    "png_bytes",
    "rc",
    "set_bytes_axis",
    "set_days_axis",
]

# Okabe-Ito
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
BLACK = "#000000"
GREY = "#7F7F7F"


PROTOCOL_COLOURS: dict[Protocol, str] = {Protocol.POP3: VERMILLION, Protocol.IMAP: BLUE}

DEVICE_COLOURS: dict[str, str] = {
    "server": BLACK,
    "phone": ORANGE,
    "laptop": SKY,
    "desktop": GREEN,
    "new": PURPLE,
}

# Bytes on the wire by what they carry (sim.outputs.results.Traffic fields), light to dark = overhead to content
KIND_COLOURS: dict[str, str] = {
    "tcp": "#BBBBBB",
    "tls": GREY,
    "framing": YELLOW,
    "header": SKY,
    "body": GREEN,
    "attachment": PURPLE,
}


class EventKind(enum.Enum):
    """What the timeline marks on a device's lane."""

    ARRIVAL = "arrival"  # a message reaches the server (drawn on the server lane)
    POLL = "poll"  # a client connects and checks
    PUSH = "push"  # an IMAP IDLE notice (* N EXISTS) reaches the device
    READ = "read"  # the user opens a message on the device
    FLAG_SYNC = "flag sync"  # a flag/folder change is uploaded or learned from the server
    CRASH = "crash"  # the device's local storage is wiped


# marker, colour, size -- shapes differ as well as colours, so print in grey still works
EVENT_STYLE: dict[EventKind, tuple[str, str, float]] = {
    EventKind.ARRIVAL: ("v", BLACK, 30),
    EventKind.POLL: ("|", "#A8A8A8", 40),
    EventKind.PUSH: ("^", BLUE, 34),
    EventKind.READ: ("o", GREEN, 22),
    EventKind.FLAG_SYNC: ("D", PURPLE, 20),
    EventKind.CRASH: ("X", VERMILLION, 90),
}

rc: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 10.5,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    # titles at the top of the axes, where matplotlib's automatic placement puts them when no tick
    # labels sit above an axes (none in the course); automatic placement measures every y tick
    # label of the axes once more per draw, a fifth of drawing a dashboard
    "axes.titley": 1.0,
    "axes.labelsize": 10.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.8,
    "legend.frameon": False,
    "legend.fontsize": 9.5,
    "lines.linewidth": 2.0,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.fonttype": "none",  # keep text as text in SVG so lecturers can edit labels
}
"""matplotlib settings applied inside :func:`context` (never globally at import)."""


@contextlib.contextmanager
def context() -> Iterator[None]:
    """Apply the course style for the figures drawn inside the ``with`` block."""
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]  # keys are valid rcParams
        yield


def figure(width: float = 10.0, height: float = 4.2) -> Figure:
    """A new pyplot-free figure (inches) with the course's constrained layout."""
    with context():
        fig = Figure(figsize=(width, height), layout="constrained")
    return fig


PNG_COMPRESS_LEVEL = 1
"""zlib level of the PNGs a dashboard sends: level 6 (zlib's default) costs about twice the
time for 5-10 % fewer bytes, and a learner on the kernel's own machine waits for time, not bytes."""


TEXT_CACHE_SIZE = 4096
"""Texts whose rasterised glyphs :class:`TextCachingRenderer` keeps (a few MB): more than every
dashboard's titles, labels and tick labels together, so a slider move re-rasterises only the texts
that changed."""

_TextKey = tuple[Any, ...]
_FamilyKey = Literal[
    "font.serif", "font.sans-serif", "font.cursive", "font.fantasy", "font.monospace"
]
_FAMILY_RC: tuple[_FamilyKey, ...] = (
    "font.serif",
    "font.sans-serif",
    "font.cursive",
    "font.fantasy",
    "font.monospace",
)
_Glyphs = list[tuple[np.ndarray, int, int, float]]
_PixelBox = tuple[float, float, float, float]  # x0, y0, x1, y1 in display pixels (y up)
_text_rasters: OrderedDict[_TextKey, tuple[_Glyphs, _PixelBox | None]] = OrderedDict()


def _glyph_box(glyphs: _Glyphs, height: float) -> _PixelBox | None:
    """The pixels ``glyphs`` cover: Agg places each image by its left and its bottom row, counted
    down from the top of a canvas ``height`` pixels high."""
    inked = [(image, gx, gy) for image, gx, gy, _ in glyphs if image.size]  # a space has none
    if not inked:
        return None
    x0 = min(gx for _, gx, _ in inked)
    x1 = max(gx + image.shape[1] for image, gx, _ in inked)
    y0 = min(height - gy for _, _, gy in inked)
    y1 = max(height - gy + image.shape[0] for image, _, gy in inked)
    return (x0, y0, x1, y1)


class _GlyphRecorder:
    """Stands in for the Agg core while one text is drawn: passes every glyph image on and keeps
    a copy.  Anything else asked of it (a math text's boxes) marks the text as not replayable."""

    def __init__(self, core: Any) -> None:
        self.core = core
        self.glyphs: list[tuple[np.ndarray, int, int, float]] = []
        self.replayable = True

    def draw_text_image(self, image: Any, x: int, y: int, angle: float, gc: Any) -> None:
        self.glyphs.append((np.array(image, copy=True), x, y, angle))
        self.core.draw_text_image(image, x, y, angle, gc)

    def __getattr__(self, name: str) -> Any:
        self.replayable = False
        return getattr(self.core, name)


class TextCachingRenderer(RendererAgg):
    """Agg, with every plain text's glyph images kept and replayed when the same text is drawn
    again at the same spot in the same font: the same pixels without FreeType's layout and
    rasterisation, two thirds of drawing a dashboard.

    The key holds everything Agg's ``draw_text`` reads besides colour, alpha and clipping (which
    replay applies through ``gc`` as the first draw did): the string, what picks the font files
    (the font properties and the generic families' settings), size, angle, exact position, dpi,
    canvas height, antialiasing, hinting, kerning and fallback settings, font features and
    language.  Math text is drawn as usual.  ``tests/course/test_bench.py`` checks the pixels equal
    ``savefig``'s.
    """

    last_text_box: _PixelBox | None = None
    """The pixels the last plain text drawn covers (None after a math text): what
    :mod:`course.figure_layers` reads to know where each part of a figure drew."""

    def draw_text(
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        if ismath:
            self.last_text_box = None
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            return
        rc = matplotlib.rcParams
        # what picks the font files (as matplotlib's own font lookup cache is keyed), and the size
        font = (
            tuple(prop.get_family()),
            prop.get_slant(),
            prop.get_variant(),
            prop.get_weight(),
            prop.get_stretch(),
            prop.get_file(),
            tuple(tuple(rc[k]) for k in _FAMILY_RC),
            prop.get_size_in_points(),
        )
        key = (
            s,
            font,
            angle,
            x,
            y,
            self.dpi,
            self.height,
            gc.get_antialiased(),
            get_hinting_flag(),
            rc["text.kerning_factor"],
            rc["font.enable_last_resort"],
            mtext.get_fontfeatures() if mtext is not None else None,
            mtext.get_language() if mtext is not None else None,
        )
        kept = _text_rasters.get(key)
        if kept is not None:
            _text_rasters.move_to_end(key)
            core = self._renderer
            glyphs, self.last_text_box = kept
            for image, gx, gy, gangle in glyphs:
                core.draw_text_image(image, gx, gy, gangle, gc)
            return
        core = self._renderer
        recorder = _GlyphRecorder(core)
        self._renderer = recorder
        self.last_text_box = None
        try:
            super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        finally:
            self._renderer = core
        if recorder.replayable:
            self.last_text_box = _glyph_box(recorder.glyphs, self.height)
            _text_rasters[key] = (recorder.glyphs, self.last_text_box)
            while len(_text_rasters) > TEXT_CACHE_SIZE:
                _text_rasters.popitem(last=False)


class TextCachingCanvas(FigureCanvasAgg):
    """An Agg canvas drawing with :class:`TextCachingRenderer`."""

    _renderer_key: tuple[int, int, float] | None = None

    def get_renderer(self) -> RendererAgg:
        """A renderer for the figure's pixel size and dpi, kept while they stay the same."""
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._renderer_key != key:
            self.renderer = TextCachingRenderer(w, h, self.figure.dpi)
            self._renderer_key = key
        return self.renderer


def encode_png(fig: Figure, dpi: float = 100, layers: Layers | None = None) -> bytes:
    """``fig`` as PNG bytes, drawn once with Agg: what a dashboard sends after every slider move.

    ``fig.savefig`` draws a figure that has a layout engine twice (a layout pass with rendering
    switched off, then the real one) even when the layout is frozen; here a figure with a frozen
    layout (every redraw of a dashboard but the first of each shape) is drawn once.  Texts
    unchanged since an earlier image are not rasterised again (:class:`TextCachingRenderer`), and
    the pixels are stored by :func:`png_bytes`, as RGB when every pixel is opaque (a quarter fewer
    bytes to filter and deflate).  The decoded pixels equal ``savefig``'s
    (``tests/course/test_bench.py``).  With ``layers`` (a dashboard's), only what is drawn on the
    axes is drawn again while the axes themselves are unchanged
    (:class:`course.figure_layers.Layers`), to the same pixels.
    """
    canvas = fig.canvas if isinstance(fig.canvas, TextCachingCanvas) else TextCachingCanvas(fig)
    old_dpi = fig.dpi
    if dpi != old_dpi:
        fig.set_dpi(dpi)
    engine = fig.get_layout_engine()
    live = isinstance(engine, ConstrainedLayoutEngine)
    try:
        if live:  # as savefig does: a layout pass without rendering, then a draw on its positions
            fig.draw_without_rendering()
            fig.set_layout_engine("none")
        if layers is None:
            canvas.draw()
        else:
            layers.draw(canvas)
        pixels = np.asarray(canvas.buffer_rgba())
        return png_bytes(pixels if pixels[..., 3].min() < 255 else pixels[..., :3])
    finally:
        if live:
            fig.set_layout_engine(engine)
        if dpi != old_dpi:
            fig.set_dpi(old_dpi)


def png_bytes(pixels: np.ndarray) -> bytes:
    """An 8-bit RGB or RGBA image (``height x width x 3 or 4``) as a PNG (ISO/IEC 15948).

    Every row is stored with the *Up* filter (PNG filter type 2: each byte minus the byte above
    it, modulo 256), then deflated at :data:`PNG_COMPRESS_LEVEL`.  Pillow chooses a filter per
    row by trying them all, which cost two to three times the deflate itself on a dashboard
    (14-28 ms against 4-10 ms here) for 5-15 % fewer bytes; a learner waits for time, not bytes.
    """
    height, width, channels = pixels.shape
    if pixels.dtype != np.uint8 or channels not in (3, 4) or not height or not width:
        raise ValueError(
            f"pixels: need a non-empty uint8 array of shape (height, width, 3 or 4), got "
            f"{pixels.dtype} {pixels.shape}"
        )
    rows = np.empty((height, 1 + width * channels), np.uint8)
    rows[:, 0] = 2  # filter type Up
    # a canvas's RGB is a strided view of its RGBA: packed first, the subtraction runs 3x faster
    pixels = np.ascontiguousarray(pixels)
    rows[0, 1:] = pixels[0].reshape(-1)
    # each row minus the row above, mod 256, written into place
    np.subtract(pixels[1:], pixels[:-1], out=rows[1:, 1:].reshape(height - 1, width, channels))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(body, zlib.crc32(kind)))
        )

    colour_type = 2 if channels == 3 else 6  # truecolour, truecolour with alpha
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows.data, PNG_COMPRESS_LEVEL))
        + chunk(b"IEND", b"")
    )


def clear_figure(fig: Figure) -> None:
    """Empty ``fig`` for a redraw: its axes are dropped as they are, not cleared first.

    ``Figure.clear`` clears every axes (rebuilding its ticks, spines and texts) before removing it,
    a fifth of a dashboard's redraw spent on axes about to be thrown away.
    """
    for ax in list(fig.axes):
        fig.delaxes(ax)
    fig.clear()


def empty_axes(ax: Axes) -> None:
    """Take every plotted artist off ``ax`` (lines, patches, collections, texts, the legend) and
    reset its data limits, keeping the axes, its ticks, spines, titles and labels: what a redraw of
    the same panels draws on, instead of a new axes (5-6 ms each, its ticks as much again).

    The drawer that follows sets titles, labels, ticks and limits as on a new axes; autoscaling
    starts from no data and no inverted axis, as on a new axes, and the property cycles start over (``Axes.clear``
    resets the same private cyclers).
    """
    from matplotlib.axes import _base
    from matplotlib.transforms import Bbox

    plotted = (ax.lines, ax.patches, ax.collections, ax.texts, ax.images, ax.artists, ax.tables)
    for artist in [a for kind in plotted for a in kind]:
        artist.remove()
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    ax.containers = []
    for axis in (ax.xaxis, ax.yaxis):  # invert_yaxis flips: a drawer calling it expects a new axis
        if axis.get_inverted():
            axis.set_inverted(False)
    ax.dataLim.set_points(Bbox.null().get_points())
    ax.ignore_existing_data_limits = True
    ax.set_autoscale_on(True)
    cycler = _base._process_plot_var_args  # type: ignore[attr-defined]  # private, as clear's
    ax._get_lines = cycler()  # type: ignore[attr-defined]
    ax._get_patches_for_fill = cycler("Polygon")  # type: ignore[attr-defined]


def device_colour(device: str) -> str:
    """Colour of a device name like ``"alice/phone"`` (by its last part), grey if unknown."""
    return DEVICE_COLOURS.get(device.rsplit("/", 1)[-1], GREY)


def device_label(device: str) -> str:
    """``"alice/phone"`` -> ``"phone"``; ``"alice/new"`` -> ``"new device"``."""
    short = device.rsplit("/", 1)[-1]
    return "new device" if short == "new" else short


def pair_axes(fig: Figure, sharey: bool = True, **subplot_kw: object) -> tuple[Axes, Axes]:
    """Two side-by-side panels, POP3 left and IMAP right, titled in their protocol colours.

    ``sharey`` keeps the scales equal so the eye compares heights honestly.
    """
    with context():
        fig.clear()
        left, right = fig.subplots(1, 2, sharey=sharey, subplot_kw=subplot_kw or None)
        for ax, proto in ((left, Protocol.POP3), (right, Protocol.IMAP)):
            ax.set_title(proto.label, color=PROTOCOL_COLOURS[proto], loc="left")
    return left, right


def format_bytes(n: float) -> str:
    """Octets in decimal units (kB = 1000 B, as the wire counts): ``1234567`` -> ``"1.2 MB"``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= scale:
            value = n / scale
            return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    return f"{n:.0f} B"


def bytes_unit(max_bytes: float) -> tuple[str, float]:
    """The unit a byte axis should use for values up to ``max_bytes``: ``("MB", 1e6)`` etc."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if max_bytes >= 2 * scale:
            return unit, scale
    return "B", 1.0


def set_bytes_axis(ax: Axes, label: str, max_bytes: float, axis: str = "y") -> float:
    """Label an axis ``"<label> (MB)"`` with a unit fitting ``max_bytes``; returns the divisor."""
    unit, scale = bytes_unit(max_bytes)
    (ax.set_ylabel if axis == "y" else ax.set_xlabel)(f"{label} ({unit})")
    return scale


def set_days_axis(ax: Axes, duration_s: float) -> None:
    """x axis in days (or hours for runs under two days), labelled with the unit."""
    if duration_s < 2 * 86400:
        ax.set_xlabel("time (hours)")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 3600:g}"))
    else:
        ax.set_xlabel("time (days)")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x / 86400:g}"))
    ax.set_xticks(day_ticks(duration_s))
    ax.set_xlim(0, duration_s)


def day_ticks(duration_s: float) -> list[float]:
    """Tick positions (seconds) at whole days or hours, at most about eight of them."""
    step = 86400.0 if duration_s >= 2 * 86400 else 3600.0
    n = int(duration_s // step)
    stride = max(1, -(-n // 8))
    return [i * step for i in range(0, n + 1, stride)]
