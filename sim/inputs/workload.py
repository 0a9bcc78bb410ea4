"""The workload trace: everything that happens in a run *except* what the protocol does.

Theory of operation
-------------------
Common random numbers: :func:`generate` turns a :class:`~sim.inputs.scenario.Scenario` (which has no
protocol field) into a frozen :class:`Trace` -- message arrivals, the user's actions with device
and time, when each device is in use and online, crashes, replica disk failures and signature
updates.  The POP3 run and the IMAP run of one scenario consume the same trace, so every difference
in their results comes from the protocol.

Randomness comes only from :func:`stream`: one ``random.Random`` per (seed, stream name, index),
seeded from a SHA-256 of the three, never the global generator.  Streams are per purpose *and* per
user or device (``arrivals``, ``sizes``, ``content``, ``infections``, ``behaviour``,
``attachments`` per user; ``online``, ``crashes`` per device; ``disks`` per replica), so
changing one parameter (say the infected share or one device's online pattern) leaves the draws
of every other stream unchanged.

Messages are stored as :class:`MessageSpec` -- sizes, keywords, flags -- and turned into
:class:`~sim.protocol.message.Message` objects only on demand (:meth:`Trace.message`): building
450 000 messages eagerly for ``campus`` would cost seconds and memory the model does not need
until a message is delivered.

Semantics (protocol-independent *intent*; the model decides what each protocol makes of it):

* **Usage vs online.** A device is *in use* inside its daily windows (from ``first_online_s``);
  it is *online* when in use and not inside a random offline period.  The user acts only on a
  device in use -- possibly while it is offline (reading cached mail on a plane).
* **Actions.** A share of arrivals is READ after a random delay; of those with an attachment a
  share has it opened too (OPEN_ATTACHMENT, right after the READ on the same device: a separate
  action, drawn from its own stream so that the other actions do not move); REPLY, FORWARD,
  FLAG, FILE, DELETE and SEARCH happen at per-day rates and target recent mail of that user.  An
  action falls on one of the user's devices in use at that time, chosen by ``use_weight``; if
  none is in use it waits for the first device to come into use (and is dropped past the end of
  the run).  The trace never targets a message after the action that deletes it was generated,
  but a READ may still fall after a DELETE of the same message; the model treats actions on gone
  messages as no-ops.
* **A day has a rhythm.** Arrivals, the per-day actions and the delay before reading are drawn in
  *active time*, which runs at each hour's ``day_rhythm`` weight (:class:`_Rhythm`), and mapped
  back to the clock: the same draws as on an even day, crowded into the busy hours.
"""

from __future__ import annotations

import bisect
import enum
import gc
import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from itertools import accumulate
from operator import itemgetter

from ..protocol.message import Attachment, Message, synthesize
from .scenario import DAY, START, YEAR, DeviceSpec, Scenario, WorkloadSpec

# -- random streams --------------------------------------------------------------------------------

STREAMS = (
    "arrivals",
    "sizes",
    "content",
    "infections",
    "behaviour",
    "attachments",
    "online",
    "crashes",
    "disks",
)


