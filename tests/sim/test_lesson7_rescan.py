"""Lesson 7: a zero-day passes the scan at delivery; a later signature update lets the server rescan.

What the lesson shows at its defaults (the model's infected share and signature delay, a week in
which a zero-day arrives): POP3 clients, leaving copies on the server, have downloaded the message
on several devices before the update; IMAP clients that fetch a body only when it is opened hold
fewer copies, and the server's rescan quarantines the message there.  Copies are
(message, device) pairs, the unit ``Virus.reached_devices`` counts.
"""

from __future__ import annotations

import inspect

import pytest

from sim.inputs import defaults as D
from sim.inputs.presets import preset
from sim.inputs.scenario import ScenarioError
from sim.inputs.workload import generate
from sim.lessons.experiments import lesson7_virus


@pytest.fixture(scope="module")
def default():
    return lesson7_virus()


def test_defaults_are_the_models_sourced_values() -> None:
    params = inspect.signature(lesson7_virus).parameters
    assert params["infected_share"].default == D.INFECTED_SHARE == 0.002
    assert params["signature_delay_h"].default * 3600.0 == D.SIGNATURE_DELAY_S


def test_rescan_edge_at_defaults(default) -> None:
    vp, vi = default.virus_pop3, default.virus_imap
    assert len(default.zero_days) >= 1
    assert vp.infected_delivered == vi.infected_delivered > vp.caught_at_delivery
    assert default.copies_imap < default.copies_pop3
    assert vi.caught_by_rescan > 0
    # the devices IMAP left out never received the body: the update removed it first
    for z in default.zero_days:
        assert z.detected_s is not None
        assert {d for d, _ in z.copies_imap} < {d for d, _ in z.copies_pop3}


def test_copies_are_message_device_pairs(default) -> None:
    for r in (default, lesson7_virus(seed=1, infected_share=0.2, days=3)):
        for proto in ("pop3", "imap"):
            virus, res = getattr(r, f"virus_{proto}"), getattr(r, proto)
            pairs = [(z.message, d) for z in r.zero_days for d, _ in getattr(z, f"copies_{proto}")]
            assert len(pairs) == len(set(pairs)) == virus.reached_devices
            assert getattr(r, f"copies_{proto}") == virus.reached_devices
            assert sum(d.infected_reached for d in res.devices) == virus.reached_devices
            for z in r.zero_days:  # every copy landed after arrival and before recognition
                for _, t in getattr(z, f"copies_{proto}"):
                    assert z.arrived_s <= t and (z.detected_s is None or t < z.detected_s)
            kept = sum(
                1
                for z in r.zero_days
                if z.detected_s is not None and not getattr(z, f"copies_{proto}")
            )
            assert getattr(r, f"kept_off_devices_{proto}") == kept


def test_imap_offline_copies_erase_the_edge(default) -> None:
    r = lesson7_virus(imap_offline=True)
    assert r.copies_imap >= r.copies_pop3 == default.copies_pop3


def test_pop3_deleting_after_download_leaves_the_rescan_nothing() -> None:
    r = lesson7_virus(leave_on_server_days=None)
    assert r.virus_pop3.caught_by_rescan == 0 < r.virus_imap.caught_by_rescan
    assert r.copies_pop3 == len(r.zero_days)  # one device each: the first to poll


def test_no_signature_delay_stops_everything_at_delivery() -> None:
    r = lesson7_virus(signature_delay_h=0.0)
    assert r.zero_days == ()
    for v in (r.virus_pop3, r.virus_imap):
        assert v.caught_at_delivery == v.infected_delivered > 0
        assert v.reached_devices == v.caught_by_rescan == 0


def test_a_longer_delay_never_means_fewer_copies() -> None:
    runs = [lesson7_virus(signature_delay_h=h) for h in (0.0, 1.0, 6.0, 12.0, 48.0)]
    for proto in ("pop3", "imap"):
        copies = [getattr(r, f"copies_{proto}") for r in runs]
        assert copies == sorted(copies)


def test_most_weeks_bring_no_infected_mail_at_the_default_share() -> None:
    weeks = [generate(preset("family", days=7, seed=s)) for s in range(1, 21)]
    clean = sum(1 for tr in weeks if not any(m.infected for m in tr.messages))
    assert clean > len(weeks) / 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"infected_share": 0.6},
        {"signature_delay_h": -1.0},
        {"leave_on_server_days": 61},
        {"imap_offline": "yes"},
        {"seed": -1},
    ],
)
def test_bad_values_name_the_parameter(kwargs: dict) -> None:
    ((name, value),) = kwargs.items()
    with pytest.raises(ScenarioError) as e:
        lesson7_virus(**kwargs)
    assert name in str(e.value) and repr(value) in str(e.value)
