"""One experiment per lesson (DESIGN.md §5): both protocols, same workload trace, one record back.

Every function below builds a scenario from a preset, changes the few parameters the lesson is
about, runs :func:`sim.model.run` once for POP3 and once for IMAP on the *same* trace (common random
numbers) and returns a frozen record with both :class:`sim.results.Result` objects (``pop3``,
``imap``) plus the handful of derived numbers the lesson's dashboard plots. All parameters are
keyword-only; a value outside its range raises :class:`sim.scenario.ScenarioError` naming the
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
1. ``lesson1_where_mail_lives(days=7 [1..60], seed=1 [0..2**31-1], leave_on_server_days=None
   [None=delete after download, or 0..60], headers_first=False, fetch=FetchMode.BODIES_ON_OPEN,
   attachments_eager=False)`` -> :class:`Lesson1Result`: ``pop3``, ``imap``, ``new_device_pop3`` and
   ``new_device_imap`` (old messages -- arrived before it appeared -- that a brand-new device
   shows at the end), ``delivered``,
   ``phone_down_bytes_pop3``/``_imap`` (octets the phone downloaded).
2. ``lesson2_ports_and_tls(rtt_ms=50.0 [0.1..2000], bandwidth_kbps=10000.0 [8..1e7])`` ->
   :class:`Lesson2Result`: ``rows``, one :class:`ConnectionSetup` per (protocol, port, TLS mode) --
   110, 110+STLS, 995, 143, 143+STARTTLS, 993 -- with round trips, bytes and seconds until the first
   command after login, and whether the password crossed the wire in clear text.
3. ``lesson3_notification(poll_interval_min=10.0 [1..240], idle=True, days=7 [1..60], seed=1,
   nat_timeout_min=None [None or 1..60], keepalive_min=None [None or 1..30])`` -- a home router
   that forgets quiet connections, and the server's IDLE keepalive -- ->
   :class:`Lesson3Result`: ``pop3``, ``imap``, ``pop3_delay``/``imap_delay`` (:class:`sim.results.Delay`,
   seconds), ``overhead_bytes_per_day_pop3``/``_imap`` (wire bytes that carried no message content,
   per device per day), ``connection_s_per_day_pop3``/``_imap``.
4. ``lesson4_folders(days=7 [1..60], seed=1, file_per_day=5.0 [0..50])`` -> :class:`Lesson4Result`:
   ``pop3``, ``imap``, ``filed`` (messages the user filed into a folder on some device and did not delete),
   ``filed_seen_elsewhere_pop3`` / ``_imap`` (``(device, count)`` pairs: how many of them each device
   shows in the intended folder at the end, including ``"alex/new"``).
5. ``lesson5_flags(days=7 [1..60], seed=1, phone_offline_h=0.0 [0..72])`` -> :class:`Lesson5Result`:
   ``pop3``, ``imap``, ``flag_agreement_pop3``/``_imap`` (``(flag, share)`` pairs at the end: share of
   (message, device) pairs where the device shows that flag as intended), and the state-agreement
   series in the two results.
6. ``lesson6_leave_on_server(days=7 [1..60], seed=1, first_leave_days=14 [None or 0..60],
   second_leaves=False, uidl=True, poll_interval_min=10.0 [1..240])`` -> :class:`Lesson6Result`: the
   article's two-client advice (laptop leaves copies, desktop downloads and deletes): ``pop3``,
   ``imap``, ``missed_pop3``/``missed_imap`` (``(device, count)``), ``duplicate_bytes_pop3``/``_imap``,
   ``lock_refusals_pop3``, ``server_bytes_pop3``/``_imap`` (final logical bytes).
7. ``lesson7_virus(days=7 [1..60], seed=1, infected_share=0.05 [0..0.5], signature_delay_h=6.0
   [0..72])`` -> :class:`Lesson7Result`: ``pop3``, ``imap`` and their :class:`sim.results.Virus` records
   as ``virus_pop3``/``virus_imap``.
8. ``lesson8_search(days=7 [1..60], seed=1, leave_on_server_days=None [None or 0..60])`` ->
   :class:`Lesson8Result`: ``pop3``, ``imap``, ``phone_recall_pop3``/``_imap`` (mean recall of the
   search at the end), ``new_device_recall_pop3``/``_imap`` (the same search on a brand-new device:
   share of the matching *old* mail -- arrived before the device appeared -- that it finds),
   ``new_device_search_bytes_imap``, ``new_device_search_s_imap``.
9. ``lesson9_crash(days=7 [1..60], seed=1, crash_day=5.0 [0..days], crash_device="phone",
   backup_age_days=None [None=no backup, or 0..60], accidental_delete=True)`` ->
   :class:`Lesson9Result`: ``pop3``, ``imap``, ``crash_pop3``/``crash_imap``
   (:class:`sim.results.CrashRecord`), ``accidental_delete_gone_pop3``/``_imap`` (devices that no longer
   have the message the user deleted by mistake on the phone).
   ``lesson9_yearly_loss(trials=20 [1..200], crashes_per_year=1.0 [0..12], backup_age_days=None,
   seed=1)`` -> :class:`YearlyLoss`: Monte Carlo of messages lost per year, per protocol
   (``lost_pop3``, ``lost_imap``: tuples of per-trial counts scaled to a year, plus means).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .metrics import FLAG_NAMES
from .model import Protocol
from .model.run import simulate
from .model.state import INBOX, Device
from .model.world import World
from .network import Link
from .presets import desktop, preset
from .protocol.imap.config import ImapConfig
from .protocol.imap.server import ImapServer
from .protocol.imap_client import connect as imap_connect
from .protocol.pop3 import Pop3Server
from .protocol.pop3_client import PollOptions
from .protocol.pop3_client import poll as pop3_poll
from .protocol.pop3_config import Pop3Config
from .protocol.session import SessionRecord
from .protocol.store import Store
from .results import CrashRecord, Delay, Result, SearchRecord, Virus
from .scenario import (
    DAY,
    AttachmentPolicy,
    CrashSpec,
    DeviceSpec,
    FetchMode,
    LinkSpec,
    OnlinePattern,
    Scenario,
    ScenarioError,
    TlsMode,
)
from .workload import Action, ActionKind, Interval, Trace, generate

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
    "trials": (1, 200),
    "crashes_per_year": (0.0, 12.0),
    "crash_day": (0.0, 60.0),
    "nat_timeout_min": (1, 60),
    "keepalive_min": (1, 30),
}
"""Allowed (low, high) of every numeric lesson parameter; widgets use the same ranges."""


# -- plumbing ----------------------------------------------------------------------------------------

def _check(name: str, value: Any, *, integer: bool = False, optional: bool = False,
           hi: float | None = None) -> None:
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
    users = tuple(dataclasses.replace(u, devices=tuple(fn(d) for d in u.devices))
                  for u in sc.users)
    return dataclasses.replace(sc, users=users)


def _add_new_device(sc: Scenario, before_end_s: float = 2 * 3600.0) -> Scenario:
    """A brand-new always-online desktop called ``new`` that appears ``before_end_s`` before the
    end and on which the user does nothing (lessons 1, 4, 8: what does a new device see?)."""
    u = sc.users[0]
    proto = next(d for d in u.devices)
    new = desktop("new", online=OnlinePattern(), use_weight=0.0,
                  first_online_s=max(0.0, sc.duration_s - before_end_s),
                  pop3=proto.pop3, imap=proto.imap)
    users = (dataclasses.replace(u, devices=u.devices + (new,)),) + sc.users[1:]
    return dataclasses.replace(sc, users=users)


def _new(world: World) -> Device:
    return next(d for d in world.devices if d.name.endswith("/new"))


def _old_shown(world: World) -> int:
    """Messages that arrived before the new device appeared and that it shows at the end."""
    dev = _new(world)
    return sum(1 for mid in dev.local
               if mid < world.n_arrivals and world.mails[mid].time < dev.exists_from)


def _both(sc: Scenario, trace: Trace | None = None) -> tuple[Trace, Result, World, Result, World]:
    tr = trace if trace is not None else generate(sc)
    p, pw = simulate(sc, Protocol.POP3, tr)
    i, iw = simulate(sc, Protocol.IMAP, tr)
    return tr, p, pw, i, iw


def _pop3(leave_days: float | None, **extra: Any) -> Callable[[DeviceSpec], DeviceSpec]:
    def change(d: DeviceSpec) -> DeviceSpec:
        pol = dataclasses.replace(d.pop3, leave_on_server=leave_days is not None,
                                  leave_days=leave_days if leave_days is not None
                                  else d.pop3.leave_days, **extra)
        return dataclasses.replace(d, pop3=pol)
    return change


def _pairs(result: Result, attr: str) -> tuple[tuple[str, Any], ...]:
    return tuple((d.device, getattr(d, attr)) for d in result.devices)


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


def lesson1_where_mail_lives(*, days: int = 7, seed: int = 1,
                             leave_on_server_days: float | None = None,
                             headers_first: bool = False,
                             fetch: FetchMode = FetchMode.BODIES_ON_OPEN,
                             attachments_eager: bool = False) -> Lesson1Result:
    """POP3 downloads to each device; IMAP keeps mail on the server and shows it everywhere."""
    sc = _base("family", days, seed)
    _check("leave_on_server_days", leave_on_server_days, optional=True)
    _bool("headers_first", headers_first)
    _bool("attachments_eager", attachments_eager)
    if not isinstance(fetch, FetchMode):
        raise ScenarioError("experiment", "fetch", fetch, "a FetchMode")
    att = AttachmentPolicy.EAGER if attachments_eager else AttachmentPolicy.ON_DEMAND

    def change(d: DeviceSpec) -> DeviceSpec:
        d = _pop3(leave_on_server_days, headers_first=headers_first)(d)
        return dataclasses.replace(d, imap=dataclasses.replace(d.imap, fetch_mode=fetch,
                                                               attachments=att))
    sc = _add_new_device(_with_devices(sc, change))
    _, p, pw, i, iw = _both(sc)
    return Lesson1Result(p, i, p.conservation.delivered, _old_shown(pw), _old_shown(iw),
                         p.device("alex/phone").down.total, i.device("alex/phone").down.total)


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


_PORTS = {("pop3", TlsMode.NONE): 110, ("pop3", TlsMode.STARTTLS): 110,
          ("pop3", TlsMode.IMPLICIT): 995, ("imap", TlsMode.NONE): 143,
          ("imap", TlsMode.STARTTLS): 143, ("imap", TlsMode.IMPLICIT): 993}


def lesson2_ports_and_tls(*, rtt_ms: float = 50.0, bandwidth_kbps: float = 10000.0
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
                    if tls is TlsMode.STARTTLS and (words == [b"STLS"] or words[-1:] == [b"STARTTLS"]):
                        break
            rows.append(ConnectionSetup(proto, _PORTS[(proto, tls)], tls, cost.round_trips,
                                        cost.up.total, cost.down.total, cost.duration_s,
                                        tls is TlsMode.NONE, clear))
    return Lesson2Result(tuple(rows))


def _login_record(proto: str, tls: TlsMode) -> SessionRecord:
    """Greeting .. login of a real client against a real engine (no mail)."""
    store = Store()
    store.add_account("user", "secret")
    if proto == "pop3":
        res = pop3_poll(Pop3Server(store, Pop3Config(tls_available=tls is TlsMode.STARTTLS)),
                        PollOptions("user", "secret", stls=tls is TlsMode.STARTTLS))
        ex = res.record.exchanges
        idx = next(i for i, e in enumerate(ex) if e.client.startswith(b"PASS"))
        return SessionRecord("pop3", ex[: idx + 1])
    cfg = ImapConfig(starttls=tls is TlsMode.STARTTLS, implicit_tls=tls is TlsMode.IMPLICIT)
    client = imap_connect(ImapServer(store, cfg), "user", "secret",
                          starttls=tls is TlsMode.STARTTLS, mailbox=None)
    return client.take_record()


# -- lesson 3 --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lesson3Result:
    pop3: Result
    imap: Result
    pop3_delay: Delay  # arrival -> shown, all devices pooled, seconds
    imap_delay: Delay
    overhead_bytes_per_day_pop3: float  # per device per day: wire octets that carried no content
    overhead_bytes_per_day_imap: float
    connection_s_per_day_pop3: float  # per device per day
    connection_s_per_day_imap: float


def _overhead(r: Result, days: float) -> float:
    content = sum(t.header + t.body + t.attachment for d in r.devices for t in (d.up, d.down))
    return (r.summary.wire_bytes - content) / len(r.devices) / days


def lesson3_notification(*, poll_interval_min: float = 10.0, idle: bool = True, days: int = 7,
                         seed: int = 1, nat_timeout_min: int | None = None,
                         keepalive_min: int | None = None) -> Lesson3Result:
    """How fast new mail shows up: POP3 polling vs IMAP IDLE (or IMAP polling) -- also behind
    a router that forgets connections quiet for ``nat_timeout_min``, and with the server's
    ``* OK Still here`` every ``keepalive_min`` of silence."""
    sc = _base("family", days, seed)
    _check("poll_interval_min", poll_interval_min)
    _bool("idle", idle)
    _check("nat_timeout_min", nat_timeout_min, integer=True, optional=True)
    _check("keepalive_min", keepalive_min, integer=True, optional=True)
    if nat_timeout_min is not None and not idle and nat_timeout_min < poll_interval_min:
        raise ValueError(f"nat_timeout_min: {nat_timeout_min} is shorter than the poll interval "
                         f"({poll_interval_min:g} min) of a polling IMAP client, which is not "
                         f"modelled; allowed: >= {poll_interval_min:g}, None, or IDLE")
    every = poll_interval_min * 60.0
    nat = None if nat_timeout_min is None else 60.0 * nat_timeout_min

    def change(d: DeviceSpec) -> DeviceSpec:
        return dataclasses.replace(
            d, pop3=dataclasses.replace(d.pop3, poll_interval_s=every),
            imap=dataclasses.replace(d.imap, idle=idle, poll_interval_s=every),
            link=dataclasses.replace(d.link, nat_idle_timeout_s=nat))
    sc = _with_devices(sc, change)
    if keepalive_min is not None:
        sc = dataclasses.replace(sc, server=dataclasses.replace(
            sc.server, idle_keepalive_s=60.0 * keepalive_min))
    _, p, _, i, _ = _both(sc)
    per = len(p.devices) * days
    return Lesson3Result(p, i, p.summary.notification_delay, i.summary.notification_delay,
                         _overhead(p, days), _overhead(i, days),
                         p.summary.connection_time_s / per, i.summary.connection_time_s / per)


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


def _in_folder(world: World, filed: Iterable[int]) -> tuple[tuple[str, int], ...]:
    """Per device, the filed messages it shows in the folder they are meant to be in -- the
    run's intent (where the user's latest filing that took effect put them), which is not
    always the trace's last FILE (a device without the message cannot file it)."""
    out = []
    for dev in world.devices:
        n = 0
        for mid in filed:
            copy = dev.local.get(mid)
            intent = world.intent.get(mid)
            if copy is not None and intent is not None and intent[0] != INBOX \
                    and copy.folder == intent[0]:
                n += 1
        out.append((dev.name, n))
    return tuple(out)


