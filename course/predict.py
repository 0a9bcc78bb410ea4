"""Predict, then run: the learner commits a guess before the first run, then sees it beside the result.

Theory of operation
-------------------
A :class:`Prediction` is a small state machine, one per lesson and kernel::

    OPEN --commit(value)--> COMMITTED
      |                        |
      +---- a dashboard run records the first result (``observe``) in either state

The lesson's predict cell commits (the input locks).  Every dashboard run calls :meth:`observe`
with its results; the first observation is kept as *the* answer to the prediction (it was made at the
lesson's default settings, which is what the question asks about), later ones are "now".  A
prediction committed only after the model already ran is marked as such rather than refused: a
learner who scrolled past the prompt can still compare.
"""

from __future__ import annotations

import enum
import html
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from course.content import lesson
from course.content.schema import PredictKind, PredictPrompt, ResultKey

if TYPE_CHECKING:
    import ipywidgets

ResultValue = float | str


class PredictionState(enum.Enum):
    """Where the learner is: not yet committed, or committed (locked)."""

    OPEN = "open"
    COMMITTED = "committed"


@dataclass
class Prediction:
    """The learner's guess for one lesson and the model's answer to it."""

    prompt: PredictPrompt
    lesson: int
    state: PredictionState = PredictionState.OPEN
    value: ResultValue | None = None
    committed_after_run: bool = False
    first_result: ResultValue | None = None
    latest_result: ResultValue | None = None
    _listeners: list[Callable[[Prediction], None]] = field(default_factory=list, repr=False)

    @property
    def spec(self) -> ResultKey:
        return lesson(self.lesson).results[self.prompt.result_key]

    def commit(self, value: ResultValue) -> None:
        """Lock in ``value``; a second commit or a value outside the prompt's range raises."""
        if self.state is PredictionState.COMMITTED:
            raise ValueError(
                f"prediction: already committed ({self.value!r}); it cannot be changed"
            )
        if self.prompt.kind is PredictKind.CHOICE:
            keys = [c.key for c in self.prompt.options]
            if value not in keys:
                raise ValueError(f"prediction: value must be one of {keys}, got {value!r}")
        else:
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ValueError(f"prediction: value must be a number, got {value!r}") from None
            lo, hi = self.prompt.min_value, self.prompt.max_value
            if not (math.isfinite(number) and lo <= number <= hi):
                raise ValueError(f"prediction: value must be in {lo:g}..{hi:g}, got {value!r}")
            value = number
        self.value = value
        self.state = PredictionState.COMMITTED
        self.committed_after_run = self.first_result is not None
        self._notify()

    def restore(self, value: ResultValue, committed_after_run: bool) -> None:
        """A prediction committed in an earlier session (``course.journal``): committed again,
        as it was, before anything watches it."""
        if self.state is PredictionState.COMMITTED:
            raise ValueError(f"prediction: already committed ({self.value!r})")
        self.value = value
        self.state = PredictionState.COMMITTED
        self.committed_after_run = committed_after_run

    def observe(self, results: Mapping[str, ResultValue]) -> None:
        """Record a dashboard run's results (the first one is the answer to the prediction)."""
        if self.prompt.result_key not in results:
            raise KeyError(
                f"prediction: the dashboard of lesson {self.lesson} gave no {self.prompt.result_key!r} "
                f"(it gave {sorted(results)})"
            )
        value = results[self.prompt.result_key]
        if self.first_result is None:
            self.first_result = value
        self.latest_result = value
        self._notify()

    def on_change(self, callback: Callable[[Prediction], None]) -> None:
        """Call ``callback(self)`` after every commit or observation (widgets refresh with it)."""
        self._listeners.append(callback)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            callback(self)

    def _show(self, value: ResultValue | None) -> str:
        if value is None:
            return "—"
        if self.prompt.kind is PredictKind.CHOICE:
            for c in self.prompt.options:
                if c.key == value:
                    return c.text
            return str(value)
        return format_value(float(value), self.prompt.unit or self.spec.unit)

    def comparison_text(self) -> str:
        """One plain sentence: the guess next to the model's answer (or what is still missing)."""
        if self.state is PredictionState.OPEN:
            if self.first_result is None:
                return "Commit your prediction above, then run the model."
            return "You have not committed a prediction yet: scroll up, make one, then compare."
        if self.first_result is None:
            return f"Your prediction: {self._show(self.value)}. Run the model to compare."
        text = f"You predicted {self._show(self.value)}; the model gives {self._show(self.first_result)}"
        if self.prompt.kind is PredictKind.CHOICE:
            text += " — right." if self.value == self.first_result else " — not this time."
        else:
            guess, actual = float(self.value), float(self.first_result)  # type: ignore[arg-type]
            scale = max(abs(actual), 1e-9)
            off = abs(guess - actual) / scale
            text += (
                " — close." if off <= 0.2 else (" — too high." if guess > actual else " — too low.")
            )
        if self.committed_after_run:
            text += " (Committed after the model had already run.)"
        if self.latest_result is not None and self.latest_result != self.first_result:
            text += f" With the current settings: {self._show(self.latest_result)}."
        return text


def format_value(value: float, unit: str = "") -> str:
    """A number the way a learner reads it: few digits, thousands separators, unit after."""
    if math.isnan(value):
        return "n/a"
    if value == int(value) and abs(value) < 1e9:
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip() if unit != "%" else f"{text} %"


def predict_widget(prediction: Prediction) -> ipywidgets.Widget:
    """The prompt, an input (radio buttons or a number box) and a Commit button that locks it.

    The returned box has ``answer_input``, ``commit_button`` and ``status`` attributes for tests.
    """
    import ipywidgets as w

    prompt = prediction.prompt
    question = w.HTML(f"<b>Predict first.</b> {html.escape(prompt.question)}")
    if prompt.kind is PredictKind.CHOICE:
        answer_input: w.Widget = w.RadioButtons(
            options=[(c.text, c.key) for c in prompt.options],
            value=None,
            layout=w.Layout(width="auto"),
        )
    else:
        answer_input = w.BoundedFloatText(
            value=prompt.min_value,
            min=prompt.min_value,
            max=prompt.max_value,
            step=prompt.step,
            description=prompt.unit or prediction.spec.unit or "value",
            layout=w.Layout(width="280px"),
        )
    button = w.Button(
        description="Commit my prediction", button_style="primary", layout=w.Layout(width="200px")
    )
    status = w.HTML("")

    def refresh(p: Prediction) -> None:
        locked = p.state is PredictionState.COMMITTED
        answer_input.disabled = locked
        button.disabled = locked
        status.value = html.escape(p.comparison_text()) if locked else ""

    def on_click(_: object) -> None:
        if answer_input.value is None:
            status.value = "Pick one option first."
            return
        try:
            prediction.commit(answer_input.value)
        except ValueError as exc:
            status.value = html.escape(str(exc))

    button.on_click(on_click)
    prediction.on_change(refresh)
    refresh(prediction)
    box = w.VBox([question, answer_input, w.HBox([button, status])])
    box.answer_input, box.commit_button, box.status = answer_input, button, status
    return box
