"""One experiment per lesson (DESIGN.md §5): both protocols, same workload trace, one record back.

Every function below builds a scenario from a preset, changes the few parameters the lesson is
about, runs :func:`sim.model.simulate` once for POP3 and once for IMAP on the *same* trace (common random
numbers) and returns a frozen record with both :class:`sim.outputs.results.Result` objects (``pop3``,
``imap``) plus the handful of derived numbers the lesson's dashboard plots. All parameters are
keyword-only; a value outside its range raises :class:`sim.inputs.scenario.ScenarioError` naming the
parameter, the value and the range (the course's widgets use exactly these ranges, see
:data:`RANGES`). Defaults are the "default lesson scenario": preset ``family`` (one user with a phone,
a laptop and a desktop), 7 days, seed 1 -- built to run both protocols in well under 100 ms.
The first call in a fresh process is slower (about a second): it measures the protocol engines'
costs per message shape once (``sim.model.imap_costs``); later calls reuse them.  A course can
warm up by calling any lesson function once at import time of its dashboard.

Device names in results are ``"user/device"``, e.g. ``"alex/phone"``, ``"alex/laptop"``,
``"alex/desktop"`` (preset ``family``; lesson 6 uses preset ``two_clients``: ``"kim/laptop"``,
``"kim/desktop"``); lessons that add a device near the end call it ``"alex/new"``.

Lesson functions (parameters: default, range) and the record each returns
-------------------------------------------------------------------------
Each is marked ``@lesson_experiment(N)``, which lists it in :data:`EXPERIMENTS` (``python -m sim
lesson N`` and the course's lesson table ``course/lessons.py`` find it there).

0. ``lesson0_overview(profile="family" [family, traveller, single, two_clients], days=2 [1..60],
   seed=1, progress=None)`` -> :class:`Lesson0Result`: the preset unchanged, both protocols on one
   trace with the runs' event records on a 10-minute grid (:data:`TIMELINE_GRID_S`): ``profile``,
   ``days``, ``delivered``, ``trace`` (the workload; not among the command's values), ``pop3``,
   ``imap``.
1. ``lesson1_where_mail_lives(days=7 [1..60], seed=1 [0..2**31-1], leave_on_server_days=None
   [None=delete after download, or 0..60], headers_first=False, fetch=FetchMode.BODIES_ON_OPEN,
   attachments_eager=False, attachments_opened_pct=50.0 [0..100])`` -> :class:`Lesson1Result`:
   ``pop3``, ``imap``, ``new_device_pop3`` and ``new_device_imap`` (old messages -- arrived
   before it appeared -- that a brand-new device shows at the end), ``delivered``,
   ``phone_down_bytes_pop3``/``_imap`` (octets the phone downloaded).
2. ``lesson2_ports_and_tls(rtt_ms=50.0 [0.1..2000], bandwidth_kbps=10000.0 [8..1e7])`` ->
   :class:`Lesson2Result`: ``rows``, one :class:`ConnectionSetup` per (protocol, port, TLS mode) --
   110, 110+STLS, 995, 143, 143+STARTTLS, 993 -- with round trips, bytes and seconds until the first
   command after login, and whether the password crossed the wire in clear text.
3. ``lesson3_notification(poll_interval_min=10.0 [1..240], idle=True, days=7 [1..60], seed=1,
   nat_timeout_min=None [None or 1..60], keepalive_min=None [None or 1..30], device="phone"
   [phone, laptop, desktop, all], tls_resumption=False)`` -- a home router that forgets quiet connections, and the
   server's IDLE keepalive -- -> :class:`Lesson3Result`: ``pop3``, ``imap``, ``device``, and of
   that device (``all``: delays pooled over every device's pairs, the rest per device on average)
   ``pop3_delay``/``imap_delay`` (:class:`sim.outputs.results.Delay`, seconds, with the pairs never
   shown), ``overhead_bytes_per_day_pop3``/``_imap`` (wire bytes that carried no message content,
   per day), ``connection_s_per_day_pop3``/``_imap``, ``wakeups_per_day_pop3``/``_imap`` (radio
   wake-ups per day, the battery proxy).  ``lesson3_for_device(run, device)``: the same record
   seen from another device, from ``run``'s runs (no simulation).
4. ``lesson4_folders(days=7 [1..60], seed=1, file_per_day=5.0 [0..50])`` -> :class:`Lesson4Result`:
   ``pop3``, ``imap``, ``filed`` (messages the user filed into a folder on some device and did not delete),
   ``filed_seen_elsewhere_pop3`` / ``_imap`` (``(device, count)`` pairs: how many of them each device
   shows in the intended folder at the end, including ``"alex/new"``).
5. ``lesson5_flags(days=7 [1..60], seed=1, phone_offline_h=0.0 [0..72])`` -> :class:`Lesson5Result`:
   ``pop3``, ``imap``, ``flag_agreement_pop3``/``_imap`` (``(flag, share)`` pairs at the end: share of
   (message, device) pairs where the device shows that flag as intended), and the state-agreement
   series in the two results.
6. ``lesson6_leave_on_server(days=7 [1..60], seed=1, first_leave_days=14 [None or 0..60],
   second_leaves=False, uidl=True, poll_interval_min=10.0 [1..240], desktop_evenings=False,
   bandwidth_kbps=None [None=preset links, or 8..1e7])`` -> :class:`Lesson6Result`: the
   article's two-client advice (laptop leaves copies, desktop downloads and deletes): ``pop3``,
   ``imap``, ``missed_pop3``/``missed_imap`` (``(device, count)``), ``duplicate_bytes_pop3``/``_imap``,
   ``lock_refusals_pop3`` (and per device, ``refusals_pop3``), ``server_bytes_pop3``/``_imap``
   (final logical bytes).  Logins are refused only when the two computers are online together
   (``desktop_evenings``) and a session outlasts the gap to the other client's poll (a slow
   ``bandwidth_kbps``, big messages).
7. ``lesson7_virus(days=7 [1..60], seed=59, infected_share=0.002 [0..0.5] (the model's default,
   ``sim.inputs.defaults.INFECTED_SHARE``), signature_delay_h=12.0 [0..72] (``SIGNATURE_DELAY_S``),
   leave_on_server_days=14 [None=delete after download, or 0..60], imap_offline=False)`` ->
   :class:`Lesson7Result`: ``pop3``, ``imap``, their :class:`sim.outputs.results.Virus` records as
   ``virus_pop3``/``virus_imap``, ``zero_days`` (one :class:`ZeroDay` per infected message the
   delivery scan missed: where its content landed before a signature update recognised it),
   ``copies_pop3``/``_imap`` (infected copies on devices: (message, device) pairs) and
   ``kept_off_devices_pop3``/``_imap`` (zero-days recognised before any device held them).
   The default seed is a week in which a zero-day arrives (at 0.2 % most weeks bring none).
8. ``lesson8_search(days=7 [1..60], seed=1, leave_on_server_days=None [None or 0..60])`` ->
   :class:`Lesson8Result`: ``pop3``, ``imap``, ``phone_recall_pop3``/``_imap`` (mean recall of the
   search at the end), ``new_device_recall_pop3``/``_imap`` (the same search on a brand-new device:
   share of the matching *old* mail -- arrived before the device appeared -- that it finds),
   ``new_device_search_bytes_imap``, ``new_device_search_s_imap``.
9. ``lesson9_crash(days=7 [1..60], seed=1, crash_day=5.0 [0..days], crash_device="phone",
   backup_age_days=None [None=no backup, or 0..60], accidental_delete=True)`` ->
   :class:`Lesson9Result`: a crash of ``crash_device`` and, a day before it, a delete by mistake
   on the phone of a message the phone downloaded first, replayed under POP3 deleting after
   download (``pop3``), IMAP (``imap``) and POP3 with a desktop archive (``pop3_archive``: the
   phone and the laptop leave mail on the server for ``ARCHIVE_LEAVE_DAYS`` days, the desktop
   downloads every message and keeps it); ``crash_pop3``/``_imap``/``_pop3_archive``
   (:class:`sim.outputs.results.CrashRecord`), ``accidental_delete_gone_*`` (devices that no longer have
   the deleted message at the end) and ``accidental_delete_on_server_*``.
   ``lesson9_yearly_loss(trials=3 [1..20], crashes_per_year=1.0 [0..12],
   accidental_deletes_per_year=4.0 [0..52], backup_age_days=None, seed=1, progress=None)`` ->
   :class:`YearlyLoss`: Monte Carlo of whole simulated years (365 days each, nothing scaled) of
   preset ``family`` with random crashes and deletes by mistake on the phone, under the same three
   set-ups; per set-up and trial the received messages lost in crashes and to those deletes
   (:class:`YearLosses`).  A year costs seconds: ``progress`` reports the fraction done.
10. ``capstone(profile="family" [family, traveller, single, campus], tls=TlsMode.IMPLICIT,
    tls_resumption=False, poll_interval_min=10.0 [1..240], leave_on_server_days=None [None or
    0..60], imap_idle=True, imap_qresync=False, crash_day=None [None or 0..days],
    imap_fetch=FetchMode.FULL_OFFLINE, days=7 [1..60], seed=1, progress=None)`` ->
    :class:`CapstoneResult`: ``pop3``, ``imap`` for the profile with those client policies on
    every device (campus runs its users in shards, :func:`sim.model.shards.run_many`).
"""

