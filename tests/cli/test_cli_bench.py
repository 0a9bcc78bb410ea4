"""``python -m sim bench``: the four measurements of issue 3 run and report what they measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli.model_bench import TARGETS, bare_simpy_rate, campus_of, dispatch_floor, measure
from sim.inputs.presets import preset
from sim.inputs.workload import generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_bench_json_reports_every_measurement_but_campus_when_skipped() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "bench", "--skip-campus", "--repeat", "1", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert list(figures) == ["4_poll_1min_vs_10min", "5_lesson_family_7d_both_ms"]
    four = figures["4_poll_1min_vs_10min"]
    assert abs(four["ratio"] - four["poll_1min"]["wall_s"] / four["poll_10min"]["wall_s"]) < 0.01
    rate = four["bare_timeouts_per_s"]
    for fig in (four["poll_1min"], four["poll_10min"]):  # normalised = wall at 1 M timeouts/s
        assert abs(fig["normalised_s"] - fig["wall_s"] * rate / 1e6) < 0.001
    five = figures["5_lesson_family_7d_both_ms"]
    assert five["repeat"] == 1 and five["verdict"] in ("PASS", "FAIL")
    assert all(f["target"] == TARGETS[k] for k, f in figures.items())


def test_bench_prints_target_value_and_verdict_in_order() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "bench", "--skip-campus", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [line[:2] for line in lines] == ["4.", "5."]
    for line in lines:
        assert " target " in line and line.endswith((": PASS", ": FAIL"))


def test_only_runs_the_measurements_asked_for() -> None:
    figures = measure(repeat=1, only=frozenset({5}))
    assert list(figures) == ["5_lesson_family_7d_both_ms"]
    assert measure(repeat=1, skip_campus=True, only=frozenset({1, 2, 3})) == {}


@pytest.mark.parametrize("value", ["0", "6", "1,x", ""])
def test_only_names_the_allowed_numbers(value: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "bench", "--only", value],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert f"--only={value!r}: allowed numbers 1..5, comma-separated" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bare_simpy_rate_is_timeouts_per_second() -> None:
    assert 1e3 < bare_simpy_rate(10_000) < 1e9


def test_campus_of_keeps_campus_devices_for_any_number_of_users() -> None:
    sc = campus_of(1200, 1)
    assert len(sc.users) == 1200 and sc.users[-1].name == "u1199"
    assert sc.users[5].devices == preset("campus").users[0].devices


def test_dispatch_floor_handles_every_trace_item_and_nothing_else() -> None:
    sc = preset("family", days=3, seed=4)
    trace = generate(sc)
    events, seconds = dispatch_floor(sc, trace)
    items = (
        len(trace.messages)
        + len(trace.actions)
        + len(trace.crashes)
        + len(trace.signature_updates)
        + len(trace.disk_failures)
        + sum(1 for f in trace.disk_failures if f.repaired_at < sc.duration_s)
        + sum(1 for r in sc.devices if 0 < r.spec.first_online_s < sc.duration_s)
    )
    within = [
        x
        for x in (*(m.time for m in trace.messages), *(a.time for a in trace.actions))
        if x >= sc.duration_s
    ]
    assert events == items - len(within) and seconds > 0


def test_timed_counts_the_cpu_seconds_of_local_workers() -> None:
    """Workers forked from the fork server are no children of this process (RUSAGE_CHILDREN
    misses them): the figures take what the workers report, and their peak memory."""
    from sim.cli.model_bench import _peak_mib, _timed
    from sim.model import Protocol
    from sim.model.shards import run_many

    sc = campus_of(4, 1)
    fig = _timed(lambda: run_many(sc, (Protocol.IMAP,), workers=2))
    assert fig["worker_cpu_s"] > 0.1
    assert _peak_mib()[1] > 10


@pytest.mark.slow
def test_the_speed_up_divides_wall_seconds_of_runs_on_one_two_two_one_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Target 2 (here on a campus of 60 users for a day): the runs go 1, 2, 2, 1 workers, and
    the speed-up is the ratio of their summed wall seconds, not of each run's normalised time."""
    from sim.cli import model_bench

    order: list[int] = []
    real = model_bench._both

    def both(sc, **how):  # type: ignore[no-untyped-def]
        order.append(how["workers"])
        return real(sc, **how)

    monkeypatch.setattr(model_bench, "_both", both)
    figure, text = model_bench.two_worker_speedup(campus_of(60, 1))
    assert order == [1, 2, 2, 1]
    ones, twos = figure["workers_1"], figure["workers_2"]
    walls = sum(f["wall_s"] for f in ones) / sum(f["wall_s"] for f in twos)
    rates = sum(f["normalised_s"] for f in ones) / sum(f["normalised_s"] for f in twos)
    assert figure["speedup"] == round(walls, 3) and figure["speedup_normalised"] == round(rates, 3)
    assert all(f["worker_cpu_s"] > 0 for f in twos) and f"speed-up {walls:.2f}" in text
