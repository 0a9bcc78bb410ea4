"""``simulate(scenario, protocol, trace=None) -> Result``: one simulation run, start to finish."""

from __future__ import annotations

import gc
import math
import weakref
from array import array
from collections.abc import Callable
from itertools import filterfalse
from operator import attrgetter

from ..inputs.access import Protocol
from ..inputs.scenario import Scenario, ScenarioError
from ..inputs.workload import Trace, generate
from ..outputs.metrics import mean_finite
from ..outputs.results import (
    Conservation,
    Delay,
    DeviceHolding,
    DeviceSummary,
    FinalState,
    LossReason,
    Result,
    Summary,
    Traffic,
    Virus,
)
from .state import Client, Device, MailId
from .world import ProgressMarks, World

_TIME = attrgetter("time")
_RECORD_ORDER = attrgetter("time_s")  # a stable sort: records at one time stay in booking order
_ID = attrgetter("id")
# traces found in order, by id (weak: a checked trace is not kept alive by this)
_ORDERED: weakref.WeakValueDictionary[int, Trace] = weakref.WeakValueDictionary()
SERIES_DEVICE_LIMIT = 30  # keep per-device series up to this many devices (memory for campus)


def simulate(
    scenario: Scenario,
    protocol: Protocol,
    trace: Trace | None = None,
    *,
    grid_step_s: float = 3600.0,
    device_series: bool | None = None,
    progress: Callable[[float], None] | None = None,
    record_events: bool = False,
    final_state: bool = False,
) -> Result:
    """Simulate ``scenario`` under ``protocol`` and return the frozen :class:`Result`.

    ``trace`` defaults to ``sim.inputs.workload.generate(scenario)``; pass the same trace to the POP3 and
    the IMAP run (the experiments do) to skip generating it twice.  ``grid_step_s`` is the spacing
    of the time series; ``device_series`` keeps per-device series (default: up to 30 devices).
    ``progress`` is called with the fraction of simulated time done (about 100 times a run).
    ``record_events`` keeps what happened, record by record, in ``Result.records``
    (:mod:`sim.outputs.records`); ``final_state`` keeps where every message is at the end in
    ``Result.final``; every other field is the same either way."""
    return _checked(
        scenario,
        protocol,
        trace,
        grid_step_s,
        device_series,
        progress,
        release=True,
        record_events=record_events,
        final_state=final_state,
    )[0]


def simulate_with_world(
    scenario: Scenario,
    protocol: Protocol,
    trace: Trace | None = None,
    *,
    grid_step_s: float = 3600.0,
    device_series: bool | None = None,
    progress: Callable[[float], None] | None = None,
    record_events: bool = False,
    final_state: bool = False,
) -> tuple[Result, World]:
    """:func:`simulate`, also returning the final :class:`World`, for tests that look inside the
    model (lessons read ``simulate(..., final_state=True)``'s ``Result.final`` instead)."""
    result, world = _checked(
        scenario,
        protocol,
        trace,
        grid_step_s,
        device_series,
        progress,
        release=False,
        record_events=record_events,
        final_state=final_state,
    )
    assert world is not None  # (kept when not released)
    return result, world


