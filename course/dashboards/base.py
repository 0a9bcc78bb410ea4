"""The dashboard machinery shared by every lesson: controls, a run, a figure, a summary, a widget.

Theory of operation
-------------------
A lesson's dashboard is a subclass of :class:`Dashboard` that declares its :class:`Control` list
(each with the model's validated range) and implements four steps:

``simulate(values, progress)``  run the lesson's experiment (both protocols, same trace) -> data
``compute_results(data)``       the named results the lesson's content declares (``results``)
``summary(data)``               one or two plain sentences ("the phone missed 12 of 40 messages")
``draw(fig, data)``             the POP3|IMAP figure

A lesson may split ``draw`` in two, ``make_axes(fig, data)`` (the panels) and
``draw_on(axes, data)`` (what is plotted on them): redraws then reuse the axes, with their ticks,
while ``axes_key(data)`` stays the same (:meth:`Dashboard.redraw`).

:meth:`Dashboard.set` validates new control values, runs the four steps and keeps the outcome on
the object (``results``, ``summary_text``, ``figure``), so tests drive a dashboard without a
browser: ``d = Lesson3Dashboard(); d.set(poll_interval_min=30); d.summary_text``.  The ipywidgets
view (:meth:`widget`) is only a thin layer over ``set``.  Runs are cached per control values:
the model is deterministic, so returning to a setting costs nothing.  ``simulate`` runs inside
:func:`sim.model.pair.helper`: where there is a second core, an experiment's POP3 runs are made
in a helper process while its IMAP runs are made here, with the same results.
"""

from __future__ import annotations

import abc
import enum
import functools
import gc
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

from course import style
from course.figure_layers import Layers
from course.predict import format_value
from course.progress import Progress  # a callback of the fraction done, 0..1
from sim.model.pair import helper

if TYPE_CHECKING:
    import ipywidgets

    from course.predict import Prediction

# draws one figure on the (empty) figure it is given; what it returns is ignored (several of
# course.figures' functions also return the figure they drew on)
FigureDrawer = Callable[[Figure], object]


class ControlKind(enum.Enum):
    """How a control is shown and which values it accepts."""

    INT = "int"  # integer slider low..high
    FLOAT = "float"  # float slider low..high
    LOG_FLOAT = "log float"  # float slider on a log scale (bandwidth, RTT)
    TOGGLE = "toggle"  # checkbox, True/False
    CHOICE = "choice"  # dropdown among ``options`` (label, value) pairs
    OPTIONAL_INT = "optional int"  # checkbox "off" (None) or an integer low..high
    SEED = "seed"  # an integer typed into a box (a slider over 2**31 values is useless)


@dataclass(frozen=True)
class Control:
    """One control of a dashboard: the experiment parameter ``name`` and its allowed values."""

    name: str
    label: str
    kind: ControlKind
    default: Any
    low: float = 0.0
    high: float = 1.0
    step: float = 1.0
    unit: str = ""
    options: tuple[tuple[str, Any], ...] = ()
    off_label: str = "off"  # OPTIONAL_INT: what None means, e.g. "delete after download"
    # OPTIONAL_INT off by default: the value the slider offers when the box is ticked (None: the
    # low end) -- leaving mail on the server for 0 days is not what anyone turns it on for
    on_value: int | None = None
    max_from: str | None = None  # another control whose value caps this one (crash day <= days)

    def validate(self, value: Any) -> Any:
        """Return ``value`` normalised, or raise ``ValueError`` naming the control, value and range."""
        k = self.kind
        if k is ControlKind.TOGGLE:
            if not isinstance(
                value, bool
            ):  # ValueError like every bad control value: one type to catch
                raise ValueError(f"{self.name}: must be True or False, got {value!r}")
            return value
        if k is ControlKind.CHOICE:
            values = [v for _, v in self.options]
            if value not in values:
                raise ValueError(f"{self.name}: must be one of {values}, got {value!r}")
            return value
        if k is ControlKind.OPTIONAL_INT and value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            # ValueError, not TypeError: one exception type for every bad control value
            raise ValueError(
                f"{self.name}: must be a number in {self.low:g}..{self.high:g}, got {value!r}"
            )
        if not (math.isfinite(value) and self.low <= value <= self.high):
            raise ValueError(
                f"{self.name}: {value!r} is outside the allowed range {self.low:g}..{self.high:g}"
                + (f" {self.unit}" if self.unit else "")
            )
        if k in (ControlKind.INT, ControlKind.OPTIONAL_INT, ControlKind.SEED):
            if value != int(value):
                raise ValueError(f"{self.name}: must be a whole number, got {value!r}")
            return int(value)
        return float(value)

    def widget(self) -> ipywidgets.Widget:
        """An ipywidgets control for this parameter (``value`` attribute = the parameter value)."""
        from course.widgets import control_widget

        return control_widget(self)


