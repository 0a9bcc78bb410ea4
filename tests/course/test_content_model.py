"""What the lesson texts say happens is what the model shows at the lessons' default settings.

Each prediction's answer must fall inside the input range the prompt offers, and the qualitative
statements of the "what to notice" bullets are checked against the dashboards' results.
"""

from __future__ import annotations

import functools
import math

import pytest

from course.content import lesson
from course.content.schema import PredictKind
from course.lessons import LESSONS

# lessons whose dashboard answers their prediction; the transcript lessons' answer is the wire's
PREDICT_DASHBOARDS = tuple(
    x.number for x in LESSONS if x.view == "dashboard" and lesson(x.number).predict is not None
)
TRANSCRIPT_LESSONS = tuple(x.number for x in LESSONS if x.view == "transcript")


@functools.cache
def _results(n: int, **values: object) -> dict:
    """Lesson ``n``'s dashboard results at ``values`` (cached: many tests read the same run)."""
    from course.dashboards import make

    board = make(n, **values)
    board.update()
    return board.results


@pytest.mark.parametrize("n", PREDICT_DASHBOARDS)
def test_prediction_answer_is_inside_the_offered_range(n: int) -> None:
    p = lesson(n).predict
    value = _results(n)[p.result_key]
    if p.kind is PredictKind.CHOICE:
        assert value in {o.key for o in p.options}
    else:
        assert math.isfinite(value) and p.min_value <= value <= p.max_value, (p.result_key, value)


@pytest.mark.parametrize("n", TRANSCRIPT_LESSONS)
def test_wire_prediction_answer_is_inside_the_offered_range(n: int) -> None:
    from course.wire import transcript_results

    p = lesson(n).predict
    value = transcript_results()[p.result_key]
    assert p.min_value < value <= p.max_value


def test_lesson1_new_device_finds_more_under_imap() -> None:
    r = _results(1)
    assert r["new_device_messages_pop3"] < r["new_device_messages_imap"]
    assert r["server_mb_pop3"] < r["server_mb_imap"]


def test_lesson3_polling_delay_is_about_half_the_interval_and_idle_is_seconds() -> None:
    r = _results(3)
    half = 10 * 60 / 2  # the default poll interval (10 min), halved
    assert 0.6 * half <= r["median_delay_s_pop3"] <= 1.4 * half
    assert r["median_delay_s_imap"] < 60


def test_lesson4_filed_messages_reach_other_devices_only_under_imap() -> None:
    r = _results(4)
    assert r["folders_everywhere"] == "imap"
    assert r["new_device_filed_pop3"] == 0 < r["new_device_filed_imap"] == r["filed"]


def test_lesson5_imap_is_more_consistent() -> None:
    r = _results(5)
    assert r["consistency_pct_pop3"] < r["consistency_pct_imap"]


def test_lesson6_the_two_client_advice_makes_pop3_miss_mail() -> None:
    r = _results(6)
    assert r["missed_messages_pop3"] > 0 and r["missed_messages_imap"] == 0


def test_lesson8_new_device_search_finds_old_mail_only_under_imap() -> None:
    r = _results(8)
    assert r["recall_pct_new_device_pop3"] < r["recall_pct_new_device_imap"]


def test_lesson9_crash_loses_mail_under_pop3_delete_mode_only() -> None:
    r = _results(9)
    assert r["lost_messages_pop3"] > 0 and r["lost_messages_imap"] == 0


def test_lesson3_without_idle_imap_waits_on_the_poll_interval_scale() -> None:
    assert _results(3, idle=False)["median_delay_s_imap"] > 60


def test_lesson5_pop3_loses_coverage_not_state_agreement() -> None:
    r = _results(5)
    assert r["state_agreement_pct_pop3"] > r["consistency_pct_pop3"] + 20


def test_lesson6_fixes_named_in_the_notice() -> None:
    assert _results(6, second_leaves=True)["missed_messages_pop3"] == 0
    assert _results(6, uidl=False)["duplicate_mb_pop3"] > 0


