"""Presets: the named scenarios build, have the documented shape, and reject bad overrides."""

from __future__ import annotations

import pytest

from sim.inputs import defaults as D
from sim.inputs.presets import CAMPUS_USERS, device, laptop, phone, preset, preset_names
from sim.inputs.scenario import DAY, DeviceKind, Scenario, ScenarioError, TlsMode


def test_names() -> None:
    assert preset_names() == ("single", "family", "traveller", "campus", "two_clients")


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_builds_with_its_name(name: str) -> None:
    sc = preset(name)
    assert isinstance(sc, Scenario) and sc.name == name
    assert sc.duration_s == 7 * DAY and sc.seed == 1


def test_single() -> None:
    sc = preset("single")
    assert [d.name for d in sc.devices] == ["user/desktop"]
    assert sc.devices[0].spec.online.windows_h == ()


def test_family_has_phone_laptop_desktop_of_one_user() -> None:
    sc = preset("family")
    assert len(sc.users) == 1
    assert [d.spec.kind for d in sc.devices] == [
        DeviceKind.PHONE,
        DeviceKind.LAPTOP,
        DeviceKind.DESKTOP,
    ]
    assert sc.devices[0].spec.link.down_Bps == D.PHONE_DOWN_BPS
    assert sc.devices[2].spec.online.windows_h == ((17.0, 23.0),)


def test_traveller_is_metered_slow_and_often_offline() -> None:
    ph, lap = (d.spec for d in preset("traveller").devices)
    assert ph.link.metered and ph.link.down_Bps == D.SLOW_DOWN_BPS and ph.link.rtt_s == 0.3
    assert not lap.link.metered
    assert lap.online.online_hours_per_day == 3.0 and lap.online.offline_per_day > 0


def test_campus_is_500_users_times_3_devices() -> None:
    sc = preset("campus")
    assert len(sc.users) == CAMPUS_USERS == 500
    assert len(sc.devices) == 1500
    assert sc.devices[-1].name == "u499/desktop" and sc.devices[-1].id == 1499


def test_two_clients_is_the_articles_advice() -> None:
    lap, desk = (d.spec for d in preset("two_clients").devices)
    assert lap.pop3.leave_on_server and lap.pop3.use_uidl and lap.pop3.leave_days == 14.0
    assert not desk.pop3.leave_on_server


def test_overrides() -> None:
    sc = preset("family", seed=42, days=3, tls=TlsMode.STARTTLS)
    assert (sc.seed, sc.duration_s, sc.tls) == (42, 3 * DAY, TlsMode.STARTTLS)
    assert preset("single", duration_s=3600.0).duration_s == 3600.0


def test_unknown_preset_lists_the_allowed_names() -> None:
    with pytest.raises(ScenarioError) as info:
        preset("office")
    err = info.value
    assert (err.field, err.value) == ("name", "office")
    assert err.allowed == "one of single, family, traveller, campus, two_clients"


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"days": 0}, "days"),
        ({"days": 401}, "days"),
        ({"days": "7"}, "days"),
        ({"days": 2, "duration_s": 5.0}, "days"),
        ({"colour": "red"}, "colour"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_overrides_name_the_parameter(kwargs: dict, field: str) -> None:
    with pytest.raises(ScenarioError) as info:
        preset("single", **kwargs)
    assert info.value.field == field
    if field == "days" and "duration_s" not in kwargs:
        assert info.value.allowed.endswith("<= 400 days")


def test_device_presets() -> None:
    assert device(DeviceKind.PHONE).name == "phone"
    assert device(DeviceKind.LAPTOP, "work").name == "work"
    assert phone(use_weight=0.5).use_weight == 0.5
    assert laptop().storage_bytes == D.LAPTOP_STORAGE_BYTES
    with pytest.raises(ScenarioError, match="kind"):
        device("tablet")  # type: ignore[arg-type]