_V = TypeVar("_V")


class Recent(Generic[_V]):
    """The ``size`` most recently used values by key: a dashboard keeps its runs here by the
    controls they depend on, so a change of a control that only picks what is shown of them
    (whose figures, which device's delay) runs nothing again.  The dashboard clears it with its
    cache (``clear_cache``), so the benchmark still times real runs.  The dashboard's own cache
    of runs by every control is one too."""

    def __init__(self, size: int = 4) -> None:
        if size < 1:
            raise ValueError(f"Recent: size must be at least 1, got {size!r}")
        self.size = size
        self._items: OrderedDict[Hashable, _V] = OrderedDict()

    def get(self, key: Hashable) -> _V | None:
        """The value kept under ``key`` (now the most recent), or None."""
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: _V) -> _V:
        """Keep ``value`` under ``key``, forgetting the least recent beyond ``size``; return it."""
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def fetch(self, key: Hashable, make: Callable[[], _V]) -> _V:
        """The value kept under ``key``, or ``make()`` kept there (the run made on a miss)."""
        value = self.get(key)
        return self.put(key, make()) if value is None else value

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


@functools.cache
def settle_heap() -> None:
    """Once per process (cached), before the first dashboard: collect, then move every object alive (the
    imported modules, matplotlib's and the model's tables) out of the cyclic collector's sight
    (:func:`gc.freeze`).  A full collection walked them all, 55-62 ms, every few dozen
    updates -- a stutter a learner dragging a slider sees; with them frozen it walks what the
    dashboards made since, 7-22 ms (lessons 0, 2, 4 and 9, 21 updates each).  Objects made
    later, dashboards included, are collected as before."""
    gc.collect()
    gc.freeze()