def test_lesson8_leave_on_server_lets_a_new_pop3_device_find_recent_mail() -> None:
    before = _results(8)
    after = _results(8, leave_on_server_days=14)
    assert before["search_kb_phone_pop3"] == 0
    assert after["recall_pct_new_device_pop3"] > before["recall_pct_new_device_pop3"]


def test_lesson1_headers_first_cuts_what_pop3_stores_on_the_phone() -> None:
    assert _results(1, headers_first=True)["phone_mb_pop3"] < _results(1)["phone_mb_pop3"]


def test_lesson7_a_longer_signature_delay_exposes_more_for_both() -> None:
    quick, slow = _results(7, signature_delay_h=0.0), _results(7, signature_delay_h=48.0)
    assert slow["exposed_pop3"] >= quick["exposed_pop3"]
    assert slow["exposed_imap"] >= quick["exposed_imap"]
    total = lambda r: r["exposed_pop3"] + r["exposed_imap"]  # noqa: E731
    assert total(slow) > total(quick)


def test_lesson9_the_mistaken_delete_survives_only_on_the_desktop_archive() -> None:
    r = _results(9)
    assert r["deleted_kept_devices_imap"] == 0 and r["deleted_kept_devices_pop3"] == 0
    assert r["deleted_kept_devices_pop3_archive"] >= 1
    assert _results(9, crash_device="desktop")["deleted_kept_devices_pop3_archive"] == 0


def test_lesson9_the_device_that_downloaded_the_most_loses_the_most() -> None:
    from course.dashboards import make

    wiped, lost = {}, {}
    for device in ("phone", "laptop", "desktop"):
        c = make(9, crash_device=device).data.crash.crash_pop3
        wiped[device], lost[device] = c.wiped_messages, c.lost_messages
    assert max(lost, key=lost.get) == max(wiped, key=wiped.get)


def test_lesson9_an_older_backup_loses_more_under_pop3_and_nothing_under_imap() -> None:
    fresh, old = _results(9, backup_age_days=1.0), _results(9, backup_age_days=4.0)
    assert fresh["lost_messages_pop3"] < old["lost_messages_pop3"]
    assert fresh["lost_messages_imap"] == old["lost_messages_imap"] == 0


# -- numbers the lesson texts state, against the model at the stated settings --------------------


def _lesson3(**values: object):
    from sim.lessons.experiments import lesson3_notification

    return {
        dev: lesson3_notification(device=dev, **values)
        for dev in ("phone", "laptop", "desktop", "all")
    }


def test_lesson3_overhead_sentences_hold_for_every_device_view() -> None:
    """Lesson 3's notice: POP3's 10-minute polls cost several times what IDLE does; polling every
    minute grows POP3's overhead about tenfold, into megabytes a day; hourly polls fall to about
    IDLE's level; IDLE's overhead does not depend on the poll interval and is tens to hundreds of
    kilobytes a day; IMAP polling costs more than IDLE; 2-minute keepalives add tens to hundreds
    of kilobytes a day (not "a few kilobytes")."""
    default, every_min, hourly = (
        _lesson3(),
        _lesson3(poll_interval_min=1),
        _lesson3(poll_interval_min=60),
    )
    no_idle = _lesson3(idle=False)
    no_idle_hourly = _lesson3(idle=False, poll_interval_min=60)
    keepalive = _lesson3(keepalive_min=2)
    for dev, r in default.items():
        pop, imap = r.overhead_bytes_per_day_pop3, r.overhead_bytes_per_day_imap
        assert 2.5 * imap < pop, (dev, pop, imap)  # "several times"
        assert 10e3 <= imap < 1e6, (dev, imap)  # "tens to hundreds of kilobytes"
        fast = every_min[dev].overhead_bytes_per_day_pop3
        assert 7 <= fast / pop <= 13 and fast >= 1e6, (dev, fast / pop)  # "about tenfold", MB
        slow = hourly[dev]
        assert 0.4 * imap <= slow.overhead_bytes_per_day_pop3 <= 1.6 * imap, dev  # "about IDLE's"
        assert (
            slow.overhead_bytes_per_day_imap == imap == every_min[dev].overhead_bytes_per_day_imap
        ), dev  # independent of the poll interval
        assert no_idle[dev].overhead_bytes_per_day_imap > imap, dev
        assert no_idle_hourly[dev].overhead_bytes_per_day_imap > imap, dev
        extra = keepalive[dev].overhead_bytes_per_day_imap - imap
        assert 10e3 <= extra < 1e6, (dev, extra)


