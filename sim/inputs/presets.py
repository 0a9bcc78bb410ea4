"""Ready-made scenarios and device presets.

``preset(name, **overrides)`` returns a validated :class:`~sim.inputs.scenario.Scenario`; overrides are
Scenario fields (``seed=7``, ``tls=TlsMode.NONE``...) plus the convenience ``days=N`` for
``duration_s``.  Device presets (:func:`phone`, :func:`laptop`, :func:`desktop`) carry the link,
online pattern and storage figures of :mod:`sim.inputs.defaults`; their client policies are the defaults
of :class:`~sim.inputs.scenario.Pop3Policy` (delete after download, UIDL on) and
:class:`~sim.inputs.scenario.ImapPolicy` (IDLE, full offline sync, attachments on demand) unless a preset
says otherwise.

Presets
-------
``single``     one user, one always-online desktop.
``family``     one user with a phone (always on, short dead spots), a laptop (mornings and
               evenings) and a desktop (evenings).
``traveller``  a metered phone on a slow, high-latency link with frequent dead spots, plus a laptop
               that is online only briefly each day and often away for hours.
``campus``     500 users, each with a phone, a laptop and a lab desktop.
``two_clients`` the article's POP3 advice (lesson 6): a laptop that leaves copies on the server
               (14 days, UIDL) and a desktop that downloads without leaving copies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from . import defaults as D
from .scenario import (
    DAY,
    DeviceKind,
    DeviceSpec,
    LinkSpec,
    OnlinePattern,
    Pop3Policy,
    Range,
    Scenario,
    ScenarioError,
    UserSpec,
    field_range,
)

# -- device presets --------------------------------------------------------------------------------


def phone(name: str = "phone", **overrides: Any) -> DeviceSpec:
    """A smartphone on 4G: always carried, a few short dead spots a day, small storage."""
    base = DeviceSpec(
        name=name,
        kind=DeviceKind.PHONE,
        link=LinkSpec(D.PHONE_DOWN_BPS, D.PHONE_UP_BPS, D.PHONE_RTT_S, metered=False),
        online=OnlinePattern(offline_per_day=3.0, offline_mean_s=15 * 60.0),
        storage_bytes=D.PHONE_STORAGE_BYTES,
        use_weight=3.0,
    )
    return dataclasses.replace(base, **overrides)


def laptop(name: str = "laptop", **overrides: Any) -> DeviceSpec:
    """A laptop on Wi-Fi, opened in the morning and the evening."""
    base = DeviceSpec(
        name=name,
        kind=DeviceKind.LAPTOP,
        link=LinkSpec(D.LAPTOP_DOWN_BPS, D.LAPTOP_UP_BPS, D.LAPTOP_RTT_S),
        online=OnlinePattern(windows_h=((7.0, 9.0), (18.0, 23.0))),
        storage_bytes=D.LAPTOP_STORAGE_BYTES,
        use_weight=1.5,
    )
    return dataclasses.replace(base, **overrides)


def desktop(name: str = "desktop", **overrides: Any) -> DeviceSpec:
    """A wired desktop, always on."""
    base = DeviceSpec(
        name=name,
        kind=DeviceKind.DESKTOP,
        link=LinkSpec(D.DESKTOP_DOWN_BPS, D.DESKTOP_UP_BPS, D.DESKTOP_RTT_S),
        online=OnlinePattern(),
        storage_bytes=D.DESKTOP_STORAGE_BYTES,
        use_weight=1.0,
    )
    return dataclasses.replace(base, **overrides)


DEVICE_PRESETS: dict[DeviceKind, Callable[..., DeviceSpec]] = {
    DeviceKind.PHONE: phone,
    DeviceKind.LAPTOP: laptop,
    DeviceKind.DESKTOP: desktop,
}


def device(kind: DeviceKind, name: str | None = None, **overrides: Any) -> DeviceSpec:
    """The preset device of ``kind`` (named after the kind unless ``name`` is given)."""
    if not isinstance(kind, DeviceKind):
        allowed = ", ".join(k.value for k in DeviceKind)
        raise ScenarioError("device", "kind", kind, f"one of {allowed}")
    return DEVICE_PRESETS[kind](name or kind.value, **overrides)


# -- scenario presets ------------------------------------------------------------------------------


def _single() -> Scenario:
    return Scenario(users=(UserSpec("user", (desktop(),)),), name="single")


def _family() -> Scenario:
    dev = (phone(), laptop(), desktop(online=OnlinePattern(windows_h=((17.0, 23.0),))))
    return Scenario(users=(UserSpec("alex", dev),), name="family")


def _traveller() -> Scenario:
    slow = LinkSpec(D.SLOW_DOWN_BPS, D.SLOW_UP_BPS, D.SLOW_RTT_S, metered=True)
    dev = (
        phone(
            link=slow,
            online=OnlinePattern(offline_per_day=6.0, offline_mean_s=45 * 60.0),
            use_weight=4.0,
        ),
        laptop(
            online=OnlinePattern(
                windows_h=((7.0, 8.0), (20.0, 22.0)), offline_per_day=1.0, offline_mean_s=8 * 3600.0
            ),
            use_weight=1.0,
        ),
    )
    return Scenario(users=(UserSpec("sam", dev),), name="traveller")


CAMPUS_USERS = 500


def _campus() -> Scenario:
    dev = (phone(), laptop(), desktop(online=OnlinePattern(windows_h=((9.0, 17.0),))))
    users = tuple(UserSpec(f"u{i:03d}", dev) for i in range(CAMPUS_USERS))
    return Scenario(users=users, name="campus")


def _two_clients() -> Scenario:
    keep = Pop3Policy(leave_on_server=True, leave_days=D.POP3_LEAVE_DAYS, use_uidl=True)
    dev = (
        laptop(pop3=keep, online=OnlinePattern(windows_h=((7.0, 9.0), (18.0, 23.0)))),
        desktop(
            pop3=Pop3Policy(leave_on_server=False), online=OnlinePattern(windows_h=((9.0, 17.0),))
        ),
    )
    return Scenario(users=(UserSpec("kim", dev),), name="two_clients")


PRESETS: dict[str, Callable[[], Scenario]] = {
    "single": _single,
    "family": _family,
    "traveller": _traveller,
    "campus": _campus,
    "two_clients": _two_clients,
}


def preset_names() -> tuple[str, ...]:
    return tuple(PRESETS)


def preset(name: str, **overrides: Any) -> Scenario:
    """The scenario called ``name`` with Scenario fields overridden (``days=N`` sets duration)."""
    if name not in PRESETS:
        raise ScenarioError("preset", "name", name, "one of " + ", ".join(PRESETS))
    scenario = PRESETS[name]()
    days = overrides.pop("days", None)
    if days is not None:
        if "duration_s" in overrides:
            raise ScenarioError("preset", "days", days, "either days or duration_s, not both")
        rng = field_range(Scenario, "duration_s")
        lo, hi = rng.lo / DAY, rng.hi / DAY
        if not Range(lo, hi, "days").contains(days):
            raise ScenarioError("preset", "days", days, Range(lo, hi, "days").describe())
        overrides["duration_s"] = days * DAY
    known = {f.name for f in dataclasses.fields(Scenario)}
    for key in overrides:
        if key not in known:
            raise ScenarioError(
                "preset", key, overrides[key], "a Scenario field: days, " + ", ".join(sorted(known))
            )
    return dataclasses.replace(scenario, **overrides)
