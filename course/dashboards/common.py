"""Pieces every lesson dashboard shares: controls built from the model's ranges, result lookups.

Control ranges are never typed here: they come from :data:`sim.lessons.experiments.RANGES`, the ranges the
experiment functions validate, so a widget can offer exactly what the model accepts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from course.dashboards.base import Control, ControlKind
from course.predict import format_value

__all__ = [
    "DAYS",
    "LEAVE_DAYS_LOW",
    "SEED",
    "by_short",
    "control",
    "device_of",
    "mb",
    "pct",
    "plural",
    "short",
]


def _range(name: str) -> tuple[float, float]:
    from sim.lessons.experiments import RANGES

    try:
        lo, hi = RANGES[name]
    except KeyError:
        raise KeyError(
            f"sim.lessons.experiments.RANGES has no {name!r}; known: {sorted(RANGES)}"
        ) from None
    return float(lo), float(hi)


def control(
    name: str,
    label: str,
    kind: ControlKind,
    default: Any,
    *,
    step: float = 1.0,
    unit: str = "",
    off_label: str = "off",
    low: float | None = None,
    high: float | None = None,
    on_value: int | None = None,
) -> Control:
    """A control over the model's range for parameter ``name`` (``low`` and ``high`` may only
    narrow it, to the values worth offering a learner)."""
    lo, hi = _range(name)
    if low is not None:
        if low < lo:
            raise ValueError(f"control {name}: low={low} is below the model's range {lo:g}..{hi:g}")
        lo = float(low)
    if high is not None:
        if high > hi:
            raise ValueError(
                f"control {name}: high={high} exceeds the model's range {lo:g}..{hi:g}"
            )
        hi = high
    if on_value is not None and not lo <= on_value <= hi:
        raise ValueError(f"control {name}: on_value={on_value} is outside {lo:g}..{hi:g}")
    return Control(
        name, label, kind, default, lo, hi, step, unit, off_label=off_label, on_value=on_value
    )


DAYS = control("days", "simulated days", ControlKind.INT, 7, unit="days")
# POP3 "leave on server for N days" starts at 1 day: 0 days keeps a downloaded message only until
# the client's next poll, almost "delete after download" (the box unticked), which no one means
LEAVE_DAYS_LOW = 1
SEED = control("seed", "random trace (seed)", ControlKind.SEED, 1)


def short(device: str) -> str:
    """``"alice/phone"`` -> ``"phone"``."""
    return device.rsplit("/", 1)[-1]


def device_of(result: Any, name: str) -> Any:
    """The :class:`sim.outputs.results.DeviceSummary` whose short name is ``name`` (e.g. ``"phone"``)."""
    for d in result.devices:
        if short(d.device) == name:
            return d
    raise KeyError(f"device {name!r} not in result (have {[d.device for d in result.devices]})")


def by_short(pairs: Iterable[tuple[str, float]]) -> dict[str, float]:
    """``(("alice/phone", 3), ...)`` -> ``{"phone": 3, ...}``."""
    return {short(k): v for k, v in pairs}


def mb(n_bytes: float) -> float:
    """Octets -> megabytes (10^6), the unit of the storage and bandwidth results."""
    return n_bytes / 1e6


def pct(share: float) -> float:
    """A share in [0, 1] -> percent (NaN stays NaN)."""
    return 100.0 * share


def plural(n: float, word: str) -> str:
    """``plural(1, "message")`` -> ``"1 message"``; ``plural(3, ...)`` -> ``"3 messages"``."""
    n_text = format_value(n)
    return f"{n_text} {word}" if n == 1 else f"{n_text} {word}s"


def numbers(results: Mapping[str, float | str]) -> dict[str, float]:
    """The numeric entries of a dashboard's results (choice results left out), for summaries."""
    return {k: v for k, v in results.items() if isinstance(v, float)}


def nan_to(value: float, default: float = 0.0) -> float:
    return default if value is None or (isinstance(value, float) and math.isnan(value)) else value


def order_devices(names: Sequence[str]) -> list[str]:
    """Devices in the course's order: phone, laptop, desktop, then others, then the new device."""
    rank = {"phone": 0, "laptop": 1, "desktop": 2, "new": 9}
    return sorted(names, key=lambda n: (rank.get(short(n), 5), n))


def key_of(values: Mapping[str, Any], names: Iterable[str]) -> tuple[tuple[str, Any], ...]:
    """``values`` of the controls ``names``, as a key of :class:`~course.dashboards.base.Recent`."""
    return tuple((name, values[name]) for name in sorted(names))
