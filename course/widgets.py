"""ipywidgets views of dashboards: the only place that knows about sliders, images and progress bars.

The dashboards themselves (``course.dashboards``) are plain objects; a view here turns a
:class:`~course.dashboards.base.Control` into a widget and forwards changes to ``Dashboard.set``.
Sliders update on release (``continuous_update=False``) so a drag costs one simulation, not fifty.
The figure is an ``HTML`` widget holding an ``<img>`` with alt text and a caption of its settings
(``ipywidgets.Image`` has no ``alt``); the box's ``image`` attribute is that widget.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from course.dashboards.base import Control, ControlKind, Dashboard
from course.progress import ProgressBar

LABEL_MIN_PX = 250  # labels of one dashboard share a width so its sliders line up
SLIDER_PX = 350  # the slider (or box, or dropdown) beside its label
OPTIONAL_MIN_PX = 300  # an optional control's checkbox, its label inside it
# a generous average width of a character of the widgets' 13 px sans-serif font (DejaVu Sans, the
# widest common one, averages about 7 px): a label a little too wide leaves space, a little too
# narrow is cut off with an ellipsis
CHAR_PX = 7.5


def label_px(labels: list[str], minimum: int = LABEL_MIN_PX) -> int:
    """Width (px) that shows every one of ``labels`` whole, at least ``minimum``."""
    longest = max((len(text) for text in labels), default=0)
    return max(minimum, math.ceil(CHAR_PX * longest) + 16)  # + the label's own right padding


def shown_label(control: Control) -> str:
    """A control's label as its widget shows it, with the unit: ``"poll interval (min)"``."""
    return control.label + (f" ({control.unit})" if control.unit else "")


class ControlView:
    """A control's widget plus ``get``/``set``/``observe`` that speak parameter values (``None`` too)."""

    def __init__(self, control: Control, label_width: int | None = None) -> None:
        """``label_width`` (px): the width of the label column; default: this label's own."""
        self.control = control
        k = control.kind
        label = shown_label(control)
        width = label_width if label_width is not None else label_px([label])
        style = {"description_width": f"{width}px"}
        common: dict[str, Any] = {
            "description": label,
            "style": style,
            "layout": w.Layout(width=f"{width + SLIDER_PX}px"),
        }
        self._toggle: w.Checkbox | None = None
        if k is ControlKind.INT:
            self._main: w.Widget = w.IntSlider(
                value=control.default,
                min=int(control.low),
                max=int(control.high),
                step=int(control.step),
                continuous_update=False,
                **common,
            )
        elif k is ControlKind.FLOAT:
            # as many decimals as the step has: a 0.2 % share reads 0.002, not 0.00
            decimals = max(0, -math.floor(math.log10(control.step) + 1e-9))
            self._main = w.FloatSlider(
                value=control.default,
                min=control.low,
                max=control.high,
                step=control.step,
                continuous_update=False,
                readout_format=f".{decimals}f",
                **common,
            )
        elif k is ControlKind.LOG_FLOAT:
            # the slider's own readout would say "1.00e+4": the value is written out beside it
            self._main = w.FloatLogSlider(
                value=control.default,
                base=10,
                min=math.log10(control.low),
                max=math.log10(control.high),
                step=0.05,
                continuous_update=False,
                readout=False,
                **common,
            )
            self._readout = w.HTML(self._log_text())
            self._main.observe(lambda _c: self._sync_readout(), names="value")
        elif k is ControlKind.SEED:
            self._main = w.BoundedIntText(
                value=control.default, min=int(control.low), max=int(control.high), step=1, **common
            )
        elif k is ControlKind.TOGGLE:
            # (as wide as its label: a long one is not cut off)
            self._main = w.Checkbox(
                value=control.default,
                indent=True,
                style=style,
                description=control.label,
                layout=w.Layout(width="auto"),
            )
        elif k is ControlKind.CHOICE:
            self._main = w.Dropdown(options=list(control.options), value=control.default, **common)
        else:  # OPTIONAL_INT: a checkbox that turns the slider on, else the "off" meaning
            start = (
                control.default
                if control.default is not None
                else control.on_value
                if control.on_value is not None
                else int(control.low)
            )
            box_px = label_px([label], OPTIONAL_MIN_PX) + 30  # + the tick box
            self._toggle = w.Checkbox(
                value=control.default is not None,
                indent=False,
                description=label,
                layout=w.Layout(width=f"{box_px}px"),
            )
            self._main = w.IntSlider(
                value=start,
                min=int(control.low),
                max=int(control.high),
                step=int(control.step),
                continuous_update=False,
                disabled=control.default is None,
                layout=w.Layout(width="300px"),
            )
            self._off = w.HTML(self._off_text())
            self._toggle.observe(lambda _c: self._sync_optional(), names="value")
            self._main.observe(lambda _c: self._sync_optional(), names="value")
        if self._toggle is not None:
            self.widget: w.Widget = w.HBox([self._toggle, self._main, self._off])
        elif k is ControlKind.LOG_FLOAT:
            self.widget = w.HBox([self._main, self._readout])
        else:
            self.widget = self._main

    def _log_text(self) -> str:
        """A log slider's value as a person writes it: ``10,000``, ``50``, ``0.3``."""
        from course.predict import format_value

        return html.escape(format_value(self._main.value))

    def _sync_readout(self) -> None:
        self._readout.value = self._log_text()

    def _off_text(self) -> str:
        on = self._toggle is not None and self._toggle.value
        return "" if on else f"<i>{html.escape(self.control.off_label)}</i>"

    def _sync_optional(self) -> None:
        self._main.disabled = not self._toggle.value  # type: ignore[union-attr]
        self._off.value = self._off_text()

    def get(self) -> Any:
        if self._toggle is not None and not self._toggle.value:
            return None
        return self._main.value

    def set(self, value: Any) -> None:
        if self._toggle is not None:
            if value is None:
                self._toggle.value = False
                return
            self._main.value = value
            self._toggle.value = True
            return
        self._main.value = value

    def cap(self, high: float) -> None:
        """Lower (or restore) the slider's maximum, e.g. a crash day to the run's length."""
        if hasattr(self._main, "max"):
            self._main.max = min(high, self.control.high)

    def observe(self, callback: Callable[[], None]) -> None:
        self._main.observe(lambda _c: callback(), names="value")
        if self._toggle is not None:
            self._toggle.observe(lambda _c: callback(), names="value")


