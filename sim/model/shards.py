"""Run one scenario's users in shards, in parallel, and merge the shards' results exactly.

Theory of operation
-------------------
Users do not share state in the model: each has their own mailbox, devices and random streams
(``sim.inputs.workload.stream`` is per user and per device, seeded from the scenario seed), and no
operation of one user reads another user's state.  What is server-wide -- replica disk failures
and repairs, signature updates -- is in the trace, which every shard generates whole from the
seed, so each shard sees the same server-wide events at the same times.

A shard (:func:`run_shard`) builds the whole trace, then runs the model with clients on its own
users' devices only: the trace driver still walks every item (other users' items do nothing), so
that the grid is sampled at the same moments as in one run (and the driver hands over to SimPy
when one run's does: at one time, whether a trace item or a client's timer comes first depends
on it).  Why not a trace of the shard's users only: message ids are ranks over every user's
arrivals in time order, sent messages continue them in the order of every user's replies and
forwards, and ids reach the results (a message's Message-ID, subject and content seed); which
replies a user makes takes their whole action stream (device picks, targets, deletions from one
generator).  All a shard could skip is the other users' message sizes and keywords, a part of
drawing the arrivals (campus, 10 days: 0.75 of the trace's 3 CPU seconds, whose arrival times
and infections every shard needs), against about 30 s of model per shard.  It returns a :class:`Part` per
protocol, which :func:`merge` combines into the :class:`~sim.outputs.results.Result` one run would give,
field for field:

* counts and byte totals add; per-device rows go in the scenario's device order;
* quantiles come from the pooled samples of every shard (never from the shards' quantiles);
* the consistency shares of a grid point come from the summed counters (numerator and
  denominator), and a device's time-average is re-added chunk by chunk as one run adds it: one
  run fills the grid points between two events in one go (``Recorder.advance``), and its chunks
  are the union of the shards' chunks;
* the server's peak storage comes from every shard's changes in time order (ties in user order),
  each shard sending one step per distinct time of its changes (:func:`storage_steps`);
* crashes and searches merge in time order; floating-point sums are added in the order one run
  adds them.

``tests/sim/test_shard.py`` checks the merged JSON against one run's, byte for byte.  Shards run
in local processes (:class:`concurrent.futures.ProcessPoolExecutor`, forked from a clean
``forkserver`` that has imported this module, or spawned where there is none) or on a Dask
distributed cluster (the optional ``dask`` extra); ``workers=1`` runs in this process,
unsharded (:func:`sim.model.simulate` itself).
"""

from __future__ import annotations

import dataclasses
import math
import os
import queue as queue_mod
from array import array
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any

from ..inputs.access import Protocol
from ..inputs.scenario import Scenario, ScenarioError
from ..inputs.workload import SignatureUpdate, Trace, generate
from ..outputs.metrics import Recorder, mean_finite, share
from ..outputs.results import Conservation, Delay, DeviceSummary, LossReason, Result, Summary, Virus
from .pair import Run, progress_share, run_all
from .processes import default_workers, worker_context
from .simulation import SERIES_DEVICE_LIMIT, drive, exposure_terms, result_of
from .sizes import fast_mails
from .state import Mail, MailId, ServerUser
from .world import World

MAX_WORKERS = 512
# below this many users a run is too short to be worth the processes (campus has 500)
AUTO_SHARD_USERS = 50
_TIME = attrgetter("time_s")


def check_workers(workers: object, field: str = "workers") -> int:
    """``workers`` if it is an int in 1..MAX_WORKERS, else a :class:`ScenarioError`."""
    if (
        isinstance(workers, bool)
        or not isinstance(workers, int)
        or not (1 <= workers <= MAX_WORKERS)
    ):
        raise ScenarioError("run", field, workers, f"integer 1..{MAX_WORKERS}")
    return workers


