"""What the lesson texts say happens is what the model shows at the lessons' default settings.

Each prediction's answer must fall inside the input range the prompt offers, and the qualitative
statements of the "what to notice" bullets are checked against the dashboards' results.
"""

from __future__ import annotations

import math

import pytest

from course.content import lesson
from course.content.schema import PredictKind

DASHBOARD_LESSONS = tuple(range(1, 11))


def _results(n: int, **values: object) -> dict:
    from course.dashboards import make

    board = make(n, **values)
    board.update()
    return board.results


@pytest.mark.parametrize("n", DASHBOARD_LESSONS)
def test_prediction_answer_is_inside_the_offered_range(n: int) -> None:
    p = lesson(n).predict
    value = _results(n)[p.result_key]
    if p.kind is PredictKind.CHOICE:
        assert value in {o.key for o in p.options}
    else:
        assert math.isfinite(value) and p.min_value <= value <= p.max_value, (p.result_key, value)


def test_wire_prediction_answer_is_inside_the_offered_range() -> None:
    from course.wire import transcript_results

    p = lesson(11).predict
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


def test_lesson9_an_older_backup_loses_more_under_pop3_and_nothing_under_imap() -> None:
    fresh, old = _results(9, backup_age_days=1.0), _results(9, backup_age_days=4.0)
    assert fresh["lost_messages_pop3"] < old["lost_messages_pop3"]
    assert fresh["lost_messages_imap"] == old["lost_messages_imap"] == 0