def control_widget(control: Control) -> w.Widget:
    """The displayable widget of one control."""
    return ControlView(control).widget


def dashboard_widget(dashboard: Dashboard) -> w.Widget:
    """Controls | progress bar | figure | summary | prediction vs result, all wired to ``set``.

    The returned box carries ``views`` (name -> :class:`ControlView`), ``image`` (the ``HTML``
    widget of the figure: ``<img alt=...>`` and its caption), ``summary``,
    ``comparison``, ``progress`` and ``error`` attributes so a test can drive it.
    """
    width = label_px(
        [
            shown_label(c)
            for c in dashboard.controls
            if c.kind not in (ControlKind.TOGGLE, ControlKind.OPTIONAL_INT)
        ]
    )
    views = {c.name: ControlView(c, width) for c in dashboard.controls}
    for name, view in views.items():
        view.set(dashboard.values[name])
    image = w.HTML(dashboard.figure_html(), layout=w.Layout(max_width="100%"))
    summary = w.HTML(_summary_html(dashboard))
    comparison = w.HTML(_comparison_html(dashboard))
    error = w.HTML("")
    progress = ProgressBar()
    busy = {"on": False}
    gate_button = w.Button(
        description="Show the result without predicting", layout=w.Layout(width="280px")
    )
    gate = w.VBox(
        [
            w.HTML(
                "<div style='padding:10px;border:1px dashed #7F7F7F;max-width:980px'>"
                "<b>Commit your prediction above first</b>: the figure and the numbers "
                "appear as soon as you do.</div>"
            ),
            gate_button,
        ]
    )
    gate_button.on_click(lambda _b: dashboard.reveal())

    def apply_caps() -> None:
        busy["on"] = True
        try:
            for view in views.values():
                if view.control.max_from is not None:
                    view.cap(views[view.control.max_from].get())
        finally:
            busy["on"] = False

    def on_change() -> None:
        if busy["on"]:
            return
        apply_caps()  # may clamp a capped slider: read the values after it
        values = {name: view.get() for name, view in views.items()}
        changed = {k: v for k, v in values.items() if dashboard.values.get(k) != v}
        if not changed:
            return
        try:
            dashboard._apply(changed)  # validate first: a bad combination only shows a message
        except ValueError as exc:
            error.value = f'<span style="color:#b2182b">{html.escape(str(exc))}</span>'
            return
        error.value = ""
        if not dashboard.revealed:  # moving a control counts as "run without predicting"
            dashboard.revealed = True
            if dashboard.prediction is not None:
                dashboard.prediction.observe(dashboard.results)
        # every update shows the bar (long runs fill it; the others just flash "simulating")
        progress.start()
        try:
            dashboard.update(progress=progress)
        finally:
            progress.done()

    def refresh(d: Dashboard) -> None:
        output.children = [image, summary, comparison] if d.revealed else [gate, comparison]
        image.value = d.figure_html()
        summary.value = _summary_html(d)
        comparison.value = _comparison_html(d)
        busy["on"] = True
        try:
            for name, view in views.items():
                if view.get() != d.values[name]:
                    view.set(d.values[name])
        finally:
            busy["on"] = False

    for view in views.values():
        view.observe(on_change)
    apply_caps()
    dashboard.on_update(refresh)
    if dashboard.prediction is not None:
        dashboard.prediction.on_change(
            lambda _p: setattr(comparison, "value", _comparison_html(dashboard))
        )

    controls = w.VBox([v.widget for v in views.values()])
    title = w.HTML(f"<h4 style='margin:4px 0'>{html.escape(dashboard.title)}</h4>")
    output = w.VBox([image, summary, comparison] if dashboard.revealed else [gate, comparison])
    box = w.VBox([title, controls, progress.widget, error, output])
    box.views, box.image, box.summary, box.comparison = views, image, summary, comparison
    box.progress, box.error, box.dashboard = progress, error, dashboard
    box.output, box.gate_button = output, gate_button
    return box


def _summary_html(d: Dashboard) -> str:
    return (
        "<div style='font-size:1.05em;line-height:1.45;max-width:980px'>"
        + html.escape(d.summary_text).replace("\n", "<br>")
        + "</div>"
    )


def _comparison_html(d: Dashboard) -> str:
    if d.prediction is None:
        return ""
    return (
        "<div style='border-left:4px solid #0072B2;padding:4px 10px;margin-top:6px'>"
        f"<b>Prediction vs model.</b> {html.escape(d.prediction.comparison_text())}</div>"
    )
