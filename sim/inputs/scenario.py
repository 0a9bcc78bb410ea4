"""Scenario parameters: validated, immutable inputs of one simulation run.

Theory of operation
-------------------
A :class:`Scenario` says *who* (users and their devices), *how each device is connected* (a
:class:`LinkSpec` and an :class:`OnlinePattern`), *how each device's client behaves under each
protocol* (a :class:`Pop3Policy` **and** an :class:`ImapPolicy` -- the run picks one; the protocol
not part of the scenario, so the same scenario and seed drive a POP3 and an IMAP run over the same
workload trace), *what happens* (a :class:`WorkloadSpec`, a :class:`CrashSpec`) and *the server*
(a :class:`ServerSpec`).  Times are simulated seconds from the start (``t = 0`` is midnight UTC of
:data:`START`, a Monday); sizes are octets; bandwidths are octets per second.

Every numeric field carries its allowed :class:`Range` in the dataclass field metadata.  Each class
checks all its fields in ``__post_init__`` and raises :class:`ScenarioError` naming the field, the
value and the allowed range.  The same ranges are exported (:data:`RANGES`, :func:`field_range`) so
that widgets offer exactly what validation accepts.  Variants are made with
:func:`dataclasses.replace`, which re-validates.

Defaults are the documented figures of :mod:`sim.inputs.defaults`.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from . import defaults as D

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday; t = 0 of every run
DAY = 86_400.0
YEAR = 365.0 * DAY


# -- errors and ranges ----------------------------------------------------------------------------


class ScenarioError(ValueError):
    """A scenario value outside its allowed range.

    ``owner`` is the class (e.g. ``"Pop3Policy"``), ``field`` the field name, ``value`` the rejected
    value and ``allowed`` a human-readable description of what is accepted."""

    def __init__(self, owner: str, field: str, value: Any, allowed: str) -> None:
        self.owner = owner
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{owner}.{field}={value!r}: allowed {allowed}")

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[str, str, Any, str]]:
        # raised in a worker process (a shard, the pair's helper), it reaches the caller pickled
        return (type(self), (self.owner, self.field, self.value, self.allowed))


@dataclass(frozen=True)
class Range:
    """Allowed values of a numeric field: ``lo <= x <= hi`` (or ``<`` when open), in ``unit``.

    ``integer`` fields take ``int`` only; ``optional`` fields also take ``None`` (whose meaning
    the field's docstring states).  Booleans, NaN and infinities are never numbers here."""

    lo: float
    hi: float
    unit: str = ""
    integer: bool = False
    lo_open: bool = False
    optional: bool = False

    def contains(self, value: Any) -> bool:
        if value is None:
            return self.optional
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if not math.isfinite(value):
            return False
        above = value > self.lo if self.lo_open else value >= self.lo
        return above and value <= self.hi

    def describe(self) -> str:
        kind = "integer" if self.integer else "number"
        lo = f"{_fmt(self.lo)} <" if self.lo_open else f"{_fmt(self.lo)} <="
        unit = f" {self.unit}" if self.unit else ""
        text = f"{kind} {lo} x <= {_fmt(self.hi)}{unit}"
        return text + (" or None" if self.optional else "")


def _fmt(x: float) -> str:
    if isinstance(x, int):
        return str(x)
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else f"{x:.6g}"


def _num(
    default: Any,
    lo: float,
    hi: float,
    unit: str = "",
    *,
    integer: bool = False,
    lo_open: bool = False,
    optional: bool = False,
    doc: str = "",
) -> Any:
    """A dataclass field with a validated numeric range stored in its metadata."""
    rng = Range(lo, hi, unit, integer, lo_open, optional)
    return field(default=default, metadata={"range": rng, "doc": doc})


def _check_fields(obj: Any) -> None:
    """Validate every field of ``obj`` that declares a range, an enum type or a bool."""
    owner = type(obj).__name__
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        rng: Range | None = f.metadata.get("range")
        if rng is not None:
            if not rng.contains(value):
                raise ScenarioError(owner, f.name, value, rng.describe())
            continue
        kind = f.metadata.get("kind")
        if kind is bool and not isinstance(value, bool):
            raise ScenarioError(owner, f.name, value, "True or False")
        if isinstance(kind, type) and issubclass(kind, enum.Enum) and not isinstance(value, kind):
            names = ", ".join(f"{kind.__name__}.{m.name}" for m in kind)
            raise ScenarioError(owner, f.name, value, f"one of {names}")


def _flag(default: bool, doc: str = "") -> Any:
    return field(default=default, metadata={"kind": bool, "doc": doc})


def _choice(default: enum.Enum, doc: str = "") -> Any:
    return field(default=default, metadata={"kind": type(default), "doc": doc})


# -- enums ---------------------------------------------------------------------------------------


class DeviceKind(enum.Enum):
    """Device presets differ in link, online pattern and storage (see :mod:`sim.inputs.presets`)."""

    PHONE = "phone"
    LAPTOP = "laptop"
    DESKTOP = "desktop"


class TlsMode(enum.Enum):
    """How a session is protected: none (110/143), upgraded in-band with STLS/STARTTLS (110/143),
    or implicit TLS from the first byte (995/993, preferred by RFC 8314)."""

    NONE = "none"
    STARTTLS = "starttls"
    IMPLICIT = "implicit"


class ServerProfileName(enum.Enum):
    """Whose texts the server sends around the data (greetings, capability lists, status texts,
    UIDL ids), which set what a session costs before any message moves (``sim.protocol.profiles``):
    Dovecot 2.3's, or the RFC examples' (about half as many octets per empty poll)."""

    DOVECOT = "dovecot"
    RFC = "rfc"


class FetchMode(enum.Enum):
    """What an IMAP client downloads of a new message, and what it keeps.

    Every mode fetches the headers and structure of a new message.  The text is fetched when the
    user opens the message -- and then kept only by ``BODIES_ON_OPEN`` -- or, under
    ``FULL_OFFLINE``, at once.  Attachments follow :class:`AttachmentPolicy`; what a mode keeps
    of the text it also keeps of an attachment fetched on demand, and ``FULL_OFFLINE`` with
    ``EAGER`` attachments keeps whole messages (Thunderbird's offline store)."""

    HEADERS_ONLY = "headers_only"  # headers; an opened text or attachment is shown, not kept
    BODIES_ON_OPEN = "bodies_on_open"  # as above, but what the user opened stays cached
    FULL_OFFLINE = "full_offline"  # every text synced (and kept) for offline use (Thunderbird)


class AttachmentPolicy(enum.Enum):
    """When an IMAP client downloads attachment parts (in every :class:`FetchMode`)."""

    ON_DEMAND = "on_demand"  # when the user opens the attachment (a separate action from reading)
    EAGER = "eager"  # with the new message's first fetch, and kept (offline use), in every mode


# -- link and online pattern -----------------------------------------------------------------------


@dataclass(frozen=True)
class LinkSpec:
    """A device's network path to the server (the model's ``Link``): bandwidth each way, round-trip
    time, whether its bytes cost money (a metered phone plan), and how long a NAT router on the
    path remembers a TCP connection that carries no packets (``None``: no such router)."""

    down_Bps: float = _num(
        D.DESKTOP_DOWN_BPS, 1e3, 1e10, "bytes/s", doc="server -> device bandwidth"
    )
    up_Bps: float = _num(D.DESKTOP_UP_BPS, 1e3, 1e10, "bytes/s", doc="device -> server bandwidth")
    rtt_s: float = _num(D.DESKTOP_RTT_S, 0.0, 10.0, "s", doc="round-trip time")
    metered: bool = _flag(False, "bytes on this link are paid for")
    nat_idle_timeout_s: float | None = _num(
        None, 10.0, DAY, "s", optional=True, doc="a NAT forgets a connection silent this long"
    )

    def __post_init__(self) -> None:
        _check_fields(self)


@dataclass(frozen=True)
class OnlinePattern:
    """When a device is online (and in use): daily windows, minus random offline periods.

    ``windows_h`` are ``(start, end)`` hours of the day (UTC, ``0 <= start < end <= 24``, sorted,
    not overlapping); an empty tuple means the whole day.  On top of that, offline periods start
    at random (Poisson, ``offline_per_day`` per day) and last an exponentially distributed time of
    mean ``offline_mean_s``.  The workload trace turns this into concrete intervals."""

    windows_h: tuple[tuple[float, float], ...] = ()
    offline_per_day: float = _num(0.0, 0.0, 100.0, "per day", doc="random offline periods per day")
    offline_mean_s: float = _num(
        3600.0, 1.0, 30 * DAY, "s", doc="mean length of one offline period"
    )

    def __post_init__(self) -> None:
        _check_fields(self)
        prev_end = 0.0
        for w in self.windows_h if isinstance(self.windows_h, tuple) else [None]:
            ok = (
                isinstance(w, tuple)
                and len(w) == 2
                and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in w)
                and prev_end <= w[0] < w[1] <= 24
            )
            if not ok:
                raise ScenarioError(
                    "OnlinePattern",
                    "windows_h",
                    self.windows_h,
                    "sorted, non-overlapping (start, end) hour pairs with 0 <= start < end <= 24",
                )
            prev_end = w[1]

    @classmethod
    def always(cls) -> OnlinePattern:
        return cls()

    @property
    def online_hours_per_day(self) -> float:
        """Hours inside the windows (before random offline periods)."""
        return 24.0 if not self.windows_h else float(sum(e - s for s, e in self.windows_h))


