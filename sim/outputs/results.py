"""Immutable result records of one simulation run: time series on a regular grid plus a summary.

Theory of operation
-------------------
:func:`sim.model.simulate` returns one :class:`Result` per (scenario, protocol). Everything in it is a
frozen dataclass of plain numbers, strings and tuples, so results can be compared (``==`` is how the
determinism test checks "same seed, same result"), hashed, cached by the course, and turned into
JSON with :func:`to_jsonable` at the edge. Units are in the field names: ``_s`` seconds, ``_bytes``
octets, ``_share`` a fraction in [0, 1]. ``docs/results.md`` is the reference for every field.

Series are sampled on a regular grid ``Result.grid_s`` (``0, step, 2*step, ... <= duration``): the
value at grid point ``t`` is the state just after every event at or before ``t`` has happened.
"""

from __future__ import annotations

import bisect
import dataclasses
import enum
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..inputs.access import Protocol
from .records import EventRecord


class LossReason(enum.Enum):
    """Why a delivered message is gone from everywhere (conservation accounting)."""

    CRASH = "crash"  # its only copies were on a device that crashed (and no backup had it)
    USER_DELETE = (
        "user_delete"  # the user deleted it on purpose (not a loss of data, but it is gone)
    )
    EXPIRED = "expired"  # POP3 leave-on-server expiry removed the server copy and no device had it
    QUARANTINE = "quarantine"  # the server quarantined it as infected


@dataclass(frozen=True)
class Traffic:
    """Octets on the wire in one direction, split by what they carry.

    ``framing`` is protocol syntax (commands, status lines, tags, literal prefixes, dot-stuffing,
    TCP/IP headers are *not* included); ``header``/``body``/``attachment`` are message content by
    region (see ``sim.protocol.message.ByteKind``); ``tls`` is TLS handshake and record overhead;
    ``tcp`` is TCP/IP handshake and segment overhead as modelled by ``sim.inputs.network``.
    """

    framing: int = 0
    header: int = 0
    body: int = 0
    attachment: int = 0
    tls: int = 0
    tcp: int = 0

    @property
    def total(self) -> int:
        return self.framing + self.header + self.body + self.attachment + self.tls + self.tcp

    def __add__(self, other: Traffic) -> Traffic:
        return Traffic(
            *(a + b for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other)))
        )


@dataclass(frozen=True)
class Delay:
    """Notification delays of a set of (message, device) pairs, in seconds.

    ``count`` pairs were shown (the quantiles are over them; NaN when there are none) and
    ``never`` pairs were never shown by the end of the run: they are counted, not dropped, so
    that two protocols are compared over the same pairs (``count + never`` is the same)."""

    count: int = 0
    median_s: float = math.nan
    p95_s: float = math.nan
    mean_s: float = math.nan
    max_s: float = math.nan
    never: int = 0

    @property
    def pairs(self) -> int:
        """Every (message, device) pair counted: shown or never shown."""
        return self.count + self.never

    @staticmethod
    def of(samples: Iterable[float], never: int = 0) -> Delay:
        if never < 0:
            raise ValueError(f"Delay.of: never must be >= 0, got {never}")
        xs = sorted(samples)
        if not xs:
            return Delay(never=never)
        return Delay(
            len(xs), quantile(xs, 0.5), quantile(xs, 0.95), sum(xs) / len(xs), xs[-1], never
        )


def quantile(sorted_xs: list[float], q: float) -> float:
    """Linear-interpolation quantile (numpy's default) of an already sorted, non-empty list."""
    pos = (len(sorted_xs) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_xs) - 1)
    return sorted_xs[lo] + (sorted_xs[hi] - sorted_xs[lo]) * (pos - lo)