from __future__ import annotations

import bisect
import dataclasses
import enum
import math
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from ..inputs.defaults import INFECTED_SHARE, POP3_LEAVE_DAYS, SIGNATURE_DELAY_S
from ..inputs.network import Link
from ..inputs.presets import desktop, preset
from ..inputs.scenario import (
    DAY,
    AttachmentPolicy,
    CrashSpec,
    DeviceRef,
    DeviceSpec,
    FetchMode,
    LinkSpec,
    OnlinePattern,
    Scenario,
    ScenarioError,
    TlsMode,
    nat_forgets_a_polling_client,
)
from ..inputs.workload import Action, ActionKind, Interval, Trace, generate, stream
from ..model import Protocol, simulate
from ..model.pair import Run, progress_share, run_all, run_both
from ..model.state import INBOX
from ..outputs.metrics import FLAG_NAMES
from ..outputs.results import (
    CrashRecord,
    Delay,
    DeviceSummary,
    FinalState,
    LossReason,
    Result,
    SearchRecord,
    Virus,
)
from ..protocol.imap.server import ImapServer
from ..protocol.imap_client import connect as imap_connect
from ..protocol.pop3 import Pop3Server
from ..protocol.pop3_client import PollOptions
from ..protocol.pop3_client import poll as pop3_poll
from ..protocol.profiles import DEFAULT_PROFILE, imap_config, pop3_config
from ..protocol.session import SessionRecord
from ..protocol.store import Store

RANGES: dict[str, tuple[float, float]] = {
    "days": (1, 60),
    "seed": (0, 2**31 - 1),
    "leave_on_server_days": (0, 60),
    "rtt_ms": (0.1, 2000.0),
    "bandwidth_kbps": (8.0, 1e7),
    "poll_interval_min": (1.0, 240.0),
    "file_per_day": (0.0, 50.0),
    "phone_offline_h": (0.0, 72.0),
    "first_leave_days": (0, 60),
    "infected_share": (0.0, 0.5),
    "signature_delay_h": (0.0, 72.0),
    "backup_age_days": (0.0, 60.0),
    "trials": (1, 20),
    "crashes_per_year": (0.0, 12.0),
    "accidental_deletes_per_year": (0.0, 52.0),
    "crash_day": (0.0, 60.0),
    "nat_timeout_min": (1, 60),
    "keepalive_min": (1, 30),
    "attachments_opened_pct": (0.0, 100.0),
}
"""Allowed (low, high) of every numeric lesson parameter; widgets use the same ranges."""


# -- plumbing ----------------------------------------------------------------------------------------

_F = TypeVar("_F", bound=Callable[..., Any])

EXPERIMENTS: dict[int, Callable[..., Any]] = {}
"""Lesson number -> its experiment, filled by :func:`lesson_experiment` where each is defined
(``python -m sim lesson N`` and the course's lesson table read it)."""


def lesson_experiment(n: int) -> Callable[[_F], _F]:
    """Mark a function as lesson ``n``'s experiment (one per lesson)."""

    def mark(fn: _F) -> _F:
        if n in EXPERIMENTS:
            raise RuntimeError(f"lesson {n} already has an experiment: {EXPERIMENTS[n].__name__}")
        EXPERIMENTS[n] = fn
        return fn

    return mark


def _check(
    name: str, value: Any, *, integer: bool = False, optional: bool = False, hi: float | None = None
) -> None:
    """Validate a lesson parameter against :data:`RANGES` (or ``hi`` when it depends on others)."""
    lo, top = RANGES[name]
    if hi is not None:
        top = hi
    if value is None and optional:
        return
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok and integer and not isinstance(value, int):
        ok = False
    if not ok or not lo <= value <= top:
        kind = "integer" if integer else "number"
        extra = " or None" if optional else ""
        raise ScenarioError("experiment", name, value, f"{kind} {lo:g} <= x <= {top:g}{extra}")


def _bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ScenarioError("experiment", name, value, "True or False")


def _base(name: str, days: int, seed: int) -> Scenario:
    _check("days", days, integer=True)
    _check("seed", seed, integer=True)
    return preset(name, days=days, seed=seed)


def _with_devices(sc: Scenario, fn: Callable[[DeviceSpec], DeviceSpec]) -> Scenario:
    users = tuple(dataclasses.replace(u, devices=tuple(fn(d) for d in u.devices)) for u in sc.users)
    return dataclasses.replace(sc, users=users)


def _add_new_device(sc: Scenario, before_end_s: float = 2 * 3600.0) -> Scenario:
    """A brand-new always-online desktop called ``new`` that appears ``before_end_s`` before the
    end and on which the user does nothing (lessons 1, 4, 8: what does a new device see?)."""
    u = sc.users[0]
    proto = next(d for d in u.devices)
    new = desktop(
        "new",
        online=OnlinePattern(),
        use_weight=0.0,
        first_online_s=max(0.0, sc.duration_s - before_end_s),
        pop3=proto.pop3,
        imap=proto.imap,
    )
    users = (dataclasses.replace(u, devices=u.devices + (new,)),) + sc.users[1:]
    return dataclasses.replace(sc, users=users)


def _new(sc: Scenario) -> DeviceRef:
    """The brand-new device :func:`_add_new_device` added."""
    return next(d for d in sc.devices if d.name.endswith("/new"))


def _final(r: Result) -> FinalState:
    """The end state the experiments ask the model for (``simulate(..., final_state=True)``)."""
    assert r.final is not None, "run with final_state=True"
    return r.final


def _old_shown(r: Result, tr: Trace) -> int:
    """Messages that arrived before the new device appeared and that it shows at the end."""
    new = _new(tr.scenario)
    arrivals = tr.messages
    return sum(
        1
        for mid in _final(r).held(new.name)
        if mid < len(arrivals) and arrivals[mid].time < new.spec.first_online_s
    )


def _run(sc: Scenario, protocol: Protocol, trace: Trace, **options: Any) -> Result:
    """One run that also keeps the end state (which device holds what, the user's intent)."""
    return simulate(sc, protocol, trace, final_state=True, **options)


def _both(sc: Scenario, trace: Trace | None = None) -> tuple[Trace, Result, Result]:
    """The trace and both protocols' runs, each keeping its end state (as :func:`_run`)."""
    return run_both(sc, trace, final_state=True)


def _pop3(leave_days: float | None, **extra: Any) -> Callable[[DeviceSpec], DeviceSpec]:
    def change(d: DeviceSpec) -> DeviceSpec:
        pol = dataclasses.replace(
            d.pop3,
            leave_on_server=leave_days is not None,
            leave_days=leave_days if leave_days is not None else d.pop3.leave_days,
            **extra,
        )
        return dataclasses.replace(d, pop3=pol)

    return change


def _pairs(result: Result, attr: str) -> tuple[tuple[str, Any], ...]:
    return tuple((d.device, getattr(d, attr)) for d in result.devices)


# -- lesson 0 --------------------------------------------------------------------------------------