class Dashboard(abc.ABC):
    """Base of every lesson dashboard; see the module docstring for the life of one update."""

    lesson: ClassVar[int]
    title: ClassVar[str]
    controls: ClassVar[tuple[Control, ...]]
    figure_size: ClassVar[tuple[float, float]] = (10.0, 4.2)
    figure_name: ClassVar[str] = "dashboard"  # file-name stem of the exported figure
    # the scenario the experiment starts from (sim.inputs.presets), named in exported captions
    preset: ClassVar[str | None] = "family"
    run_description: ClassVar[str] = ""  # what is run instead, for a lesson without a preset
    # key figures drawn from other settings than the controls': what differs, by figure name
    figure_notes: ClassVar[dict[str, str]] = {}
    # what the figure's numbers rest on beyond the controls, for the caption of an export
    assumptions: ClassVar[str] = (
        "the model's documented defaults for everything the controls do not set (message sizes "
        "and rates, online hours, client policies, TLS)"
    )
    cache_size: ClassVar[int] = 32

    def __init__(self, **values: Any) -> None:
        settle_heap()
        self.values: dict[str, Any] = {c.name: c.default for c in self.controls}
        self._cache: Recent[Any] = Recent(self.cache_size)
        self._figure: Figure | None = None
        # layout_key -> positions from a constrained layout, and the overhangs it made room for
        self._layouts: dict[tuple, tuple[list[Any], Overhangs]] = {}
        self._layout_key: tuple = ()
        self._overhangs: Overhangs = ()
        # the axes make_axes made, and the axes_key they were made for (None: not reusable)
        self._axes: list[Axes] | None = None
        self._axes_key: Hashable = None
        self.reuse_axes = True  # False: every redraw on new axes (tests compare the two)
        # the kept pixels of the axes, redrawn only when they change (None: every draw plain)
        self.layers: Layers | None = Layers()
        self._listeners: list[Callable[[Dashboard], None]] = []
        self.prediction: Prediction | None = None
        self.revealed = (
            True  # False while a prediction waits to be committed (the widget hides results)
        )
        self.runs = 0
        self.data: Any = None
        self.results: dict[str, float | str] = {}
        self.summary_text = ""
        self._apply(values)
        self.update()

    # -- the four steps a lesson implements --------------------------------------------------------
    @abc.abstractmethod
    def simulate(self, values: Mapping[str, Any], progress: Progress) -> Any:
        """Run the lesson's experiment for ``values`` (both protocols on the same trace)."""

    @abc.abstractmethod
    def compute_results(self, data: Any) -> dict[str, float | str]:
        """The lesson's named results (the keys of its content's ``results``)."""

    @abc.abstractmethod
    def summary(self, data: Any) -> str:
        """Plain-language sentences describing this run."""

    @abc.abstractmethod
    def draw(self, fig: Figure, data: Any) -> None:
        """Draw the lesson's figure for ``data`` on the (cleared) ``fig``."""

    # -- optional: panels made once, redrawn in place -------------------------------------------------
    def make_axes(self, fig: Figure, data: Any) -> list[Axes] | None:
        """The figure's axes for ``data`` on the empty ``fig``, nothing plotted yet, or None (the
        default) for a lesson that draws everything in :meth:`draw`.  A lesson that makes them
        here plots on them in :meth:`draw_on`, and its ``draw`` is ``draw_on(make_axes(...))``."""
        return None

    def draw_on(self, axes: Sequence[Axes], data: Any) -> None:
        """Plot ``data`` on the axes :meth:`make_axes` made (new, or emptied by
        :func:`course.style.empty_axes`): titles, labels, ticks, limits and legends included,
        everything the figure shows that depends on ``data``."""
        raise NotImplementedError(f"{type(self).__name__}: make_axes without draw_on")

    def axes_key(self, data: Any) -> Hashable:
        """What decides which axes :meth:`make_axes` makes (the number of panels or lanes of a
        kind that needs axes of its own): redraws with an equal key reuse the axes."""
        return ()

    # -- driving it ----------------------------------------------------------------------------------
    def control(self, name: str) -> Control:
        for c in self.controls:
            if c.name == name:
                return c
        raise ValueError(
            f"{type(self).__name__}: no control {name!r}; controls: "
            f"{[c.name for c in self.controls]}"
        )

    def _apply(self, values: Mapping[str, Any]) -> None:
        checked = {name: self.control(name).validate(v) for name, v in values.items()}
        merged = {**self.values, **checked}
        self.check(merged)
        self.values = merged

    def check(self, values: Mapping[str, Any]) -> None:  # noqa: B027 - an optional hook
        """Cross-control constraints (e.g. crash day <= days); raise ``ValueError`` naming both.

        Called with the merged control values before they are kept.  Most lessons' controls are
        independent, so the default accepts every combination; a lesson with a constraint
        overrides it.
        """

    def set(self, **values: Any) -> None:
        """Change some controls and update everything (simulation, results, summary, figure)."""
        self._apply(values)
        self.update()

    def update(self, progress: Progress | None = None) -> None:
        """Simulate (or reuse a cached run), recompute results and summary, redraw the figure."""
        key = tuple(sorted(self.values.items(), key=lambda kv: kv[0]))
        self.data = data = self._cache.fetch(key, lambda: self._simulate_now(progress))
        self.results = self.compute_results(data)
        self.summary_text = self.summary(data)
        self.redraw()
        self.runs += 1
        if self.prediction is not None and self.revealed:
            self.prediction.observe(self.results)
        for callback in list(self._listeners):
            callback(self)

    def _simulate_now(self, progress: Progress | None) -> Any:
        # POP3 runs in a helper process while IMAP runs here (a learner waits for the longer
        # run, not the sum: sim.model.pair)
        with helper():
            return self.simulate(dict(self.values), progress or (lambda _f: None))

    def clear_cache(self) -> None:
        """Forget cached runs (the benchmark uses it to time real simulations)."""
        self._cache.clear()

    def redraw(self) -> None:
        """Clear and redraw the figure.

        The constrained layout is worked out on the first render of each figure *shape* (see
        :func:`layout_key`: the axes, their titles and labels, the widest tick label of each axis)
        and then reused: computing it costs a full extra pass over every text on the figure, a
        third of a redraw, and a dashboard's shape barely moves between updates.  When the shape
        changes (wider tick labels, a longer title) the figure is laid out afresh, so nothing
        overlaps.  Texts an axes places beside its x range (a timeline's end-of-lane labels,
        :func:`overhang`) reuse a layout that made room for texts at least as wide (a wider one
        gets a fresh layout), so no such text is ever cut at the figure's edge.
        """
        fig = self.figure
        key = self.axes_key(self.data)
        with style.context():
            if (
                self.reuse_axes
                and self._axes is not None
                and key == self._axes_key
                and fig.axes == self._axes
            ):
                self._draw_again(fig, self._axes)
            else:
                style.clear_figure(fig)
                fig.set_layout_engine("constrained")
                axes = self.make_axes(fig, self.data)
                if axes is None:
                    self.draw(fig, self.data)
                else:
                    self.draw_on(axes, self.data)
                self._axes, self._axes_key = axes, key
        self._layout_key = layout_key(fig)
        self._overhangs = tuple(overhang(ax) for ax in fig.axes)
        frozen = self._layouts.get(self._layout_key)
        if frozen is not None and all(
            now <= room
            for here, there in zip(self._overhangs, frozen[1])
            for now, room in zip(here, there)
        ):
            fig.set_layout_engine("none")
            for ax, position in zip(fig.axes, frozen[0]):
                ax.set_position(position)

    def _draw_again(self, fig: Figure, axes: list[Axes]) -> None:
        """Redraw on the axes of the last draw: emptied (:func:`course.style.empty_axes`), back in
        the layout, plotted on by :meth:`draw_on`.  Making a new axes and its ticks costs more than
        plotting on it; the pixels equal a fresh draw's (``tests/course/test_dashboards.py``)."""
        for text in list(fig.texts):
            text.remove()  # a suptitle or supxlabel too: the figure makes it anew
        for legend in list(fig.legends):
            legend.remove()
        for ax in axes:
            style.empty_axes(ax)
            # where a new axes starts: a constrained layout's result moves by 1e-7 with its
            # starting positions, enough to move a text by a pixel
            spec = ax.get_subplotspec()
            if spec is not None:
                ax.set_position(spec.get_position(fig))
            ax.set_in_layout(True)  # set_position (here or a frozen layout's) took it out
        fig.set_layout_engine("constrained")
        self.draw_on(axes, self.data)

    @property
    def figure(self) -> Figure:
        """The dashboard's figure (one per dashboard, redrawn in place)."""
        if self._figure is None:
            self._figure = style.figure(*self.figure_size)
        return self._figure

    def on_update(self, callback: Callable[[Dashboard], None]) -> None:
        """Call ``callback(self)`` after every update (the widget view uses it)."""
        self._listeners.append(callback)

    def attach(self, prediction: Prediction) -> None:
        """Compare runs with the learner's prediction.

        Until the prediction is committed the dashboard is *unrevealed*: it has run, but the widget
        shows a "commit your prediction first" note instead of the figure.  Committing (or
        :meth:`reveal`, the "show without predicting" button) reveals it; from then on every run is
        observed by the prediction, the first one being the answer compared with the guess.
        """
        from course.predict import PredictionState

        self.prediction = prediction
        self.revealed = prediction.state is PredictionState.COMMITTED
        if self.revealed:
            prediction.observe(self.results)
        prediction.on_change(self._prediction_changed)

    def _prediction_changed(self, prediction: Prediction) -> None:
        from course.predict import PredictionState

        if prediction.state is PredictionState.COMMITTED and not self.revealed:
            self.reveal()

    def reveal(self) -> None:
        """Show the results (after a commit, or when the learner skips predicting)."""
        if self.revealed:
            return
        self.revealed = True
        if self.prediction is not None:
            self.prediction.observe(self.results)
        for callback in list(self._listeners):
            callback(self)

    def settings_text(self) -> str:
        """Every control's value in words, changed ones marked: the settings a figure shows."""
        parts = []
        for c in self.controls:
            value = self.values[c.name]
            if c.kind is ControlKind.CHOICE:
                shown = next((label for label, v in c.options if v == value), str(value))
            elif c.kind is ControlKind.TOGGLE:
                shown = "on" if value else "off"
            elif value is None:
                shown = c.off_label
            elif c.kind is ControlKind.SEED:
                shown = str(value)  # an identifier typed into a box, not a quantity
            else:
                shown = format_value(value, c.unit)  # "10,000 kbit/s", never "1e+04"
            parts.append(f"{c.label}: {shown}" + (" (changed)" if value != c.default else ""))
        return "; ".join(parts)

    def caption(self, figure: str | None = None) -> str:
        """What an exported figure says about itself: lesson, scenario, settings, assumptions
        (and, for a key figure drawn from other settings, what differs: ``figure_notes``)."""
        note = self.figure_notes.get(figure or self.figure_name, "")
        return (
            f"Lesson {self.lesson}, {self.title} Model run: {self._run_text()}. Settings: "
            f"{self.settings_text()}. "
            + (f"{note} " if note else "")
            + f"Assumptions: {self.assumptions}. Server texts: {self._server_text()}."
        )

    def _preset_name(self) -> str | None:
        """The preset the run starts from: a lesson's ``profile`` control, else its ``preset``."""
        name: str | None = self.values.get("profile", self.preset)
        return name

    def _server_text(self) -> str:
        """Whose greetings and status texts the simulated server sends (they set every session's
        fixed octets): the run's preset's ``server_profile``, or the scenario default."""
        from sim.inputs.presets import preset
        from sim.inputs.scenario import Scenario
        from sim.protocol.profiles import get_profile

        name = self._preset_name()
        scenario = preset(name) if name else Scenario()
        return get_profile(scenario.server_profile.value).description

    def _run_text(self) -> str:
        """The experiment in words: both protocols on a preset's trace, or the lesson's own run."""
        preset = self._preset_name()
        return (
            f"POP3 and IMAP on the same simulated trace of preset {preset!r}"
            if preset
            else self.run_description
        )

    def key_figures(self) -> list[tuple[str, FigureDrawer]]:
        """Named figure drawers for the export (default: the dashboard's own figure)."""
        data = self.data
        return [(self.figure_name, lambda fig: self.draw(fig, data))]

    def png(self, dpi: int = 100) -> bytes:
        """The current figure as PNG bytes (what the widget view shows), drawn once: see
        :func:`course.style.encode_png`.  The first render of a figure shape records its layout."""
        fig = self.figure
        data = style.encode_png(fig, dpi, self.layers)
        if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
            positions = [ax.get_position() for ax in fig.axes]
            self._layouts[self._layout_key] = (positions, self._overhangs)
        return data

    def alt_text(self) -> str:
        """The figure in words for a reader who cannot see it (the image's ``alt``): which question
        it answers, from which run, at which settings.  A lesson may override it to say more."""
        run = self._run_text()
        return (
            f"Figure of lesson {self.lesson}, {self.title!r}"
            + (f": {run}" if run else "")
            + f". Settings: {self.settings_text()}."
        )

    def short_caption(self) -> str:
        """The settings the figure shows, as a line under it (``caption`` is the export's long form)."""
        return f"Settings: {self.settings_text()}."

    def figure_html(self, dpi: int = 100) -> str:
        """The figure as the widget sends it: the PNG inline with alt text, its settings under it."""
        import base64
        import html

        src = "data:image/png;base64," + base64.b64encode(self.png(dpi)).decode("ascii")
        return (
            "<figure style='margin:0;max-width:100%'>"
            f"<img src='{src}' alt='{html.escape(self.alt_text(), quote=True)}' "
            "style='max-width:100%;height:auto'>"
            "<figcaption style='font-size:0.9em;color:#555;margin-top:2px'>"
            f"{html.escape(self.short_caption())}</figcaption></figure>"
        )

    def widget(self) -> ipywidgets.Widget:
        """Controls, figure, summary and prediction-vs-result, wired to :meth:`set`."""
        from course.widgets import dashboard_widget

        return dashboard_widget(self)


