"""Lesson 6: when the POP3 maildrop lock refuses a login (RFC 1939 §4).

A login is refused only while the other client's session is still running.  In the preset
``two_clients`` the laptop (7-9 h, 18-23 h) and the desktop (9-17 h) are never online together,
so on fast lines nothing is refused; the lesson's ``desktop_evenings`` puts both online from 18 h,
and a slow line makes a big download outlast the gap to the other client's poll.
"""

from __future__ import annotations

import pytest

from sim.inputs.scenario import ScenarioError
from sim.lessons.experiments import lesson6_leave_on_server as lesson6

DASHBOARD_LINES = (None, 2000.0, 512.0, 128.0, 56.0)  # course.dashboards.lesson06.LINKS


def _by_device(r) -> dict[str, int]:
    return {d.rsplit("/", 1)[-1]: n for d, n in r.refusals_pop3}


def test_no_refusals_at_the_defaults() -> None:
    r = lesson6()
    assert r.lock_refusals_pop3 == 0
    assert dict(r.online_h) == {
        "kim/laptop": ((7.0, 9.0), (18.0, 23.0)),
        "kim/desktop": ((9.0, 17.0),),
    }


def test_documented_setting_refuses_logins() -> None:
    """The notice's setting: desktop also on 18-23 h, a 128 kbit/s line (defaults otherwise)."""
    r = lesson6(desktop_evenings=True, bandwidth_kbps=128.0)
    assert r.lock_refusals_pop3 > 0
    assert sum(_by_device(r).values()) == r.lock_refusals_pop3
    assert dict(r.online_h)["kim/desktop"] == ((9.0, 17.0), (18.0, 23.0))
    assert all(n == 0 for _, n in r.missed_imap)  # IMAP: no lock, nothing missed


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_overlapping_but_fast_lines_refuse_nothing(seed: int) -> None:
    assert lesson6(seed=seed, desktop_evenings=True).lock_refusals_pop3 == 0


@pytest.mark.parametrize("line", DASHBOARD_LINES)
def test_never_online_together_refuses_nothing_at_the_default_seed(line) -> None:
    assert lesson6(bandwidth_kbps=line).lock_refusals_pop3 == 0


def test_the_9h_hand_over_on_a_slow_line() -> None:
    """The notice's example: seed 16, 56 kbit/s -- a laptop session begun before 9 h is still
    downloading at the desktop's first poll."""
    r = lesson6(seed=16, bandwidth_kbps=56.0)
    refused = _by_device(r)
    assert refused["desktop"] > 0 and refused["laptop"] == 0
    assert lesson6(seed=16).lock_refusals_pop3 == 0  # the same week on the fast lines


def test_the_slower_the_line_the_more_refusals() -> None:
    counts = [
        lesson6(desktop_evenings=True, bandwidth_kbps=line).lock_refusals_pop3
        for line in DASHBOARD_LINES
    ]
    assert counts == sorted(counts) and counts[0] == 0 < counts[-1]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bandwidth_kbps": 5.0},
        {"bandwidth_kbps": 2e7},
        {"desktop_evenings": 1},
        {"poll_interval_min": 0.5},
    ],
)
def test_bad_values_name_the_parameter(kwargs: dict) -> None:
    ((name, value),) = kwargs.items()
    with pytest.raises(ScenarioError) as e:
        lesson6(**kwargs)
    assert name in str(e.value) and repr(value) in str(e.value)