@dataclass(frozen=True)
class CrashRecord:
    """One device crash: what was wiped, what the backup brought back, what is gone for good.

    ``lost_messages``/``lost_bytes``: messages whose only copy was on the crashed storage (not on
    the server, not on another device, not in the restored backup) and that the user still
    wanted (not deleted on purpose on any device, not quarantined). ``lost_metadata``: wiped
    messages whose (folder, flags) -- other than INBOX with no flags -- exist nowhere else.

    ``at_risk_since``: for every message that only this storage held and the user still wanted,
    when it reached the device (sent mail: when it was sent), sorted.  A backup taken at time
    ``b`` brings back exactly those with a time ``<= b``, so one crash answers "what would a
    backup of another age have saved" (:meth:`lost_with_backup_age`) without a rerun.
    """

    time_s: float
    device: str
    backup_age_s: float | None  # None: no backup restored
    wiped_messages: int
    wiped_bytes: int
    restored_messages: int
    lost_messages: int
    lost_bytes: int
    lost_metadata: int
    at_risk_since: tuple[float, ...] = ()

    def lost_with_backup_age(self, backup_age_s: float | None) -> int:
        """Messages this crash would have lost had the restored backup been ``backup_age_s``
        old (``None``: no backup); equals :attr:`lost_messages` at :attr:`backup_age_s`."""
        if backup_age_s is None:
            return len(self.at_risk_since)
        if backup_age_s < 0:
            raise ValueError(f"backup_age_s: {backup_age_s} is negative; allowed 0 or more")
        backup_time = max(0.0, self.time_s - backup_age_s)  # as sim.inputs.workload dates a backup
        return len(self.at_risk_since) - bisect.bisect_right(self.at_risk_since, backup_time)


@dataclass(frozen=True)
class SearchRecord:
    """One user search on a device: what it should find, what it found, what it cost.

    Recall = found / relevant, where *relevant* are the user's messages that exist anywhere
    (server or any device), are not deleted by intent, and match the query. POP3 searches the
    device's local store only; IMAP asks the server (UID SEARCH) and counts its bytes and time.
    """

    time_s: float
    device: str
    query: str
    relevant: int
    found: int
    recall_share: float  # 1.0 when relevant == 0
    up_bytes: int
    down_bytes: int
    duration_s: float
    on_server: bool  # True when answered by the server (IMAP), False when by the local store

    @classmethod
    def of(
        cls,
        time_s: float,
        device: str,
        query: str,
        relevant: int,
        found: int,
        up_bytes: int = 0,
        down_bytes: int = 0,
        duration_s: float = 0.0,
        on_server: bool = False,
    ) -> SearchRecord:
        """A search's record with its recall derived from ``found`` and ``relevant``; a search of
        the local store (the defaults) costs no octets and no time."""
        recall = found / relevant if relevant else 1.0
        return cls(
            time_s,
            device,
            query,
            relevant,
            found,
            recall,
            up_bytes,
            down_bytes,
            duration_s,
            on_server,
        )


@dataclass(frozen=True)
class DeviceSummary:
    """Per-device totals over the whole run."""

    device: str  # "user/device", e.g. "alice/phone"
    user: str
    storage_bytes: int  # local store at the end of the run
    storage_peak_bytes: int
    storage_capacity_bytes: int  # the device's local mail storage (DeviceSpec.storage_bytes)
    metered: bool  # its link is paid by the byte (LinkSpec.metered)
    up: Traffic  # device -> server
    down: Traffic  # server -> device
    duplicate_download_bytes: int  # message octets downloaded again although already held once
    duplicate_downloads: int  # number of such re-downloads
    received_messages: int  # distinct messages this device ever showed
    missed_messages: int  # delivered messages of its user that it never showed
    # arrival on server -> shown on this device, over every delivered message of its user
    # (``never``: not shown by the end of the run)
    notification_delay: Delay
    sessions: int  # TCP connections opened (including empty polls)
    empty_polls: int  # polls that found nothing new (accounted in closed form)
    lock_refusals: int  # POP3 sessions refused because another device held the maildrop lock
    connection_time_s: float  # seconds with a connection open
    consistency_mean_share: float  # time-average over the grid of this device's consistent share
    coverage_mean_share: float
    state_agreement_mean_share: float
    infected_reached: int  # infected messages that reached this device before quarantine
    scan_bytes: int  # octets this device's own scanner examined (POP3: every download)
    crashes: int
    # times the radio had to wake for the protocol (the battery proxy): sessions opened, pushes
    # and keepalives received, IDLE re-issues and NOOP polls on an open connection
    radio_wakeups: int = 0

    @property
    def wire_bytes(self) -> int:
        return self.up.total + self.down.total

    @property
    def storage_peak_share(self) -> float:
        """Peak local mail storage as a share of the capacity.  The model does not stop a client
        at capacity: above 1 the device would have run out of space."""
        return self.storage_peak_bytes / self.storage_capacity_bytes


