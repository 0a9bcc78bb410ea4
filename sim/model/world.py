"""The world of one run: the SimPy environment, the trace dispatcher and the shared operations.

Theory of operation
-------------------
:class:`World` owns the SimPy environment, the server state, the devices and the
:class:`~sim.outputs.metrics.Recorder`.  One SimPy process walks the workload trace in time order
(arrivals, user actions, crashes, disk failures, signature updates) and hands each item to the
server or to the acting device's client.  Clients (``pop3_device.Pop3DeviceClient``,
``imap_device.ImapDeviceClient``) schedule their own sessions with :meth:`World.call_at` -- a SimPy timeout
with a callback, so a poll that has work is one event and a poll that has none is no event at all
(it is counted in closed form).

Every change of *what is where* goes through the few methods here (``put_local``, ``drop_local``,
``change_local``, ``server_add``, ``server_remove``, ``server_change``, ``set_intent``), which keep
the metric counters, the conservation bookkeeping and the POP3 listing sums in step.
"""

from __future__ import annotations

import bisect
import hashlib
import math
from collections.abc import Callable, Generator, Sequence
from functools import partial
from typing import Any, Final

import simpy

from ..inputs.scenario import Scenario
from ..inputs.workload import Action, Crash, DiskFailure, SignatureUpdate, Trace
from ..outputs.metrics import FORWARDED, SEEN, Recorder
from ..outputs.records import EventRecord, RecordKind
from ..outputs.results import LossReason
from .imap_costs import flag_len
from .modseq import ModseqBook
from .pop3_costs import digits
from .sizes import fast_mail, fast_mails
from .state import INBOX, SENT, Device, LocalCopy, Mail, MailId, ServerUser, TrackedCopy, Uid
from .wire_cost import WireCalc

_MAIL_CACHE: dict[int, tuple[Trace, list[Mail]]] = {}
# ``intent.get`` default: the message is not an arrival (or not delivered); typed Any so that
# ``intent.get(mid, _NO_INTENT)`` still reads as an intent once compared with it
_NO_INTENT: Final[Any] = object()
_SPEC_CACHE: dict[tuple[object, str], Mail] = {}
# exchanges on an open connection that wake the radio (a connect always does): what the server
# pushes and what the client sends on a timer, not what the user's own actions send
WAKING: Final = frozenset(
    {
        RecordKind.PUSH,
        RecordKind.KEEPALIVE,
        RecordKind.IDLE_REISSUE,
        RecordKind.EMPTY_POLL,
        RecordKind.POLL,
    }
)
SPEC_CACHE_LIMIT = 100_000  # sizes of this many messages are kept between runs


def mails_of(trace: Trace) -> list[Mail]:
    """Sizes of every arriving and sent message of ``trace``.

    Sizes are a pure function of a message's spec and its owner's name, and a changed lesson
    parameter usually leaves most specs of the new trace unchanged (the workload's random streams
    are independent), so sizes are memoised per spec across traces as well as per trace."""
    key = id(trace)
    hit = _MAIL_CACHE.get(key)
    if hit is not None and hit[0] is trace:
        return hit[1]
    users = [u.name for u in trace.scenario.users]
    specs = trace.messages + trace.sent
    if len(specs) > SPEC_CACHE_LIMIT:  # a big trace: no reuse worth the memory
        mails = fast_mails(trace, specs)
    else:
        if len(_SPEC_CACHE) + len(specs) > SPEC_CACHE_LIMIT:
            _SPEC_CACHE.clear()
        mails = []
        for spec in specs:
            k = (spec, users[spec.user])
            m = _SPEC_CACHE.get(k)
            if m is None:
                m = _SPEC_CACHE[k] = fast_mail(spec, trace)
            mails.append(m)
    if len(_MAIL_CACHE) > 8:
        _MAIL_CACHE.clear()
    _MAIL_CACHE[key] = (trace, mails)
    return mails


def jump_clock(env: simpy.Environment, t: float) -> bool:
    """Move ``env``'s clock to ``t`` and return True when no event is due by then; False
    (the clock untouched) when one is, and the caller must ``yield env.timeout(t - env.now)``.

    With nothing due by ``t``, that timeout would be the next event and popping it would only
    set the clock to ``t``: the same run, without an event and a process switch for each of the
    ~10^6 trace items of a campus run.  SimPy offers no public way to move its clock, so this is
    the one place the model touches SimPy's private state (``Environment._now``);
    ``tests/sim/test_fast_paths_equal_definitions.py`` fails if a SimPy release changes it."""
    if env.peek() <= t:
        return False
    env._now = t
    return True


