"""Scenario validation: every field checked, errors name field/value/range, ranges exported."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.inputs import scenario as S
from sim.inputs.scenario import (
    RANGES,
    SPEC_CLASSES,
    CrashSpec,
    DeviceSpec,
    FetchMode,
    ImapPolicy,
    LinkSpec,
    OnlinePattern,
    Pop3Policy,
    Range,
    Scenario,
    ScenarioError,
    ServerSpec,
    TlsMode,
    UserSpec,
    WorkloadSpec,
    field_range,
)

CLASSES = {cls.__name__: cls for cls in SPEC_CLASSES}


def _outside(rng: Range) -> list[object]:
    """Values just outside ``rng`` (and never-valid kinds of value)."""
    step = 1 if rng.integer else max(1e-9, abs(rng.lo) * 1e-6)
    below = rng.lo if rng.lo_open else rng.lo - step
    above = rng.hi + 1 if rng.integer else rng.hi * 1.001 + 1e-9
    bad: list[object] = [below, above, True, "1", math.nan, math.inf]
    if rng.integer:
        bad.append(float(rng.lo) + 0.5)
    if not rng.optional:
        bad.append(None)
    return bad


def test_ranges_cover_every_numeric_field() -> None:
    assert len(RANGES) >= 40
    assert RANGES["ImapPolicy.idle_reissue_s"].hi == 29 * 60
    assert RANGES["Pop3Policy.poll_interval_s"] == field_range(Pop3Policy, "poll_interval_s")
    assert field_range("LinkSpec", "rtt_s") == Range(0.0, 10.0, "s")


@pytest.mark.parametrize("key", sorted(RANGES))
def test_out_of_range_value_names_field_value_and_range(key: str) -> None:
    owner, name = key.split(".")
    cls, rng = CLASSES[owner], RANGES[key]
    for bad in _outside(rng):
        with pytest.raises(ScenarioError) as info:
            cls(**{name: bad})
        err = info.value
        assert (err.owner, err.field) == (owner, name)
        assert err.value is bad or (isinstance(bad, float) and math.isnan(bad))
        assert err.allowed == rng.describe()
        assert f"{owner}.{name}=" in str(err) and "allowed" in str(err)


@pytest.mark.parametrize("key", sorted(RANGES))
def test_range_bounds_are_accepted(key: str) -> None:
    owner, name = key.split(".")
    cls, rng = CLASSES[owner], RANGES[key]
    values = [rng.hi] + ([] if rng.lo_open else [rng.lo])
    if owner == "Scenario" and name == "seed":
        values = [0, 2**63 - 1]
    for v in values:
        v = int(v) if rng.integer else v
        assert getattr(cls(**{name: v}), name) == v


def test_error_is_a_value_error_with_readable_text() -> None:
    with pytest.raises(
        ValueError,
        match=r"Pop3Policy.poll_interval_s=5: allowed number "
        r"10 <= x <= 86400 s",
    ):
        Pop3Policy(poll_interval_s=5)
    with pytest.raises(ScenarioError, match=r"ImapPolicy.idle_reissue_s=1800: .* x <= 1740 s"):
        ImapPolicy(idle_reissue_s=1800)
    assert field_range(Pop3Policy, "leave_days").describe() == "number 0 <= x <= 3650 days or None"


@pytest.mark.parametrize(
    "cls,name,bad",
    [
        (ImapPolicy, "fetch_mode", "full_offline"),
        (ImapPolicy, "attachments", None),
        (Scenario, "tls", "implicit"),
        (DeviceSpec, "kind", "phone"),
    ],
)
def test_enum_fields_list_their_members(cls: type, name: str, bad: object) -> None:
    with pytest.raises(ScenarioError) as info:
        cls(**{name: bad})
    assert info.value.field == name and info.value.value == bad
    assert info.value.allowed.startswith("one of ")


@pytest.mark.parametrize(
    "cls,name",
    [
        (LinkSpec, "metered"),
        (Pop3Policy, "use_uidl"),
        (Pop3Policy, "leave_on_server"),
        (ImapPolicy, "idle"),
        (ServerSpec, "scan_at_delivery"),
        (DeviceSpec, "scans_mail"),
    ],
)
def test_bool_fields_refuse_non_bools(cls: type, name: str) -> None:
    with pytest.raises(ScenarioError) as info:
        cls(**{name: 1})
    assert (info.value.field, info.value.allowed) == (name, "True or False")


@pytest.mark.parametrize(
    "windows",
    [
        ((9.0, 8.0),),
        ((8.0, 12.0), (11.0, 13.0)),
        ((-1.0, 5.0),),
        ((20.0, 25.0),),
        ((1.0,),),
        ((True, 3.0),),
        [(1.0, 2.0)],
    ],
)
def test_online_windows_validated(windows: object) -> None:
    with pytest.raises(ScenarioError) as info:
        OnlinePattern(windows_h=windows)  # type: ignore[arg-type]
    assert info.value.field == "windows_h"


def test_online_hours() -> None:
    assert OnlinePattern().online_hours_per_day == 24.0
    assert OnlinePattern(windows_h=((7, 9), (18, 23))).online_hours_per_day == 7.0


def test_names_and_structure_validated() -> None:
    with pytest.raises(ScenarioError, match=r"DeviceSpec\.name"):
        DeviceSpec(name="my phone")
    with pytest.raises(ScenarioError, match="unique device names"):
        UserSpec("a", (DeviceSpec(name="x"), DeviceSpec(name="x")))
    with pytest.raises(ScenarioError, match=r"UserSpec\.devices"):
        UserSpec("a", ())
    with pytest.raises(ScenarioError, match="unique user names"):
        Scenario(users=(UserSpec("a"), UserSpec("a")))
    with pytest.raises(ScenarioError, match=r"DeviceSpec\.link"):
        DeviceSpec(link="fast")  # type: ignore[arg-type]
    with pytest.raises(ScenarioError, match=r"WorkloadSpec\.folders"):
        WorkloadSpec(folders=("Work", "Inbox"))
    with pytest.raises(ScenarioError, match=r"WorkloadSpec\.folders"):
        WorkloadSpec(folders=())


def _two_users() -> Scenario:
    return Scenario(
        users=(
            UserSpec("ann", (DeviceSpec(name="phone"), DeviceSpec(name="pc"))),
            UserSpec("bob", (DeviceSpec(name="pc"),)),
        )
    )


def test_devices_get_global_ids_and_qualified_names() -> None:
    sc = _two_users()
    assert [(d.id, d.user, d.name) for d in sc.devices] == [
        (0, 0, "ann/phone"),
        (1, 0, "ann/pc"),
        (2, 1, "bob/pc"),
    ]
    assert sc.device_id("phone") == 0
    assert sc.device_id("bob/pc") == 2
    with pytest.raises(ScenarioError) as info:
        sc.device_id("pc")  # ambiguous
    assert "ann/pc" in info.value.allowed and "bob/pc" in info.value.allowed


def test_crash_devices_checked_against_the_scenario() -> None:
    base = _two_users()
    ok = dataclasses.replace(base, crashes=CrashSpec(at=(("ann/pc", 50.0), ("phone", 10.0))))
    assert ok.crash_times() == ((0, 10.0), (1, 50.0))
    with pytest.raises(ScenarioError) as info:
        dataclasses.replace(base, crashes=CrashSpec(at=(("tablet", 1.0),)))
    assert (info.value.field, info.value.value) == ("crashes.at", "tablet")
    with pytest.raises(ScenarioError, match=r"CrashSpec\.at"):
        CrashSpec(at=(("pc", -5.0),))


def test_replace_revalidates() -> None:
    sc = Scenario()
    assert dataclasses.replace(sc, seed=9).seed == 9
    with pytest.raises(ScenarioError, match=r"Scenario\.duration_s"):
        dataclasses.replace(sc, duration_s=1.0)


def test_field_range_unknown_field_lists_numeric_fields() -> None:
    with pytest.raises(KeyError, match="poll_interval_s"):
        field_range(Pop3Policy, "use_uidl")


def test_no_protocol_in_the_scenario() -> None:
    names = {f.name for f in dataclasses.fields(Scenario)}
    assert not names & {"protocol", "proto"}
    dev = DeviceSpec()
    assert isinstance(dev.pop3, Pop3Policy) and isinstance(dev.imap, ImapPolicy)


def test_scenarios_are_frozen_and_hashable() -> None:
    sc = Scenario()
    with pytest.raises(dataclasses.FrozenInstanceError):
        sc.seed = 3  # type: ignore[misc]
    assert hash(sc) == hash(Scenario()) and sc == Scenario()


def _value(rng: Range) -> st.SearchStrategy[object]:
    if rng.integer:
        strat: st.SearchStrategy[object] = st.integers(int(rng.lo) + int(rng.lo_open), int(rng.hi))
    else:
        strat = st.floats(rng.lo, rng.hi, exclude_min=rng.lo_open, allow_nan=False)
    return st.one_of(strat, st.none()) if rng.optional else strat


def _kwargs(cls: type) -> st.SearchStrategy[dict[str, object]]:
    return st.fixed_dictionaries(
        {k.split(".")[1]: _value(r) for k, r in RANGES.items() if k.split(".")[0] == cls.__name__}
    )


@settings(max_examples=60, deadline=None)
@given(
    link=_kwargs(LinkSpec),
    pop=_kwargs(Pop3Policy),
    imap=_kwargs(ImapPolicy),
    dev=_kwargs(DeviceSpec),
    work=_kwargs(WorkloadSpec),
    server=_kwargs(ServerSpec),
    top=_kwargs(Scenario),
    mode=st.sampled_from(FetchMode),
    tls=st.sampled_from(TlsMode),
)
def test_random_valid_scenarios_build(
    link: dict,
    pop: dict,
    imap: dict,
    dev: dict,
    work: dict,
    server: dict,
    top: dict,
    mode: FetchMode,
    tls: TlsMode,
) -> None:
    device = DeviceSpec(
        link=LinkSpec(**link),
        pop3=Pop3Policy(**pop),
        imap=ImapPolicy(fetch_mode=mode, **imap),
        **dev,
    )
    sc = Scenario(
        users=(UserSpec("u", (device,)),),
        workload=WorkloadSpec(**work),
        server=ServerSpec(**server),
        tls=tls,
        **top,
    )
    assert sc.devices[0].spec is device
    for key, value in top.items():
        assert getattr(sc, key) == value


def test_module_has_no_global_random_state() -> None:
    assert not hasattr(S, "random")


def test_parameter_reference_documents_every_field() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "parameters.md").read_text()
    for cls in SPEC_CLASSES + (UserSpec,):
        assert f"## {cls.__name__}" in doc
        for f in dataclasses.fields(cls):
            assert f"| `{f.name}` |" in doc, f"{cls.__name__}.{f.name} missing in parameters.md"