# -- client policies -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Pop3Policy:
    """How a device's POP3 client behaves.

    ``leave_on_server=False`` deletes every message after downloading it (DELE, effective at QUIT).
    With ``leave_on_server=True`` the client keeps copies on the server for ``leave_days`` days
    after download (``None`` = forever); it then needs ``use_uidl`` to recognise what it already
    has -- without UIDL it downloads every message again at every poll.  ``headers_first`` fetches
    messages at least ``headers_first_min_bytes`` large with ``TOP n 0`` (the header only) and the
    whole message (RETR) only when the user opens it."""

    poll_interval_s: float = _num(D.POLL_INTERVAL_S, 10.0, DAY, "s", doc="time between polls")
    leave_on_server: bool = _flag(False, "keep downloaded messages on the server")
    leave_days: float | None = _num(
        D.POP3_LEAVE_DAYS,
        0.0,
        3650.0,
        "days",
        optional=True,
        doc="days kept after download (None = forever)",
    )
    use_uidl: bool = _flag(True, "use UIDL to skip messages already downloaded")
    headers_first: bool = _flag(False, "fetch large messages with TOP first, RETR on open")
    headers_first_min_bytes: int = _num(
        D.HEADERS_FIRST_MIN_BYTES,
        0,
        1 << 30,
        "bytes",
        integer=True,
        doc="messages at least this big go via TOP",
    )

    def __post_init__(self) -> None:
        _check_fields(self)