def _checked(
    scenario: Scenario,
    protocol: Protocol,
    trace: Trace | None,
    grid_step_s: float,
    device_series: bool | None,
    progress: Callable[[float], None] | None,
    *,
    release: bool,
    record_events: bool = False,
    final_state: bool = False,
) -> tuple[Result, World | None]:
    """Validate the arguments, then run with the collector paused.  ``release``: the caller
    keeps only the result, so each device's local store is freed as soon as its summary is
    taken (lowers the peak: the pooled delays are built at the run's fullest) and the world is
    freed before this returns (None in its place)."""
    if not isinstance(protocol, Protocol):
        raise ScenarioError("run", "protocol", protocol, "Protocol.POP3 or Protocol.IMAP")
    if not (isinstance(grid_step_s, (int, float)) and 60.0 <= grid_step_s <= scenario.duration_s):
        raise ScenarioError(
            "run",
            "grid_step_s",
            grid_step_s,
            f"number 60 <= x <= {scenario.duration_s:g} s (the duration)",
        )
    if trace is None:
        trace = generate(scenario)
    elif trace.scenario != scenario:
        raise ScenarioError(
            "run", "trace", "a trace of another scenario", "the trace generated from this scenario"
        )
    else:
        _check_order(trace)
    keep = (
        device_series
        if device_series is not None
        else (len(scenario.devices) <= SERIES_DEVICE_LIMIT)
    )
    # A run allocates millions of acyclic records (message sizes, local copies, sets, pending
    # events) on top of the trace; the cyclic collector would traverse all of them again and
    # again for nothing (about a tenth of a campus run), so it is paused as during generation.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        result, world = _simulate(
            scenario,
            protocol,
            trace,
            float(grid_step_s),
            keep,
            progress,
            release,
            record_events,
            final_state,
        )
        if not release:
            return result, world
        # free its state now (campus: hundreds of MiB), before the collector is back: its first
        # pass would otherwise walk all of it (campus IMAP: about a second)
        world.release()
        del world
        return result, None
    finally:
        if was_enabled:
            gc.enable()


def _check_order(trace: Trace) -> None:
    """The driver merges arrivals and actions as they stand in the trace, so a hand-made or
    edited trace must keep them in time order (as ``generate`` makes them).  Checked once per
    trace object (the POP3 and the IMAP run of an experiment share one)."""
    if _ORDERED.get(id(trace)) is trace:
        return
    for name, items in (("messages", trace.messages), ("actions", trace.actions)):
        times = list(map(_TIME, items))
        if times != sorted(times):
            i = next(k for k in range(1, len(times)) if times[k] < times[k - 1])
            raise ScenarioError(
                "run",
                f"trace.{name}[{i}].time",
                times[i],
                f"sorted by time: >= {times[i - 1]:g} s (the one before it)",
            )
    ids = list(map(_ID, trace.messages))
    if ids != list(range(len(ids))):
        i = next(k for k, mid in enumerate(ids) if mid != k)
        raise ScenarioError("run", f"trace.messages[{i}].id", ids[i], f"{i} (its index)")
    _ORDERED[id(trace)] = trace


def _simulate(
    scenario: Scenario,
    protocol: Protocol,
    trace: Trace,
    grid_step_s: float,
    keep: bool,
    progress: Callable[[float], None] | None,
    release: bool = False,
    record_events: bool = False,
    final_state: bool = False,
) -> tuple[Result, World]:
    world = World(scenario, trace, grid_step_s, keep, record_events)
    drive(world, protocol, world.devices, keep, progress)
    return result_of(world, protocol, release, final_state), world


def drive(
    world: World,
    protocol: Protocol,
    devices: list[Device],
    keep: bool,
    progress: Callable[[float], None] | None,
) -> None:
    """Run ``world`` to its end with a client of ``protocol`` on each of ``devices`` (every
    device of the world, or one shard's: ``sim.model.shards``)."""
    make: Callable[[World, Device], Client]
    if protocol is Protocol.POP3:
        from .pop3_device import Pop3DeviceClient

        make = Pop3DeviceClient
    else:
        from .imap_device import ImapDeviceClient

        make = ImapDeviceClient
    for dev in devices:
        dev.client = make(world, dev)
    for dev in devices:
        if dev.exists_from <= 0.0:
            dev.client.start(0.0)
    if keep:  # per-device series: each grid point shows the idle polls booked up to it
        clients = [dev.client for dev in devices]

        def settle(t: float) -> None:
            at = math.nextafter(t, math.inf)  # (the state after everything at t)
            for c in clients:
                c.settle(at)

        world.rec.settle = settle
    env = world.env
    # progress is reported by the driver as its items pass each hundredth of the run: cutting
    # the run into a hundred env.run() steps cost a tenth of a two-day run (a stop event per
    # step, and no clock jumps past one), for the same results
    marks = world.marks = None if progress is None else ProgressMarks(progress, world.end)
    env.process(world.driver())
    env.run(until=world.end)
    if marks is not None:
        marks.finish()
    world.rec.advance(world.end)
    for dev in devices:
        dev.client.finish(world.end)
    world.rec.finish()
    world.sync_traffic()