def layout_key(fig: Figure) -> tuple:
    """What a constrained layout of ``fig`` depends on, cheaply: the figure's size and its texts
    around the axes (figure legends' entries included), and per axes its titles, labels and the
    length of its longest tick label (tick labels are formatted here as the draw will).  Titles
    and labels enter with their digits written as 0: the course font's digits all have one width
    (DejaVu Sans has tabular figures), so "Missed (of 214 delivered)" takes the room of "Missed
    (of 197 delivered)" and a slider move that changes only a number keeps the layout.  Equal
    keys give equal layouts but for texts inside an axes that overhang its edge (bar labels, not
    in the key): a reused layout can then sit a few pixels from a fresh one, with nothing
    overlapping.  Texts beside an axes' x range are judged by width instead (:func:`overhang`)."""

    def longest(axis: Any) -> int:
        ticks = axis.get_majorticklocs()
        return max((len(t) for t in axis.get_major_formatter().format_ticks(ticks)), default=0)

    figure_texts = [t.get_text() for t in fig.texts]
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        text = getattr(fig, name, None)
        figure_texts.append(text.get_text() if text is not None else "")
    # a figure legend takes its room in the layout (``loc="outside ..."``): its entries count
    figure_texts += [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    return (
        tuple(fig.get_size_inches()),
        tuple(_DIGITS.sub("0", t) for t in figure_texts),
        tuple(
            tuple(
                _DIGITS.sub("0", t)
                for t in (
                    ax.get_title("left"),
                    ax.get_title(),
                    ax.get_title("right"),
                    ax.get_xlabel(),
                    ax.get_ylabel(),
                )
            )
            + (
                longest(ax.xaxis) if ax.xaxis.get_visible() and ax.axison else 0,
                longest(ax.yaxis) if ax.yaxis.get_visible() and ax.axison else 0,
            )
            for ax in fig.axes
        ),
    )


_DIGITS = re.compile("[0-9]")
Overhangs = tuple[tuple[float, float], ...]  # per axes: widths of texts before, after its x range


def overhang(ax: Any) -> tuple[float, float]:
    """Widths (pixels) of the widest texts ``ax`` places before and after its x range, in data
    coordinates (a timeline's end-of-lane labels): they take room in the layout beside the axes,
    so a frozen layout is reused only for texts no wider (:meth:`Dashboard.redraw`).  Measured as
    Agg draws them."""
    low, high = sorted(ax.get_xlim())
    before = after = 0.0
    renderer = _measuring_renderer(ax.get_figure(root=True).dpi)
    for text in ax.texts:
        if text.get_transform() is not ax.transData or not text.get_visible():
            continue
        x = text.get_position()[0]
        if low <= x <= high:
            continue
        width = renderer.get_text_width_height_descent(
            text.get_text(), text.get_fontproperties(), ismath=False
        )[0]
        if x > high:
            after = max(after, width)
        else:
            before = max(before, width)
    return before, after


@functools.cache
def _measuring_renderer(dpi: float) -> RendererAgg:
    return RendererAgg(1, 1, dpi)


def which(pop3: float, imap: float, rel: float = 0.05, abs_tol: float = 1.0) -> str:
    """``"pop3"``/``"imap"`` for the larger value, ``"same"`` within 5 % (or ``abs_tol``)."""
    if abs(pop3 - imap) <= max(abs_tol, rel * max(abs(pop3), abs(imap))):
        return "same"
    return "pop3" if pop3 > imap else "imap"


def which_smaller(pop3: float, imap: float, rel: float = 0.05, abs_tol: float = 1.0) -> str:
    """Like :func:`which` but names the protocol with the *smaller* value."""
    w = which(pop3, imap, rel, abs_tol)
    return {"pop3": "imap", "imap": "pop3", "same": "same"}[w]