def lesson4_folders(*, days: int = 7, seed: int = 1, file_per_day: float = 5.0) -> Lesson4Result:
    """Folders: IMAP folders live on the server; POP3 folders only on the device that made them."""
    sc = _base("family", days, seed)
    _check("file_per_day", file_per_day)
    sc = dataclasses.replace(sc, workload=dataclasses.replace(sc.workload,
                                                              file_per_day=file_per_day))
    sc = _add_new_device(sc)
    tr, p, pw, i, iw = _both(sc)
    filed = {m: f for m, f in _filed(tr).items() if iw.intent.get(m) is not None
             or pw.intent.get(m) is not None}
    return Lesson4Result(p, i, len(filed), _in_folder(pw, filed), _in_folder(iw, filed))


# -- lesson 5 --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lesson5Result:
    pop3: Result
    imap: Result
    flag_agreement_pop3: tuple[tuple[str, float], ...]  # (flag, share of pairs shown as intended)
    flag_agreement_imap: tuple[tuple[str, float], ...]


def _flag_agreement(world: World) -> tuple[tuple[str, float], ...]:
    out = []
    for bit, name in FLAG_NAMES:
        agree = total = 0
        for mid, intent in world.intent.items():
            if intent is None:
                continue
            for dev in world.user_devices[world.mails[mid].user]:
                if not dev.exists(world.end):
                    continue
                total += 1
                copy = dev.local.get(mid)
                if copy is not None and (copy.flags & bit) == (intent[1] & bit):
                    agree += 1
        out.append((name, agree / total if total else math.nan))
    return tuple(out)


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
    _, p, pw, i, iw = _both(sc, tr)
    return Lesson5Result(p, i, _flag_agreement(pw), _flag_agreement(iw))


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
    lock_refusals_pop3: int
    server_bytes_pop3: int  # logical bytes on the server at the end
    server_bytes_imap: int