@dataclass(frozen=True)
class DeviceSeries:
    """Per-device time series on ``Result.grid_s`` (same length)."""

    device: str
    storage_bytes: tuple[int, ...]
    consistency_share: tuple[float, ...]
    coverage_share: tuple[float, ...]
    state_agreement_share: tuple[float, ...]
    wire_bytes: tuple[int, ...]  # cumulative, both directions


@dataclass(frozen=True)
class Conservation:
    """Where each delivered message is at the end of the run, every message in exactly one bucket
    (checked in this order): on the server; else on some device; else gone with the reason the
    model recorded; else ``unaccounted`` -- gone with no recorded reason, which is a model bug."""

    delivered: int
    on_server: int
    on_device_only: int  # not on the server, on at least one device
    lost: tuple[tuple[LossReason, int], ...]  # gone from everywhere, by reason
    unaccounted: int = 0  # gone from everywhere and no loss reason recorded: must stay 0

    @property
    def lost_total(self) -> int:
        return sum(n for _, n in self.lost)

    @property
    def balanced(self) -> bool:
        """Every delivered message has a place or a loss reason."""
        return self.unaccounted == 0 and (
            self.on_server + self.on_device_only + self.lost_total == self.delivered
        )


@dataclass(frozen=True)
class Virus:
    """Infected mail and scanning work (DESIGN.md §3)."""

    infected_delivered: int  # infected messages that arrived
    caught_at_delivery: int  # signatures already known at arrival: quarantined before delivery
    caught_by_rescan: int  # quarantined later by a server rescan after a signature update
    reached_devices: int  # (message, device) pairs: an infected message landed on a device first
    exposure_device_s: float  # sum over such pairs of the time on the device before it was caught
    server_scan_bytes: int  # octets scanned by the server (delivery scan + rescans)
    device_scan_bytes: int  # octets scanned by device-side scanners (every device download)


@dataclass(frozen=True)
class Summary:
    """Headline numbers of one run (the CLI's and the capstone's table)."""

    server_storage_bytes: int  # logical bytes on the server at the end
    server_physical_bytes: int  # times the live replicas at the end
    server_peak_bytes: int  # logical peak
    consistency_mean_share: float  # time-average over the grid and all (message, device) pairs
    coverage_mean_share: float
    state_agreement_mean_share: float
    crash_lost_messages: int
    crash_lost_bytes: int
    crash_lost_metadata: int
    duplicate_download_bytes: int
    notification_delay: Delay  # every device's (message, device) pairs pooled
    search_recall_share: float  # mean recall over searches (NaN when no search happened)
    wire_bytes: int  # all devices, both directions
    metered_wire_bytes: int  # the devices on metered links, both directions
    connection_time_s: float  # all devices
    replica_failures: int
    replica_data_loss_bytes: int  # bytes lost because every replica failed at once (usually 0)
    # distinct delivered messages that at least one device missed, and the (message, device)
    # pairs behind them (the sum of DeviceSummary.missed_messages)
    missed_messages: int = 0
    missed_pairs: int = 0
    radio_wakeups: int = 0  # all devices (DeviceSummary.radio_wakeups)


@dataclass(frozen=True)
class DeviceHolding:
    """What one device holds at the end of the run."""

    device: str  # "user/device"
    copies: tuple[tuple[int, str, int], ...]  # (mail id, folder, flag bits) of every copy held
    # (mail id, when its infected content reached the device before the scanner knew it)
    infected_reached: tuple[tuple[int, float], ...]