def test_lesson3_resumption_and_wakeup_sentences() -> None:
    """The overhead figures assume full TLS handshakes; with resumption POP3's polls cost about
    half as much and IDLE barely changes.  Every POP3 poll wakes the radio; IDLE wakes it less
    often (phone, the default view)."""
    full, resumed = _lesson3(), _lesson3(tls_resumption=True)
    for dev in full:
        ratio = resumed[dev].overhead_bytes_per_day_pop3 / full[dev].overhead_bytes_per_day_pop3
        assert 0.35 <= ratio <= 0.65, (dev, ratio)  # "about half as much"
        imap = resumed[dev].overhead_bytes_per_day_imap / full[dev].overhead_bytes_per_day_imap
        assert 0.85 <= imap < 1.0, (dev, imap)  # "barely changes"
    phone = full["phone"]
    assert phone.wakeups_per_day_imap < phone.wakeups_per_day_pop3
    polls_per_day = phone.pop3.device("alex/phone").sessions / 7
    assert phone.wakeups_per_day_pop3 == polls_per_day  # one wake-up per poll


def test_lesson3_router_and_keepalive_sentence() -> None:
    """Behind a 5-minute router IMAP's delay grows from seconds to minutes (phone, the default
    view); a 2-minute keepalive brings the pushes back."""
    from sim.lessons.experiments import lesson3_notification

    base = lesson3_notification()
    nat = lesson3_notification(nat_timeout_min=5)
    fixed = lesson3_notification(nat_timeout_min=5, keepalive_min=2)
    assert base.imap_delay.median_s < 10
    assert nat.imap_delay.median_s >= 60
    assert fixed.imap_delay.median_s < 10


def test_lesson3_phone_delay_sits_near_half_the_poll_interval() -> None:
    from sim.lessons.experiments import lesson3_notification

    for minutes in (1, 10, 60):
        half = minutes * 60 / 2
        median = lesson3_notification(poll_interval_min=minutes).pop3_delay.median_s
        assert 0.6 * half <= median <= 1.3 * half, (minutes, median)


def test_lesson5_per_flag_sentences() -> None:
    """POP3: all four flags score the same, about a third (coverage, not flags); IMAP: all close
    to 100 %, the remainder largest for \\Flagged at the defaults; taking the phone offline hardly
    moves the end figures."""
    from sim.lessons.experiments import lesson5_flags

    for hours in (0.0, 12.0, 24.0, 48.0):
        r = lesson5_flags(phone_offline_h=hours)
        pop = dict(r.flag_agreement_pop3)
        imap = dict(r.flag_agreement_imap)
        assert max(pop.values()) - min(pop.values()) < 0.01
        assert all(abs(v - 1 / 3) < 0.05 for v in pop.values()), pop
        assert all(v > 0.95 for v in imap.values()), imap
        if hours == 0.0:
            default = imap
            assert min(imap, key=imap.get) == "\\Flagged", imap
        else:
            assert all(abs(imap[k] - default[k]) < 0.01 for k in imap), (hours, imap)


def test_lesson5_offline_phone_lowers_the_weeks_average() -> None:
    assert (
        _results(5, phone_offline_h=48.0)["consistency_pct_imap"]
        < _results(5)["consistency_pct_imap"]
    )


def test_lesson8_imap_search_costs_about_two_kilobytes() -> None:
    """Lesson 8 says an IMAP search costs about 2 kB of commands and replies (not "a few hundred
    bytes")."""
    from sim.lessons.experiments import lesson8_search

    r = lesson8_search()
    assert 1500 <= r.new_device_search_bytes_imap <= 3000
    assert all(1500 <= s.up_bytes + s.down_bytes <= 3000 for s in r.imap.searches)
    assert 1.5 <= _results(8)["search_kb_phone_imap"] <= 3.0