OverviewProfile = Literal["family", "traveller", "single", "two_clients"]
TIMELINE_GRID_S = 600.0
"""Spacing of the series of runs drawn as timelines: what each device holds every 10 minutes."""


def both_protocols(
    sc: Scenario,
    *,
    progress: Callable[[float], None] | None = None,
    grid_step_s: float = 3600.0,
    record_events: bool = False,
) -> tuple[Trace, Result, Result]:
    """The trace of ``sc`` and its POP3 and IMAP runs on it (the course's timelines draw these).

    ``progress`` gets the fraction done of the pair (:func:`~sim.model.pair.run_both`).
    ``grid_step_s``: spacing of the results' time series (at most the run's length);
    ``record_events``: keep the runs' event records."""
    return run_both(
        sc,
        progress=progress,
        grid_step_s=min(grid_step_s, sc.duration_s),
        record_events=record_events,
    )


@dataclass(frozen=True)
class Lesson0Result:
    """Lesson 0, the model in five minutes: one preset's trace under both protocols, with the
    runs' event records on a 10-minute grid (the course draws its timeline from them)."""

    profile: str
    days: int
    delivered: int
    trace: Trace = field(metadata={"values": False})  # the workload (not among the numbers)
    pop3: Result
    imap: Result


@lesson_experiment(0)
def lesson0_overview(
    *,
    profile: OverviewProfile = "family",
    days: int = 2,
    seed: int = 1,
    progress: Callable[[float], None] | None = None,
) -> Lesson0Result:
    """Preset ``profile`` for ``days`` days, POP3 and IMAP on the same trace, nothing changed:
    the first look at what every later lesson varies.  ``progress``: as :func:`both_protocols`."""
    if profile not in typing.get_args(OverviewProfile):
        raise ScenarioError(
            "experiment",
            "profile",
            profile,
            "one of " + ", ".join(typing.get_args(OverviewProfile)),
        )
    sc = _base(profile, days, seed)
    trace, pop3, imap = both_protocols(
        sc, progress=progress, grid_step_s=TIMELINE_GRID_S, record_events=True
    )
    return Lesson0Result(profile, days, pop3.conservation.delivered, trace, pop3, imap)


# -- lesson 1 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson1Result:
    """Where mail lives: storage over time (in the results), what a new device sees, phone bytes."""

    pop3: Result
    imap: Result
    delivered: int  # messages that arrived for the user
    new_device_pop3: int  # old messages (arrived before it appeared) "alex/new" shows at the end
    new_device_imap: int
    phone_down_bytes_pop3: int  # octets the phone received (all kinds, TLS and TCP included)
    phone_down_bytes_imap: int


@lesson_experiment(1)
def lesson1_where_mail_lives(
    *,
    days: int = 7,
    seed: int = 1,
    leave_on_server_days: float | None = None,
    headers_first: bool = False,
    fetch: FetchMode = FetchMode.BODIES_ON_OPEN,
    attachments_eager: bool = False,
    attachments_opened_pct: float = 50.0,
) -> Lesson1Result:
    """POP3 downloads to each device; IMAP keeps mail on the server and shows it everywhere.

    ``attachments_opened_pct``: of the opened messages with an attachment, the percentage whose
    attachment the user opens too (``WorkloadSpec.attachment_open_share``, assumed 50 %) -- what
    an IMAP client fetching attachments on demand downloads."""
    sc = _base("family", days, seed)
    _check("attachments_opened_pct", attachments_opened_pct)
    sc = dataclasses.replace(
        sc,
        workload=dataclasses.replace(
            sc.workload, attachment_open_share=attachments_opened_pct / 100.0
        ),
    )
    _check("leave_on_server_days", leave_on_server_days, optional=True)
    _bool("headers_first", headers_first)
    _bool("attachments_eager", attachments_eager)
    if not isinstance(fetch, FetchMode):
        raise ScenarioError("experiment", "fetch", fetch, "a FetchMode")
    att = AttachmentPolicy.EAGER if attachments_eager else AttachmentPolicy.ON_DEMAND

    def change(d: DeviceSpec) -> DeviceSpec:
        d = _pop3(leave_on_server_days, headers_first=headers_first)(d)
        return dataclasses.replace(
            d, imap=dataclasses.replace(d.imap, fetch_mode=fetch, attachments=att)
        )

    sc = _add_new_device(_with_devices(sc, change))
    tr, p, i = _both(sc)
    return Lesson1Result(
        p,
        i,
        p.conservation.delivered,
        _old_shown(p, tr),
        _old_shown(i, tr),
        p.device("alex/phone").down.total,
        i.device("alex/phone").down.total,
    )


# -- lesson 2 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionSetup:
    """One way of connecting, from SYN until the client may send its first command after login."""

    protocol: str  # "pop3" or "imap"
    port: int
    tls: TlsMode
    round_trips: int  # TCP + TLS + greeting + commands up to and including login
    up_bytes: int  # all octets device -> server (TCP, TLS, protocol)
    down_bytes: int
    setup_s: float  # seconds on the given link
    password_in_clear: bool  # the password crossed the wire unencrypted
    cleartext_bytes: int  # protocol octets an eavesdropper can read (before TLS starts)


@dataclass(frozen=True)
class Lesson2Result:
    rows: tuple[ConnectionSetup, ...]


_PORTS = {
    ("pop3", TlsMode.NONE): 110,
    ("pop3", TlsMode.STARTTLS): 110,
    ("pop3", TlsMode.IMPLICIT): 995,
    ("imap", TlsMode.NONE): 143,
    ("imap", TlsMode.STARTTLS): 143,
    ("imap", TlsMode.IMPLICIT): 993,
}


@lesson_experiment(2)
def lesson2_ports_and_tls(
    *, rtt_ms: float = 50.0, bandwidth_kbps: float = 10000.0
) -> Lesson2Result:
    """Connection set-up per port and TLS mode, from real engine sessions on a given link."""
    _check("rtt_ms", rtt_ms)
    _check("bandwidth_kbps", bandwidth_kbps)
    bps = bandwidth_kbps * 1000 / 8
    link = LinkSpec(down_Bps=max(1e3, bps), up_Bps=max(1e3, bps), rtt_s=rtt_ms / 1000)
    rows = []
    for proto in ("pop3", "imap"):
        for tls in TlsMode:
            rec = _login_record(proto, tls)
            cost = Link(link, tls).session(rec, close=False)
            clear = 0
            if tls is not TlsMode.IMPLICIT:
                for ex in rec.exchanges:
                    clear += ex.client_bytes + ex.server_bytes
                    words = ex.client.strip().upper().split()
                    if tls is TlsMode.STARTTLS and (
                        words == [b"STLS"] or words[-1:] == [b"STARTTLS"]
                    ):
                        break
            rows.append(
                ConnectionSetup(
                    proto,
                    _PORTS[(proto, tls)],
                    tls,
                    cost.round_trips,
                    cost.up.total,
                    cost.down.total,
                    cost.duration_s,
                    tls is TlsMode.NONE,
                    clear,
                )
            )
    return Lesson2Result(tuple(rows))


def _login_record(proto: str, tls: TlsMode) -> SessionRecord:
    """Greeting .. login of a real client against a real engine (no mail), with the texts of
    the model's default server profile (Dovecot 2.3's), as the lessons' model runs have them."""
    store = Store()
    store.add_account("user", "secret")
    if proto == "pop3":
        res = pop3_poll(
            Pop3Server(store, pop3_config(DEFAULT_PROFILE, tls_available=tls is TlsMode.STARTTLS)),
            PollOptions("user", "secret", stls=tls is TlsMode.STARTTLS),
        )
        ex = res.record.exchanges
        idx = next(i for i, e in enumerate(ex) if e.client.startswith(b"PASS"))
        return SessionRecord("pop3", ex[: idx + 1])
    cfg = imap_config(
        DEFAULT_PROFILE, starttls=tls is TlsMode.STARTTLS, implicit_tls=tls is TlsMode.IMPLICIT
    )
    client = imap_connect(
        ImapServer(store, cfg), "user", "secret", starttls=tls is TlsMode.STARTTLS, mailbox=None
    )
    return client.take_record()