@dataclass(frozen=True)
class FinalState:
    """Where every message is at the end of the run (``simulate(..., final_state=True)``): what the
    lessons count from the end state (which device shows which message in which folder), so
    that they read the result, not the model's internals.  Mail ids are the trace's: arrivals
    ``0 .. len(trace.messages) - 1``, then the user's sent messages.  Flag bits are
    ``sim.outputs.metrics``' (SEEN 1, ANSWERED 2, FLAGGED 4, FORWARDED 8)."""

    # every message delivered to a mailbox: (mail id, intended folder or None = deleted or
    # quarantined, intended flag bits)
    intents: tuple[tuple[int, str | None, int], ...]
    server: tuple[tuple[int, str, int], ...]  # (mail id, folder, flag bits) held by the server
    devices: tuple[DeviceHolding, ...]
    # messages gone from the server and from every device, and why (the last copy's reason)
    gone: tuple[tuple[int, LossReason], ...]

    def intent(self) -> dict[int, tuple[str, int] | None]:
        """``{mail id: (folder, flags) or None}``."""
        return {
            mid: None if folder is None else (folder, flags) for mid, folder, flags in self.intents
        }

    def on_server(self) -> dict[int, tuple[str, int]]:
        """``{mail id: (folder, flags)}`` of what the server holds."""
        return {mid: (folder, flags) for mid, folder, flags in self.server}

    def held(self, device: str) -> dict[int, tuple[str, int]]:
        """``{mail id: (folder, flags)}`` of what ``device`` holds."""
        for d in self.devices:
            if d.device == device:
                return {mid: (folder, flags) for mid, folder, flags in d.copies}
        raise KeyError(
            f"device={device!r}: not in this result (have {[d.device for d in self.devices]})"
        )

    def reached(self, device: str) -> dict[int, float]:
        """``{mail id: time}`` of the infected content that reached ``device``."""
        for d in self.devices:
            if d.device == device:
                return dict(d.infected_reached)
        raise KeyError(f"device={device!r}: not in this result")


@dataclass(frozen=True)
class Result:
    """Everything one run of the model produced, under ``protocol``."""

    protocol: Protocol
    seed: int
    duration_s: float
    grid_s: tuple[float, ...]
    summary: Summary
    devices: tuple[DeviceSummary, ...]
    series: tuple[DeviceSeries, ...]
    server_logical_bytes: tuple[int, ...]  # series on grid_s
    server_physical_bytes: tuple[int, ...]  # series on grid_s
    consistency_share: tuple[float, ...]  # all pairs, series on grid_s
    coverage_share: tuple[float, ...]
    state_agreement_share: tuple[float, ...]
    crashes: tuple[CrashRecord, ...]
    searches: tuple[SearchRecord, ...]
    virus: Virus
    conservation: Conservation
    events: int  # SimPy events processed (for the benchmark)
    # per device, sorted notification delays (s); empty when per-device series are not kept
    delays: tuple[tuple[str, tuple[float, ...]], ...] = field(default=())
    # what happened, in time order (sim.outputs.records); empty unless simulate(..., record_events=True)
    records: tuple[EventRecord, ...] = field(default=())
    # where every message is at the end; None unless simulate(..., final_state=True)
    final: FinalState | None = None

    def device(self, name: str) -> DeviceSummary:
        for d in self.devices:
            if d.device == name:
                return d
        raise KeyError(
            f"device={name!r}: not in this result (have {[d.device for d in self.devices]})"
        )

    def device_series(self, name: str) -> DeviceSeries:
        for s in self.series:
            if s.device == name:
                return s
        raise KeyError(f"device={name!r}: not in this result")

    def by_device(self, attr: str) -> dict[str, Any]:
        """``{device: getattr(summary, attr)}``, e.g. ``result.by_device("missed_messages")``."""
        return {d.device: getattr(d, attr) for d in self.devices}


def to_jsonable(obj: Any) -> Any:
    """Plain JSON-compatible structure (NaN becomes None, enums their value)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        if isinstance(obj, Traffic):
            out["total"] = obj.total
        return out
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, float):
        return None if math.isnan(obj) else obj
    if isinstance(obj, Mapping):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return [to_jsonable(x) for x in obj]
    return obj
