"""What a device exchanged with the server, read from a run's event records (``sim.outputs.records``).

Tests compare the model's octets with a real engine session's by reading the records a run
keeps with ``record_events=True`` -- never by patching the model's classes to watch them."""

from __future__ import annotations

from sim.outputs.records import EventRecord
from sim.outputs.results import Result

# (client octets, server octets by kind -- framing, header, body, attachment --, round trips)
Octets = tuple[int, tuple[int, int, int, int], int]


def exchanges_at(result: Result, device: str, t: float) -> list[EventRecord]:
    """``device``'s one-off exchanges at ``t`` (closed-form bookings left out)."""
    return [r for r in result.records if r.device == device and r.time_s == t and r.count == 1]


def octets_of(records: list[EventRecord]) -> Octets:
    """The protocol octets of these exchanges, summed as an engine session's record counts
    them (the round trips include a new connection's set-up)."""
    down = (
        sum(r.protocol_down[0] for r in records),
        sum(r.protocol_down[1] for r in records),
        sum(r.protocol_down[2] for r in records),
        sum(r.protocol_down[3] for r in records),
    )
    return sum(sum(r.protocol_up) for r in records), down, sum(r.round_trips for r in records)


def octets_at(result: Result, device: str, t: float) -> Octets:
    """What ``device`` exchanged at ``t``, summed: :func:`octets_of` of :func:`exchanges_at`."""
    return octets_of(exchanges_at(result, device, t))