# -- lesson 3 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson3Result:
    """Every figure is of ``device`` (``"alex/phone"`` ...) or, for ``"all devices (pooled)"``,
    over all devices: delays pooled over their pairs, the rest per device on average."""

    pop3: Result
    imap: Result
    device: str
    pop3_delay: Delay  # arrival -> shown on the device, seconds; ``never``: pairs never shown
    imap_delay: Delay
    overhead_bytes_per_day_pop3: float  # per device and day: wire octets that carried no content
    overhead_bytes_per_day_imap: float
    connection_s_per_day_pop3: float  # per device and day: time with a connection open
    connection_s_per_day_imap: float
    wakeups_per_day_pop3: float  # per device and day: radio wake-ups (the battery proxy)
    wakeups_per_day_imap: float


POOLED = "all devices (pooled)"
LESSON3_DEVICES = ("phone", "laptop", "desktop", "all")  # the family preset's devices


def _overhead(devices: Iterable[DeviceSummary]) -> float:
    """Wire octets that carried no message content, summed over ``devices``."""
    return sum(
        d.wire_bytes - sum(t.header + t.body + t.attachment for t in (d.up, d.down))
        for d in devices
    )


def _per_device_day(r: Result, device: str, days: int) -> tuple[Delay, float, float, float]:
    """(delay, overhead octets, connection s, wake-ups) per device and day of ``device``."""
    chosen = r.devices if device == "all" else (r.device(f"alex/{device}"),)
    per = len(chosen) * days
    delay = r.summary.notification_delay if device == "all" else chosen[0].notification_delay
    return (
        delay,
        _overhead(chosen) / per,
        sum(d.connection_time_s for d in chosen) / per,
        sum(d.radio_wakeups for d in chosen) / per,
    )


@lesson_experiment(3)
def lesson3_notification(
    *,
    poll_interval_min: float = 10.0,
    idle: bool = True,
    days: int = 7,
    seed: int = 1,
    nat_timeout_min: int | None = None,
    keepalive_min: int | None = None,
    device: str = "phone",
    tls_resumption: bool = False,
) -> Lesson3Result:
    """How fast new mail shows up: POP3 polling vs IMAP IDLE (or IMAP polling) -- also behind
    a router that forgets connections quiet for ``nat_timeout_min``, and with the server's
    ``* OK Still here`` every ``keepalive_min`` of silence.  ``device``: whose figures
    (``phone``, ``laptop``, ``desktop``, or ``all`` pooled); ``tls_resumption``: every
    connection resumes a TLS 1.3 session (no certificate flight) instead of a full handshake."""
    _bool("tls_resumption", tls_resumption)
    if device not in LESSON3_DEVICES:
        raise ScenarioError("experiment", "device", device, f"one of {', '.join(LESSON3_DEVICES)}")
    sc = _base("family", days, seed)
    _check("poll_interval_min", poll_interval_min)
    _bool("idle", idle)
    _check("nat_timeout_min", nat_timeout_min, integer=True, optional=True)
    _check("keepalive_min", keepalive_min, integer=True, optional=True)
    nat_s = None if nat_timeout_min is None else 60.0 * nat_timeout_min
    if nat_forgets_a_polling_client(nat_s, idle, 60.0 * poll_interval_min):
        raise ValueError(
            f"nat_timeout_min: {nat_timeout_min} is shorter than the poll interval "
            f"({poll_interval_min:g} min) of a polling IMAP client, which is not "
            f"modelled; allowed: >= {poll_interval_min:g}, None, or IDLE"
        )
    every = poll_interval_min * 60.0

    def change(d: DeviceSpec) -> DeviceSpec:
        return dataclasses.replace(
            d,
            pop3=dataclasses.replace(d.pop3, poll_interval_s=every),
            imap=dataclasses.replace(d.imap, idle=idle, poll_interval_s=every),
            link=dataclasses.replace(d.link, nat_idle_timeout_s=nat_s),
        )

    sc = dataclasses.replace(_with_devices(sc, change), tls_resumption=tls_resumption)
    if keepalive_min is not None:
        sc = dataclasses.replace(
            sc, server=dataclasses.replace(sc.server, idle_keepalive_s=60.0 * keepalive_min)
        )
    _, p, i = _both(sc)
    return _lesson3_record(p, i, device, days)


def _lesson3_record(p: Result, i: Result, device: str, days: int) -> Lesson3Result:
    """Lesson 3's record of the runs ``p`` (POP3) and ``i`` (IMAP) of ``days`` days, seen
    from ``device``."""
    pd, po, pc, pw = _per_device_day(p, device, days)
    id_, io, ic, iw = _per_device_day(i, device, days)
    return Lesson3Result(
        p, i, POOLED if device == "all" else f"alex/{device}", pd, id_, po, io, pc, ic, pw, iw
    )


def lesson3_for_device(run: Lesson3Result, device: str) -> Lesson3Result:
    """``run`` seen from ``device`` (``phone``, ``laptop``, ``desktop`` or ``all``): what
    :func:`lesson3_notification` returns with that ``device`` and ``run``'s other parameters.
    Whose figures are shown changes no run, so a caller switching between devices (the course's
    dashboard) takes the figures from the runs it has instead of simulating them again."""
    if device not in LESSON3_DEVICES:
        raise ScenarioError("experiment", "device", device, f"one of {', '.join(LESSON3_DEVICES)}")
    # (the experiment's ``days``: the runs last ``days * DAY`` seconds, a whole number of days)
    days = round(run.pop3.duration_s / DAY)
    return _lesson3_record(run.pop3, run.imap, device, days)


# -- lesson 4 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson4Result:
    pop3: Result
    imap: Result
    filed: int  # messages filed into a user folder (and not deleted)
    filed_seen_elsewhere_pop3: tuple[tuple[str, int], ...]  # (device, shown in intended folder)
    filed_seen_elsewhere_imap: tuple[tuple[str, int], ...]


def _filed(trace: Trace) -> dict[int, str]:
    last: dict[int, str] = {}
    for a in trace.actions:
        if a.kind is ActionKind.FILE and a.target is not None and a.folder:
            last[a.target] = a.folder
        elif a.kind is ActionKind.DELETE and a.target is not None:
            last.pop(a.target, None)
    return last


def _in_folder(r: Result, filed: Iterable[int]) -> tuple[tuple[str, int], ...]:
    """Per device, the filed messages it shows in the folder they are meant to be in -- the
    run's intent (where the user's latest filing that took effect put them), which is not
    always the trace's last FILE (a device without the message cannot file it)."""
    final = _final(r)
    intent = final.intent()
    out = []
    for dev in final.devices:
        held = final.held(dev.device)
        n = 0
        for mid in filed:
            copy, want = held.get(mid), intent.get(mid)
            if copy is not None and want is not None and want[0] != INBOX and copy[0] == want[0]:
                n += 1
        out.append((dev.device, n))
    return tuple(out)


@lesson_experiment(4)
def lesson4_folders(*, days: int = 7, seed: int = 1, file_per_day: float = 5.0) -> Lesson4Result:
    """Folders: IMAP folders live on the server; POP3 folders only on the device that made them."""
    sc = _base("family", days, seed)
    _check("file_per_day", file_per_day)
    sc = dataclasses.replace(
        sc, workload=dataclasses.replace(sc.workload, file_per_day=file_per_day)
    )
    sc = _add_new_device(sc)
    tr, p, i = _both(sc)
    wanted_p, wanted_i = _final(p).intent(), _final(i).intent()
    filed = {
        m: f
        for m, f in _filed(tr).items()
        if wanted_i.get(m) is not None or wanted_p.get(m) is not None
    }
    return Lesson4Result(p, i, len(filed), _in_folder(p, filed), _in_folder(i, filed))


# -- lesson 5 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson5Result:
    pop3: Result
    imap: Result
    flag_agreement_pop3: tuple[tuple[str, float], ...]  # (flag, share of pairs shown as intended)
    flag_agreement_imap: tuple[tuple[str, float], ...]


