"""Metric bookkeeping: consistency pairs, the lazy grid, and the result records."""

from __future__ import annotations

import json
import math

import pytest

from sim.model.poll_ticks import Timeline
from sim.outputs.metrics import FLAGGED, SEEN, Recorder, mean_finite
from sim.outputs.results import Delay, Traffic, to_jsonable


def test_consistency_coverage_and_agreement_from_pairs() -> None:
    rec = Recorder(["a", "b"], duration_s=10.0, step_s=1.0, keep_device_series=True)
    intent = ("INBOX", SEEN)
    rec.pair_add(0, intent, ("INBOX", SEEN), 1)  # agrees
    rec.pair_add(0, intent, ("INBOX", 0), 1)  # covered, flags differ
    rec.pair_add(0, intent, None, 1)  # not covered
    rec.pair_add(0, None, None, 1)  # deleted and hidden: consistent
    rec.pair_add(1, None, ("Work", FLAGGED), 1)  # deleted but still shown: inconsistent
    rec.advance(0.5)
    rec.finish()
    s = rec.device_series()
    assert s[0].consistency_share[0] == pytest.approx(2 / 4)
    assert s[0].coverage_share[0] == pytest.approx(2 / 3)
    assert s[0].state_agreement_share[0] == pytest.approx(1 / 2)
    assert s[1].consistency_share[0] == 0.0
    assert math.isnan(s[1].coverage_share[0])  # no pair with an intent: undefined, not 0
    assert rec.s_cons[0] == pytest.approx(2 / 5)


def test_grid_point_holds_the_state_after_events_at_or_before_it() -> None:
    rec = Recorder(["a"], duration_s=3.0, step_s=1.0, keep_device_series=True)
    assert rec.grid == [0.0, 1.0, 2.0, 3.0]
    rec.advance(1.0)  # an event at t=1 is about to happen: fills only t=0
    rec.device_add(0, 100)
    rec.advance(2.5)  # fills t=1 and t=2 with the state after the t=1 event
    rec.device_add(0, -40)
    rec.finish()
    assert rec.device_series()[0].storage_bytes == (0, 100, 100, 60)
    assert rec.dev_peak[0] == 100


def test_removing_a_pair_undoes_adding_it() -> None:
    rec = Recorder(["a"], 1.0, 1.0, False)
    for view in (None, ("INBOX", 0), ("INBOX", SEEN)):
        for intent in (None, ("INBOX", SEEN)):
            rec.pair_add(0, intent, view, 1)
            rec.pair_add(0, intent, view, -1)
    assert (rec.exist, rec.covered, rec.agree, rec.dpairs, rec.dhidden) == ([0], [0], [0], [0], [0])


def test_delay_summary_and_json() -> None:
    d = Delay.of([4.0, 1.0, 3.0, 2.0])
    assert (d.count, d.median_s, d.mean_s, d.max_s) == (4, 2.5, 2.5, 4.0)
    assert d.p95_s == pytest.approx(3.85)
    assert math.isnan(Delay.of([]).median_s)
    t = Traffic(1, 2, 3, 4, 5, 6)
    assert t.total == 21 and (t + t).total == 42
    out = to_jsonable({"d": Delay.of([]), "t": t})
    assert out["d"]["median_s"] is None and out["t"]["total"] == 21
    json.dumps(out)
    assert math.isnan(mean_finite([math.nan])) and mean_finite([1.0, math.nan, 3.0]) == 2.0


def test_poll_ticks_in_closed_form() -> None:
    tl = Timeline([(0.0, 100.0), (250.0, 300.0)], interval=30.0, phase=15.0)
    start = 15.0 / 30.0 * 30.0  # start-up offset: the phase's share of min(interval, 120 s)
    ticks = [start + k * 30 for k in range(4)] + [250.0 + start + k * 30 for k in range(2)]
    ticks = [x for x in ticks if x < 100.0 or 250.0 <= x < 300.0]
    assert tl.ticks_between(0.0, 1000.0) == len(ticks)
    assert tl.next_tick(16.0) == ticks[1]
    assert tl.next_tick(120.0) == 250.0 + start
    assert tl.next_tick(299.9) == math.inf
    assert tl.ticks_between(ticks[1], ticks[2]) == 1  # half-open: [a, b)
    assert tl.online_time(50.0, 275.0) == pytest.approx(50.0 + 25.0)
    assert tl.next_online(120.0) == 250.0 and tl.online(260.0) and not tl.online(100.0)
