"""Turn model runs into the course's figure inputs (here: the per-device timeline).

The timeline's lanes come from a run's :class:`sim.results.Result` (bytes held per device and on the
server, on the result's grid) and its marks from the run's workload trace, which both protocols
share: arrivals, reads, the user's flag/folder changes and crashes happen at the same times under
POP3 and IMAP.  Protocol behaviour is derived with the model's own arithmetic: POP3 (and IMAP
without IDLE) polls on the ticks of :class:`sim.model.timeline.Timeline` with the model's per-device
phase; an IMAP IDLE device online at an arrival gets a push then, an offline one resyncs when it
comes back (marked as a poll); IMAP uploads a flag/folder change when the device is online (at once,
or on reconnect).  POP3 never syncs flags — the figure shows no flag-sync marks for it, which is
the point of lesson 5.
"""

from __future__ import annotations

from typing import Any

from course.style import EventKind, Protocol
from course.timeline import TimelineData, TimelineEvent

__all__ = ["timeline_data"]

_SYNCED_ACTIONS = ("flag", "reply", "forward", "file", "delete")


def _poll_ticks(trace: Any, device: Any, interval: float, end: float) -> list[float]:
    from sim.model.timeline import Timeline
    from sim.model.world import phase_of

    ivs = [(iv.start, iv.end) for iv in trace.online[device.id]]
    tl = Timeline(ivs, interval, phase_of(trace.scenario.seed, device.name) * interval)
    ticks: list[float] = []
    t = 0.0
    while len(ticks) < 5000:
        t = tl.next_tick(t)
        if t >= end:
            break
        ticks.append(t)
        t += 1e-6
    return ticks


def _next_online(trace: Any, device_id: int, t: float) -> float | None:
    return trace.next_online(device_id, t)


def timeline_data(trace: Any, result: Any, protocol: Protocol, user: int = 0,
                  window_s: float | None = None) -> TimelineData:
    """The timeline of ``user``'s devices in one run (``window_s``: only the first part of it)."""
    scenario = trace.scenario
    end = min(result.duration_s, window_s) if window_s else result.duration_s
    devices = [d for d in scenario.devices if d.user == user]
    lanes = ("server",) + tuple(d.name for d in devices)
    grid = result.grid_s
    keep = [i for i, t in enumerate(grid) if t <= end]
    held = [("server", tuple((grid[i], int(result.server_logical_bytes[i])) for i in keep))]
    for d in devices:
        try:
            series = result.device_series(d.name)
        except KeyError:
            continue
        held.append((d.name, tuple((grid[i], int(series.storage_bytes[i])) for i in keep)))

    events: list[TimelineEvent] = []
    arrivals = [m.time for m in trace.messages if m.user == user and m.time < end]
    events += [TimelineEvent(t, "server", EventKind.ARRIVAL) for t in arrivals]
    for a in trace.actions:
        if a.user != user or a.time >= end:
            continue
        name = scenario.devices[a.device].name
        if a.kind.value == "read":
            events.append(TimelineEvent(a.time, name, EventKind.READ))
        if protocol is Protocol.IMAP and a.kind.value in _SYNCED_ACTIONS + ("read",):
            when = _next_online(trace, a.device, a.time)
            if when is not None and when < end and a.kind.value != "read":
                events.append(TimelineEvent(when, name, EventKind.FLAG_SYNC))
    for c in trace.crashes:
        dev = scenario.devices[c.device]
        if dev.user == user and c.time < end:
            events.append(TimelineEvent(c.time, dev.name, EventKind.CRASH))

    for d in devices:
        start = d.spec.first_online_s
        if protocol is Protocol.POP3 or not d.spec.imap.idle:
            interval = d.spec.pop3.poll_interval_s if protocol is Protocol.POP3 else d.spec.imap.poll_interval_s
            events += [TimelineEvent(t, d.name, EventKind.POLL)
                       for t in _poll_ticks(trace, d, interval, end) if t >= start]
            continue
        for t in arrivals:
            if t < start:
                continue
            if trace.is_online(d.id, t):
                events.append(TimelineEvent(t, d.name, EventKind.PUSH))
        for iv in trace.online[d.id]:
            if start <= iv.start < end and iv.start > 0:
                events.append(TimelineEvent(iv.start, d.name, EventKind.POLL))
    return TimelineData(protocol, end, lanes, tuple(held), tuple(events), held_unit="bytes")