def _flag_agreement(r: Result, tr: Trace) -> tuple[tuple[str, float], ...]:
    """Per flag, the share of (message, device) pairs at the end -- every message the user
    still wants, every device of theirs that exists by then -- where the device shows that flag
    as the user intends it."""
    sc, final = tr.scenario, _final(r)
    held = {
        d.name: final.held(d.name) for d in sc.devices if d.spec.first_online_s <= sc.duration_s
    }
    devices_of = [
        [d.name for d in sc.devices if d.user == u and d.name in held] for u in range(len(sc.users))
    ]
    wanted = [
        (mid, flags, tr.messages[mid].user)
        for mid, folder, flags in final.intents
        if folder is not None
    ]
    out = []
    for bit, name in FLAG_NAMES:
        agree = total = 0
        for mid, flags, user in wanted:
            for dev in devices_of[user]:
                total += 1
                copy = held[dev].get(mid)
                if copy is not None and (copy[1] & bit) == (flags & bit):
                    agree += 1
        out.append((name, agree / total if total else math.nan))
    return tuple(out)


@lesson_experiment(5)
def lesson5_flags(*, days: int = 7, seed: int = 1, phone_offline_h: float = 0.0) -> Lesson5Result:
    """Read/answered/forwarded/flagged status across devices; the phone may go offline for a while
    (from the start of day 2), queueing its changes."""
    sc = _base("family", days, seed)
    _check("phone_offline_h", phone_offline_h)
    tr = generate(sc)
    if phone_offline_h > 0:
        dev = sc.device_id("phone")
        gap = (DAY, min(sc.duration_s, DAY + phone_offline_h * 3600.0))
        online = list(tr.online)
        online[dev] = tuple(_cut(online[dev], gap))
        tr = dataclasses.replace(tr, online=tuple(online))
    _, p, i = _both(sc, tr)
    return Lesson5Result(p, i, _flag_agreement(p, tr), _flag_agreement(i, tr))


def _cut(intervals: tuple[Interval, ...], gap: tuple[float, float]) -> list[Interval]:
    out = []
    for iv in intervals:
        if iv.end <= gap[0] or iv.start >= gap[1]:
            out.append(iv)
            continue
        if iv.start < gap[0]:
            out.append(Interval(iv.start, gap[0]))
        if iv.end > gap[1]:
            out.append(Interval(gap[1], iv.end))
    return out


# -- lesson 6 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson6Result:
    pop3: Result
    imap: Result
    missed_pop3: tuple[tuple[str, int], ...]  # (device, messages it never showed)
    missed_imap: tuple[tuple[str, int], ...]
    duplicate_bytes_pop3: int
    duplicate_bytes_imap: int
    lock_refusals_pop3: int  # POP3 logins refused: the other client's session held the lock
    server_bytes_pop3: int  # logical bytes on the server at the end
    server_bytes_imap: int
    refusals_pop3: tuple[tuple[str, int], ...] = ()  # (device, its logins refused)
    # (device, its daily online windows in hours) -- when each client can poll
    online_h: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = ()


EVENING_H = (18.0, 23.0)  # the laptop's evening window in preset ``two_clients``


@lesson_experiment(6)
def lesson6_leave_on_server(
    *,
    days: int = 7,
    seed: int = 1,
    first_leave_days: float | None = 14,
    second_leaves: bool = False,
    uidl: bool = True,
    poll_interval_min: float = 10.0,
    desktop_evenings: bool = False,
    bandwidth_kbps: float | None = None,
) -> Lesson6Result:
    """The article's two-client advice: the laptop leaves copies (``first_leave_days``; None =
    forever), the desktop downloads and deletes (unless ``second_leaves``).

    The maildrop lock: in the preset the laptop is online 7-9 h and 18-23 h, the desktop 9-17 h,
    so their sessions never meet.  ``desktop_evenings`` puts the desktop online 18-23 h too,
    beside the laptop; ``bandwidth_kbps`` sets both computers' download bandwidth (upload at
    most that; None: the presets' 20 Mbit/s Wi-Fi and 50 Mbit/s wired links).  A login is
    refused when it falls inside the other client's session -- a long one: a big message on a
    slow link."""
    sc = _base("two_clients", days, seed)
    _check("first_leave_days", first_leave_days, optional=True)
    _bool("second_leaves", second_leaves)
    _bool("uidl", uidl)
    _check("poll_interval_min", poll_interval_min)
    _bool("desktop_evenings", desktop_evenings)
    _check("bandwidth_kbps", bandwidth_kbps, optional=True)
    every = poll_interval_min * 60.0

    def change(d: DeviceSpec) -> DeviceSpec:
        if d.name == "laptop":
            pol = dataclasses.replace(
                d.pop3,
                leave_on_server=True,
                leave_days=first_leave_days,
                use_uidl=uidl,
                poll_interval_s=every,
            )
        else:
            pol = dataclasses.replace(
                d.pop3, leave_on_server=second_leaves, use_uidl=uidl, poll_interval_s=every
            )
        d = dataclasses.replace(d, pop3=pol)
        if bandwidth_kbps is not None:
            down = bandwidth_kbps * 1000.0 / 8.0
            d = dataclasses.replace(
                d, link=dataclasses.replace(d.link, down_Bps=down, up_Bps=min(d.link.up_Bps, down))
            )
        if desktop_evenings and d.name == "desktop":
            windows = tuple(sorted(set(d.online.windows_h) | {EVENING_H}))
            d = dataclasses.replace(d, online=dataclasses.replace(d.online, windows_h=windows))
        return d

    sc = _with_devices(sc, change)
    _, p, i = _both(sc)
    online = tuple((f"{u.name}/{d.name}", d.online.windows_h) for u in sc.users for d in u.devices)
    return Lesson6Result(
        p,
        i,
        _pairs(p, "missed_messages"),
        _pairs(i, "missed_messages"),
        p.summary.duplicate_download_bytes,
        i.summary.duplicate_download_bytes,
        sum(d.lock_refusals for d in p.devices),
        p.summary.server_storage_bytes,
        i.summary.server_storage_bytes,
        _pairs(p, "lock_refusals"),
        online,
    )


# -- lesson 7 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZeroDay:
    """An infected message the delivery scan let through (no signature knew it yet), and where its
    content landed before a signature update recognised it -- under each protocol."""

    message: int  # mail id
    arrived_s: float
    detected_s: float | None  # the signature update that recognises it (None: after the run)
    # (device, time its text or attachment landed there), before ``detected_s``, in time order
    copies_pop3: tuple[tuple[str, float], ...]
    copies_imap: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Lesson7Result:
    pop3: Result
    imap: Result
    virus_pop3: Virus
    virus_imap: Virus
    zero_days: tuple[ZeroDay, ...]  # in arrival order
    # infected copies on devices before quarantine: (message, device) pairs, = reached_devices
    copies_pop3: int
    copies_imap: int
    # zero-days a signature update recognised (in the run) before any device held their content
    kept_off_devices_pop3: int
    kept_off_devices_imap: int


def _copies(r: Result, mid: int) -> tuple[tuple[str, float], ...]:
    """Devices that held ``mid``'s content before it was recognised, with the time it landed."""
    got = [(d.device, t) for d in _final(r).devices for m, t in d.infected_reached if m == mid]
    return tuple(sorted(got, key=lambda x: (x[1], x[0])))


def _zero_days(trace: Trace, pw: Result, iw: Result) -> tuple[ZeroDay, ...]:
    end = trace.scenario.duration_s
    out = []
    for m in trace.messages:
        if not m.infected or (m.detectable_at is not None and m.detectable_at <= m.time):
            continue  # clean, or recognised at delivery (never delivered)
        seen = m.detectable_at if m.detectable_at is not None and m.detectable_at < end else None
        out.append(ZeroDay(m.id, m.time, seen, _copies(pw, m.id), _copies(iw, m.id)))
    return tuple(out)