def lesson6_leave_on_server(*, days: int = 7, seed: int = 1, first_leave_days: float | None = 14,
                            second_leaves: bool = False, uidl: bool = True,
                            poll_interval_min: float = 10.0) -> Lesson6Result:
    """The article's two-client advice: the laptop leaves copies (``first_leave_days``; None =
    forever), the desktop downloads and deletes (unless ``second_leaves``)."""
    sc = _base("two_clients", days, seed)
    _check("first_leave_days", first_leave_days, optional=True)
    _bool("second_leaves", second_leaves)
    _bool("uidl", uidl)
    _check("poll_interval_min", poll_interval_min)
    every = poll_interval_min * 60.0

    def change(d: DeviceSpec) -> DeviceSpec:
        if d.name == "laptop":
            pol = dataclasses.replace(d.pop3, leave_on_server=True, leave_days=first_leave_days,
                                      use_uidl=uidl, poll_interval_s=every)
        else:
            pol = dataclasses.replace(d.pop3, leave_on_server=second_leaves, use_uidl=uidl,
                                      poll_interval_s=every)
        return dataclasses.replace(d, pop3=pol)
    sc = _with_devices(sc, change)
    _, p, _, i, _ = _both(sc)
    return Lesson6Result(p, i, _pairs(p, "missed_messages"), _pairs(i, "missed_messages"),
                         p.summary.duplicate_download_bytes, i.summary.duplicate_download_bytes,
                         sum(d.lock_refusals for d in p.devices), p.summary.server_storage_bytes,
                         i.summary.server_storage_bytes)


