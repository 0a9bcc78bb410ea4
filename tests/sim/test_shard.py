"""Sharding a run by user (sim.model.shards): the merged result is one run's, byte for byte."""

from __future__ import annotations

import dataclasses
import gc
import json
import multiprocessing
from array import array
from collections.abc import Callable
from functools import cache
from itertools import accumulate, pairwise
from operator import itemgetter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.inputs.presets import preset
from sim.inputs.scenario import CrashSpec, Scenario, ScenarioError
from sim.inputs.workload import Trace, generate
from sim.model import Protocol, simulate
from sim.model.processes import worker_context
from sim.model.shards import (
    Part,
    _server_peak,
    _ShardWorld,
    check_workers,
    last_worker_usage,
    merge,
    run_many,
    run_shard,
    split_users,
    storage_steps,
)
from sim.outputs.results import Result, to_jsonable

USERS = 5


def several_users(days: int = 3, seed: int = 8) -> Scenario:
    """A cut of campus: several users, random crashes with backups, replica disk failures and
    infected mail (signature updates) -- every server-wide event the model has."""
    sc = preset("campus", days=days, seed=seed)
    return dataclasses.replace(
        sc,
        users=sc.users[:USERS],
        crashes=CrashSpec(rate_per_year=60.0, backup_age_s=86400.0),
        server=dataclasses.replace(sc.server, replicas=2, disk_failure_per_year=150.0),
        workload=dataclasses.replace(sc.workload, infected_share=0.05),
    )


@cache
def _case() -> tuple[Scenario, Trace]:
    sc = several_users()
    return sc, generate(sc)


def _json(r: Result) -> str:
    return json.dumps(to_jsonable(r), sort_keys=True, allow_nan=False)


@cache
def _whole(protocol: Protocol, series: bool) -> str:
    sc, tr = _case()
    return _json(simulate(sc, protocol, tr, device_series=series))


def test_the_case_has_every_server_wide_event() -> None:
    sc, tr = _case()
    assert tr.crashes and tr.disk_failures and tr.signature_updates
    users_hit = {sc.devices[c.device].user for c in tr.crashes}
    assert len(users_hit) >= 2  # crashes fall in more than one shard
    down = sorted((f.time, f.repaired_at) for f in tr.disk_failures)
    assert down[1][0] < down[0][1] < sc.duration_s  # both replicas down at once, then repaired
    assert json.loads(_whole(Protocol.IMAP, True))["summary"]["replica_data_loss_bytes"] > 0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.sets(st.integers(1, USERS - 1), max_size=USERS - 1),
    protocol=st.sampled_from(list(Protocol)),
    series=st.booleans(),
)
def test_any_split_of_the_users_merges_to_one_runs_json(
    cuts: set[int], protocol: Protocol, series: bool
) -> None:
    sc, tr = _case()
    bounds = [0, *sorted(cuts), USERS]
    blocks = [tuple(range(a, b)) for a, b in pairwise(bounds)]
    parts = [
        run_shard(sc, users, (protocol,), trace=tr, device_series=series)[0] for users in blocks
    ]
    assert _json(merge(sc, parts[::-1])) == _whole(protocol, series)  # (in any order)


def test_without_device_series_grid_chunks_differ_per_shard_yet_merge_exactly() -> None:
    """Each shard samples the grid in chunks of its own (a stretch with no event of its users is
    filled in one go; every shard sees every trace item, but an IMAP client's own timers are
    its shard's alone); the merge re-adds per-device averages over one run's chunks."""
    sc, tr = _case()
    parts = [
        run_shard(sc, users, (Protocol.IMAP,), trace=tr, device_series=False)[0]
        for users in split_users(sc, USERS)
    ]
    assert any(len(p.chunks) < len(parts[0].result.grid_s) for p in parts)
    assert len({p.chunks for p in parts}) > 1
    assert _json(merge(sc, parts)) == _whole(Protocol.IMAP, False)


def test_merge_needs_every_user_exactly_once() -> None:
    sc, tr = _case()
    part = run_shard(sc, (0, 1), (Protocol.IMAP,), trace=tr)[0]
    with pytest.raises(ValueError, match=r"each of 0\.\.4 exactly once"):
        merge(sc, [part])
    with pytest.raises(ScenarioError, match="contiguous"):
        run_shard(sc, (0, 2), (Protocol.IMAP,), trace=tr)


def test_split_users_gives_contiguous_blocks_and_never_an_empty_one() -> None:
    sc, _ = _case()
    assert split_users(sc, 2) == [(0, 1), (2, 3, 4)]
    assert split_users(sc, 9) == [(0,), (1,), (2,), (3,), (4,)]


@pytest.mark.parametrize("bad", [0, -1, 513, 1.5, True, "2"])
def test_workers_out_of_range_is_named(bad: Any) -> None:
    with pytest.raises(ScenarioError, match=r"workers.*1\.\.512"):
        check_workers(bad)