def _traffic(xs: list[int]) -> Traffic:
    return Traffic(*xs)


def _final_state(w: World) -> FinalState:
    """Where every message is at the end of the run (before the devices' stores are freed)."""
    return FinalState(
        intents=tuple(
            (mid, None, 0) if s is None else (mid, s[0], s[1]) for mid, s in w.intent.items()
        ),
        server=tuple((mid, s[0], s[1]) for user in w.users for mid, s in user.where.items()),
        devices=tuple(
            DeviceHolding(
                dev.name,
                tuple((mid, c.folder, c.flags) for mid, c in dev.local.items()),
                tuple(dev.infected_reached.items()),
            )
            for dev in w.devices
        ),
        gone=tuple(
            (mid, w.last_reason.get(mid, LossReason.CRASH))
            for mid in w.delivered
            if w.copies[mid] <= 0
        ),
    )


def conservation_of(w: World) -> Conservation:
    """Where each delivered message is at the end, counted from the state itself -- the
    server's folders, the devices' stores, the loss reasons recorded -- and not from the
    running copy counts, so that a bookkeeping slip shows as ``unaccounted`` (a message with no
    place and no reason) and ``balanced`` turns false."""
    on_server = on_device = unaccounted = 0
    lost: dict[LossReason, int] = {}
    for mid in w.delivered:
        owner = w.mails[mid].user
        if mid in w.users[owner].where:
            on_server += 1
        elif any(mid in dev.local for dev in w.user_devices[owner]):
            on_device += 1
        elif mid in w.last_reason:
            reason = w.last_reason[mid]
            lost[reason] = lost.get(reason, 0) + 1
        else:
            unaccounted += 1
    return Conservation(
        len(w.delivered),
        on_server,
        on_device,
        tuple(sorted(lost.items(), key=lambda kv: kv[0].value)),
        unaccounted,
    )


def exposure_terms(w: World, devices: list[Device]) -> list[float]:
    """Each (device, infected message) pair's time on the device before it was caught, in
    device order: ``Virus.exposure_device_s`` is their sum, added in this order."""
    end = w.end
    terms = []
    for dev in devices:
        for mid, t in dev.infected_reached.items():
            key = (dev.id, mid)
            terms.append(w.exposure_end.get(key, end) - t - w.exposure_gap.get(key, 0.0))
    return terms