@dataclass(frozen=True)
class ImapPolicy:
    """How a device's IMAP client behaves.

    With ``idle=True`` the client holds a connection open in IDLE while online and re-issues IDLE
    every ``idle_reissue_s`` (at most 29 min, RFC 2177); otherwise it polls every
    ``poll_interval_s``.  ``fetch_mode`` and ``attachments`` decide what is downloaded; flag,
    folder and delete changes made offline are queued and uploaded when online.  On reconnect
    the client resynchronises each non-empty folder: without ``qresync`` the RFC 4549 way (SELECT
    and the flags of every message), with it by ``ENABLE QRESYNC`` and ``SELECT folder (QRESYNC
    (uidvalidity modseq))``, which returns only what vanished or changed (RFC 7162)."""

    idle: bool = _flag(True, "hold an IDLE connection while online")
    poll_interval_s: float = _num(
        D.POLL_INTERVAL_S, 10.0, DAY, "s", doc="time between polls when not idling"
    )
    idle_reissue_s: float = _num(
        D.IDLE_REISSUE_S,
        60.0,
        D.IDLE_REISSUE_MAX_S,
        "s",
        doc="IDLE re-issued at least this often (<= 29 min)",
    )
    fetch_mode: FetchMode = _choice(FetchMode.FULL_OFFLINE, "what is downloaded for a new message")
    attachments: AttachmentPolicy = _choice(
        AttachmentPolicy.ON_DEMAND, "when attachment parts are downloaded"
    )
    qresync: bool = _flag(
        False, "resync by CONDSTORE/QRESYNC: only what changed since the last sync"
    )
    chunk_bytes: int = _num(
        D.IMAP_CHUNK_BYTES,
        1024,
        1 << 30,
        "bytes",
        integer=True,
        doc="partial FETCH size for attachment parts",
    )

    def __post_init__(self) -> None:
        _check_fields(self)


# -- devices and users ---------------------------------------------------------------------------