# -- lesson 7 --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lesson7Result:
    pop3: Result
    imap: Result
    virus_pop3: Virus
    virus_imap: Virus


def lesson7_virus(*, days: int = 7, seed: int = 1, infected_share: float = 0.05,
                  signature_delay_h: float = 6.0) -> Lesson7Result:
    """Infected mail: scanned at delivery for both; IMAP's edge is the retroactive server rescan."""
    sc = _base("family", days, seed)
    _check("infected_share", infected_share)
    _check("signature_delay_h", signature_delay_h)
    sc = dataclasses.replace(
        sc, signature_delay_s=signature_delay_h * 3600.0,
        workload=dataclasses.replace(sc.workload, infected_share=infected_share))
    _, p, _, i, _ = _both(sc)
    return Lesson7Result(p, i, p.virus, i.virus)


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


def lesson8_search(*, days: int = 7, seed: int = 1,
                   leave_on_server_days: float | None = None) -> Lesson8Result:
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
    extra = tuple(Action(t, 0, sc.device_id(name), ActionKind.SEARCH, query=query)
                  for name in ("phone", "new"))
    tr = dataclasses.replace(tr, actions=tuple(sorted(tr.actions + extra,  # (in time order)
                                                      key=lambda a: a.time)))
    _, p, pw, i, iw = _both(sc, tr)

    def last(r: Result, dev: str) -> SearchRecord:
        return [s for s in r.searches if s.device == dev and s.time_s == t][-1]
    ps, is_, inew = last(p, "alex/phone"), last(i, "alex/phone"), last(i, "alex/new")
    return Lesson8Result(p, i, query, ps.recall_share, is_.recall_share,
                         _old_recall(pw, query, on_server=False),
                         _old_recall(iw, query, on_server=True),
                         inew.up_bytes + inew.down_bytes, inew.duration_s)


