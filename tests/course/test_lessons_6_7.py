"""Lessons 6 and 7: the dashboards show what the texts say, in the same units.

Lesson 6 must make the POP3 maildrop lock visible at a setting the learner can reach; lesson 7
counts infected *copies* -- (message, device) pairs -- in its prediction, dashboard and text, and
starts from the model's own virus defaults.
"""

from __future__ import annotations

import inspect
import re
from itertools import combinations

import pytest

from course.content import lesson
from course.dashboards import make
from course.dashboards.lesson06 import LINKS


def _texts(n: int) -> list[str]:
    c = lesson(n)
    out = [c.title, *c.objectives, *c.notice]
    out += [b.text for b in c.nuance] + [b.source for b in c.nuance]
    if c.predict is not None:
        out.append(c.predict.question)
    for q in c.quiz:
        out.append(q.prompt)
        out += list(getattr(q, "options", ())) + list(getattr(q, "explanations", ()))
        out.append(getattr(q, "explanation", ""))
    return out


@pytest.mark.parametrize("n", [6, 7])
def test_learner_text_cites_no_internal_documents(n: int) -> None:
    for text in _texts(n):
        assert not re.search(r"DESIGN|FACTS", text), text


@pytest.mark.parametrize("n", [6, 7])
def test_control_defaults_are_the_experiments_defaults(n: int) -> None:
    board = make(n)
    fn = {6: "lesson6_leave_on_server", 7: "lesson7_virus"}[n]
    import sim.lessons.experiments as e

    params = inspect.signature(getattr(e, fn)).parameters
    assert set(board.values) == set(params)
    for name, value in board.values.items():
        assert value == params[name].default, name


# -- lesson 7 --------------------------------------------------------------------------------------


def test_lesson7_counts_copies_everywhere() -> None:
    board = make(7)
    data = board.data
    assert board.results["exposed_pop3"] == data.copies_pop3 == data.virus_pop3.reached_devices
    assert board.results["exposed_imap"] == data.copies_imap == data.virus_imap.reached_devices
    assert board.results["caught_by_rescan_imap"] == data.virus_imap.caught_by_rescan > 0
    assert board.results["more_exposed"] == "pop3"  # the prediction's answer at the defaults
    assert lesson(7).results["exposed_pop3"].unit == "copies"
    assert "(message, device) pairs" in lesson(7).results["exposed_pop3"].meaning
    assert "copies" in lesson(7).predict.question
    assert f"{data.copies_pop3} under POP3, {data.copies_imap} under IMAP" in board.summary_text
    assert "(message, device) pairs" in board.summary_text
    # the summary tells where each zero-day landed, device by device
    for z in data.zero_days:
        for d, _ in z.copies_pop3:
            assert f"the {d.rsplit('/', 1)[-1]} after" in board.summary_text


def test_lesson7_default_share_is_the_models() -> None:
    from sim.inputs import defaults as D

    board = make(7)
    assert board.values["infected_share"] == D.INFECTED_SHARE
    assert "0.2 %" in " ".join(lesson(7).notice)


def test_lesson7_notice_claims_hold() -> None:
    base = make(7).results
    offline = make(7, imap_offline=True).results
    assert offline["exposed_imap"] >= offline["exposed_pop3"]  # offline copies: edge gone
    deleting = make(7, leave_on_server_days=None)
    assert deleting.results["caught_by_rescan_pop3"] == 0
    assert deleting.results["exposed_pop3"] == len(deleting.data.zero_days)
    instant = make(7, signature_delay_h=0.0).data
    assert instant.virus_pop3.caught_at_delivery == instant.virus_pop3.infected_delivered > 0
    assert base["exposed_pop3"] > base["exposed_imap"]
    assert "no infected message arrived" in make(7, seed=1).summary_text.lower()


# -- lesson 6 --------------------------------------------------------------------------------------


def test_lesson6_line_choices_are_in_the_models_range() -> None:
    from sim.lessons.experiments import RANGES

    lo, hi = RANGES["bandwidth_kbps"]
    assert LINKS[0][1] is None
    assert all(lo <= v <= hi for _, v in LINKS[1:])


def test_lesson6_lock_is_visible_at_the_documented_setting() -> None:
    quiet = make(6)
    assert quiet.results["lock_refusals_pop3"] == 0
    assert "maildrop lock: 0" in quiet.summary_text
    board = make(6, desktop_evenings=True, bandwidth_kbps=128.0)
    n = board.data.lock_refusals_pop3
    assert board.results["lock_refusals_pop3"] == n > 0
    assert f"maildrop lock: {n} (the laptop" in board.summary_text
    assert "desktop 9-17 h and 18-23 h" in board.summary_text
    notice = " ".join(lesson(6).notice)
    assert "128 kbit/s" in notice and "desktop also on 18-23 h" in notice
    assert "seed 16 on the 56 kbit/s line" in notice
    handover = make(6, seed=16, bandwidth_kbps=56.0)
    assert "(the desktop" in handover.summary_text


# -- figures: three panels, no overlapping tick labels ---------------------------------------------


def _overlaps(fig) -> list[tuple[str, str]]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    bad = []
    for ax in fig.axes:
        labels = [t for t in ax.get_xticklabels() if t.get_text()]
        boxes = [t.get_window_extent(renderer) for t in labels]
        for (a, ba), (b, bb) in combinations(zip(labels, boxes), 2):
            if ba.overlaps(bb):
                bad.append((a.get_text(), b.get_text()))
    return bad


@pytest.mark.parametrize(
    "n, values",
    [
        (6, {}),
        (6, {"desktop_evenings": True, "bandwidth_kbps": 56.0}),
        (7, {}),
        (7, {"infected_share": 0.2}),
    ],
)
def test_lesson_figures_have_readable_tick_labels(n: int, values: dict) -> None:
    board = make(n, **values)
    assert len(board.figure.axes) == 3
    assert _overlaps(board.figure) == []
