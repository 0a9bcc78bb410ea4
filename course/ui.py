"""What notebook cells call: one short line per cell, everything else lives here and below.

A lesson notebook's prose (objectives, the claim, what to notice, the nuance, the next lesson) is
Markdown cells, generated from ``course.content`` by ``tools/build_notebooks.py``; its code
cells only make the widgets::

    from course import ui
    L = ui.lesson(3)
    L.predict()      # commit a prediction before the first run
    L.dashboard()    # controls + POP3|IMAP figure + summary (+ prediction vs result)
    L.quiz()         # self-check with feedback

``L.intro()``, ``L.notice()``, ``L.nuance()`` and ``L.next()`` render the same prose in a kernel
(``course.lesson_text`` is the one implementation).

Lesson 0 (welcome): ``L.dashboard()`` is the model in five minutes (a timeline of one family's
devices under POP3 and IMAP).  Lesson 11 (on the wire): ``L.dashboard()`` / ``L.transcript("imap")``
show annotated transcripts, and ``lab = L.live_server(deliver_every=20)`` starts the lab's own
server on loopback (``lab.pop3.port``, ``lab.imap.port``, ``lab.user``, ``lab.password``;
``lab.stop()``, or it stops when the kernel exits) for ``poplib``/``imaplib`` cells;
``L.state_machines()`` draws both protocols' state diagrams.

Each method *returns* something Jupyter displays (Markdown or a widget), so a cell shows it when the
call is the cell's last line, and tests can inspect it.  ``ui.lesson(n)`` returns the same object for
the same ``n`` within a kernel, so the prediction made in one cell is what the dashboard compares with.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from IPython.display import Markdown

from course import lesson_text
from course.content import lesson as load_content
from course.content.schema import LessonContent
from course.predict import Prediction, predict_widget

if TYPE_CHECKING:
    import ipywidgets

    from course.dashboards.base import Dashboard

__all__ = ["Lesson", "lesson"]

_LESSONS: dict[int, Lesson] = {}


class Lesson:
    """One lesson's cells: content from ``course.content``, machinery from the rest of ``course``."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.content: LessonContent = load_content(number)
        self.prediction: Prediction | None = (
            Prediction(self.content.predict, number) if self.content.predict is not None else None
        )
        self.board: Dashboard | None = None
        if self.prediction is not None:
            self._keep_prediction(self.prediction)

    def _keep_prediction(self, prediction: Prediction) -> None:
        """A prediction survives a kernel restart: restored from the journal, saved on commit."""
        from course.journal import journal
        from course.predict import PredictionState

        kept = journal().prediction(self.number)
        if kept is not None:
            # a journal entry of an older version of the prompt fails to restore: ask again
            with contextlib.suppress(TypeError, ValueError):
                prediction.restore(kept["value"], bool(kept.get("committed_after_run")))

        # every dashboard run notifies the prediction: write only when the commit is new
        saved = [None if kept is None else kept.get("value")]

        def save(p: Prediction) -> None:
            if p.state is PredictionState.COMMITTED and p.value is not None and p.value != saved[0]:
                journal().save_prediction(self.number, p.value, p.committed_after_run)
                saved[0] = p.value

        prediction.on_change(save)

    # -- text cells ----------------------------------------------------------------------------------
    # The notebooks hold this prose as Markdown cells (``tools/build_notebooks.py``); these methods
    # render the same text for a kernel (tests, a learner's own notebook).
    def intro(self) -> Markdown:
        """Title, learning objectives and the article's claim (English, plus the original if given)."""
        return Markdown(lesson_text.intro_markdown(self.content))

    def notice(self) -> Markdown:
        """The "what to notice" bullets, folded until the learner opens them."""
        return Markdown(lesson_text.notice_markdown(self.content))

    def nuance(self) -> Markdown:
        """One quoted box per place where the article oversimplifies or errs, with its source."""
        return Markdown(lesson_text.nuance_markdown(self.content))

    def next(self) -> Markdown:
        """A link to the next lesson's notebook (or the end of the course)."""
        n = self.content.next_lesson
        return Markdown(
            lesson_text.next_markdown(self.content, None if n is None else load_content(n))
        )

    # -- interactive cells ---------------------------------------------------------------------------
    def predict(self) -> ipywidgets.Widget | Markdown:
        """The prediction prompt with a Commit button (locks once committed)."""
        if self.prediction is None:
            return Markdown("*No prediction in this lesson.*")
        return predict_widget(self.prediction)

    def dashboard(self, **values: Any) -> ipywidgets.Widget:
        """The lesson's dashboard widget; ``values`` override control defaults (e.g. ``days=14``)."""
        from course.lessons import entry

        if entry(self.number).view == "transcript":
            return self.transcript(**values)
        board = self.make_dashboard(**values)
        return board.widget()

    def transcript(
        self, protocol: str = "pop3", example: str = "typical", full: bool = False
    ) -> ipywidgets.Widget:
        """An annotated wire transcript (lesson 11); the prediction compares with its byte totals.

        Gated like the dashboards: while the prediction waits to be committed, the transcript
        (whose totals are the answer) stays hidden behind a note and a "show without
        predicting" button; committing, the button or choosing another transcript shows it."""
        import ipywidgets as w

        from course.predict import PredictionState
        from course.wire import transcript_results, transcript_view

        view = transcript_view(protocol, example, full)
        prediction = self.prediction
        if (
            prediction is None
            or prediction.state is PredictionState.COMMITTED
            or prediction.first_result is not None
        ):
            if prediction is not None and prediction.first_result is None:
                prediction.observe(transcript_results())
            return view
        choose, body = view.children
        button = w.Button(
            description="Show the transcript without predicting", layout=w.Layout(width="300px")
        )
        gate = w.VBox(
            [
                w.HTML(
                    "<div style='padding:10px;border:1px dashed #7F7F7F;"
                    "max-width:980px'><b>Commit your prediction above first</b>: "
                    "the transcript and its byte totals appear as soon as you do."
                    "</div>"
                ),
                button,
            ]
        )
        view.children = (choose, gate)
        shown = [False]

        def reveal(_: object = None) -> None:
            if shown[0]:
                return
            shown[0] = True
            view.children = (choose, body)
            if prediction.first_result is None:
                prediction.observe(transcript_results())

        button.on_click(reveal)
        view.pick.observe(reveal, names="value")
        view.show_all.observe(reveal, names="value")
        prediction.on_change(lambda p: reveal() if p.state is PredictionState.COMMITTED else None)
        view.gate_button = button
        return view

    def state_machines(self) -> ipywidgets.Widget:
        """POP3's and IMAP's state diagrams side by side (lesson 11), as an image."""
        import io

        import ipywidgets as w

        from course import style
        from course.wire import draw_state_machines

        fig = style.figure(10.0, 5.0)
        with style.context():
            draw_state_machines(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        return w.Image(
            value=buf.getvalue(), format="png", layout=w.Layout(max_width="100%", height="auto")
        )

    def live_server(self, messages: int = 5, deliver_every: float | None = None) -> Any:
        """Start the lab's POP3+IMAP server on 127.0.0.1 (a ``course.wire.LiveLab``)."""
        from course.wire import LiveLab

        return LiveLab.start(messages=messages, deliver_every=deliver_every)

    def make_dashboard(self, **values: Any) -> Dashboard:
        """The dashboard object itself (no widgets): ``d.set(...)``, ``d.summary_text``, ``d.figure``."""
        from course.lessons import entry

        cls = entry(self.number).dashboard_class()
        if cls is None:
            raise ValueError(f"lesson {self.number} has no dashboard object (see course.lessons)")
        board: Dashboard = cls(**values)
        if self.prediction is not None:
            board.attach(self.prediction)
        self.board = board
        return board

    def quiz(self) -> ipywidgets.Widget:
        """The self-check questions with Check buttons and explained feedback."""
        from course.quiz import quiz_widget

        return quiz_widget(self.content.quiz, lesson=self.number)

    def progress(self) -> ipywidgets.Widget:
        """How far the learner has come in every lesson, with a way to start over."""
        from course.journal import progress_widget

        return progress_widget(on_start_over=_LESSONS.clear)


def lesson(n: int) -> Lesson:
    """The lesson object for lesson ``n`` (see :data:`course.lessons.LESSONS`), the same one for
    every call in a kernel."""
    if n not in _LESSONS:
        _LESSONS[n] = Lesson(n)
    return _LESSONS[n]