def result_of(
    w: World,
    protocol: Protocol,
    release: bool = False,
    final_state: bool = False,
    devices_of: list[Device] | None = None,
) -> Result:
    """The :class:`Result` of the world's devices (``devices_of``: of one shard's only)."""
    shard = w.devices if devices_of is None else devices_of
    final = _final_state(w) if final_state else None
    conservation = conservation_of(w)  # (before the devices' stores are freed)
    rec = w.rec
    end = w.end
    devices: list[DeviceSummary] = []
    pooled = array("d")  # every delay of every device, as raw doubles (campus: ~10^6)
    never_total = 0
    missed_ids: set[MailId] = set()
    delays: list[tuple[str, tuple[float, ...]]] = []
    for dev in shard:
        missed = 0
        # most delivered mail was shown: look only at the rest (at C speed)
        for mid in filterfalse(dev.shown.__contains__, w.user_delivered[dev.user]):
            m = w.mails[mid]  # (one that came before the device appeared counts too: it was
            if w.intent.get(mid) is None:  # due at the device's first poll or connect)
                continue  # deleted on purpose or quarantined: nobody should show it
            if dev.client.was_due(m.time):
                missed += 1
                missed_ids.add(mid)
        # the delay's pairs: every message delivered to its user's mailbox (not those
        # quarantined at delivery); those this device never showed are counted as never
        pairs = len(w.user_delivered[dev.user]) - w.user_blocked[dev.user]
        never = pairs - len(dev.shown)
        never_total += never
        cons, cov, agr = rec.device_means(dev.id)
        ds = sorted(dev.delays)
        pooled.extend(ds)
        if rec.keep_device_series:  # per-device samples only where series are kept
            delays.append((dev.name, tuple(ds)))
        devices.append(
            DeviceSummary(
                device=dev.name,
                user=w.users[dev.user].name,
                storage_bytes=rec.dev_bytes[dev.id],
                storage_peak_bytes=rec.dev_peak[dev.id],
                storage_capacity_bytes=dev.spec.storage_bytes,
                metered=dev.spec.link.metered,
                up=_traffic(rec.up[dev.id]),
                down=_traffic(rec.down[dev.id]),
                duplicate_download_bytes=dev.dup_bytes,
                duplicate_downloads=dev.dup_count,
                received_messages=len(dev.shown),
                missed_messages=missed,
                notification_delay=Delay.of(ds, never),
                sessions=dev.sessions,
                empty_polls=dev.empty_polls,
                lock_refusals=dev.lock_refusals,
                connection_time_s=dev.conn_time,
                consistency_mean_share=cons,
                coverage_mean_share=cov,
                state_agreement_mean_share=agr,
                infected_reached=len(dev.infected_reached),
                scan_bytes=dev.scan_bytes,
                crashes=dev.crashes,
                radio_wakeups=dev.wakeups,
            )
        )
        if release:  # nothing below reads a device's local store, its shown set or its delays
            dev.local = {}
            dev.shown = set()
            del ds
    exposure = 0.0
    terms = exposure_terms(w, shard)
    reached = len(terms)
    for x in terms:
        exposure += x
    virus = Virus(
        infected_delivered=sum(1 for mid in w.delivered if w.mails[mid].infected),
        caught_at_delivery=w.caught_at_delivery,
        caught_by_rescan=w.caught_by_rescan,
        reached_devices=reached,
        exposure_device_s=exposure,
        server_scan_bytes=w.server_scan_bytes,
        device_scan_bytes=sum(d.scan_bytes for d in shard),
    )
    crashes = tuple(w.crash_records)
    searches = tuple(w.search_records)
    recall = mean_finite([s.recall_share for s in searches]) if searches else math.nan
    summary = Summary(
        server_storage_bytes=rec.server_bytes,
        server_physical_bytes=rec.server_bytes * max(0, rec.replicas_live),
        server_peak_bytes=rec.server_peak,
        consistency_mean_share=mean_finite(rec.s_cons),
        coverage_mean_share=mean_finite(rec.s_cov),
        state_agreement_mean_share=mean_finite(rec.s_agr),
        crash_lost_messages=sum(c.lost_messages for c in crashes),
        crash_lost_bytes=sum(c.lost_bytes for c in crashes),
        crash_lost_metadata=sum(c.lost_metadata for c in crashes),
        duplicate_download_bytes=sum(d.duplicate_download_bytes for d in devices),
        notification_delay=Delay.of(pooled, never_total),
        search_recall_share=recall,
        wire_bytes=sum(d.wire_bytes for d in devices),
        metered_wire_bytes=sum(d.wire_bytes for d in devices if d.metered),
        connection_time_s=sum(d.connection_time_s for d in devices),
        replica_failures=w.replica_failures,
        replica_data_loss_bytes=w.replica_loss_bytes,
        missed_messages=len(missed_ids),
        missed_pairs=sum(d.missed_messages for d in devices),
        radio_wakeups=sum(d.radio_wakeups for d in devices),
    )
    return Result(
        protocol=protocol,
        seed=w.scenario.seed,
        duration_s=end,
        grid_s=tuple(rec.grid),
        summary=summary,
        devices=tuple(devices),
        series=rec.device_series(),
        server_logical_bytes=tuple(rec.s_server),
        server_physical_bytes=tuple(rec.s_phys),
        consistency_share=tuple(rec.s_cons),
        coverage_share=tuple(rec.s_cov),
        state_agreement_share=tuple(rec.s_agr),
        crashes=crashes,
        searches=searches,
        virus=virus,
        conservation=conservation,
        events=w.events,
        delays=tuple(delays),
        records=() if w.log is None else tuple(sorted(w.log, key=_RECORD_ORDER)),
        final=final,
    )