def nat_forgets_a_polling_client(nat_s: float | None, idle: bool, poll_interval_s: float) -> bool:
    """True when a NAT would forget a polling IMAP client's idle connection between two of its
    polls: a NOOP that finds its connection forgotten is not modelled, so such a device is
    refused (by :class:`DeviceSpec` and by lesson 3's experiment, in the learner's units)."""
    return nat_s is not None and not idle and nat_s < poll_interval_s


@dataclass(frozen=True)
class DeviceSpec:
    """One device of a user: its link, when it is online, its local storage and both client
    policies.  ``use_weight`` is the relative chance that the user acts (reads, flags...) on this
    device rather than another of theirs that is online at the time.  A device with
    ``first_online_s > 0`` is *new*: it does not exist before that time (lessons 1, 4, 8)."""

    name: str = "desktop"
    kind: DeviceKind = _choice(DeviceKind.DESKTOP, "phone, laptop or desktop")
    link: LinkSpec = field(default_factory=LinkSpec)
    online: OnlinePattern = field(default_factory=OnlinePattern)
    storage_bytes: int = _num(
        D.DESKTOP_STORAGE_BYTES,
        1 << 20,
        1 << 44,
        "bytes",
        integer=True,
        doc="local mail storage capacity",
    )
    pop3: Pop3Policy = field(default_factory=Pop3Policy)
    imap: ImapPolicy = field(default_factory=ImapPolicy)
    use_weight: float = _num(1.0, 0.0, 100.0, doc="relative share of the user's actions here")
    first_online_s: float = _num(0.0, 0.0, 10 * YEAR, "s", doc="device appears at this time")
    scans_mail: bool = _flag(True, "the device runs its own virus scanner on received mail")

    def __post_init__(self) -> None:
        _check_fields(self)
        _check_name("DeviceSpec", "name", self.name)
        for name, typ in (
            ("link", LinkSpec),
            ("online", OnlinePattern),
            ("pop3", Pop3Policy),
            ("imap", ImapPolicy),
        ):
            if not isinstance(getattr(self, name), typ):
                raise ScenarioError("DeviceSpec", name, getattr(self, name), f"a {typ.__name__}")
        nat = self.link.nat_idle_timeout_s
        if nat_forgets_a_polling_client(nat, self.imap.idle, self.imap.poll_interval_s):
            raise ScenarioError(
                "DeviceSpec",
                "link.nat_idle_timeout_s",
                nat,
                f">= imap.poll_interval_s ({self.imap.poll_interval_s:g} s) "
                "when the IMAP client polls instead of using IDLE",
            )


def _check_name(owner: str, fname: str, value: Any) -> None:
    ok = (
        isinstance(value, str)
        and 1 <= len(value) <= 40
        and all(c.isalnum() or c in "-_." for c in value)
    )
    if not ok:
        raise ScenarioError(
            owner, fname, value, "1-40 characters of letters, digits, '-', '_' or '.'"
        )


@dataclass(frozen=True)
class UserSpec:
    """A mailbox owner and their devices (names unique within the user)."""

    name: str = "user"
    devices: tuple[DeviceSpec, ...] = field(default_factory=lambda: (DeviceSpec(),))

    def __post_init__(self) -> None:
        _check_name("UserSpec", "name", self.name)
        if (
            not isinstance(self.devices, tuple)
            or not 1 <= len(self.devices) <= 10
            or not all(isinstance(d, DeviceSpec) for d in self.devices)
        ):
            raise ScenarioError(
                "UserSpec", "devices", self.devices, "a tuple of 1 to 10 DeviceSpec"
            )
        names = [d.name for d in self.devices]
        if len(set(names)) != len(names):
            raise ScenarioError("UserSpec", "devices", tuple(names), "unique device names")


# -- workload, crashes, server ---------------------------------------------------------------------

DAY_RHYTHM_WEIGHT = Range(0.0, 100.0)  # each of the 24 relative weights of WorkloadSpec.day_rhythm