@lesson_experiment(7)
def lesson7_virus(
    *,
    days: int = 7,
    seed: int = 59,
    infected_share: float = INFECTED_SHARE,
    signature_delay_h: float = SIGNATURE_DELAY_S / 3600.0,
    leave_on_server_days: float | None = 14,
    imap_offline: bool = False,
) -> Lesson7Result:
    """Infected mail: the server scans at delivery under both protocols; a zero-day passes that
    scan and is recognised only by a signature update ``signature_delay_h`` later on average
    (exponential), when the server rescans what it stores and each device's scanner checks its
    own copies.  POP3 clients leave copies for ``leave_on_server_days`` (None: delete after
    download); IMAP clients fetch a body when the user opens the message, or with
    ``imap_offline`` every body at once (Thunderbird's default).  The default seed is a week in
    which a zero-day arrives: at the default share (0.2 %) most weeks bring none."""
    sc = _base("family", days, seed)
    _check("infected_share", infected_share)
    _check("signature_delay_h", signature_delay_h)
    _check("leave_on_server_days", leave_on_server_days, optional=True)
    _bool("imap_offline", imap_offline)
    fetch = FetchMode.FULL_OFFLINE if imap_offline else FetchMode.BODIES_ON_OPEN

    def change(d: DeviceSpec) -> DeviceSpec:
        d = _pop3(leave_on_server_days)(d)
        return dataclasses.replace(d, imap=dataclasses.replace(d.imap, fetch_mode=fetch))

    sc = dataclasses.replace(
        _with_devices(sc, change),
        signature_delay_s=signature_delay_h * 3600.0,
        workload=dataclasses.replace(sc.workload, infected_share=infected_share),
    )
    tr, p, i = _both(sc)
    zd = _zero_days(tr, p, i)
    kept = [
        sum(1 for z in zd if z.detected_s is not None and not getattr(z, f"copies_{k}"))
        for k in ("pop3", "imap")
    ]
    return Lesson7Result(
        p,
        i,
        p.virus,
        i.virus,
        zd,
        p.virus.reached_devices,
        i.virus.reached_devices,
        kept[0],
        kept[1],
    )


# -- lesson 8 --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson8Result:
    pop3: Result
    imap: Result
    query: str  # the keyword searched for at the end
    phone_recall_pop3: float  # recall of a search on the phone at the end (0..1)
    phone_recall_imap: float
    new_device_recall_pop3: float  # share of matching old mail the new device's search finds
    new_device_recall_imap: float
    new_device_search_bytes_imap: int  # octets the server search cost (both directions)
    new_device_search_s_imap: float  # seconds it took


@lesson_experiment(8)
def lesson8_search(
    *, days: int = 7, seed: int = 1, leave_on_server_days: float | None = None
) -> Lesson8Result:
    """Searching: on the server (IMAP SEARCH) or in the local store (POP3)."""
    sc = _base("family", days, seed)
    _check("leave_on_server_days", leave_on_server_days, optional=True)
    sc = _add_new_device(_with_devices(sc, _pop3(leave_on_server_days)))
    tr = generate(sc)
    counts: dict[str, int] = {}
    for m in tr.messages:
        for k in m.keywords:
            counts[k] = counts.get(k, 0) + 1
    query = max(sorted(counts), key=lambda k: counts[k]) if counts else "topic0000"
    t = sc.duration_s - 60.0
    extra = tuple(
        Action(t, 0, sc.device_id(name), ActionKind.SEARCH, query=query)
        for name in ("phone", "new")
    )
    tr = dataclasses.replace(
        tr,
        actions=tuple(
            sorted(
                tr.actions + extra,  # (in time order)
                key=lambda a: a.time,
            )
        ),
    )
    _, p, i = _both(sc, tr)

    def last(r: Result, dev: str) -> SearchRecord:
        return [s for s in r.searches if s.device == dev and s.time_s == t][-1]

    ps, is_, inew = last(p, "alex/phone"), last(i, "alex/phone"), last(i, "alex/new")
    return Lesson8Result(
        p,
        i,
        query,
        ps.recall_share,
        is_.recall_share,
        _old_recall(p, tr, query, on_server=False),
        _old_recall(i, tr, query, on_server=True),
        inew.up_bytes + inew.down_bytes,
        inew.duration_s,
    )


def _old_recall(r: Result, tr: Trace, query: str, *, on_server: bool) -> float:
    """Share of the matching old mail (arrived before the new device appeared, not deleted) that
    a search on the new device finds: on the server (IMAP SEARCH) or in its local store (POP3)."""
    new, final = _new(tr.scenario), _final(r)
    where = final.on_server() if on_server else final.held(new.name)
    relevant = found = 0
    for mid, folder, _ in final.intents:
        m = tr.messages[mid]
        if (
            folder is None
            or m.user != new.user
            or m.time >= new.spec.first_online_s
            or query not in m.keywords
        ):
            continue
        relevant += 1
        if mid in where:  # (the server holds every user's mail; mail ids are unique)
            found += 1
    return found / relevant if relevant else 1.0


# -- lesson 9 --------------------------------------------------------------------------------------

YEAR_DAYS = 365
"""Days one trial of lesson 9's Monte Carlo simulates: a whole year, nothing scaled."""
ARCHIVE_DEVICE = "desktop"
"""Lesson 9's POP3 archive set-up: the device that downloads every message and keeps it."""
ARCHIVE_LEAVE_DAYS = POP3_LEAVE_DAYS
"""...while the other devices leave each message on the server this many days after download."""
RECENT_DAYS = 7.0
"""A mistaken delete of the Monte Carlo hits a message that arrived within this many days."""


def _desktop_archive(sc: Scenario) -> Scenario:
    """``sc`` with POP3 clients that keep an independent copy: the phone and the laptop leave every
    message on the server for :data:`ARCHIVE_LEAVE_DAYS` days (UIDL on), the desktop
    downloads each one and deletes it from the server, so the desktop's store is the archive.
    IMAP ignores POP3 settings: the IMAP run of either scenario is the same."""
    keep, take = _pop3(ARCHIVE_LEAVE_DAYS, use_uidl=True), _pop3(None)
    return _with_devices(sc, lambda d: take(d) if d.name == ARCHIVE_DEVICE else keep(d))


def _same_trace(tr: Trace, sc: Scenario) -> Trace:
    """``tr`` replayed under ``sc``, a scenario that differs only in client policies (the workload
    reads none of them, so ``generate(sc)`` gives this very trace; a test checks it)."""
    return dataclasses.replace(tr, scenario=sc)


def _lesson9_runs(sc: Scenario, tr: Trace) -> list[Run]:
    """Lesson 9's three runs of ``sc`` on ``tr``, in :class:`Lesson9Setup`'s order: POP3, POP3
    with the desktop archive (:func:`_desktop_archive`) and IMAP."""
    arch_sc = _desktop_archive(sc)
    return [
        Run(sc, Protocol.POP3, tr),
        Run(arch_sc, Protocol.POP3, _same_trace(tr, arch_sc)),
        Run(sc, Protocol.IMAP, tr),
    ]


def _with_actions(tr: Trace, extra: Iterable[Action]) -> Trace:
    """``tr`` with ``extra`` actions merged in time order (stable: trace actions first at a tie)."""
    return dataclasses.replace(
        tr, actions=tuple(sorted(tr.actions + tuple(extra), key=lambda a: a.time))
    )


def _covers(ivs: tuple[Interval, ...], a: float, b: float) -> bool:
    """Whether one interval of the sorted, disjoint ``ivs`` contains all of ``[a, b)``."""
    i = bisect.bisect_right([iv.start for iv in ivs], a) - 1
    return i >= 0 and ivs[i].end >= b


def _touches(ivs: tuple[Interval, ...], a: float, b: float) -> bool:
    """Whether any interval of the sorted, disjoint ``ivs`` overlaps ``[a, b)``."""
    return any(iv.start < b and a < iv.end for iv in ivs)


def _kept_by_user(tr: Trace) -> set[int]:
    """Arrivals the user never deletes in the trace and that are not infected (quarantine would
    remove them): the messages whose loss is a loss."""
    deleted = {a.target for a in tr.actions if a.kind is ActionKind.DELETE}
    return {m.id for m in tr.messages if not m.infected and m.id not in deleted}


def _phone_first_message(
    sc: Scenario, tr: Trace, phone: int, before: float, window_s: float = 3600.0
) -> int | None:
    """The latest arrival, at least ``window_s`` before ``before``, that the phone fetches first
    under every client set-up: for ``window_s`` after it arrived the phone was online and no other
    device of the user was.  The user never deletes it in the trace and it is not infected."""
    kept = _kept_by_user(tr)
    others = [d.id for d in sc.devices if d.user == sc.devices[phone].user and d.id != phone]
    for m in reversed(tr.messages):
        a, b = m.time, m.time + window_s
        if b > before or m.id not in kept:
            continue
        if _covers(tr.online[phone], a, b) and not any(
            _touches(tr.online[d], a, b) for d in others
        ):
            return m.id
    return None