def stream(seed: int, name: str, index: int = 0) -> random.Random:
    """An independent generator for stream ``name`` of user/device/replica ``index``."""
    digest = hashlib.sha256(f"{seed}:{name}:{index}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


# -- trace records ---------------------------------------------------------------------------------


class ActionKind(enum.Enum):
    """What the user does to a message (or, for SEARCH, to their mail as a whole)."""

    READ = "read"  # open the message: sets \\Seen, needs the text (not the attachment)
    OPEN_ATTACHMENT = "open_attachment"  # open the target's attachment: needs that part, no flag
    REPLY = "reply"  # sends ``outgoing``; sets \\Answered on the target
    FORWARD = "forward"  # sends ``outgoing`` (with the target's attachment); sets $Forwarded
    FLAG = "flag"  # sets \\Flagged
    FILE = "file"  # moves the target into ``folder``
    DELETE = "delete"  # deletes the target (IMAP: \\Deleted + EXPUNGE / move to Trash)
    SEARCH = "search"  # looks for ``query`` in all of the user's mail

    # Members equal only themselves, so hashing by identity agrees with equality; it keeps the
    # per-action lookups keyed by kind (the flag an action sets) at C speed: Enum's own hash is
    # a Python-level call.
    __hash__ = object.__hash__


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """A message's size and content recipe, without its bytes.

    ``text_size`` is the text body in octets; ``attachment_size`` the decoded size of its one
    attachment (0: none; on the wire base64 makes it about 4/3 larger).  ``keywords`` start the
    body and the subject, so SEARCH BODY/SUBJECT finds them.  ``detectable_at`` is when a virus
    scan first recognises an infected message (its arrival time unless it is a zero-day); it is
    ``None`` for clean messages and may lie beyond the end of the run.  For messages a user sends
    (``outgoing``) ``time`` is when they are sent and ``reply_to`` the message answered or
    forwarded."""

    id: int
    user: int
    time: float
    text_size: int
    attachment_size: int
    keywords: tuple[str, ...]
    infected: bool = False
    detectable_at: float | None = None
    outgoing: bool = False
    reply_to: int | None = None

    @property
    def has_attachment(self) -> bool:
        return self.attachment_size > 0

    @property
    def message_id(self) -> str:
        return f"<{'s' if self.outgoing else 'm'}{self.id}@lab.example>"


@dataclass(frozen=True, slots=True)
class Action:
    """One user action: at ``time`` the user of ``device`` does ``kind`` to message ``target``.

    ``folder`` is set for FILE, ``query`` (a keyword) for SEARCH, ``outgoing`` (the sent message)
    for REPLY and FORWARD; ``target`` is ``None`` only for SEARCH."""

    time: float
    user: int
    device: int
    kind: ActionKind
    target: int | None = None
    folder: str | None = None
    query: str | None = None
    outgoing: MessageSpec | None = None


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open time interval ``[start, end)`` in simulated seconds."""

    start: float
    end: float

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Crash:
    """``device`` loses its local storage at ``time``; it restores a backup taken at
    ``backup_time`` (``None``: no backup).  ``scheduled`` tells a CrashSpec.at crash from a
    random one."""

    time: float
    device: int
    backup_time: float | None
    scheduled: bool = False


@dataclass(frozen=True, slots=True)
class DiskFailure:
    """Server replica ``replica`` is down from ``time`` until ``repaired_at``."""

    time: float
    replica: int
    repaired_at: float


@dataclass(frozen=True, slots=True)
class SignatureUpdate:
    """At ``time`` a signature update makes the scanner recognise messages ``detects``."""

    time: float
    detects: tuple[int, ...]


@dataclass(frozen=True)
class Trace:
    """The whole workload of one scenario and seed; identical for the POP3 and the IMAP run.

    ``messages[i].id == i`` (arrivals in time order); ``sent`` continues the ids with the messages
    users send.  ``usage[d]`` / ``online[d]`` are the sorted, disjoint intervals of device id ``d``
    (``online[d]`` lies inside ``usage[d]``).  All tuples are sorted by time."""

    scenario: Scenario
    messages: tuple[MessageSpec, ...]
    sent: tuple[MessageSpec, ...]
    actions: tuple[Action, ...]
    usage: tuple[tuple[Interval, ...], ...]
    online: tuple[tuple[Interval, ...], ...]
    crashes: tuple[Crash, ...]
    disk_failures: tuple[DiskFailure, ...]
    signature_updates: tuple[SignatureUpdate, ...]

    def spec(self, msg_id: int) -> MessageSpec:
        """The arrival or sent message with id ``msg_id``."""
        n = len(self.messages)
        return self.messages[msg_id] if msg_id < n else self.sent[msg_id - n]

    def message(self, msg_id: int) -> Message:
        """Build the :class:`Message` of ``msg_id`` (not cached: the model keeps what it stores)."""
        return build_message(self.spec(msg_id), self.scenario)

    def user_messages(self, user: int) -> tuple[int, ...]:
        """Ids of the messages that arrive for ``user``, in time order."""
        return self._by_user[user]

    @cached_property
    def _by_user(self) -> tuple[tuple[int, ...], ...]:
        lists: list[list[int]] = [[] for _ in self.scenario.users]
        for m in self.messages:
            lists[m.user].append(m.id)
        return tuple(tuple(x) for x in lists)

    def is_online(self, device: int, t: float) -> bool:
        return _inside(self.online[device], t)

    def is_in_use(self, device: int, t: float) -> bool:
        return _inside(self.usage[device], t)

    def next_online(self, device: int, t: float) -> float | None:
        """``t`` if the device is online at ``t``, else the start of its next online interval."""
        ivs = self.online[device]
        i = bisect.bisect_right(ivs, t, key=lambda iv: iv.start) - 1
        if i >= 0 and t < ivs[i].end:
            return t
        return ivs[i + 1].start if i + 1 < len(ivs) else None


def _inside(ivs: Sequence[Interval], t: float) -> bool:
    i = bisect.bisect_right(ivs, t, key=lambda iv: iv.start) - 1
    return i >= 0 and t < ivs[i].end


def content_seed(scenario_seed: int, spec: MessageSpec) -> int:
    """Seed of a message's filler text and attachment bytes: a SplitMix64-style hash of the
    scenario seed and the message id (not stored per message: 450 000 of them cost memory)."""
    z = (scenario_seed * 0x9E3779B97F4A7C15 + 2 * spec.id + spec.outgoing) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (z ^ (z >> 31)) >> 2


def build_message(spec: MessageSpec, scenario: Scenario) -> Message:
    """The exact-size synthetic message of ``spec`` (deterministic in the scenario seed)."""
    seed = content_seed(scenario.seed, spec)
    user = scenario.users[spec.user].name
    me, other = f"{user} <{user}@lab.example>", f"sender{seed % 97} <s{seed % 97}@example.org>"
    sender, recipient = (me, other) if spec.outgoing else (other, me)
    attachments = (
        (Attachment(f"file{spec.id}.bin", spec.attachment_size),) if spec.attachment_size else ()
    )
    prefix = "Re: " if spec.outgoing and spec.reply_to is not None else ""
    subject = f"{prefix}{' '.join(spec.keywords) or 'note'} #{spec.id}"
    reply = f"<m{spec.reply_to}@lab.example>" if spec.reply_to is not None else None
    return synthesize(
        seed=seed,
        sender=sender,
        recipient=recipient,
        subject=subject,
        date=START + timedelta(seconds=spec.time),
        text_size=spec.text_size,
        attachments=attachments,
        keywords=spec.keywords,
        message_id=spec.message_id,
        in_reply_to=reply,
    )


# -- generation ------------------------------------------------------------------------------------


def keyword(index: int) -> str:
    """The searchable keyword number ``index`` (fixed width: no keyword contains another)."""
    return f"topic{index:04d}"


@dataclass
class _Sizes:
    """Pre-computed size-draw parameters of one workload."""

    w: WorkloadSpec
    mu_t: float = field(init=False)
    mu_a: float = field(init=False)

    def __post_init__(self) -> None:
        self.mu_t = math.log(self.w.text_median_bytes)
        self.mu_a = math.log(self.w.attachment_median_bytes)

    def draw(self, rng: random.Random) -> tuple[int, int]:
        """(text octets, decoded attachment octets or 0), clipped to the maximum message size."""
        w = self.w
        text = max(2, int(math.exp(self.mu_t + w.text_sigma * rng.gauss(0.0, 1.0))))
        att = 0
        if rng.random() < w.attachment_share:
            att = max(1, int(math.exp(self.mu_a + w.attachment_sigma * rng.gauss(0.0, 1.0))))
        cap = w.max_message_bytes - 2048  # room for headers and MIME framing
        text = min(text, cap)
        if att:
            att = min(att, max(1, int((cap - text) * 0.73)))  # base64: 4/3 plus line ends
        return text, att


def generate(scenario: Scenario) -> Trace:
    """The workload trace of ``scenario`` (deterministic in ``scenario.seed``; no protocol input).

    The cyclic garbage collector is paused while generating: the trace creates about a million
    acyclic records, and repeated full collections over them would double the run time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _generate(scenario)
    finally:
        if was_enabled:
            gc.enable()


def _generate(scenario: Scenario) -> Trace:
    seed, dur, w = scenario.seed, scenario.duration_s, scenario.workload
    devices = scenario.devices
    usage, online = (
        zip(*(_device_intervals(seed, r.id, r.spec, dur) for r in devices)) if devices else ((), ())
    )
    vocab = _Keywords(w.vocabulary_size)
    raw = [_arrivals(seed, u, w, scenario, vocab) for u in range(len(scenario.users))]
    order = sorted([(row[0], u, k) for u, rows in enumerate(raw) for k, row in enumerate(rows)])
    messages: list[MessageSpec] = []
    ids: list[list[int]] = [[0] * len(rows) for rows in raw]
    for t, u, k in order:
        _, text, att, kws, infected, detect = raw[u][k]
        mid = len(messages)
        ids[u][k] = mid
        messages.append(MessageSpec(mid, u, t, text, att, kws, infected, detect))
    del raw, order
    by_user: list[list[int]] = [[] for _ in scenario.users]
    for r in devices:
        by_user[r.user].append(r.id)
    pending: list[
        tuple[
            float, int, int, ActionKind, int | None, str | None, str | None, tuple[int, int] | None
        ]
    ] = []
    for u in range(len(scenario.users)):
        pending.extend(
            _actions(seed, u, w, dur, ids[u], messages, by_user[u], devices, usage, vocab)
        )
    # Each user's rows are already in time order (postponing keeps it); a stable sort on time
    # alone keeps ties (actions postponed to the same window start) in user order.
    pending.sort(key=itemgetter(0))
    actions: list[Action] = []
    sent: list[MessageSpec] = []
    for t, u, dev, kind, target, folder, query, out in pending:
        outgoing = None
        if out is not None:
            text, att = out
            target_spec = messages[target] if target is not None else None
            outgoing = MessageSpec(
                len(messages) + len(sent),
                u,
                t,
                text,
                att,
                target_spec.keywords if target_spec else (),
                outgoing=True,
                reply_to=target,
            )
            sent.append(outgoing)
        actions.append(Action(t, u, dev, kind, target, folder, query, outgoing))
    return Trace(
        scenario=scenario,
        messages=tuple(messages),
        sent=tuple(sent),
        actions=tuple(actions),
        usage=tuple(usage),
        online=tuple(online),
        crashes=_crashes(scenario),
        disk_failures=_disk_failures(scenario),
        signature_updates=_signature_updates(messages, dur),
    )


class _Keywords:
    """Zipf-weighted draws (weight 1/(i+1)) over a vocabulary of ``n`` keywords."""

    def __init__(self, n: int) -> None:
        self.words = [keyword(i) for i in range(n)]
        self.cum = list(accumulate(1.0 / (i + 1) for i in range(n)))
        self.total = self.cum[-1]
        self.shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # one object per keyword set

    def one(self, rng: random.Random) -> str:
        return self.words[
            bisect.bisect_right(self.cum, rng.random() * self.total, hi=len(self.cum) - 1)
        ]

    def some(self, rng: random.Random, k: int) -> tuple[str, ...]:
        """``k`` draws, duplicates dropped (so possibly fewer), in draw order."""
        if k == 1:
            return (self.one(rng),)
        return tuple(dict.fromkeys(self.one(rng) for _ in range(k)))


class _Rhythm:
    """The day's rhythm as a warp of time (a non-homogeneous Poisson process by time change).

    *Active time* runs at each hour's weight (rescaled to a mean of 1, so a whole day of clock
    time is a whole day of active time): events drawn at an even rate in active time and mapped
    back to the clock (:meth:`clock`) crowd into the busy hours, and a delay counted in active
    time (:meth:`active`, then back) stretches over the quiet ones.  Hours of weight 0 get no
    events at all."""

    def __init__(self, weights: Sequence[float]) -> None:
        mean = sum(weights) / 24.0
        self.rate = [x / mean for x in weights]
        cum = [0.0]
        for r in self.rate:
            cum.append(cum[-1] + 3600.0 * r)
        self.cum = cum

    def active(self, t: float) -> float:
        """Active time at clock time ``t``."""
        day, r = divmod(t, DAY)
        h = min(23, int(r // 3600.0))
        return day * DAY + self.cum[h] + (r - 3600.0 * h) * self.rate[h]

    def clock(self, tau: float) -> float:
        """Clock time at active time ``tau`` (the earliest, if several hours have weight 0)."""
        day, r = divmod(tau, DAY)
        h = bisect.bisect_right(self.cum, r, 0, 24) - 1
        while self.rate[h] <= 0.0:  # (only where rounding leaves r at the day's end)
            h -= 1
        return day * DAY + 3600.0 * h + min(3600.0, (r - self.cum[h]) / self.rate[h])


def _rhythm(w: WorkloadSpec) -> _Rhythm | None:
    """The workload's rhythm; None for an even day (clock time is active time)."""
    weights = w.day_rhythm
    if not weights or all(x == weights[0] for x in weights):
        return None
    return _Rhythm(weights)


def _arrivals(
    seed: int, user: int, w: WorkloadSpec, scenario: Scenario, vocab: _Keywords
) -> list[tuple]:
    """Raw arrival rows ``(time, text, att, keywords, infected, detectable_at)`` of a user.

    A hot loop (campus: 450 000 iterations): the draws of :class:`_Sizes` and
    ``random.expovariate`` are inlined with the same formulas."""
    rows: list[tuple] = []
    if w.messages_per_day <= 0:
        return rows
    t_rnd = stream(seed, "arrivals", user).random
    size_rng = stream(seed, "sizes", user)
    s_rnd, gauss = size_rng.random, size_rng.gauss
    content_rng = stream(seed, "content", user)
    c_rnd = content_rng.random
    shared = vocab.shared
    inf_rng = stream(seed, "infections", user)
    i_rnd = inf_rng.random
    log, exp, bis = math.log, math.exp, bisect.bisect_right
    words, cum, total, hi = vocab.words, vocab.cum, vocab.total, len(vocab.cum) - 1
    sz = _Sizes(w)
    mu_t, sig_t, mu_a, sig_a = sz.mu_t, w.text_sigma, sz.mu_a, w.attachment_sigma
    att_share, cap = w.attachment_share, w.max_message_bytes - 2048
    mean_gap = DAY / w.messages_per_day
    k = w.keywords_per_message
    share, zero_share = w.infected_share, w.zero_day_share
    delay = scenario.signature_delay_s
    rhythm = _rhythm(w)
    clock = rhythm.clock if rhythm is not None else None
    end = scenario.duration_s if rhythm is None else rhythm.active(scenario.duration_s)
    tau = -mean_gap * log(1.0 - t_rnd())  # in active time (clock time without a rhythm)
    while tau < end:
        t = tau if clock is None else clock(tau)
        text = min(cap, max(2, int(exp(mu_t + sig_t * gauss(0.0, 1.0)))))
        att = 0
        if s_rnd() < att_share:
            att = max(1, int(exp(mu_a + sig_a * gauss(0.0, 1.0))))
            att = min(att, max(1, int((cap - text) * 0.73)))
        if k == 1:
            kws: tuple[str, ...] = (words[bis(cum, c_rnd() * total, 0, hi)],)
        elif k:
            kws = tuple(dict.fromkeys([words[bis(cum, c_rnd() * total, 0, hi)] for _ in range(k)]))
        else:
            kws = ()
        detect: float | None = None
        infected = i_rnd() < share
        if infected:
            zero_day = i_rnd() < zero_share
            detect = t + (-delay * log(1.0 - i_rnd()) if zero_day and delay > 0 else 0.0)
        rows.append((t, text, att, shared.setdefault(kws, kws), infected, detect))
        tau -= mean_gap * log(1.0 - t_rnd())
    return rows


_RATE_KINDS = (
    (ActionKind.REPLY, "reply_per_day"),
    (ActionKind.FORWARD, "forward_per_day"),
    (ActionKind.FLAG, "flag_per_day"),
    (ActionKind.FILE, "file_per_day"),
    (ActionKind.DELETE, "delete_per_day"),
    (ActionKind.SEARCH, "search_per_day"),
)
_RECENT_MEAN = 20.0  # targets of non-read actions: about the 20 most recent messages


class _UserDevices:
    """Which of a user's devices are in use when; picks the device an action happens on.

    The devices' usage intervals are swept once into segments between consecutive boundaries,
    each with the devices in use and their cumulative weights, so a pick is one bisection."""

    def __init__(
        self, dev_ids: list[int], weights: list[float], usage: Sequence[tuple[Interval, ...]]
    ) -> None:
        edges: list[tuple[float, int, int]] = []  # (time, +1 start / -1 end, device index)
        for j, d in enumerate(dev_ids):
            for iv in usage[d]:
                edges.append((iv.start, 1, j))
                edges.append((iv.end, -1, j))
        edges.sort()
        self.bounds: list[float] = []
        self.members: list[tuple[int, ...]] = []
        self.cum: list[list[float]] = []
        active: set[int] = set()
        k = 0
        while k < len(edges):
            t = edges[k][0]
            while k < len(edges) and edges[k][0] == t:
                _, step, j = edges[k]
                if step > 0:
                    active.add(j)
                else:
                    active.discard(j)
                k += 1
            here = tuple(sorted(active))
            w = [weights[j] for j in here]
            if sum(w) <= 0:
                w = [1.0] * len(here)
            self.bounds.append(t)
            self.members.append(tuple(dev_ids[j] for j in here))
            self.cum.append(list(accumulate(w)))
        self.horizon = edges[-1][0] if edges else 0.0

    def pick(self, t: float, rng: random.Random, horizon: float) -> tuple[float, int] | None:
        """(time, device id) of an action wanted at ``t``: now on a device in use, or later."""
        i = bisect.bisect_right(self.bounds, t) - 1
        if i < 0 or not self.members[i]:
            i += 1  # a gap (or before the first use): wait for the next segment, which is in use
            if i >= len(self.bounds) or self.bounds[i] >= horizon or not self.members[i]:
                return None
            t = self.bounds[i]
        members = self.members[i]
        if len(members) == 1:
            return t, members[0]
        cum = self.cum[i]
        return t, members[bisect.bisect_right(cum, rng.random() * cum[-1], hi=len(cum) - 1)]


def _actions(
    seed: int,
    user: int,
    w: WorkloadSpec,
    dur: float,
    ids: list[int],
    messages: list[MessageSpec],
    dev_ids: list[int],
    devices: Sequence,
    usage: Sequence[tuple[Interval, ...]],
    vocab: _Keywords,
) -> list[tuple]:
    """Raw action rows ``(time, user, device, kind, target, folder, query, outgoing params)``."""
    rng = stream(seed, "behaviour", user)
    devs = _UserDevices(dev_ids, [devices[d].spec.use_weight for d in dev_ids], usage)
    wanted: list[tuple[float, int, ActionKind, int | None]] = []  # (time, order, kind, target)
    rnd, log, read = rng.random, math.log, ActionKind.READ
    share, mean = w.read_share, w.read_delay_mean_s
    a_rnd, a_share = stream(seed, "attachments", user).random, w.attachment_open_share
    opens: set[int] = set()  # messages whose attachment the user opens after reading them
    rhythm = _rhythm(w)  # times are drawn in active time and mapped back to the clock
    for order, mid in enumerate(ids):
        if rnd() < share:  # the lag is exponential: -mean * ln(1 - U), as random.expovariate
            lag = -mean * log(1.0 - rnd())
            arrived = messages[mid].time
            at = arrived + lag if rhythm is None else rhythm.clock(rhythm.active(arrived) + lag)
            wanted.append((at, order, read, mid))
            if messages[mid].attachment_size and a_rnd() < a_share:
                opens.add(mid)
    base = len(ids)
    active_end = dur if rhythm is None else rhythm.active(dur)
    for kind, attr in _RATE_KINDS:
        rate = getattr(w, attr) / DAY
        if rate <= 0:
            continue
        tau = _gap(rng, rate)
        while tau < active_end:
            wanted.append((tau if rhythm is None else rhythm.clock(tau), base, kind, None))
            base += 1
            tau += _gap(rng, rate)
    wanted.sort()
    times = [messages[m].time for m in ids]
    sizes = _Sizes(w)
    deleted: set[int] = set()
    rows: list[tuple] = []
    bounds, members, cums, nseg = devs.bounds, devs.members, devs.cum, len(devs.bounds)
    bis = bisect.bisect_right
    for t, _, kind, target in wanted:
        if t >= dur:
            continue
        # the device (inlined _UserDevices.pick: this loop runs 700 000 times for campus)
        i = bis(bounds, t) - 1
        if i < 0 or not members[i]:
            i += 1
            if i >= nseg or bounds[i] >= dur or not members[i]:
                continue
            t = bounds[i]
        here = members[i]
        if len(here) == 1:
            dev = here[0]
        else:
            cum = cums[i]
            dev = here[bis(cum, rnd() * cum[-1], 0, len(cum) - 1)]
        folder = query = out = None
        if kind is ActionKind.SEARCH:
            query = vocab.one(rng)
        elif target is None:
            target = _recent_target(rng, times, ids, t, deleted)
            if target is None:
                continue
            if kind is ActionKind.FILE:
                folder = rng.choice(w.folders)
            elif kind is ActionKind.DELETE:
                deleted.add(target)
            elif kind in (ActionKind.REPLY, ActionKind.FORWARD):
                text, _ = sizes.draw(rng)
                att = messages[target].attachment_size if kind is ActionKind.FORWARD else 0
                out = (text, att)
        rows.append((t, user, dev, kind, target, folder, query, out))
        if kind is read and target in opens:
            rows.append((t, user, dev, ActionKind.OPEN_ATTACHMENT, target, None, None, None))
    return rows


def _gap(rng: random.Random, rate: float) -> float:
    """Exponential waiting time at ``rate`` per second; infinite when the rate underflows to 0."""
    return rng.expovariate(rate) if rate > 0 else math.inf


def _recent_target(
    rng: random.Random, times: list[float], ids: list[int], t: float, deleted: set[int]
) -> int | None:
    """A recent, not deleted message of the user that arrived before ``t`` (None if none)."""
    n = bisect.bisect_left(times, t)
    if n == 0:
        return None
    for _ in range(8):
        back = min(n - 1, int(rng.expovariate(1.0 / _RECENT_MEAN)))
        mid = ids[n - 1 - back]
        if mid not in deleted:
            return mid
    return None


def _device_intervals(
    seed: int, dev_id: int, spec: DeviceSpec, dur: float
) -> tuple[tuple[Interval, ...], tuple[Interval, ...]]:
    """(usage, online) intervals of one device over ``[0, dur)``."""
    begin = spec.first_online_s
    if begin >= dur:
        return (), ()
    pattern = spec.online
    windows = pattern.windows_h or ((0.0, 24.0),)
    use: list[list[float]] = []
    day = int(begin // DAY)
    while day * DAY < dur:
        for s, e in windows:
            lo, hi = max(begin, day * DAY + s * 3600.0), min(dur, day * DAY + e * 3600.0)
            if hi <= lo:
                continue
            if use and use[-1][1] >= lo:
                use[-1][1] = max(use[-1][1], hi)
            else:
                use.append([lo, hi])
        day += 1
    usage = tuple(Interval(a, b) for a, b in use)
    if pattern.offline_per_day <= 0:
        return usage, usage
    rng = stream(seed, "online", dev_id)
    rate = pattern.offline_per_day / DAY
    gaps: list[tuple[float, float]] = []
    t = _gap(rng, rate)
    while t < dur:
        end = t + rng.expovariate(1.0 / pattern.offline_mean_s)
        gaps.append((t, end))
        t += _gap(rng, rate)
    return usage, tuple(_subtract(usage, gaps))


def _subtract(intervals: Sequence[Interval], gaps: list[tuple[float, float]]) -> list[Interval]:
    """``intervals`` minus the union of ``gaps`` (both sorted by start)."""
    out: list[Interval] = []
    g = 0
    for iv in intervals:
        lo = iv.start
        while g < len(gaps) and gaps[g][1] <= lo:
            g += 1
        k = g
        while lo < iv.end:
            while k < len(gaps) and gaps[k][1] <= lo:
                k += 1
            if k >= len(gaps) or gaps[k][0] >= iv.end:
                out.append(Interval(lo, iv.end))
                break
            if gaps[k][0] > lo:
                out.append(Interval(lo, gaps[k][0]))
            lo = max(lo, gaps[k][1])
            k += 1
    return out


def _crashes(scenario: Scenario) -> tuple[Crash, ...]:
    spec = scenario.crashes
    age = spec.backup_age_s
    out = [
        Crash(t, d, None if age is None else max(0.0, t - age), True)
        for d, t in scenario.crash_times()
        if t < scenario.duration_s
    ]
    if spec.rate_per_year > 0:
        rate = spec.rate_per_year / YEAR
        for ref in scenario.devices:
            rng = stream(scenario.seed, "crashes", ref.id)
            t = ref.spec.first_online_s + _gap(rng, rate)
            while t < scenario.duration_s:
                out.append(Crash(t, ref.id, None if age is None else max(0.0, t - age)))
                t += _gap(rng, rate)
    return tuple(sorted(out, key=lambda c: (c.time, c.device)))


def _disk_failures(scenario: Scenario) -> tuple[DiskFailure, ...]:
    spec = scenario.server
    if spec.disk_failure_per_year <= 0:
        return ()
    rate = spec.disk_failure_per_year / YEAR
    out: list[DiskFailure] = []
    for replica in range(spec.replicas):
        rng = stream(scenario.seed, "disks", replica)
        t = _gap(rng, rate)
        while t < scenario.duration_s:
            out.append(DiskFailure(t, replica, t + spec.repair_s))
            t += spec.repair_s + _gap(rng, rate)
    return tuple(sorted(out, key=lambda f: (f.time, f.replica)))


def _signature_updates(messages: list[MessageSpec], dur: float) -> tuple[SignatureUpdate, ...]:
    """One update per distinct detection time of a zero-day message inside the run."""
    found: dict[float, list[int]] = {}
    for m in messages:
        if m.infected and m.detectable_at is not None and m.time < m.detectable_at < dur:
            found.setdefault(m.detectable_at, []).append(m.id)
    return tuple(SignatureUpdate(t, tuple(ids)) for t, ids in sorted(found.items()))