@dataclass(frozen=True)
class WorkloadSpec:
    """What mail arrives and what the user does, per user.

    Message sizes: a message without attachments has a text body drawn from a log-normal with
    median ``text_median_bytes`` and log-space deviation ``text_sigma``; a share
    ``attachment_share`` carries one attachment whose decoded size is log-normal with median
    ``attachment_median_bytes`` and deviation ``attachment_sigma`` (base64 on the wire: x 4/3 plus
    line ends).  Every size is clipped to ``max_message_bytes``.  The defaults reproduce the
    measured size quantiles of FACTS.md (see :mod:`sim.inputs.defaults`).

    Reading is per message: a share ``read_share`` of arrivals is opened after an exponentially
    distributed delay of mean ``read_delay_mean_s``.  Opening the attachment is a separate action:
    of the opened messages that carry one, a share ``attachment_open_share`` has its attachment
    opened right after the message, on the same device.  Other actions happen at rates per user
    per day and target recent mail: reply, forward, flag, file into one of ``folders``, delete,
    and search for one of the message keywords.

    A day has a rhythm: ``day_rhythm`` gives the relative weights of the 24 hours (0-23 of the
    model's clock) for arrivals and actions, and the delay before reading counts active time --
    mail that comes at night waits for the morning.  The weights are rescaled to a mean of 1, so
    the daily rates stay as given; ``()`` spreads everything evenly over the 24 hours."""

    messages_per_day: float = _num(D.MESSAGES_PER_DAY, 0.0, 1000.0, "per user per day")
    text_median_bytes: float = _num(D.TEXT_MEDIAN_BYTES, 100.0, 1e6, "bytes")
    text_sigma: float = _num(D.TEXT_SIGMA, 0.0, 5.0, "ln-units")
    attachment_share: float = _num(D.ATTACHMENT_SHARE, 0.0, 1.0, "share of messages")
    attachment_median_bytes: float = _num(D.ATTACHMENT_MEDIAN_BYTES, 100.0, 1e8, "bytes")
    attachment_sigma: float = _num(D.ATTACHMENT_SIGMA, 0.0, 5.0, "ln-units")
    max_message_bytes: int = _num(D.MAX_MESSAGE_BYTES, 10_000, 1 << 30, "bytes", integer=True)
    keywords_per_message: int = _num(2, 0, 10, "keywords", integer=True)
    vocabulary_size: int = _num(D.VOCABULARY_SIZE, 1, 10_000, "keywords", integer=True)
    infected_share: float = _num(D.INFECTED_SHARE, 0.0, 1.0, "share of messages")
    zero_day_share: float = _num(
        D.ZERO_DAY_SHARE,
        0.0,
        1.0,
        "share of infected messages",
        doc="infected messages that the scanner misses at delivery",
    )
    read_share: float = _num(
        D.READ_SHARE, 0.0, 1.0, "share of messages", doc="share of arrivals the user opens (READ)"
    )
    attachment_open_share: float = _num(
        D.ATTACHMENT_OPEN_SHARE,
        0.0,
        1.0,
        "share of opened messages with an attachment",
        doc="of the opened messages with an attachment, the "
        "share whose attachment the user opens too",
    )
    read_delay_mean_s: float = _num(D.READ_DELAY_MEAN_S, 0.0, 30 * DAY, "s")
    reply_per_day: float = _num(D.REPLY_PER_DAY, 0.0, 1000.0, "per user per day")
    forward_per_day: float = _num(D.FORWARD_PER_DAY, 0.0, 1000.0, "per user per day")
    flag_per_day: float = _num(D.FLAG_PER_DAY, 0.0, 1000.0, "per user per day")
    file_per_day: float = _num(D.FILE_PER_DAY, 0.0, 1000.0, "per user per day")
    delete_per_day: float = _num(D.DELETE_PER_DAY, 0.0, 1000.0, "per user per day")
    search_per_day: float = _num(D.SEARCH_PER_DAY, 0.0, 1000.0, "per user per day")
    folders: tuple[str, ...] = D.FOLDERS
    day_rhythm: tuple[float, ...] = D.DAY_RHYTHM

    def __post_init__(self) -> None:
        _check_fields(self)
        rhythm = self.day_rhythm
        ok = isinstance(rhythm, tuple) and (
            not rhythm
            or (
                len(rhythm) == 24
                and all(DAY_RHYTHM_WEIGHT.contains(x) for x in rhythm)
                and sum(rhythm) > 0
            )
        )
        if not ok:
            raise ScenarioError(
                "WorkloadSpec",
                "day_rhythm",
                rhythm,
                "() for an even day, or 24 weights of the hours 0-23, each a "
                f"{DAY_RHYTHM_WEIGHT.describe()}, not all 0",
            )
        if (
            not isinstance(self.folders, tuple)
            or not 1 <= len(self.folders) <= 50
            or len(set(self.folders)) != len(self.folders)
        ):
            raise ScenarioError(
                "WorkloadSpec", "folders", self.folders, "a tuple of 1 to 50 unique folder names"
            )
        for name in self.folders:
            _check_name("WorkloadSpec", "folders", name)
            if name.upper() in ("INBOX", "SENT", "TRASH"):
                raise ScenarioError(
                    "WorkloadSpec",
                    "folders",
                    name,
                    "user folder names other than INBOX, Sent, Trash",
                )


