"""Turn model runs into the course's figure inputs (here: the per-device timeline).

The timeline's lanes come from a run's :class:`sim.outputs.results.Result` (bytes held per device and on the
server, on the result's grid) and its marks from what happened in that run, as the model recorded
it (``Result.records``, from ``simulate(..., record_events=True)``): every POP3 poll at its tick, every
IMAP push, connect and resynchronisation, every upload of a user's change, every crash.  Arrivals
and reads are the workload trace, which both protocols share.  Nothing here re-derives protocol
behaviour, so a figure cannot disagree with the run it shows.  POP3 never syncs flags: the figure
shows no flag-sync marks for it, which is the point of lesson 5.
"""

from __future__ import annotations

from typing import Any

from course.style import EventKind, Protocol
from course.timeline import TimelineData, TimelineEvent
from sim.outputs.records import RecordKind

__all__ = ["timeline_data"]

# the timeline mark of each kind of event record (others are not drawn); an IMAP connect is
# the resynchronisation the client does on connecting, an IMAP action a change sent up
_MARKS = {
    RecordKind.POLL: EventKind.POLL,
    RecordKind.EMPTY_POLL: EventKind.POLL,
    RecordKind.LOCK_REFUSAL: EventKind.POLL,
    RecordKind.CONNECT: EventKind.POLL,
    RecordKind.PUSH: EventKind.PUSH,
    RecordKind.CRASH: EventKind.CRASH,
}
_IMAP_MARKS = {**_MARKS, RecordKind.ACTION: EventKind.FLAG_SYNC}


def timeline_data(
    trace: Any, result: Any, protocol: Protocol, user: int = 0, window_s: float | None = None
) -> TimelineData:
    """The timeline of ``user``'s devices in one run (``window_s``: only the first part of it).
    ``result`` must come from a run with ``record_events=True``."""
    if not result.records:
        raise ValueError(
            "timeline_data: result has no event records; run the model with record_events=True"
        )
    scenario = trace.scenario
    end = min(result.duration_s, window_s) if window_s else result.duration_s
    devices = [d for d in scenario.devices if d.user == user]
    names = {d.name for d in devices}
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

    marks = _IMAP_MARKS if protocol is Protocol.IMAP else _MARKS
    events: list[TimelineEvent] = []
    events += [
        TimelineEvent(m.time, "server", EventKind.ARRIVAL)
        for m in trace.messages
        if m.user == user and m.time < end
    ]
    for a in trace.actions:
        if a.user == user and a.time < end and a.kind.value == "read":
            events.append(TimelineEvent(a.time, scenario.devices[a.device].name, EventKind.READ))
    for rec in result.records:
        if rec.device in names and rec.time_s < end:
            mark = marks.get(rec.kind)
            if mark is not None:
                events.append(TimelineEvent(rec.time_s, rec.device, mark))
    return TimelineData(protocol, end, lanes, tuple(held), tuple(events), held_unit="bytes")