@dataclass(frozen=True)
class Lesson9Result:
    """One crash and one mistaken delete, replayed under three set-ups on the same trace.

    ``pop3`` (delete after download on every device, the crash panel) and ``imap`` are the usual
    pair; ``pop3_archive`` is the POP3 set-up with an independent copy (:func:`_desktop_archive`,
    the accidental-delete panel).  "Gone" lists the devices that do not hold the deleted message
    at the end of the run; "on server" says whether the server still holds it then."""

    pop3: Result
    imap: Result
    pop3_archive: Result
    crash_pop3: CrashRecord | None  # the crash of ``crash_device`` (None if it did not happen)
    crash_imap: CrashRecord | None
    crash_pop3_archive: CrashRecord | None
    deleted_message: int | None  # the mail id deleted by mistake on the phone (None: no delete)
    deleted_at_s: float | None  # when (simulated seconds)
    accidental_delete_gone_pop3: tuple[str, ...]  # devices that no longer have that message
    accidental_delete_gone_imap: tuple[str, ...]
    accidental_delete_gone_pop3_archive: tuple[str, ...]
    accidental_delete_on_server_pop3: bool
    accidental_delete_on_server_imap: bool
    accidental_delete_on_server_pop3_archive: bool


@lesson_experiment(9)
def lesson9_crash(
    *,
    days: int = 7,
    seed: int = 1,
    crash_day: float = 5.0,
    crash_device: str = "phone",
    backup_age_days: float | None = None,
    accidental_delete: bool = True,
) -> Lesson9Result:
    """A device crash (local storage wiped, backup of a given age restored) and, one day before it,
    a delete by mistake on the phone of a message the phone had fetched first (see
    :func:`_phone_first_message`); POP3 delete-after-download, POP3 with a desktop archive and IMAP
    replay the same trace."""
    sc = _base("family", days, seed)
    _check("crash_day", crash_day, hi=float(days))
    _check("backup_age_days", backup_age_days, optional=True)
    _bool("accidental_delete", accidental_delete)
    dev_id = sc.device_id(crash_device, field_name="crash_device")
    name = sc.devices[dev_id].name
    t_crash = min(crash_day * DAY, sc.duration_s - 1.0)
    sc = dataclasses.replace(
        sc,
        crashes=CrashSpec(
            at=((name, t_crash),),
            backup_age_s=None if backup_age_days is None else backup_age_days * DAY,
        ),
    )
    tr = generate(sc)
    target: int | None = None
    t_del: float | None = None
    if accidental_delete:
        phone = sc.device_id("phone")
        t_del = max(60.0, t_crash - DAY)
        target = _phone_first_message(sc, tr, phone, t_del)
        if target is None:
            t_del = None
        else:
            tr = _with_actions(
                tr,
                (Action(t_del, sc.devices[phone].user, phone, ActionKind.DELETE, target=target),),
            )
    p, a, i = run_all(_lesson9_runs(sc, tr), final_state=True)

    def gone(r: Result) -> tuple[str, ...]:
        if target is None:
            return ()
        final = _final(r)
        return tuple(d.device for d in final.devices if target not in final.held(d.device))

    def on_server(r: Result) -> bool:
        return target is not None and target in _final(r).on_server()

    def crash(r: Result) -> CrashRecord | None:
        return next((c for c in r.crashes if c.device == name), None)

    return Lesson9Result(
        p,
        i,
        a,
        crash(p),
        crash(i),
        crash(a),
        target,
        t_del,
        gone(p),
        gone(i),
        gone(a),
        on_server(p),
        on_server(i),
        on_server(a),
    )


class Lesson9Setup(enum.Enum):
    """The client set-ups lesson 9's Monte Carlo compares on the same yearly traces."""

    POP3 = "POP3, delete after download"
    POP3_ARCHIVE = "POP3, desktop archive"
    IMAP = "IMAP"


@dataclass(frozen=True)
class YearLosses:
    """Messages one set-up lost in each simulated year (one entry per trial).

    Only received messages the user meant to keep count (never deleted on purpose in the trace,
    not infected): :attr:`sim.outputs.results.CrashRecord.lost_messages` also counts sent mail and mail
    the user had deleted on another device, which no one misses."""

    crash: tuple[int, ...]  # received messages the user meant to keep whose last copy (device
    # or server) went in a device crash
    delete: tuple[int, ...]  # messages deleted by mistake that, at the year's end, are on no
    # device and not on the server for another reason than a crash (counted in ``crash`` then)

    @property
    def total(self) -> tuple[int, ...]:
        return tuple(c + d for c, d in zip(self.crash, self.delete))

    @property
    def mean(self) -> float:
        return sum(self.total) / len(self.total)

    @property
    def mean_crash(self) -> float:
        return sum(self.crash) / len(self.crash)

    @property
    def mean_delete(self) -> float:
        return sum(self.delete) / len(self.delete)


@dataclass(frozen=True)
class YearlyLoss:
    """Monte Carlo of messages lost per year: ``trials`` whole years (:data:`YEAR_DAYS` days) of
    preset ``family``, trial ``k`` with seed ``seed + k``, each replayed under every
    :class:`Lesson9Setup` on the same trace (crashes and mistaken deletes included)."""

    trials: int
    days: int  # simulated days per trial: YEAR_DAYS
    crashes_per_year: float
    accidental_deletes_per_year: float
    backup_age_days: float | None
    seeds: tuple[int, ...]
    simulated_s: tuple[float, ...]  # simulated time of each trial's runs (365 days in seconds)
    crashes: tuple[int, ...]  # device crashes per trial (the same under every set-up)
    accidental_deletes: tuple[int, ...]  # mistaken deletes injected per trial
    pop3: YearLosses  # POP3, delete after download on every device
    pop3_archive: YearLosses  # POP3 with a desktop archive (see :func:`_desktop_archive`)
    imap: YearLosses

    def losses(self, setup: Lesson9Setup) -> YearLosses:
        return {
            Lesson9Setup.POP3: self.pop3,
            Lesson9Setup.POP3_ARCHIVE: self.pop3_archive,
            Lesson9Setup.IMAP: self.imap,
        }[setup]

    @property
    def lost_pop3(self) -> tuple[int, ...]:
        return self.pop3.total

    @property
    def lost_imap(self) -> tuple[int, ...]:
        return self.imap.total

    @property
    def mean_pop3(self) -> float:
        return self.pop3.mean

    @property
    def mean_imap(self) -> float:
        return self.imap.mean


def lesson9_year_scenario(
    *, seed: int = 1, crashes_per_year: float = 1.0, backup_age_days: float | None = None
) -> Scenario:
    """One Monte Carlo year: preset ``family``, :data:`YEAR_DAYS` days, random crashes of every
    device at ``crashes_per_year`` each, restored from a backup ``backup_age_days`` old."""
    _check("seed", seed, integer=True)
    _check("crashes_per_year", crashes_per_year)
    _check("backup_age_days", backup_age_days, optional=True)
    return _year_scenario(seed, crashes_per_year, backup_age_days)


def _year_scenario(seed: int, crashes_per_year: float, backup_age_days: float | None) -> Scenario:
    """:func:`lesson9_year_scenario` unchecked (trial seeds ``seed + k`` may pass the top of the
    lessons' seed range; the scenario itself takes any seed below 2**63)."""
    sc = preset("family", days=YEAR_DAYS, seed=seed)
    return dataclasses.replace(
        sc,
        crashes=CrashSpec(
            rate_per_year=crashes_per_year,
            backup_age_s=None if backup_age_days is None else backup_age_days * DAY,
        ),
    )


