"""Lesson 9: a delete by mistake under IMAP and two POP3 set-ups, and whole years of crashes."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sim.inputs.presets import preset
from sim.inputs.scenario import DAY, ScenarioError
from sim.inputs.workload import ActionKind, generate
from sim.lessons import experiments as E
from sim.model import Protocol
from sim.model.simulation import simulate_with_world

FAMILY = ("alex/phone", "alex/laptop", "alex/desktop")


def test_at_defaults_the_mistaken_delete_survives_only_on_the_pop3_archive() -> None:
    r = E.lesson9_crash()
    assert r.deleted_message is not None and r.deleted_at_s == 4 * DAY  # a day before the crash
    # IMAP: the delete reached every device and the server
    assert set(r.accidental_delete_gone_imap) == set(FAMILY)
    assert not r.accidental_delete_on_server_imap
    # POP3 with a desktop archive: the desktop's own copy survives
    assert "alex/desktop" not in r.accidental_delete_gone_pop3_archive
    assert "alex/phone" in r.accidental_delete_gone_pop3_archive
    # POP3 deleting after download: the phone held the only copy
    assert set(r.accidental_delete_gone_pop3) == set(FAMILY)
    assert not r.accidental_delete_on_server_pop3
    # the crash panel is unchanged: POP3 (delete after download) loses mail, IMAP none
    assert r.crash_pop3 is not None and r.crash_pop3.lost_messages > 0
    assert r.crash_imap is not None and r.crash_imap.lost_messages == 0


def test_a_desktop_crash_after_the_delete_takes_the_archives_copy() -> None:
    r = E.lesson9_crash(crash_device="desktop")
    assert set(r.accidental_delete_gone_pop3_archive) == set(FAMILY)


def test_the_message_deleted_by_mistake_is_one_the_phone_fetched_first() -> None:
    """Without the delete (and without a crash) every set-up ends with it on the phone, and with
    delete after download on the phone only: the delete acts on a copy the phone holds."""
    sc = preset("family", days=7, seed=1)
    tr = generate(sc)
    phone = sc.device_id("phone")
    target = E._phone_first_message(sc, tr, phone, 4 * DAY)
    assert target is not None
    arch = E._desktop_archive(sc)
    for scenario, proto in ((sc, Protocol.POP3), (arch, Protocol.POP3), (sc, Protocol.IMAP)):
        _, world = simulate_with_world(scenario, proto, E._same_trace(tr, scenario))
        holders = {d.name for d in world.devices if target in d.local}
        assert "alex/phone" in holders, (scenario.name, proto)
        if scenario is sc and proto is Protocol.POP3:
            assert holders == {"alex/phone"}


def test_the_archive_set_up_replays_the_very_same_trace() -> None:
    sc = preset("family", days=3, seed=2)
    arch = E._desktop_archive(sc)
    assert generate(arch) == E._same_trace(generate(sc), arch)
    pols = {d.name: d.pop3 for d in arch.users[0].devices}
    assert not pols["desktop"].leave_on_server
    for name in ("phone", "laptop"):
        assert pols[name].leave_on_server and pols[name].use_uidl
        assert pols[name].leave_days == E.ARCHIVE_LEAVE_DAYS


def test_mistaken_deletes_hit_recent_kept_mail_on_the_phone_while_it_is_in_use() -> None:
    sc = E.lesson9_year_scenario(seed=3)
    tr = generate(sc)
    phone = sc.device_id("phone")
    acts = E._accidental_deletes(tr, phone, 12.0, 3)
    assert acts == E._accidental_deletes(tr, phone, 12.0, 3)  # its own seeded stream
    assert 3 <= len(acts) <= 30  # a Poisson count around 12 over the year
    assert acts[-1].time > 100 * DAY  # spread over the year, not a 30-day window
    deliberate = {a.target for a in tr.actions if a.kind is ActionKind.DELETE}
    assert len({a.target for a in acts}) == len(acts)
    for a in acts:
        assert a.target is not None
        m = tr.messages[a.target]
        assert a.device == phone and a.kind is ActionKind.DELETE
        assert a.time - E.RECENT_DAYS * DAY <= m.time <= a.time - 3600.0
        assert a.target not in deliberate and not m.infected
        assert any(iv.start <= a.time < iv.end for iv in tr.usage[phone])
    assert E._accidental_deletes(tr, phone, 0.0, 3) == ()


@pytest.mark.slow
def test_yearly_monte_carlo_runs_whole_years_and_is_deterministic() -> None:
    seen: list[float] = []
    kw: dict[str, Any] = {
        "trials": 1,
        "seed": 4,
        "crashes_per_year": 2.0,
        "accidental_deletes_per_year": 6.0,
    }
    y = E.lesson9_yearly_loss(**kw, progress=seen.append)
    assert y.days == E.YEAR_DAYS == 365
    assert y.simulated_s == (365 * DAY,)  # the runs covered the whole year: nothing scaled
    assert E.lesson9_year_scenario(seed=4, crashes_per_year=2.0).duration_s == 365 * DAY
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3
    assert y.seeds == (4,) and y.accidental_deletes[0] > 0 and y.crashes[0] > 0
    # IMAP loses nothing in crashes but the deletes by mistake; the archive keeps them
    assert y.imap.crash == (0,)
    assert 0 < y.imap.delete[0] <= y.accidental_deletes[0]
    assert y.pop3_archive.delete == (0,)
    assert y.pop3.crash[0] > 0
    assert math.isclose(y.mean_pop3, y.pop3.crash[0] + y.pop3.delete[0])
    assert y.lost_imap == y.imap.total
    assert E.lesson9_yearly_loss(**kw) == y  # same seed, same numbers


@pytest.mark.parametrize(
    "kw,name",
    [
        ({"trials": 0}, "trials"),
        ({"trials": 21}, "trials"),
        ({"trials": 2.5}, "trials"),
        ({"crashes_per_year": -1.0}, "crashes_per_year"),
        ({"crashes_per_year": 13.0}, "crashes_per_year"),
        ({"accidental_deletes_per_year": 53.0}, "accidental_deletes_per_year"),
        ({"accidental_deletes_per_year": math.nan}, "accidental_deletes_per_year"),
        ({"backup_age_days": -1.0}, "backup_age_days"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_yearly_parameters_name_parameter_value_and_range(kw: dict, name: str) -> None:
    lo, hi = E.RANGES[name]
    with pytest.raises(ScenarioError, match=name) as info:
        E.lesson9_yearly_loss(**kw)
    assert info.value.field == name
    assert info.value.value is kw[name]
    assert f"{lo:g}" in info.value.allowed and f"{hi:g}" in info.value.allowed


def test_bad_crash_parameters_raise_scenario_errors() -> None:
    with pytest.raises(ScenarioError, match="crash_day"):
        E.lesson9_crash(days=3, crash_day=4.0)
    with pytest.raises(ScenarioError, match="accidental_delete"):
        E.lesson9_crash(accidental_delete=1)  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match="crash_device"):
        E.lesson9_crash(crash_device="tablet")