def phase_of(seed: int, name: str) -> float:
    """A deterministic fraction in [0, 1) per device: where in its interval a client polls."""
    h = hashlib.sha256(f"{seed}:phase:{name}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


class ProgressMarks:
    """A run's progress reports, ``report(k / 100)`` for k = 1..100, each made once the run has
    reached ``k / 100`` of its simulated time: by :meth:`World.driver` as its items pass them
    (no SimPy event of their own), the rest by :meth:`finish` at the end."""

    __slots__ = ("report", "step", "done", "due")

    def __init__(self, report: Callable[[float], None], end: float) -> None:
        self.report = report
        self.step = end / 100
        self.done = 0  # hundredths reported
        self.due = self.step  # the time of the next

    def reach(self, t: float) -> float:
        """Report every hundredth at or before ``t``; return the time of the next (inf: none)."""
        while self.done < 100 and self.due <= t:
            self.done += 1
            self.report(self.done / 100)
            self.due = self.step * (self.done + 1) if self.done < 100 else math.inf
        return self.due

    def finish(self) -> None:
        """Report the hundredths not reported yet (the run is over)."""
        self.reach(math.inf)


class World:
    """State and shared operations of one simulation run."""

    def __init__(
        self,
        scenario: Scenario,
        trace: Trace,
        grid_step_s: float,
        keep_device_series: bool,
        record_events: bool = False,
        mails: list[Mail] | None = None,
    ) -> None:
        """``mails``: in place of ``mails_of(trace)`` (a shard of users sizes only its own
        messages: ``sim.model.shards``)."""
        self.scenario = scenario
        # what happened, record by record (sim.outputs.records), when the caller asks for it
        self.log: list[EventRecord] | None = [] if record_events else None
        self.marks: ProgressMarks | None = None  # progress reports the driver makes (drive sets)
        self.trace = trace
        self.env = simpy.Environment()
        # SimPy's clock as a plain attribute, set whenever the environment hands an event to the
        # model (driver items, call_at callbacks): model code reads it at every change
        self.now = self.env.now
        self.end = scenario.duration_s
        self.tls = scenario.tls
        self.server_profile: str = scenario.server_profile.value
        self.mails = mails_of(trace) if mails is None else mails
        self.n_arrivals = len(trace.messages)
        self.users = [ServerUser(i, u.name) for i, u in enumerate(scenario.users)]
        wires: dict[object, WireCalc] = {}
        self.devices: list[Device] = []
        for ref in scenario.devices:
            calc = wires.get(ref.spec.link)
            if calc is None:
                calc = wires[ref.spec.link] = WireCalc(
                    ref.spec.link, self.tls, scenario.tls_resumption
                )
            self.devices.append(Device(ref, calc))
        self.user_devices: list[list[Device]] = [[] for _ in self.users]
        for d in self.devices:
            self.user_devices[d.user].append(d)
        self.rec = Recorder(
            [d.name for d in self.devices], self.end, grid_step_s, keep_device_series
        )
        self.rec.replicas_live = scenario.server.replicas
        if keep_device_series:  # the wire series read the devices' counters at each sample
            self.rec.sync = self.sync_traffic
        self.intent: dict[MailId, tuple[str, int] | None] = {}
        self._states: dict[tuple[str, int], tuple[str, int]] = {}
        self._new_intent = self.state(INBOX, 0)  # every arrival's intent: one shared tuple
        self._last_parts: tuple[int, bool, bool, int] = (-1, False, False, 0)  # put_local
        self.delivered: list[MailId] = []
        self.user_delivered: list[list[MailId]] = [[] for _ in self.users]
        # per user, delivered messages quarantined at delivery: they never reach the mailbox,
        # so they make no (message, device) pairs of the notification delay
        self.user_blocked = [0] * len(self.users)
        # per user, searched keyword -> delivered mail ids carrying it (in delivery order): a
        # repeated search looks at the matching mail only, not at the whole mailbox; built at a
        # keyword's first search (indexing every keyword would cost ~30 MB on campus)
        self.user_keyword: list[dict[str, list[MailId]]] = [{} for _ in self.users]
        # per user, the keyword tuple of each delivered mail (parallel to ``user_delivered``): a
        # first search scans these shared tuples, not the scattered Mail records (campus, 30 days:
        # ~10^4 first searches over up to ~900 mails each)
        self.user_kws: list[list[tuple[str, ...]]] = [[] for _ in self.users]
        # per user, the sent messages on the server (IMAP APPENDs them to Sent, where a server
        # SEARCH finds them too) and, per searched keyword, those carrying it
        self.user_sent: list[list[MailId]] = [[] for _ in self.users]
        self.user_sent_kw: list[dict[str, list[MailId]]] = [{} for _ in self.users]
        # mail id -> number of places holding it (a list: campus ~35 MB less than a dict)
        self.copies = [0] * len(self.mails)
        self.last_reason: dict[MailId, LossReason] = {}
        self.quarantined: set[MailId] = set()
        self.caught_at_delivery = 0
        self.caught_by_rescan = 0
        self.server_scan_bytes = 0
        self.exposure_end: dict[tuple[int, int], float] = {}  # (device, mail) -> removed at
        self.exposure_gap: dict[tuple[int, int], float] = {}  # time not held (crash to return)
        self.crash_records: list[Any] = []
        self.search_records: list[Any] = []
        self.replica_failures = 0
        self.replica_loss_bytes = 0
        # the latest removal from a folder, (mail id, folder, UID it had): a polling IMAP
        # session announces it as EXPUNGE by sequence number or VANISHED by UID
        self.last_removed: tuple[MailId, str, Uid, int] = (
            MailId(-1),
            "",
            Uid(0),
            0,
        )  # + the op's number
        self.server_ops = 0  # removals and changes so far (tells a fresh removal from an old one)
        # IMAP runs: per mail id, (folder, UID) it last left -- the UID a client that has not
        # heard of the move or delete still names (None: not kept; POP3 removes every message)
        self.left_uid: dict[MailId, tuple[str, Uid]] | None = None
        # the last new-message fetch an IMAP client priced (key, answer): the user's next device
        # usually asks the same (ImapDeviceClient._fetch_new_cost); per run, as mail ids repeat
        self.last_fetch: tuple[Any, Any] | None = None
        self.events = 0
        # a copy's history (folder/flags changes, parts gained) and its ``since`` are read only
        # to restore a backup after a crash: without such a crash every copy shares one float
        # and keeps no history (campus IMAP: ~30 MB fewer)
        self.keep_history = any(c.backup_time is not None for c in trace.crashes)
        self.keep_sent = bool(trace.crashes)  # POP3's sent mail, message by message (see Device)
        self.inbox_listeners: list[list[Callable[[float], None]]] = [[] for _ in self.users]
        # modseqs only where a QRESYNC client needs their digits (a number per message)
        self.book: ModseqBook | None = (
            ModseqBook(len(self.users), len(self.mails))
            if any(d.spec.imap.qresync for d in self.devices)
            else None
        )

    def release(self) -> None:
        """Break the run's reference cycles once its result is taken (clients and the world
        refer to each other through the devices, the inbox listeners, an IMAP client's Silence
        and the Recorder's callbacks), so that dropping the world frees
        all of it by reference counting at once (campus: hundreds of MiB) instead of at the
        cyclic collector's next pass, which would first walk it all.  The world cannot run on
        afterwards.  (No SimPy event is left pending to refer to the clients: :meth:`call_at`
        schedules nothing at or after the run's end.)"""
        for dev in self.devices:
            silence = getattr(getattr(dev, "client", None), "silence", None)  # an IMAP client's
            if silence is not None:  # (which calls the client back)
                silence.detach()
            if hasattr(dev, "client"):
                del dev.client
        self.inbox_listeners = []
        self.rec.settle = None  # (a closure over the clients, when device series are kept)
        self.rec.sync = None

    # -- scheduling ------------------------------------------------------------------------------
    def call_at(self, t: float, fn: Callable[[float], None]) -> None:
        """Run ``fn(t)`` at simulated time ``t`` (one SimPy timeout with a callback); nothing
        at or after the run's end, which the run never reaches (SimPy's stop at ``end`` comes
        before any other event at ``end``)."""
        if t >= self.end:
            return
        ev = self.env.timeout(max(0.0, t - self.now))
        ev.callbacks.append(partial(self._fire, fn, t))

    def _fire(self, fn: Callable[[float], None], t: float, _event: object = None) -> None:
        self.now = self.env.now  # the event's time
        self.events += 1
        rec = self.rec
        if t > rec.due:
            rec.advance(t)
        fn(t)

    # -- traffic ---------------------------------------------------------------------------------
    def charge(
        self,
        dev: Device,
        up: tuple[int, int, int, int],
        down: tuple[int, int, int, int],
        round_trips: int,
        *,
        connect: bool = True,
        times: int = 1,
        hold: bool = True,
        kind: RecordKind | None = None,
        at: float | None = None,
        since: float | None = None,
    ) -> float:
        """Book one session's (or ``times`` identical sessions') octets; returns its duration.
        ``hold``: the session's duration counts as connection time.  ``kind``: what the
        exchange is -- for the event records (None: not recorded here, the caller records it
        with :meth:`record_exchange`) and the radio wake-ups: every connection opened, and
        on an open connection the exchanges the device did not start for its user
        (:data:`WAKING`).  ``at``/``since``: see :meth:`record_exchange`."""
        if kind is not None:
            if self.log is not None:
                self.record_exchange(
                    dev,
                    up,
                    down,
                    round_trips,
                    kind,
                    connect=connect,
                    times=times,
                    at=at,
                    since=since,
                )
            if not connect and kind in WAKING:
                dev.wakeups += times
        if times <= 0:
            return 0.0
        w = dev.wire.session(sum(up), sum(down), round_trips, connect)
        dev.add_traffic(up, down, w, times)
        if connect:
            dev.sessions += times
            dev.wakeups += times
        if hold:
            dev.conn_time += w.duration_s * times
        return w.duration_s

    def record_exchange(
        self,
        dev: Device,
        up: tuple[int, int, int, int],
        down: tuple[int, int, int, int],
        round_trips: int,
        kind: RecordKind,
        *,
        connect: bool,
        times: int = 1,
        at: float | None = None,
        since: float | None = None,
    ) -> None:
        """Record ``times`` exchanges of these protocol octets (as :meth:`charge` books them)
        at ``at`` (default: now), booked in closed form since ``since`` when ``times`` > 1."""
        if self.log is None or times <= 0:
            return
        su, sd = sum(up), sum(down)
        w = dev.wire.session(su, sd, round_trips, connect)
        t = self.now if at is None else at
        self.log.append(
            EventRecord(
                t,
                dev.name,
                kind,
                su + w.tls_up + w.tcp_up,
                sd + w.tls_down + w.tcp_down,
                round_trips + dev.wire.base[connect][0],
                w.duration_s,
                times,
                t if since is None else since,
                connect,
                up,
                down,
            )
        )

    def record(self, rec: EventRecord) -> None:
        """Keep ``rec`` when the run records events (a no-op otherwise)."""
        if self.log is not None:
            self.log.append(rec)

    def sync_traffic(self) -> None:
        """Copy the devices' traffic counters into the Recorder (before it reads them)."""
        rec = self.rec
        for dev in self.devices:
            rec.up[dev.id], rec.down[dev.id] = dev.traffic()

    # -- devices ---------------------------------------------------------------------------------
    # The consistency counters of a (message, device) pair are updated inline below (the hot
    # paths of every run): the arithmetic is Recorder.pair_move's / pair_add's, without building
    # ``(folder, flags)`` tuples to compare.
    def _pair(
        self, dev: Device, mid: MailId, old: tuple[str, int] | None, new: tuple[str, int] | None
    ) -> None:
        intent = self.intent.get(mid, _NO_INTENT)  # only arrivals have an intent
        if intent is not _NO_INTENT and dev.counted:
            self.rec.pair_move(dev.id, intent, old, new)

    def put_local(
        self,
        dev: Device,
        mid: MailId,
        t: float,
        *,
        body: bool,
        attachment: bool,
        folder: str = INBOX,
        flags: int = 0,
        count_delay: bool = True,
        full: bool = False,
    ) -> LocalCopy:
        """Store (or extend) ``mid`` on ``dev``.  ``full``: the whole message as downloaded
        (POP3 RETR, ``size`` octets); otherwise the parts an IMAP client fetched (header, text
        part if ``body``, attachment part if ``attachment``)."""
        m = self.mails[mid]
        local = dev.local
        copy = local.get(mid)
        if copy is None:
            if full:
                nbytes = m.size
            elif body or attachment:
                last = self._last_parts  # a user's devices store a new message one after another:
                if last[0] == mid and last[1] == body and last[2] == attachment:
                    nbytes = last[3]  # share the int (campus IMAP: ~2 objects fewer a message)
                else:
                    nbytes = m.header + (m.text if body else 0) + (m.att if attachment else 0)
                    self._last_parts = (mid, body, attachment, nbytes)
            else:
                nbytes = m.header  # the Mail's own int object: no new one per copy
            copy = LocalCopy(folder, flags, body or full, attachment or full, nbytes, t)
            local[mid] = copy
            self.copies[mid] += 1
            rec = self.rec
            d = dev.id
            b = rec.dev_bytes[d] + nbytes  # Recorder.device_add
            rec.dev_bytes[d] = b
            if b > rec.dev_peak[d]:  # as Recorder.device_add
                rec.dev_peak[d] = b
            intent = self.intent.get(mid, _NO_INTENT)
            if intent is not _NO_INTENT and dev.counted:
                if intent is None:  # pair_move(intent, None, (folder, flags))
                    rec.dhidden[d] -= 1
                else:
                    rec.covered[d] += 1
                    if intent[0] == folder and intent[1] == flags:
                        rec.agree[d] += 1
            if mid < self.n_arrivals:
                shown = dev.shown
                if mid not in shown:
                    shown.add(mid)
                    if count_delay:
                        dev.delays.append(t - m.time)
        else:
            body = copy.body or body or full
            attachment = copy.attachment or attachment or full
            nbytes = (
                m.size
                if full
                else m.header + (m.text if body else 0) + (m.att if attachment else 0)
            )
            if nbytes > copy.bytes:
                if self.keep_history:  # a backup taken before now holds the smaller copy
                    if type(copy) is LocalCopy:
                        copy = local[mid] = TrackedCopy(copy)
                    copy.grow(t, body, attachment, nbytes)  # type: ignore[attr-defined]
                self.rec.device_add(dev.id, nbytes - copy.bytes)
                copy.bytes = nbytes
            copy.body = body
            copy.attachment = attachment
        if m.infected and (copy.body or copy.attachment):
            if mid not in dev.infected_reached:
                if m.detectable_at is None or t < m.detectable_at:
                    dev.infected_reached[mid] = t
            else:  # back after a removal (a crash's restore or download): exposed again
                key = (dev.id, mid)
                gone = self.exposure_end.pop(key, None)
                if gone is not None:
                    self.exposure_gap[key] = self.exposure_gap.get(key, 0.0) + (t - gone)
        return copy

    def drop_local(self, dev: Device, mid: MailId, reason: LossReason) -> LocalCopy | None:
        copy = dev.local.pop(mid, None)
        if copy is None:
            return None
        self.rec.device_add(dev.id, -copy.bytes)
        self._pair(dev, mid, copy.state(), None)
        if mid in dev.infected_reached:
            self.exposure_end.setdefault((dev.id, mid), self.now)
        self._lose_copy(mid, reason)
        return copy

    def change_local(self, dev: Device, mid: MailId, t: float, folder: str, flags: int) -> None:
        copy = dev.local[mid]
        old_folder, old_flags = copy.folder, copy.flags
        if old_folder == folder and old_flags == flags:
            return
        if self.keep_history and type(copy) is LocalCopy:  # first change: start a history
            copy = dev.local[mid] = TrackedCopy(copy)  # same key: the store's order is kept
        copy.change(t, folder, flags)
        intent = self.intent.get(mid, _NO_INTENT)
        # pair_move(intent, old, new) with both views present: only agreement can change (and
        # nothing at all for a deleted intent)
        if intent is not _NO_INTENT and intent is not None and dev.counted:
            i_folder, i_flags = intent
            delta = (i_folder == folder and i_flags == flags) - (
                i_folder == old_folder and i_flags == old_flags
            )
            if delta:
                self.rec.agree[dev.id] += delta

    def device_appears(self, dev: Device) -> None:
        """A new device comes into existence: its pairs with every live message start counting."""
        for mid, intent in self.intent.items():
            if self.mails[mid].user == dev.user:
                copy = dev.local.get(mid)
                self.rec.pair_add(dev.id, intent, copy.state() if copy else None, 1)
        dev.counted = True

    # -- intent ----------------------------------------------------------------------------------
    def set_intent(self, mid: MailId, new: tuple[str, int] | None) -> None:
        """The result of the owner's latest action on ``mid`` on any device, as that device
        shows it: folder and flags, or None (deleted, quarantined) -- DESIGN's definition, so
        an action on a stale copy of a message deleted elsewhere makes it wanted again (a
        conflict the consistency metric then shows, as no device can hold it any more)."""
        old = self.intent.get(mid, _NO_INTENT)  # only arrivals have an intent
        if old is _NO_INTENT or old == new:
            return
        devices = self.user_devices[self.mails[mid].user]
        if new is not None:
            new = self._states.setdefault(new, new)  # one shared tuple per state (see state())
        if new is None or old is None:  # a pair starts or stops having a live intent
            move = self.rec.intent_move
            for dev in devices:
                if dev.counted:
                    copy = dev.local.get(mid)
                    move(dev.id, None if copy is None else (copy.folder, copy.flags), old, new)
        else:  # Recorder.intent_move between two live intents: only agreement can change
            new_folder, new_flags = new
            old_folder, old_flags = old
            agree = self.rec.agree
            for dev in devices:
                if dev.counted:
                    copy = dev.local.get(mid)
                    if copy is not None:
                        folder, flags = copy.folder, copy.flags
                        delta = (folder == new_folder and flags == new_flags) - (
                            folder == old_folder and flags == old_flags
                        )
                        if delta:
                            agree[dev.id] += delta
        self.intent[mid] = new

    # -- server ----------------------------------------------------------------------------------
    def _inbox_changing(self, user: int, t: float) -> None:
        for fn in self.inbox_listeners[user]:
            fn(t)

    def _box_add(self, user: ServerUser, folder: str, mid: MailId, t: float) -> None:
        box = user.folder(folder)
        if folder == INBOX:
            self._inbox_changing(user.index, t)
        uid = user.box_next[folder]
        user.box_next[folder] = Uid(uid + 1)
        box.append(uid)
        user.box_mid[folder][uid] = mid
        user.uid_of[mid] = uid
        if folder == INBOX:
            size = self.mails[mid].size
            user.inbox_bytes += size
            user.size_digits += digits(size)
            user.uid_digits += digits(uid)

    def _box_remove(self, user: ServerUser, folder: str, mid: MailId, t: float) -> None:
        if folder == INBOX:
            self._inbox_changing(user.index, t)
        uid = user.uid_of.pop(mid)
        box = user.boxes[folder]
        del box[bisect.bisect_left(box, uid)]
        del user.box_mid[folder][uid]
        self.last_removed = (mid, folder, uid, self.server_ops)
        if self.left_uid is not None:
            self.left_uid[mid] = (folder, uid)
        if folder == INBOX:
            size = self.mails[mid].size
            user.inbox_bytes -= size
            user.size_digits -= digits(size)
            user.uid_digits -= digits(uid)

    def _keyword(self, user: ServerUser, folder: str, flags: int, sign: int, mid: MailId) -> None:
        """Keep the per-folder tallies IMAP costs are priced from (keywords, listing sums,
        unseen UIDs) as a message with ``flags`` enters (``sign`` 1) or leaves (-1) ``folder``."""
        if flags & FORWARDED:
            user.keywords[folder] = user.keywords.get(folder, 0) + sign
        lsum = user.lsum
        uid = user.uid_of[mid]
        if not flags & SEEN:
            unseen = user.unseen.get(folder)
            if unseen is None:
                unseen = user.unseen[folder] = []
            if sign > 0:
                bisect.insort(unseen, uid)
            else:
                del unseen[bisect.bisect_left(unseen, uid)]
        lsum[folder] = lsum.get(folder, 0) + sign * (digits(uid) + flag_len(flags))

    def server_add(self, user: ServerUser, mid: MailId, folder: str, flags: int, t: float) -> None:
        m = self.mails[mid]
        self._box_add(user, folder, mid, t)
        if self.book is not None:
            self.book.append(user.index, folder, mid)
        user.where[mid] = self.state(folder, flags)
        self._keyword(user, folder, flags, 1, mid)
        if folder == SENT:
            self.user_sent[user.index].append(mid)
            for kw, hits in self.user_sent_kw[user.index].items():
                if kw in m.keywords:
                    hits.append(mid)
        user.bytes += m.size
        user.modseq += 1
        user.log.append(mid)
        self.rec.server_add(m.size)
        self.copies[mid] += 1

    def server_remove(self, user: ServerUser, mid: MailId, t: float, reason: LossReason) -> None:
        entry = user.where.pop(mid, None)
        if entry is None:
            return
        self.server_ops += 1
        self._keyword(user, entry[0], entry[1], -1, mid)
        if self.book is not None:
            self.book.expunge(user.index, entry[0], mid, user.uid_of[mid])
        self._box_remove(user, entry[0], mid, t)
        m = self.mails[mid]
        user.bytes -= m.size
        user.modseq += 1
        user.log.append(mid)
        self.rec.server_add(-m.size)
        self._lose_copy(mid, reason)

    def server_change(
        self, user: ServerUser, mid: MailId, folder: str, flags: int, t: float
    ) -> bool:
        """Set a message's folder and flags on the server; False if it is not there."""
        entry = user.where.get(mid)
        if entry is None:
            return False
        if entry[0] == folder and entry[1] == flags:
            return True
        self.server_ops += 1
        self._keyword(user, entry[0], entry[1], -1, mid)
        if entry[0] != folder:  # a move: expunged from one folder, a new UID in the other
            if self.book is not None:
                self.book.expunge(user.index, entry[0], mid, user.uid_of[mid])
                self.book.append(user.index, folder, mid)
            self._box_remove(user, entry[0], mid, t)
            self._box_add(user, folder, mid, t)
        elif self.book is not None:
            self.book.flags(user.index, folder, mid)
        user.where[mid] = self.state(folder, flags)
        self._keyword(user, folder, flags, 1, mid)
        user.modseq += 1
        user.log.append(mid)
        return True

    def _lose_copy(self, mid: MailId, reason: LossReason) -> None:
        n = self.copies[mid] - 1
        self.copies[mid] = n
        if n <= 0:
            self.last_reason[mid] = reason

    def removal_reason(self, mid: MailId) -> LossReason:
        """Why ``mid`` left the server: quarantined, or deleted by its owner."""
        return LossReason.QUARANTINE if mid in self.quarantined else LossReason.USER_DELETE

    def matching(self, user: int, query: str) -> list[MailId]:
        """Delivered mail ids of ``user`` whose keywords contain ``query``, in delivery order."""
        by_kw = self.user_keyword[user]
        hits = by_kw.get(query)
        if hits is None:
            hits = by_kw[query] = [
                mid
                for mid, kws in zip(self.user_delivered[user], self.user_kws[user])
                if query in kws
            ]
        return hits

    def sent_matching(self, user: int, query: str) -> list[MailId]:
        """Sent mail ids of ``user`` on the server whose keywords contain ``query``."""
        by_kw = self.user_sent_kw[user]
        hits = by_kw.get(query)
        if hits is None:
            mails = self.mails
            hits = by_kw[query] = [
                mid for mid in self.user_sent[user] if query in mails[mid].keywords
            ]
        return hits

    def state(self, folder: str, flags: int) -> tuple[str, int]:
        """The shared ``(folder, flags)`` tuple (campus holds ~10^6 of them, a few distinct)."""
        key = (folder, flags)
        return self._states.setdefault(key, key)

    def on_server(self, mid: MailId) -> bool:
        return mid in self.users[self.mails[mid].user].where

    # -- trace -----------------------------------------------------------------------------------
    def driver(
        self, handlers: Sequence[Callable[[Any], None]] | None = None
    ) -> Generator[simpy.Event, Any, None]:
        """The SimPy process that feeds the trace to the model in time order.

        Items go by (time, kind, index) with kinds arrival < action < crash < disk down < disk
        up < signature update < device appearing.  Arrivals and actions (nearly all items) are
        already in that order in the trace, so they are merged with the few other items as they
        come instead of being copied into one sorted list (campus: ~10^6 tuples fewer a run).
        ``handlers``: in place of (``arrive``, ``act``, ``crash``, ``disk_down``, ``disk_up``,
        ``signature_update``, ``appear``) -- the benchmark's and tests' look at the machinery."""
        tr = self.trace
        others: list[tuple[float, int, int, Any]] = []
        for i, c in enumerate(tr.crashes):
            others.append((c.time, 2, i, c))
        for i, f in enumerate(tr.disk_failures):
            others.append((f.time, 3, i, f))
            if f.repaired_at < self.end:
                others.append((f.repaired_at, 4, i, f))
        for i, u in enumerate(tr.signature_updates):
            others.append((u.time, 5, i, u))
        for d in self.devices:
            if 0 < d.exists_from < self.end:
                others.append((d.exists_from, 6, d.id, d))
        others.sort()  # by (time, kind, index): (kind, index) is unique, so never by the item
        if handlers is None:
            handlers = (
                self.arrive,
                self.act,
                self.crash,
                self.disk_down,
                self.disk_up,
                self.signature_update,
                self.appear,
            )
        arrive: Callable[[Any], None] = handlers[0]
        act: Callable[[Any], None] = handlers[1]
        handler: Callable[[Any], None]
        obj: Any
        msgs, acts = tr.messages, tr.actions
        n_msgs, n_acts, n_others = len(msgs), len(acts), len(others)
        i = j = k = 0
        inf = math.inf
        t_msg = msgs[0].time if n_msgs else inf
        t_act = acts[0].time if n_acts else inf
        t_other = others[0][0] if n_others else inf
        env = self.env
        rec = self.rec
        end = self.end
        marks = self.marks
        due = inf if marks is None else marks.due  # the next progress report's time
        while True:
            # the earliest head; on equal times the lower kind first (arrival, action, others)
            if t_msg <= t_act and t_msg <= t_other:
                t = t_msg
                if t >= end:
                    break
                handler, obj = arrive, msgs[i]
                i += 1
                t_msg = msgs[i].time if i < n_msgs else inf
            elif t_act <= t_other:
                t = t_act
                if t >= end:
                    break
                handler, obj = act, acts[j]
                j += 1
                t_act = acts[j].time if j < n_acts else inf
            else:
                t = t_other
                if t >= end:
                    break
                handler, obj = handlers[others[k][1]], others[k][3]
                k += 1
                t_other = others[k][0] if k < n_others else inf
            now = self.now  # equals env.now here: set at every hand-over, below and in _fire
            if t > now:
                # the float a timeout of ``t - now`` would reach
                at = now + (t - now)
                if not jump_clock(env, at):
                    yield env.timeout(t - now)
                self.now = env.now
            if t >= due:  # everything before t has happened: report the hundredths passed
                due = marks.reach(t)  # type: ignore[union-attr]
            self.events += 1
            if t > rec.due:  # a grid point passed: sample before the state changes
                rec.advance(t)
            handler(obj)

    def appear(self, dev: Device) -> None:
        self.device_appears(dev)
        dev.client.start(self.now)

    def arrive(self, spec: Any) -> None:
        t = self.now
        mid = spec.id
        m = self.mails[mid]
        user = self.users[m.user]
        self.delivered.append(mid)
        self.user_delivered[m.user].append(mid)
        kws = m.keywords
        self.user_kws[m.user].append(kws)
        by_kw = self.user_keyword[m.user]
        if by_kw:  # keep the lists of queries this user has searched for up to date
            for kw in kws if len(kws) < 2 else dict.fromkeys(kws):
                hits = by_kw.get(kw)
                if hits is not None:
                    hits.append(mid)
        srv = self.scenario.server
        if srv.scan_at_delivery:
            self.server_scan_bytes += m.size
            if m.infected and m.detectable_at is not None and m.detectable_at <= t:
                self.caught_at_delivery += 1
                self.user_blocked[m.user] += 1
                self.quarantined.add(mid)
                self.last_reason[mid] = LossReason.QUARANTINE
                self.copies[mid] = 0
                return
        self.intent[mid] = self._new_intent
        devices = self.user_devices[m.user]
        exist = self.rec.exist
        for dev in devices:
            if dev.counted:  # pair_add(d, (INBOX, 0), None, 1)
                exist[dev.id] += 1
        self.server_add(user, mid, INBOX, 0, t)
        for dev in devices:
            dev.client.on_arrival(mid, t)

    def act(self, a: Action) -> None:
        dev = self.devices[a.device]
        dev.client.on_action(a, self.now)

    def crash(self, c: Crash) -> None:
        dev = self.devices[c.device]
        if dev.exists(self.now):
            dev.client.on_crash(c, self.now)

    def disk_down(self, f: DiskFailure) -> None:
        self.replica_failures += 1
        self.rec.replicas_live -= 1
        if self.rec.replicas_live <= 0:
            self.replica_loss_bytes += self.rec.server_bytes

    def disk_up(self, f: DiskFailure) -> None:
        self.rec.replicas_live += 1

    def signature_update(self, u: SignatureUpdate) -> None:
        t = self.now
        srv = self.scenario.server
        if srv.rescan_on_update:
            self.server_scan_bytes += self.rec.server_bytes
        for mid in map(MailId, u.detects):
            m = self.mails[mid]
            user = self.users[m.user]
            if srv.rescan_on_update and mid in user.where:
                self.caught_by_rescan += 1
                self.quarantined.add(mid)
                self.set_intent(mid, None)
                self.server_remove(user, mid, t, LossReason.QUARANTINE)
                for dev in self.user_devices[m.user]:
                    dev.client.on_server_change(mid, t, None)
            # device scanners get the same signatures: they quarantine their own copies
            for dev in self.user_devices[m.user]:
                if dev.spec.scans_mail and mid in dev.local:
                    self.drop_local(dev, mid, LossReason.QUARANTINE)
                    self.quarantined.add(mid)
                    self.set_intent(mid, None)
