"""Progress for long runs (the lesson 9 Monte Carlo, a campus capstone): plumbing and a bar.

A *progress callback* is a plain function of the fraction done, ``f(0.0 .. 1.0)`` -- the same
convention as ``sim.model.simulation(progress=...)``.  :func:`scaled` lets one step of a multi-step job
report into its share of the whole; :func:`throttled` keeps a widget from being sent a message per
simulated hour; :class:`ProgressBar` is the ipywidgets bar a dashboard shows while it simulates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ipywidgets

Progress = Callable[[float], None]

__all__ = ["Progress", "ProgressBar", "no_progress", "scaled", "throttled"]


def no_progress(_fraction: float) -> None:
    """A callback that ignores progress (for runs nobody watches)."""


def scaled(progress: Progress, start: float, end: float) -> Progress:
    """A callback for one step that fills ``start .. end`` of ``progress``'s range."""
    if not 0.0 <= start <= end <= 1.0:
        raise ValueError(f"scaled: need 0 <= start <= end <= 1, got start={start}, end={end}")
    span = end - start
    return lambda f: progress(start + span * min(1.0, max(0.0, f)))


def throttled(progress: Progress, step: float = 0.01) -> Progress:
    """Forward only changes of at least ``step`` (and always the end), so a bar is not flooded."""
    if not 0.0 < step <= 1.0:
        raise ValueError(f"throttled: step must be in (0, 1], got {step}")
    last = [-1.0]

    def report(f: float) -> None:
        if f >= 1.0 or f - last[0] >= step or f < last[0]:
            last[0] = f
            progress(f)

    return report


class ProgressBar:
    """A labelled ipywidgets bar, hidden until :meth:`start` and again after :meth:`done`.

    Call the object with the fraction done; ``widget`` is what a layout shows.
    """

    def __init__(self, description: str = "simulating") -> None:
        import ipywidgets as w

        self.bar = w.FloatProgress(
            value=0.0,
            min=0.0,
            max=1.0,
            description=description,
            bar_style="info",
            layout=w.Layout(width="460px"),
        )
        self.widget: ipywidgets.Widget = w.HBox([self.bar], layout=w.Layout(visibility="hidden"))
        self._report = throttled(self._set)

    def _set(self, fraction: float) -> None:
        self.bar.value = min(1.0, max(0.0, fraction))

    def start(self) -> None:
        self.bar.value = 0.0
        self.widget.layout.visibility = "visible"

    def __call__(self, fraction: float) -> None:
        self._report(fraction)

    def done(self) -> None:
        self.bar.value = 1.0
        self.widget.layout.visibility = "hidden"
        self._report = throttled(self._set)