def test_processes_give_one_runs_results_progress_and_leave_no_process(
    worker_processes: Callable[[], list[Any]],
) -> None:
    sc, _ = _case()
    seen: list[float] = []
    before = last_worker_usage()
    pop3, imap = run_many(sc, (Protocol.POP3, Protocol.IMAP), workers=2, progress=seen.append)
    usage = last_worker_usage()  # (forked workers are no children: they report what they used)
    assert usage is not None and usage is not before
    assert usage.cpu_s > 0.1 and usage.peak_mib > 10
    assert _json(pop3) == _whole(Protocol.POP3, True)
    assert _json(imap) == _whole(Protocol.IMAP, True)
    assert seen and seen == sorted(seen) and seen[-1] == 1.0 and seen[0] < 1.0
    assert worker_processes() == []  # the pool is shut down and joined


def test_one_worker_runs_unsharded_in_this_process(
    worker_processes: Callable[[], list[Any]],
) -> None:
    sc, tr = _case()
    (r,) = run_many(sc, (Protocol.IMAP,), trace=tr, workers=1)
    assert _json(r) == _whole(Protocol.IMAP, True)
    assert worker_processes() == []


def test_dask_local_cluster_gives_one_runs_results() -> None:
    pytest.importorskip("distributed", reason="the optional 'dask' extra is not installed")
    sc, _ = _case()
    pop3, imap = run_many(sc, (Protocol.POP3, Protocol.IMAP), workers=2, dask="local")
    assert _json(pop3) == _whole(Protocol.POP3, True)
    assert _json(imap) == _whole(Protocol.IMAP, True)


# a shard's storage changes: (time, user, delta); few distinct times, so that ties abound
_CHANGES = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(-50, 50)), max_size=40
)


@settings(max_examples=60, deadline=None)
@given(changes=_CHANGES, cut=st.integers(0, 6))
def test_storage_steps_give_the_peak_of_every_change_in_time_and_user_order(
    changes: list[tuple[int, int, int]], cut: int
) -> None:
    """The plain definition: every change of every shard, sorted by (time, user) -- stable, so
    one user's changes at one time stay in the order made -- and the highest running sum
    (never below 0).  Each shard makes its own changes in time order, users in any order."""
    made = sorted(changes, key=itemgetter(0))  # (a shard's changes come in time order)
    plain = max([0, *accumulate(n for _, _, n in sorted(made, key=itemgetter(0, 1)))])
    parts = []
    for users in ((u for u in range(6) if u < cut), (u for u in range(6) if u >= cut)):
        own = set(users)
        mine = [c for c in made if c[1] in own]
        steps = storage_steps(
            array("d", [t for t, _, _ in mine]),
            array("l", [u for _, u, _ in mine]),
            array("q", [n for _, _, n in mine]),
        )
        assert len(steps[0]) == len({t for t, _, _ in mine})  # one step per distinct time
        parts.append(_fake_part(steps))
    assert _server_peak(parts) == plain


def test_storage_steps_take_a_time_s_changes_by_user_even_when_made_otherwise() -> None:
    times, users, deltas = (
        array("d", [1.0, 1.0, 2.0]),
        array("l", [4, 3, 3]),
        array("q", [9, -5, 1]),
    )
    # at time 1 user 3's -5 comes first: running sums -5, 4; then 5 at time 2
    assert storage_steps(times, users, deltas) == (
        array("d", [1.0, 2.0]),
        array("q", [4, 1]),
        array("q", [4, 1]),
    )
    assert storage_steps(array("d"), array("l"), array("q")) == (array("d"), array("q"), array("q"))


def _fake_part(steps: tuple[array, array, array]) -> Part:
    """A Part with only what _server_peak reads."""
    return Part((), None, array("d"), (), 0, 0, (), (), (), steps, 0, 0)  # type: ignore[arg-type]


def test_a_shards_worlds_are_freed_without_the_cyclic_collector() -> None:
    """Left in reference cycles, each world waits for a collector pass that walks everything
    the worker holds (the trace included): most of a second per shard on campus."""
    sc, tr = _case()
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        run_shard(sc, (0, 1), (Protocol.POP3, Protocol.IMAP), trace=tr)
        assert not [o for o in gc.get_objects() if isinstance(o, _ShardWorld)]
    finally:
        if was:
            gc.enable()


@pytest.mark.skipif(
    "forkserver" not in multiprocessing.get_all_start_methods(), reason="no fork server here"
)
def test_local_workers_fork_from_a_server_that_has_imported_the_model() -> None:
    """Spawned workers each boot an interpreter and import the model (0.3-0.6 s a run); forked
    from the session's fork server they start at once."""
    ctx = worker_context()
    assert ctx.get_start_method() == "forkserver"
    from multiprocessing import forkserver

    assert "sim.model.shards" in forkserver._forkserver._preload_modules