@dataclass(frozen=True)
class CrashSpec:
    """Device crashes that wipe local storage.

    ``at`` lists ``(device, time_s)`` crashes; a device is named ``"user/device"`` or, when the
    name is unique in the scenario, just ``"device"``.  On top of that each device crashes at
    random, ``rate_per_year`` times per year.  After a crash the device restores a backup taken
    ``backup_age_s`` before the crash (``None`` = no backup: everything local is gone)."""

    at: tuple[tuple[str, float], ...] = ()
    rate_per_year: float = _num(0.0, 0.0, 365.0, "per device per year")
    backup_age_s: float | None = _num(
        None,
        0.0,
        10 * YEAR,
        "s",
        optional=True,
        doc="age of the restored backup (None = no backup)",
    )

    def __post_init__(self) -> None:
        _check_fields(self)
        if not isinstance(self.at, tuple):
            raise ScenarioError(
                "CrashSpec", "at", self.at, "a tuple of (device name, time_s) pairs"
            )
        for item in self.at:
            ok = (
                isinstance(item, tuple)
                and len(item) == 2
                and isinstance(item[0], str)
                and Range(0.0, 10 * YEAR).contains(item[1])
            )
            if not ok:
                raise ScenarioError(
                    "CrashSpec",
                    "at",
                    item,
                    "(device name, time_s) pairs with 0 <= time_s <= 10 years",
                )


@dataclass(frozen=True)
class ServerSpec:
    """The mail server's storage redundancy and virus scanning.

    Each of ``replicas`` disks fails at random ``disk_failure_per_year`` times per year and is
    back after ``repair_s``; mail is lost only if every replica is down at once.  The server scans
    at delivery if ``scan_at_delivery`` and rescans stored mail after each signature update if
    ``rescan_on_update``.  With ``idle_keepalive_s`` it sends ``* OK Still here`` to an IDLE-ing
    client whenever the connection has been silent that long (Dovecot: every 2 minutes)."""

    replicas: int = _num(D.REPLICAS, 1, 10, "disks", integer=True)
    disk_failure_per_year: float = _num(D.DISK_FAILURE_PER_YEAR, 0.0, 365.0, "per disk per year")
    repair_s: float = _num(D.REPAIR_S, 60.0, 365 * DAY, "s")
    scan_at_delivery: bool = _flag(True, "scan each message when it is delivered")
    rescan_on_update: bool = _flag(True, "rescan stored mail after a signature update")
    idle_keepalive_s: float | None = _num(
        None,
        10.0,
        3600.0,
        "s",
        optional=True,
        doc="untagged keepalive to IDLE clients after this much silence",
    )

    def __post_init__(self) -> None:
        _check_fields(self)


# -- the scenario --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceRef:
    """A device's place in a scenario: global index ``id`` (0-based, in user then device order),
    owner index ``user`` and qualified ``name`` ``"user/device"``."""

    id: int
    user: int
    name: str
    spec: DeviceSpec


