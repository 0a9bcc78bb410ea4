"""The shortcuts the POP3 client takes through the tick arithmetic give the full answers."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.poll_ticks import Timeline


def _timeline(bounds: list[float], interval: float, phase: float) -> Timeline:
    xs = sorted(bounds)
    return Timeline([(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)], interval, phase)


def _between(a: float, b: float) -> list[float]:
    """Points of [a, b) that probe its ends: a, b's neighbours, a few fractions."""
    if not (math.isfinite(a) and math.isfinite(b)) or b <= a:
        return [a]
    pts = [a, math.nextafter(b, -math.inf)]
    pts += [a + (b - a) * f for f in (1e-12, 0.25, 0.5, 0.999999)]
    return [p for p in pts if a <= p < b]


@settings(max_examples=200, deadline=None)
@given(
    bounds=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=0, max_size=12, unique=True),
    queries=st.lists(st.floats(-10, 1.1e6, allow_nan=False), min_size=1, max_size=20),
    interval=st.sampled_from([10.0, 60.0, 600.0, 1234.5]),
    phase=st.floats(0, 2000),
)
def test_next_tick_is_shared_up_to_the_margin(
    bounds: list[float], queries: list[float], interval: float, phase: float
) -> None:
    """Every question in [t, tick - interval * 1e-6) and the tick itself get the answer for t
    (what the cached next_tick and the client's quiet window rely on), and no tick lies in
    [t, tick) (the client books nothing for a session at its tick)."""
    tl = _timeline(bounds, interval, phase)
    for q in queries:
        tick = tl._next_tick(q)
        for p in _between(q, tick - interval * 1e-6):
            assert tl._next_tick(p) == tick
            assert tl.ticks_between(p, tick) == 0 if math.isfinite(tick) else True
        if math.isfinite(tick):
            assert tl._next_tick(tick) == tick
            assert tl.ticks_between(q, tick) == 0


@settings(max_examples=100, deadline=None)
@given(
    bounds=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=0, max_size=12, unique=True),
    queries=st.lists(st.floats(-10, 1.1e6, allow_nan=False), min_size=1, max_size=20),
    interval=st.sampled_from([10.0, 600.0]),
    phase=st.floats(0, 2000),
)
def test_cached_next_tick_in_time_order(
    bounds: list[float], queries: list[float], interval: float, phase: float
) -> None:
    """As the model asks: mostly forward in time, often at the answer itself."""
    tl = _timeline(bounds, interval, phase)
    qs = sorted(queries)
    asked = []
    for q in qs:
        asked.append(q)
        tick = tl._next_tick(q)
        asked += _between(q, tick - interval * 1e-6) + ([tick] if math.isfinite(tick) else [])
    for t in asked:
        assert tl.next_tick(t) == tl._next_tick(t)