def _accidental_deletes(tr: Trace, phone: int, per_year: float, seed: int) -> tuple[Action, ...]:
    """Deletes by mistake on the phone at ``per_year`` a year (a Poisson process, stream
    ``"accidental deletes"`` of ``seed``): each falls in the phone's next period of use and hits a
    message, chosen at random, that arrived between :data:`RECENT_DAYS` days and one hour before
    and that the user would have kept (never deleted in the trace, not infected)."""
    if per_year <= 0:
        return ()
    rng = stream(seed, "accidental deletes")
    rate = per_year / (YEAR_DAYS * DAY)
    if rate <= 0.0:  # a rate so small it underflows: not one delete in any run
        return ()
    dur = tr.scenario.duration_s
    usage = tr.usage[phone]
    starts = [iv.start for iv in usage]
    times = [m.time for m in tr.messages]
    kept = _kept_by_user(tr)
    user = tr.scenario.devices[phone].user
    out: list[Action] = []
    t = rng.expovariate(rate)
    while t < dur:
        i = bisect.bisect_right(starts, t) - 1
        at = (
            t
            if i >= 0 and t < usage[i].end
            else (starts[i + 1] if i + 1 < len(starts) else math.inf)
        )
        if at < dur:
            lo = bisect.bisect_left(times, at - RECENT_DAYS * DAY)
            hi = bisect.bisect_left(times, at - 3600.0)
            pool = [tr.messages[k].id for k in range(lo, hi) if tr.messages[k].id in kept]
            if pool:
                target = rng.choice(pool)
                kept.discard(target)
                out.append(Action(at, user, phone, ActionKind.DELETE, target=target))
        t += rng.expovariate(rate)
    return tuple(out)


def lesson9_yearly_loss(
    *,
    trials: int = 3,
    crashes_per_year: float = 1.0,
    accidental_deletes_per_year: float = 4.0,
    backup_age_days: float | None = None,
    seed: int = 1,
    progress: Callable[[float], None] | None = None,
) -> YearlyLoss:
    """Messages lost per year to device crashes and to deletes by mistake on the phone, preset
    ``family``, ``trials`` whole simulated years (see :class:`YearlyLoss`).  ``progress`` is
    called with the fraction done, at least 100 times per trial (three runs each)."""
    _check("trials", trials, integer=True)
    _check("accidental_deletes_per_year", accidental_deletes_per_year)
    _check("seed", seed, integer=True)
    lesson9_year_scenario(
        seed=seed, crashes_per_year=crashes_per_year, backup_age_days=backup_age_days
    )  # validates the rest before any run
    lost: dict[Lesson9Setup, tuple[list[int], list[int]]] = {s: ([], []) for s in Lesson9Setup}
    simulated: list[float] = []
    crashes: list[int] = []
    deletes: list[int] = []
    for k in range(trials):
        sc = _year_scenario(seed + k, crashes_per_year, backup_age_days)
        tr = generate(sc)
        wanted = _kept_by_user(tr)  # (the messages deleted by mistake are among them)
        extra = _accidental_deletes(
            tr, sc.device_id("phone"), accidental_deletes_per_year, seed + k
        )
        tr = _with_actions(tr, extra)
        targets = [a.target for a in extra if a.target is not None]
        crashes.append(len(tr.crashes))
        deletes.append(len(extra))
        setups = (Lesson9Setup.POP3, Lesson9Setup.POP3_ARCHIVE, Lesson9Setup.IMAP)
        # a daily grid and no per-device series: the yearly counts need neither (they are the
        # same as with the default grid), and without them a year runs several times faster
        results = run_all(
            _lesson9_runs(sc, tr),
            progress=progress_share(progress, k, trials),
            grid_step_s=DAY,
            device_series=False,
            final_state=True,
        )
        for setup, r in zip(setups, results, strict=True):
            why = dict(_final(r).gone)
            gone = {mid for mid in wanted if mid in why}
            crashed = {mid for mid in gone if why[mid] is LossReason.CRASH}
            lost[setup][0].append(len(crashed))
            lost[setup][1].append(sum(1 for mid in targets if mid in gone - crashed))
            if setup is Lesson9Setup.POP3:
                simulated.append(r.duration_s)
    if progress is not None:
        progress(1.0)
    by = {s: YearLosses(tuple(c), tuple(d)) for s, (c, d) in lost.items()}
    return YearlyLoss(
        trials,
        YEAR_DAYS,
        float(crashes_per_year),
        float(accidental_deletes_per_year),
        backup_age_days,
        tuple(seed + k for k in range(trials)),
        tuple(simulated),
        tuple(crashes),
        tuple(deletes),
        by[Lesson9Setup.POP3],
        by[Lesson9Setup.POP3_ARCHIVE],
        by[Lesson9Setup.IMAP],
    )


# -- lesson 10 -------------------------------------------------------------------------------------

Profile = Literal["family", "traveller", "single", "campus"]


@dataclass(frozen=True)
class CapstoneResult:
    """Lesson 10: one profile and configuration; every headline metric is in the two runs."""

    pop3: Result
    imap: Result


@lesson_experiment(10)
def capstone(
    *,
    profile: Profile = "family",
    tls: TlsMode = TlsMode.IMPLICIT,
    tls_resumption: bool = False,
    poll_interval_min: float = 10.0,
    leave_on_server_days: int | None = None,
    imap_idle: bool = True,
    imap_qresync: bool = False,
    crash_day: int | None = None,
    imap_fetch: FetchMode = FetchMode.FULL_OFFLINE,
    days: int = 7,
    seed: int = 1,
    progress: Callable[[float], None] | None = None,
) -> CapstoneResult:
    """The capstone: a user profile (preset) with the chosen client policies on every device,
    optionally a crash of the first device on ``crash_day``; both protocols, same trace.  The
    same scenario as the course's lesson-10 dashboard (``tls_resumption`` is not among its
    controls: off there).  ``progress`` gets the fraction done (POP3 0..0.5, IMAP 0.5..1)."""
    from ..model.shards import run_many  # (imported when first needed: it starts worker pools)

    if profile not in typing.get_args(Profile):
        raise ScenarioError(
            "experiment", "profile", profile, "one of " + ", ".join(typing.get_args(Profile))
        )
    if not isinstance(tls, TlsMode):
        raise ScenarioError("experiment", "tls", tls, "a TlsMode")
    if not isinstance(imap_fetch, FetchMode):
        raise ScenarioError("experiment", "imap_fetch", imap_fetch, "a FetchMode")
    for name, flag in (
        ("tls_resumption", tls_resumption),
        ("imap_idle", imap_idle),
        ("imap_qresync", imap_qresync),
    ):
        if not isinstance(flag, bool):
            raise ScenarioError("experiment", name, flag, "True or False")
    _check("days", days, integer=True)
    _check("seed", seed, integer=True)
    _check("poll_interval_min", poll_interval_min)
    _check("leave_on_server_days", leave_on_server_days, integer=True, optional=True)
    _check("crash_day", crash_day, integer=True, optional=True, hi=float(days))
    sc = preset(profile, days=days, seed=seed, tls=tls, tls_resumption=tls_resumption)
    every = 60.0 * poll_interval_min
    users = []
    for user in sc.users:
        devices = []
        for dev in user.devices:
            pop3 = dataclasses.replace(
                dev.pop3,
                poll_interval_s=every,
                leave_on_server=leave_on_server_days is not None,
                leave_days=(
                    float(leave_on_server_days)
                    if leave_on_server_days is not None
                    else dev.pop3.leave_days
                ),
            )
            imap = dataclasses.replace(
                dev.imap,
                idle=imap_idle,
                poll_interval_s=every,
                fetch_mode=imap_fetch,
                qresync=imap_qresync,
            )
            devices.append(dataclasses.replace(dev, pop3=pop3, imap=imap))
        users.append(dataclasses.replace(user, devices=tuple(devices)))
    sc = dataclasses.replace(sc, users=tuple(users))
    if crash_day is not None:
        first = sc.devices[0].name
        sc = dataclasses.replace(
            sc, crashes=CrashSpec(at=((first, min(crash_day * 86400.0, sc.duration_s - 1.0)),))
        )
    # campus runs its users in shards on the cores (or the command line's --workers/--dask);
    # the results are the same whatever the sharding
    pop3_run, imap_run = run_many(sc, (Protocol.POP3, Protocol.IMAP), progress=progress)
    return CapstoneResult(pop3_run, imap_run)