@dataclass(frozen=True)
class Scenario:
    """Everything a run needs except the protocol.  Run it under POP3 and under IMAP with the
    same seed and both see the same workload trace.

    ``tls`` protects every device's sessions; with ``tls_resumption`` every TLS handshake (implicit
    TLS or after STLS/STARTTLS) is a TLS 1.3 resumption from a session ticket of the device's
    previous connection, which skips the certificate chain (RFC 8446 §2.2; octets of both
    handshakes in :class:`sim.inputs.network.TlsAssumptions`).  It has no effect with ``TlsMode.NONE``.
    ``server_profile`` picks the server's texts, and with them each session's fixed octets."""

    users: tuple[UserSpec, ...] = field(default_factory=lambda: (UserSpec(),))
    tls: TlsMode = _choice(TlsMode.IMPLICIT, "session protection for every device")
    tls_resumption: bool = _flag(
        D.TLS_RESUMPTION,
        "every TLS handshake resumes a session from a ticket (no certificate chain)",
    )
    server_profile: ServerProfileName = _choice(
        ServerProfileName.DOVECOT,
        "whose greeting, capability and status texts the server sends (Dovecot 2.3's or the RFCs')",
    )
    workload: WorkloadSpec = field(default_factory=WorkloadSpec)
    crashes: CrashSpec = field(default_factory=CrashSpec)
    server: ServerSpec = field(default_factory=ServerSpec)
    signature_delay_s: float = _num(
        D.SIGNATURE_DELAY_S,
        0.0,
        365 * DAY,
        "s",
        doc="mean time until a signature detects a zero-day virus",
    )
    duration_s: float = _num(7 * DAY, 60.0, 400 * DAY, "s", doc="simulated time")
    seed: int = _num(1, 0, 2**63 - 1, integer=True, doc="seed of every random stream")
    name: str = "custom"

    def __post_init__(self) -> None:
        _check_fields(self)
        if (
            not isinstance(self.users, tuple)
            or not 1 <= len(self.users) <= 100_000
            or not all(isinstance(u, UserSpec) for u in self.users)
        ):
            raise ScenarioError(
                "Scenario", "users", type(self.users).__name__, "a tuple of 1 to 100000 UserSpec"
            )
        names = [u.name for u in self.users]
        if len(set(names)) != len(names):
            raise ScenarioError("Scenario", "users", "duplicate user names", "unique user names")
        for fname, typ in (
            ("workload", WorkloadSpec),
            ("crashes", CrashSpec),
            ("server", ServerSpec),
        ):
            if not isinstance(getattr(self, fname), typ):
                raise ScenarioError("Scenario", fname, getattr(self, fname), f"a {typ.__name__}")
        refs: list[DeviceRef] = []
        for ui, user in enumerate(self.users):
            for dev in user.devices:
                refs.append(DeviceRef(len(refs), ui, f"{user.name}/{dev.name}", dev))
        object.__setattr__(self, "_devices", tuple(refs))
        for dev_name, _ in self.crashes.at:
            self.device_id(dev_name, field_name="crashes.at")

    @property
    def devices(self) -> tuple[DeviceRef, ...]:
        """All devices of all users, indexed by their global ``id``."""
        return self._devices  # type: ignore[attr-defined]

    @property
    def days(self) -> float:
        return self.duration_s / DAY

    def device_id(self, name: str, *, field_name: str = "device") -> int:
        """Global id of the device called ``"user/device"`` or, if unique, ``"device"``."""
        matches = [r.id for r in self.devices if r.name == name]
        if not matches:
            matches = [r.id for r in self.devices if r.spec.name == name]
        if len(matches) == 1:
            return matches[0]
        allowed = sorted(
            {r.name for r in self.devices}
            | {
                r.spec.name
                for r in self.devices
                if sum(1 for o in self.devices if o.spec.name == r.spec.name) == 1
            }
        )
        shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
        raise ScenarioError("Scenario", field_name, name, f"one of the device names: {shown}")

    def crash_times(self) -> tuple[tuple[int, float], ...]:
        """``(device id, time_s)`` of the scheduled crashes in ``crashes.at``, sorted by time."""
        return tuple(
            sorted(((self.device_id(n), t) for n, t in self.crashes.at), key=lambda p: (p[1], p[0]))
        )


# -- programmatic access to the ranges -------------------------------------------------------------

SPEC_CLASSES: tuple[type, ...] = (
    LinkSpec,
    OnlinePattern,
    Pop3Policy,
    ImapPolicy,
    DeviceSpec,
    WorkloadSpec,
    CrashSpec,
    ServerSpec,
    Scenario,
)

RANGES: dict[str, Range] = {
    f"{cls.__name__}.{f.name}": f.metadata["range"]
    for cls in SPEC_CLASSES
    for f in dataclasses.fields(cls)
    if "range" in f.metadata
}
"""Every validated numeric field as ``"Class.field" -> Range`` (the widgets' source of truth)."""


def field_range(cls: type | str, name: str) -> Range:
    """The validated :class:`Range` of numeric field ``name`` of ``cls`` (a class or its name)."""
    owner = cls if isinstance(cls, str) else cls.__name__
    key = f"{owner}.{name}"
    if key not in RANGES:
        known = ", ".join(k.split(".", 1)[1] for k in RANGES if k.startswith(owner + "."))
        raise KeyError(f"{key} has no numeric range; numeric fields of {owner}: {known or 'none'}")
    return RANGES[key]
