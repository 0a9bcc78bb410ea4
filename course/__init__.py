"""The teaching layer: dashboards, figures, quizzes and exports for the lessons.

Map of the package (notebook cells only call :mod:`course.ui`):

* :mod:`course.ui` -- ``ui.lesson(n)``: intro, predict, dashboard, notice, nuance, quiz, next.
* :mod:`course.content` -- the lesson texts (``lesson_NN.py``) in the shape of ``content.schema``.
* :mod:`course.dashboards` -- one :class:`~course.dashboards.base.Dashboard` per lesson 1-10 (and the
  lesson 0 overview): controls over the model's ranges, POP3 and IMAP on one trace, a figure and
  a plain summary; drivable without a browser (``d.set(...)``, ``d.summary_text``, ``d.figure``).
* :mod:`course.widgets` -- the ipywidgets view of a dashboard; :mod:`course.progress` -- progress.
* :mod:`course.figures`, :mod:`course.timeline`, :mod:`course.style` -- the figures, one style.
* :mod:`course.predict` -- predict-then-run; :mod:`course.quiz` -- sealed self-check questions.
* :mod:`course.wire` -- lesson 11: transcripts, state diagrams, the live server on loopback.
* :mod:`course.export` / ``python -m course figures --out DIR`` -- slide figures (PNG and SVG);
  :mod:`course.bench` / ``python -m course bench`` -- dashboard update timings.
"""