# -- quiz answers that the learner reads off a dashboard or a transcript -------------------------
# Each test finds the question by a phrase of its prompt, recomputes the answer from the model at
# the settings the prompt names, and checks the sealed answer against it: a change to the model or
# to the question that makes them disagree fails here.


def _question(n: int, phrase: str):
    found = [q for q in lesson(n).quiz if phrase in q.prompt]
    assert len(found) == 1, f"lesson {n}: expected one question containing {phrase!r}"
    return found[0]


def _numeric_matches(n: int, phrase: str, model_value: float) -> None:
    from course.quiz import Numeric, check

    q = _question(n, phrase)
    assert isinstance(q, Numeric)
    assert math.isfinite(model_value)
    assert abs(q.answer_value() - model_value) <= q.tolerance, (n, phrase, model_value)
    assert check(q, model_value).correct  # the learner who reads the dashboard is right


def _right_option(n: int, phrase: str) -> str:
    from course.quiz import MultipleChoice

    q = _question(n, phrase)
    assert isinstance(q, MultipleChoice)
    return q.options[q.answer_index()]


# (lesson, a phrase of the question, the dashboard's settings, the result it shows, the scale
# from that result to the quiz's unit)
NUMERIC_QUIZ = [
    pytest.param(
        1,
        "headers first (TOP)",
        {"headers_first": True},
        "phone_mb_pop3",
        1.0,
        id="1-headers-first-phone-MB",
    ),
    pytest.param(
        3,
        "home router timeout",
        {"nat_timeout_min": 5},
        "median_delay_s_imap",
        1 / 60,
        id="3-router-median-delay-min",
    ),
    pytest.param(
        4, "how many does the phone show", {}, "phone_filed_pop3", 1.0, id="4-phone-folder-count"
    ),
    pytest.param(
        5,
        "24 hours",
        {"phone_offline_h": 24.0},
        "consistency_pct_imap",
        1.0,
        id="5-offline-day-consistency",
    ),
    pytest.param(
        6,
        "desktop also on 18-23 h",
        {"desktop_evenings": True},
        "missed_messages_pop3",
        1.0,
        id="6-evening-overlap-missed",
    ),
    pytest.param(
        7,
        "IMAP keeps offline copies",
        {"imap_offline": True},
        "exposed_imap",
        1.0,
        id="7-offline-copies-exposed",
    ),
    pytest.param(8, "phone's searches", {}, "recall_pct_phone_pop3", 1.0, id="8-phone-recall"),
    pytest.param(
        9,
        "backup 2 days old",
        {"backup_age_days": 2},
        "lost_messages_pop3",
        1.0,
        id="9-two-day-old-backup",
    ),
]


@pytest.mark.parametrize(("n", "phrase", "settings", "key", "scale"), NUMERIC_QUIZ)
def test_numeric_quiz_answer_is_what_the_dashboard_shows(
    n: int, phrase: str, settings: dict[str, object], key: str, scale: float
) -> None:
    _numeric_matches(n, phrase, _results(n, **settings)[key] * scale)


# what the quiz's explanations add to the number


def test_quiz_lesson1_headers_first_saves_megabytes_but_not_down_to_imap() -> None:
    r = _results(1, headers_first=True)
    assert r["phone_mb_pop3"] < _results(1)["phone_mb_pop3"]  # "a few MB less than before"
    assert r["phone_mb_pop3"] > r["phone_mb_imap"]  # "more under POP3 than under IMAP"


def test_quiz_lesson2_stls_wait_at_100_ms() -> None:
    from course.dashboards import make

    board = make(2, rtt_ms=100.0)
    board.update()
    row = next(
        r
        for r in board.data.result.rows
        if r.protocol == "pop3" and r.port == 110 and "starttls" in str(r.tls).lower()
    )
    assert row.round_trips == 8  # the eight steps the explanation lists
    _numeric_matches(2, "100 ms", row.setup_s * 1000)


