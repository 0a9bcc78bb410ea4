"""``python -m sim bench``: the four measurements of issue 3 run and report what they measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.bench import dispatch_floor
from sim.presets import preset
from sim.workload import generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_json_reports_every_measurement_but_campus_when_skipped() -> None:
    proc = subprocess.run([sys.executable, "-m", "sim", "bench", "--skip-campus", "--repeat", "1",
                           "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert set(figures) == {"1_events_per_s", "2_poll_1min_vs_10min", "4_lesson_family_7d_both_ms"}
    one = figures["1_events_per_s"]
    assert one["model_events"] > 1000 and one["bare_simpy"] > one["model"] > 0
    assert 0 < one["ratio"] < one["dispatch_floor_ratio"]  # model work costs more than nothing
    assert one["model_work_us_per_event"] > 0
    two = figures["2_poll_1min_vs_10min"]
    assert abs(two["ratio"] - two["poll_1min_s"] / two["poll_10min_s"]) < 0.01  # (rounded)
    assert figures["4_lesson_family_7d_both_ms"]["repeat"] == 1


def test_dispatch_floor_handles_every_trace_item_and_nothing_else() -> None:
    sc = preset("family", days=3, seed=4)
    trace = generate(sc)
    events, seconds = dispatch_floor(sc, trace)
    items = (len(trace.messages) + len(trace.actions) + len(trace.crashes)
             + len(trace.signature_updates) + len(trace.disk_failures)
             + sum(1 for f in trace.disk_failures if f.repaired_at < sc.duration_s)
             + sum(1 for r in sc.devices if 0 < r.spec.first_online_s < sc.duration_s))
    within = [x for x in (*(m.time for m in trace.messages), *(a.time for a in trace.actions))
              if x >= sc.duration_s]
    assert events == items - len(within) and seconds > 0
