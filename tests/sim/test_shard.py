"""Sharding a run by user (sim.shard): the merged result is one run's, byte for byte."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
from functools import cache
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import Protocol, run
from sim.presets import preset
from sim.results import Result, to_jsonable
from sim.scenario import CrashSpec, Scenario, ScenarioError
from sim.shard import check_workers, merge, run_many, run_shard, split_users
from sim.workload import Trace, generate

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
    return _json(run(sc, protocol, tr, device_series=series))


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


def test_processes_give_one_runs_results_progress_and_leave_no_process() -> None:
    sc, _ = _case()
    seen: list[float] = []
    pop3, imap = run_many(sc, (Protocol.POP3, Protocol.IMAP), workers=2, progress=seen.append)
    assert _json(pop3) == _whole(Protocol.POP3, True)
    assert _json(imap) == _whole(Protocol.IMAP, True)
    assert seen and seen == sorted(seen) and seen[-1] == 1.0 and seen[0] < 1.0
    assert multiprocessing.active_children() == []  # the pool is shut down and joined


def test_one_worker_runs_unsharded_in_this_process() -> None:
    sc, tr = _case()
    (r,) = run_many(sc, (Protocol.IMAP,), trace=tr, workers=1)
    assert _json(r) == _whole(Protocol.IMAP, True)
    assert multiprocessing.active_children() == []


def test_dask_local_cluster_gives_one_runs_results() -> None:
    pytest.importorskip("distributed", reason="the optional 'dask' extra is not installed")
    sc, _ = _case()
    pop3, imap = run_many(sc, (Protocol.POP3, Protocol.IMAP), workers=2, dask="local")
    assert _json(pop3) == _whole(Protocol.POP3, True)
    assert _json(imap) == _whole(Protocol.IMAP, True)