def split_users(scenario: Scenario, shards: int) -> list[tuple[int, ...]]:
    """The users in ``shards`` contiguous blocks of nearly equal size (none empty)."""
    n = len(scenario.users)
    k = max(1, min(shards, n))
    return [tuple(range(i * n // k, (i + 1) * n // k)) for i in range(k)]


# -- one shard -------------------------------------------------------------------------------------


class _ShardRecorder(Recorder):
    """The shard's Recorder: besides the counters, what :func:`merge` needs to redo one run's
    arithmetic -- each chunk of grid points filled in one go with the counters then (of the
    shard's device range ``lo..hi``) and every change of the server's storage."""

    def __init__(
        self,
        world: World,
        names: Sequence[str],
        duration_s: float,
        step_s: float,
        keep: bool,
        lo: int,
        hi: int,
    ) -> None:
        super().__init__(names, duration_s, step_s, keep)
        self.world = world
        self.lo, self.hi = lo, hi
        self.chunks: list[int] = []  # grid points filled per chunk
        # per chunk: exist, covered, agree, deleted pairs, deleted-and-hidden (summed), server
        # bytes, server bytes times live replicas
        self.totals: list[tuple[int, ...]] = []
        # per chunk: the five counters of devices lo..hi
        self.snaps: list[tuple[array, ...]] = []
        self.user = -1  # whose mailbox the next server change is in (set by _ShardWorld)
        self.log_t = array("d")
        self.log_u = array("l")
        self.log_n = array("q")

    def server_add(self, n: int) -> None:
        self.server_bytes += n
        self.log_t.append(self.world.now)
        self.log_u.append(self.user)
        self.log_n.append(n)

    def _sample(self, k: int) -> None:
        if k <= 0:
            return
        lo, hi = self.lo, self.hi
        ex, cv, ag = self.exist[lo:hi], self.covered[lo:hi], self.agree[lo:hi]
        dp, dh = self.dpairs[lo:hi], self.dhidden[lo:hi]
        self.chunks.append(k)
        self.totals.append(
            (
                sum(ex),
                sum(cv),
                sum(ag),
                sum(dp),
                sum(dh),
                self.server_bytes,
                self.server_bytes * self.replicas_live,
            )
        )
        # as arrays: they cross to the parent as raw bytes (lists of ints unpickle slowly)
        self.snaps.append(tuple(array("q", x) for x in (ex, cv, ag, dp, dh)))
        # the devices' time-averages over this shard's own chunks, as Recorder._sample adds
        # them: the merge keeps them when one run's chunks are the same (the usual case)
        self.add_device_means(k, lo, hi)
        if not self.keep_device_series:
            return
        if self.sync is not None:
            self.sync()
        self.append_device_series(k, lo, hi)


class _ShardWorld(World):
    """A World whose Recorder logs what the merge needs (see :class:`_ShardRecorder`)."""

    def __init__(
        self,
        scenario: Scenario,
        trace: Trace,
        grid_step_s: float,
        keep: bool,
        mails: list[Mail],
        lo: int,
        hi: int,
    ) -> None:
        super().__init__(scenario, trace, grid_step_s, keep, mails=mails)
        rec = _ShardRecorder(
            self, [d.name for d in self.devices], self.end, grid_step_s, keep, lo, hi
        )
        rec.replicas_live = self.rec.replicas_live
        rec.sync = self.rec.sync
        self.rec = rec

    def server_add(self, user: ServerUser, mid: MailId, folder: str, flags: int, t: float) -> None:
        self.rec.user = user.index  # type: ignore[attr-defined]
        super().server_add(user, mid, folder, flags, t)

    def server_remove(self, user: ServerUser, mid: MailId, t: float, reason: LossReason) -> None:
        self.rec.user = user.index  # type: ignore[attr-defined]
        super().server_remove(user, mid, t, reason)

    def release(self) -> None:
        """:meth:`World.release`, and the shard's own cycles too (the Recorder's reference to
        the world, the driver's handlers): a world left to the cyclic collector costs the
        worker a pass over everything it holds, the trace included (campus, 4 days: 0.8 s)."""
        super().release()
        del self.rec.world  # type: ignore[attr-defined]
        vars(self).pop("driver", None)


@dataclass(frozen=True)
class Part:
    """One shard's share of one protocol's run (see :func:`merge`)."""

    users: tuple[int, ...]
    result: Result  # of the shard's devices only, time-averaged over its own grid chunks
    delays: array  # every notification delay of its devices
    exposure: tuple[tuple[int, float], ...]  # (device id, term) in device order
    lo: int  # its devices are lo..hi-1
    hi: int
    chunks: tuple[int, ...]
    totals: tuple[tuple[int, ...], ...]
    snaps: tuple[tuple[array, ...], ...]
    # the server's storage changes (storage_steps): time, highest running change, net change
    steps: tuple[array, array, array]
    items: int  # trace items the driver handled (in every shard alike)
    fires: int  # client callbacks of its devices


def run_shard(
    scenario: Scenario,
    users: Sequence[int],
    protocols: Sequence[Protocol],
    *,
    trace: Trace | None = None,
    grid_step_s: float = 3600.0,
    device_series: bool | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[Part]:
    """Run the model for ``users`` only (both protocols by default), one :class:`Part` each.
    ``trace`` defaults to ``generate(scenario)`` (a shard in another process makes its own)."""
    if trace is None:
        trace = generate(scenario)
    own = set(users)
    devices = [r.id for r in scenario.devices if r.user in own]
    if not devices or sorted(devices) != list(range(devices[0], devices[-1] + 1)):
        raise ScenarioError(
            "shard",
            "users",
            tuple(users),
            "users whose devices are contiguous (split_users makes such blocks)",
        )
    lo, hi = devices[0], devices[-1] + 1
    specs = [s for s in chain(trace.messages, trace.sent) if s.user in own]
    mails: list[Any] = [None] * (len(trace.messages) + len(trace.sent))
    for s, m in zip(specs, fast_mails(trace, specs)):
        mails[s.id] = m
    keep = (
        device_series
        if device_series is not None
        else (len(scenario.devices) <= SERIES_DEVICE_LIMIT)
    )
    return [
        _part(
            scenario,
            trace,
            proto,
            tuple(users),
            mails,
            lo,
            hi,
            float(grid_step_s),
            keep,
            progress_share(progress, k, len(protocols)),
        )
        for k, proto in enumerate(protocols)
    ]


def _part(
    scenario: Scenario,
    trace: Trace,
    protocol: Protocol,
    users: tuple[int, ...],
    mails: list[Mail],
    lo: int,
    hi: int,
    grid_step_s: float,
    keep: bool,
    progress: Callable[[float], None] | None,
) -> Part:
    import gc

    was = gc.isenabled()
    gc.disable()  # as sim.model.simulation does: millions of acyclic records
    try:
        w = _ShardWorld(scenario, trace, grid_step_s, keep, mails, lo, hi)
        mine = w.devices[lo:hi]
        own = set(users)
        own_user = [u in own for u in range(len(scenario.users))]
        own_device = [own_user[r.user] for r in scenario.devices]
        items = 0  # trace items the driver hands over (every shard sees them all)

        # one call per item of another user, two per item of the shard's (the hot ones inline)
        def arrival(m: Any, arrive: Callable[[Any], None] = w.arrive) -> None:
            nonlocal items
            items += 1
            if own_user[m.user]:
                arrive(m)

        def action(a: Any, act: Callable[[Any], None] = w.act) -> None:
            nonlocal items
            items += 1
            if own_device[a.device]:
                act(a)

        def counted(
            fn: Callable[[Any], None], test: Callable[[Any], bool] | None
        ) -> Callable[[Any], None]:
            def handle(obj: Any) -> None:
                nonlocal items
                items += 1
                if test is None or test(obj):
                    fn(obj)

            return handle

        updates = {
            id(u): SignatureUpdate(u.time, tuple(m for m in u.detects if trace.spec(m).user in own))
            for u in trace.signature_updates
        }
        handlers = (
            arrival,
            action,
            counted(w.crash, lambda c: own_device[c.device]),
            counted(w.disk_down, None),
            counted(w.disk_up, None),
            counted(lambda u: w.signature_update(updates[id(u)]), None),
            counted(w.appear, lambda d: own_user[d.user]),
        )
        w.driver = lambda _h=None: World.driver(w, handlers)  # type: ignore[method-assign, assignment]
        drive(w, protocol, mine, keep, progress)
        result = result_of(w, protocol, devices_of=mine)
        rec = w.rec
        assert isinstance(rec, _ShardRecorder)
        delays = array("d")
        for dev in mine:
            delays.extend(dev.delays)
        terms = exposure_terms(w, mine)
        ids = [dev.id for dev in mine for _ in dev.infected_reached]
        part = Part(
            users,
            result,
            delays,
            tuple(zip(ids, terms)),
            lo,
            hi,
            tuple(rec.chunks),
            tuple(rec.totals),
            tuple(rec.snaps),
            storage_steps(rec.log_t, rec.log_u, rec.log_n),
            items,
            w.events - items,
        )
        w.release()
        return part
    finally:
        if was:
            gc.enable()


# -- merging ---------------------------------------------------------------------------------------


def _starts(chunks: Sequence[int]) -> list[int]:
    out, at = [], 0
    for k in chunks:
        out.append(at)
        at += k
    return out


def _device_means(part: Part, union: list[int], npts: int) -> list[tuple[float, float, float]]:
    """Each device's time-averaged shares, added chunk by chunk over ``union`` (the chunks of
    one run: every shard's boundaries), with ``Recorder._sample``'s float expressions."""
    own = _starts(part.chunks) + [npts]
    # the union's chunk lengths inside each of this shard's chunks
    subs: list[list[int]] = []
    j = 0
    for c in range(len(part.chunks)):
        end = own[c + 1]
        ks = []
        while j < len(union) and union[j] < end:
            nxt = union[j + 1] if j + 1 < len(union) else npts
            ks.append(nxt - union[j])
            j += 1
        subs.append(ks)
    out = []
    for d in range(part.hi - part.lo):
        s_cons = s_cov = s_agr = 0.0
        n_cons = n_cov = n_agr = 0
        for (ex, cv, ag, dp, dh), ks in zip(part.snaps, subs):
            e, c, a, p, h = ex[d], cv[d], ag[d], dp[d], dh[d]
            pairs = e + p
            for k in ks:
                if pairs:
                    s_cons += k * (a + h) / pairs
                    n_cons += k
                if e:
                    s_cov += k * c / e
                    n_cov += k
                if c:
                    s_agr += k * a / c
                    n_agr += k
        out.append((share(s_cons, n_cons), share(s_cov, n_cov), share(s_agr, n_agr)))
    return out


def _per_point(part: Part) -> list[tuple[int, ...]]:
    return [tot for k, tot in zip(part.chunks, part.totals) for _ in range(k)]


def storage_steps(times: array, users: array, deltas: array) -> tuple[array, array, array]:
    """A shard's changes of the server's storage (in the order it made them), one step per
    distinct time: (time, the highest running sum of that time's changes, their net sum),
    taking the changes by user within a time (as :func:`_server_peak` orders them).

    At one time, every change of one shard's users comes after those of lower users' shards
    and before higher ones', so a step holds all the peak needs of its changes: the merge
    walks steps instead of every change (the parent's share of the work, and the bytes sent
    to it, shrink)."""
    n = len(times)
    order: Sequence[int] = range(n)
    if any(
        times[i] > times[i + 1] or (times[i] == times[i + 1] and users[i] > users[i + 1])
        for i in range(n - 1)
    ):
        order = sorted(order, key=lambda i: (times[i], users[i]))
    out_t, out_high, out_net = array("d"), array("q"), array("q")
    k = 0
    while k < n:
        i = order[k]
        t = times[i]
        running = high = deltas[i]
        k += 1
        while k < n and times[order[k]] == t:
            running += deltas[order[k]]
            if running > high:
                high = running
            k += 1
        out_t.append(t)
        out_high.append(high)
        out_net.append(running)
    return out_t, out_high, out_net


def _server_peak(parts: Sequence[Part]) -> int:
    """The peak of the summed server storage over every change in time order, ties by user
    (then in the order the user's shard made them), from the parts' :func:`storage_steps`.

    ``parts`` are in user order, so a stable sort by time puts equal times in user order."""
    steps = sorted(chain.from_iterable(zip(*p.steps) for p in parts), key=itemgetter(0))
    peak = total = 0
    for _, high, net in steps:
        if total + high > peak:  # (not max(): a call per step is slower, 10^5-10^6 on campus)
            peak = total + high
        total += net
    return peak


def merge(scenario: Scenario, parts: Sequence[Part]) -> Result:
    """One protocol's :class:`Result` from the parts of every shard (each user in one part)."""
    parts = sorted(parts, key=attrgetter("lo"))
    users = [u for p in parts for u in p.users]
    if sorted(users) != list(range(len(scenario.users))):
        raise ValueError(
            f"merge: the parts cover users {sorted(users)}; allowed each of "
            f"0..{len(scenario.users) - 1} exactly once"
        )
    first = parts[0].result
    npts = len(first.grid_s)
    union = sorted(set(chain.from_iterable(_starts(p.chunks) for p in parts)))
    devices: list[DeviceSummary] = []
    for p in parts:
        if _starts(p.chunks) == union:  # its own chunks are one run's: its averages stand
            devices.extend(p.result.devices)
            continue
        for d, (cons, cov, agr) in zip(p.result.devices, _device_means(p, union, npts)):
            devices.append(
                dataclasses.replace(
                    d,
                    consistency_mean_share=cons,
                    coverage_mean_share=cov,
                    state_agreement_mean_share=agr,
                )
            )
    points = [_per_point(p) for p in parts]
    tot = [tuple(map(sum, zip(*at))) for at in zip(*points)]
    s_server = tuple(t[5] for t in tot)
    s_phys = tuple(t[6] for t in tot)
    s_cons = tuple(share(t[2] + t[4], t[0] + t[3]) for t in tot)
    s_cov = tuple(share(t[1], t[0]) for t in tot)
    s_agr = tuple(share(t[2], t[1]) for t in tot)
    crashes = tuple(sorted(chain.from_iterable(p.result.crashes for p in parts), key=_TIME))
    searches = tuple(sorted(chain.from_iterable(p.result.searches for p in parts), key=_TIME))
    summaries = [p.result.summary for p in parts]
    pooled = array("d")
    for p in parts:
        pooled.extend(p.delays)
    exposure = 0.0
    for _, x in sorted(chain.from_iterable(p.exposure for p in parts), key=itemgetter(0)):
        exposure += x
    viruses = [p.result.virus for p in parts]
    virus = Virus(
        infected_delivered=sum(v.infected_delivered for v in viruses),
        caught_at_delivery=sum(v.caught_at_delivery for v in viruses),
        caught_by_rescan=sum(v.caught_by_rescan for v in viruses),
        reached_devices=sum(v.reached_devices for v in viruses),
        exposure_device_s=exposure,
        server_scan_bytes=sum(v.server_scan_bytes for v in viruses),
        device_scan_bytes=sum(v.device_scan_bytes for v in viruses),
    )
    books = [p.result.conservation for p in parts]
    lost: dict[LossReason, int] = {}
    for c in books:
        for reason, n in c.lost:
            lost[reason] = lost.get(reason, 0) + n
    conservation = Conservation(
        sum(c.delivered for c in books),
        sum(c.on_server for c in books),
        sum(c.on_device_only for c in books),
        tuple(sorted(lost.items(), key=lambda kv: kv[0].value)),
        sum(c.unaccounted for c in books),
    )
    summary = Summary(
        server_storage_bytes=sum(s.server_storage_bytes for s in summaries),
        server_physical_bytes=sum(s.server_physical_bytes for s in summaries),
        server_peak_bytes=_server_peak(parts),
        consistency_mean_share=mean_finite(s_cons),
        coverage_mean_share=mean_finite(s_cov),
        state_agreement_mean_share=mean_finite(s_agr),
        crash_lost_messages=sum(c.lost_messages for c in crashes),
        crash_lost_bytes=sum(c.lost_bytes for c in crashes),
        crash_lost_metadata=sum(c.lost_metadata for c in crashes),
        duplicate_download_bytes=sum(d.duplicate_download_bytes for d in devices),
        notification_delay=Delay.of(pooled, sum(d.notification_delay.never for d in devices)),
        search_recall_share=(
            mean_finite([s.recall_share for s in searches]) if searches else math.nan
        ),
        wire_bytes=sum(d.wire_bytes for d in devices),
        metered_wire_bytes=sum(d.wire_bytes for d in devices if d.metered),
        connection_time_s=sum(d.connection_time_s for d in devices),
        replica_failures=first.summary.replica_failures,
        replica_data_loss_bytes=sum(s.replica_data_loss_bytes for s in summaries),
        missed_messages=sum(s.missed_messages for s in summaries),
        missed_pairs=sum(d.missed_messages for d in devices),
        radio_wakeups=sum(d.radio_wakeups for d in devices),
    )
    mine = [{r.id for r in scenario.devices[p.lo : p.hi]} for p in parts]
    names = [{scenario.devices[i].name for i in ids} for ids in mine]
    series = tuple(s for p, own in zip(parts, names) for s in p.result.series if s.device in own)
    return Result(
        protocol=first.protocol,
        seed=first.seed,
        duration_s=first.duration_s,
        grid_s=first.grid_s,
        summary=summary,
        devices=tuple(devices),
        series=series,
        server_logical_bytes=s_server,
        server_physical_bytes=s_phys,
        consistency_share=s_cons,
        coverage_share=s_cov,
        state_agreement_share=s_agr,
        crashes=crashes,
        searches=searches,
        virus=virus,
        conservation=conservation,
        events=parts[0].items + sum(p.fires for p in parts),
        delays=tuple(chain.from_iterable(p.result.delays for p in parts)),
    )


# -- running shards --------------------------------------------------------------------------------

_PROGRESS: Any = None  # a worker process's queue to the parent (set by _init_worker)


def _init_worker(q: Any) -> None:
    global _PROGRESS
    _PROGRESS = q


def _remote_shard(
    index: int,
    scenario: Scenario,
    users: tuple[int, ...],
    protocols: tuple[Protocol, ...],
    grid_step_s: float,
    device_series: bool | None,
) -> tuple[list[Part], tuple[int, float, int]]:
    """A shard in a worker process: progress goes to the parent's queue (about 100 a run).
    Returns its parts and (process id, CPU seconds, peak resident KiB) of the worker so far."""
    q = _PROGRESS

    def report(frac: float) -> None:
        if q is not None:
            q.put((index, frac))

    parts = run_shard(
        scenario,
        users,
        protocols,
        grid_step_s=grid_step_s,
        device_series=device_series,
        progress=report if q is not None else None,
    )
    return parts, _own_usage()


def _own_usage() -> tuple[int, float, int]:
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    return os.getpid(), me.ru_utime + me.ru_stime, me.ru_maxrss


@dataclass(frozen=True)
class WorkerUsage:
    """What the local worker processes of one sharded run used: their CPU seconds (summed)
    and the largest peak resident memory.  Workers forked from the fork server are not this
    process's children, so ``RUSAGE_CHILDREN`` does not count them: they report it."""

    cpu_s: float
    peak_mib: float


_LAST_USAGE: list[WorkerUsage | None] = [None]


def last_worker_usage() -> WorkerUsage | None:
    """The :class:`WorkerUsage` of this process's latest run on local worker processes (None
    before any; the benchmark reads it)."""
    return _LAST_USAGE[0]


def _note_usage(reports: Sequence[tuple[int, float, int]]) -> None:
    latest: dict[int, tuple[float, int]] = {}
    for pid, cpu, peak in reports:  # a worker may have run several shards: its last report
        if pid not in latest or cpu >= latest[pid][0]:
            latest[pid] = (cpu, peak)
    _LAST_USAGE[0] = WorkerUsage(
        cpu_s=sum(c for c, _ in latest.values()),
        peak_mib=max((p for _, p in latest.values()), default=0) / 1024,
    )


_CHOSEN: dict[str, Any] = {"workers": None, "dask": None}


@contextmanager
def chosen(workers: int | None, dask: str | None) -> Iterator[None]:
    """Within the block, :func:`run_many` calls that name neither ``workers`` nor ``dask`` use
    these (the command line's ``--workers``/``--dask`` reach lesson 10 this way, as they are no
    parameters of the lesson's experiment)."""
    saved = dict(_CHOSEN)
    _CHOSEN.update(workers=workers, dask=dask)
    try:
        yield
    finally:
        _CHOSEN.update(saved)


def run_many(
    scenario: Scenario,
    protocols: Sequence[Protocol] = tuple(Protocol),
    *,
    trace: Trace | None = None,
    workers: int | None = None,
    dask: str | None = None,
    progress: Callable[[float], None] | None = None,
    grid_step_s: float = 3600.0,
    device_series: bool | None = None,
) -> list[Result]:
    """One :class:`Result` per protocol of ``protocols``, the same whatever the sharding.

    ``workers``: local processes, one shard of users each (``None``: the cores when the
    scenario has at least :data:`AUTO_SHARD_USERS` users, else 1); 1 runs unsharded in this
    process with ``trace`` (default: generated; the runs go through
    :func:`~sim.model.pair.run_all`, so within its ``helper()`` POP3 runs beside).  ``dask``:
    a Dask scheduler address, or ``"local"`` for a ``LocalCluster`` of ``workers`` processes on
    this machine.  ``progress`` gets the fraction done of all of it.  Within :func:`chosen`, its
    settings are the default."""
    protocols = tuple(protocols)
    if workers is None and dask is None:
        workers, dask = _CHOSEN["workers"], _CHOSEN["dask"]
    if workers is None:
        workers = default_workers() if len(scenario.users) >= AUTO_SHARD_USERS else 1
    check_workers(workers)
    if dask is None and (workers == 1 or len(scenario.users) == 1):
        return run_all(  # (POP3 in the helper process, within pair.helper())
            [Run(scenario, proto, trace) for proto in protocols],
            progress=progress,
            grid_step_s=grid_step_s,
            device_series=device_series,
        )
    shards = split_users(scenario, workers)
    args = [
        (i, scenario, users, protocols, float(grid_step_s), device_series)
        for i, users in enumerate(shards)
    ]
    done = (
        _on_dask(dask, workers, args, progress)
        if dask is not None
        else _on_processes(workers, args, progress)
    )
    return [merge(scenario, [parts[k] for parts in done]) for k in range(len(protocols))]


def _on_processes(
    workers: int, args: list[tuple[Any, ...]], progress: Callable[[float], None] | None
) -> list[list[Part]]:
    ctx = worker_context()
    q = ctx.Queue() if progress is not None else None
    fracs = [0.0] * len(args)
    try:
        with ProcessPoolExecutor(
            max_workers=min(workers, len(args)),
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(q,),
        ) as pool:
            futures = [pool.submit(_remote_shard, *a) for a in args]
            pending = set(futures)
            while pending:
                _, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                if q is not None and progress is not None:
                    _drain(q, fracs, progress)
            returned = [f.result() for f in futures]
        _note_usage([usage for _, usage in returned])
        done = [parts for parts, _ in returned]
        if progress is not None:
            progress(1.0)
        return done
    finally:
        if q is not None:
            q.close()
            q.join_thread()


def _drain(q: Any, fracs: list[float], progress: Callable[[float], None]) -> None:
    """Pass on the workers' reports that arrived since the last look, each as read: a run that
    ends within one look still shows its steps (reporting only the last left a short run with
    a single report of 1.0, and made the test of the reports fail now and then)."""
    while True:
        try:
            i, frac = q.get_nowait()
        except queue_mod.Empty:
            break
        fracs[i] = frac
        progress(sum(fracs) / len(fracs))


def _on_dask(
    address: str,
    workers: int,
    args: list[tuple[Any, ...]],
    progress: Callable[[float], None] | None,
) -> list[list[Part]]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ScenarioError(
            "run",
            "dask",
            address,
            "a Dask scheduler address or 'local', with the optional 'dask' "
            "extra installed (pip install 'pop-vs-imap-lab[dask]')",
        ) from None
    cluster = None
    if address == "local":
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        futures = [client.submit(_remote_shard, *a, pure=False) for a in args]
        for n, _ in enumerate(as_completed(futures), 1):
            if progress is not None:
                progress(n / len(futures))
        return [parts for parts, _ in (f.result() for f in futures)]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