def _old_recall(world: World, query: str, *, on_server: bool) -> float:
    """Share of the matching old mail (arrived before the new device appeared, not deleted) that
    a search on the new device finds: on the server (IMAP SEARCH) or in its local store (POP3)."""
    dev = _new(world)
    user = world.users[dev.user]
    relevant = found = 0
    for mid, intent in world.intent.items():
        m = world.mails[mid]
        if intent is None or m.user != dev.user or m.time >= dev.exists_from \
                or query not in m.keywords:
            continue
        relevant += 1
        if (mid in user.where) if on_server else (mid in dev.local):
            found += 1
    return found / relevant if relevant else 1.0


# -- lesson 9 --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lesson9Result:
    pop3: Result
    imap: Result
    crash_pop3: CrashRecord | None  # the crash of ``crash_device`` (None if it did not happen)
    crash_imap: CrashRecord | None
    deleted_message: int | None  # the mail id deleted by mistake on the phone (None: no delete)
    accidental_delete_gone_pop3: tuple[str, ...]  # devices that no longer have that message
    accidental_delete_gone_imap: tuple[str, ...]


def lesson9_crash(*, days: int = 7, seed: int = 1, crash_day: float = 5.0,
                  crash_device: str = "phone", backup_age_days: float | None = None,
                  accidental_delete: bool = True) -> Lesson9Result:
    """A device crash (local storage wiped, backup of a given age restored) and an accidental
    delete on the phone one day before it."""
    sc = _base("family", days, seed)
    _check("crash_day", crash_day, hi=float(days))
    _check("backup_age_days", backup_age_days, optional=True)
    _bool("accidental_delete", accidental_delete)
    dev_id = sc.device_id(crash_device, field_name="crash_device")
    name = sc.devices[dev_id].name
    t_crash = min(crash_day * DAY, sc.duration_s - 1.0)
    sc = dataclasses.replace(sc, crashes=CrashSpec(
        at=((name, t_crash),),
        backup_age_s=None if backup_age_days is None else backup_age_days * DAY))
    tr = generate(sc)
    target: int | None = None
    if accidental_delete:
        t_del = max(60.0, t_crash - DAY)
        before = [m for m in tr.messages if m.time < t_del - 3600.0 and not m.infected]
        if before:
            target = before[-1].id
            act = Action(t_del, 0, sc.device_id("phone"), ActionKind.DELETE, target=target)
            tr = dataclasses.replace(tr, actions=tuple(sorted(
                tr.actions + (act,), key=lambda a: a.time)))
    _, p, pw, i, iw = _both(sc, tr)

    def gone(world: World) -> tuple[str, ...]:
        if target is None:
            return ()
        return tuple(d.name for d in world.devices if target not in d.local)

    def crash(r: Result) -> CrashRecord | None:
        return next((c for c in r.crashes if c.device == name), None)
    return Lesson9Result(p, i, crash(p), crash(i), target, gone(pw), gone(iw))