def test_quiz_lesson3_a_keepalive_under_the_router_timeout_restores_push() -> None:
    assert _results(3, nat_timeout_min=5, keepalive_min=2)["median_delay_s_imap"] < 1


def test_quiz_lesson5_an_offline_day_costs_a_few_points() -> None:
    offline = _results(5, phone_offline_h=24.0)["consistency_pct_imap"]
    assert offline < _results(5)["consistency_pct_imap"] - 1  # "a few points"


def test_quiz_lesson5_offline_two_days_is_a_lag_not_a_loss() -> None:
    from sim.lessons.experiments import lesson5_flags

    assert "average falls" in _right_option(5, "48 hours")
    before, after = lesson5_flags(), lesson5_flags(phone_offline_h=48.0)
    end0, end48 = dict(before.flag_agreement_imap), dict(after.flag_agreement_imap)
    assert all(abs(end48[k] - end0[k]) < 0.01 for k in end0), (end0, end48)  # "hardly move"
    assert (
        _results(5, phone_offline_h=48.0)["consistency_pct_imap"]
        < _results(5)["consistency_pct_imap"] - 3
    )  # the week's average falls


def test_quiz_lesson6_evening_overlap_misses_more() -> None:
    r = _results(6, desktop_evenings=True)
    assert r["missed_messages_pop3"] > _results(6)["missed_messages_pop3"]  # "even more"


def test_quiz_lesson7_offline_copies_expose_every_device() -> None:
    r = _results(7, imap_offline=True)
    assert r["exposed_imap"] == r["exposed_pop3"]  # "exactly as under POP3"


def test_quiz_lesson7_delete_after_download() -> None:
    r = _results(7, leave_on_server_days=None)
    right = _right_option(7, "deletes after download")
    assert right.startswith("One infected copy") and "nothing left" in right
    assert r["exposed_pop3"] == 1 and r["caught_by_rescan_pop3"] == 0


def test_quiz_lesson9_two_day_old_backup_loses_nothing_under_imap() -> None:
    assert _results(9, backup_age_days=2)["lost_messages_imap"] == 0


def test_quiz_lesson10_leave_on_server_costs_bytes() -> None:
    from course.dashboards import make

    default = make(10)
    default.update()
    board = make(10, leave_on_server_days=14)
    board.update()
    right = _right_option(10, "leave on server to 14 days")
    assert "more than double" in right
    assert default.data.pop3.summary.missed_messages > 0
    assert board.data.pop3.summary.missed_messages == 0
    assert board.results["wire_mb_pop3"] > 2 * default.results["wire_mb_pop3"]
    assert board.results["wire_mb_pop3"] > board.results["wire_mb_imap"]


def _typical_imap_lines():
    from sim.live import transcript as t

    return [
        (ln.direction.value, ln.text)
        for ln in t.build(t.Protocol("imap"), t.Example("typical")).lines
        if not ln.payload
    ]


def test_quiz_lesson11_untagged_lines_of_select() -> None:
    lines = _typical_imap_lines()
    start = next(i for i, (d, text) in enumerate(lines) if d == "C" and "SELECT INBOX" in text)
    tag = lines[start][1].split()[0]
    end = next(i for i, (d, text) in enumerate(lines) if i > start and text.startswith(tag + " "))
    untagged = [text for d, text in lines[start + 1 : end] if d == "S" and text.startswith("* ")]
    assert len(untagged) == end - start - 1  # nothing but untagged lines in between
    _numeric_matches(11, "SELECT INBOX", len(untagged))


def test_quiz_lesson11_idle_round_server_bytes() -> None:
    lines = _typical_imap_lines()
    start = next(i for i, (d, text) in enumerate(lines) if d == "C" and text.endswith(" IDLE"))
    tag = lines[start][1].split()[0]
    end = next(i for i, (d, text) in enumerate(lines) if i > start and text.startswith(tag + " "))
    server = [text for d, text in lines[start + 1 : end + 1] if d == "S"]
    assert server[0].startswith("+ ") and server[-1].startswith(tag + " OK")
    _numeric_matches(11, "IDLE round", sum(len(text.encode()) + 2 for text in server))