@dataclass(frozen=True)
class YearlyLoss:
    """Monte Carlo of crash losses, scaled to messages per year (one trial = one seed)."""

    trials: int
    days: int  # simulated days per trial (losses are scaled by 365 / days)
    lost_pop3: tuple[float, ...]
    lost_imap: tuple[float, ...]
    mean_pop3: float
    mean_imap: float


def lesson9_yearly_loss(*, trials: int = 20, crashes_per_year: float = 1.0,
                        backup_age_days: float | None = None, seed: int = 1,
                        days: int = 30) -> YearlyLoss:
    """Messages lost to device crashes per year, ``single`` preset (one desktop, POP3 deleting
    after download), ``trials`` seeds of ``days`` days each."""
    _check("trials", trials, integer=True)
    _check("crashes_per_year", crashes_per_year)
    _check("backup_age_days", backup_age_days, optional=True)
    _check("seed", seed, integer=True)
    _check("days", days, integer=True)
    lp: list[float] = []
    li: list[float] = []
    scale = 365.0 / days
    for k in range(trials):
        sc = preset("single", days=days, seed=seed + k)
        sc = dataclasses.replace(sc, crashes=CrashSpec(
            rate_per_year=crashes_per_year,
            backup_age_s=None if backup_age_days is None else backup_age_days * DAY))
        _, p, _, i, _ = _both(sc)
        lp.append(p.summary.crash_lost_messages * scale)
        li.append(i.summary.crash_lost_messages * scale)
    return YearlyLoss(trials, days, tuple(lp), tuple(li), sum(lp) / trials, sum(li) / trials)
