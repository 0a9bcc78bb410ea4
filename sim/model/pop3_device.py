"""The POP3 client process of one device.

Theory of operation
-------------------
A POP3 client polls every ``poll_interval_s`` while online (see :class:`~.timeline.Timeline`).  A
poll is an event only when it has something to do: new mail in the maildrop (it is scheduled at the
first tick after the arrival), a leave-on-server copy whose days are up, or an on-demand download
when the user opens a message fetched headers-first.  Every other tick is an *empty poll* whose
cost depends only on the maildrop, which is constant between changes; the client therefore
accounts the ticks since its last accounting point in closed form whenever the maildrop is about to
change (it listens to the user's INBOX) and before each real session.  Without UIDL a
leave-on-server client downloads the whole maildrop at every tick (the re-download storm): the same
closed form books those re-downloads as duplicates.

Semantics follow RFC 1939 and ``sim.protocol.pop3_client.poll``: login takes the maildrop lock
(a second device polling during an open session is refused and retries at its next tick), DELE
takes effect at QUIT, user actions (read, flag, file, delete...) change only the local copy.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from itertools import compress

from ..inputs.scenario import DAY, TlsMode
from ..inputs.workload import Action, ActionKind, Crash
from ..outputs.records import RecordKind
from ..outputs.results import LossReason, SearchRecord
from .crash import wipe_and_restore
from .poll_ticks import Timeline
from .pop3_costs import Pop3Costs
from .state import FLAG_OF_ACTION, Device, MailId, Uid
from .wire_cost import Cost
from .world import World, phase_of

_COSTS: dict[tuple[bool, str], Pop3Costs] = {}


def costs_for(tls: TlsMode, profile: str) -> Pop3Costs:
    """The cost tables of one TLS mode under one server profile (``sim.protocol.profiles``)."""
    key = (tls is TlsMode.STARTTLS, profile)
    if key not in _COSTS:
        _COSTS[key] = Pop3Costs(key[0], profile)
    return _COSTS[key]


class Pop3DeviceClient:
    """POP3 polling, downloading and local mail handling on one device."""

    def __init__(self, world: World, dev: Device) -> None:
        self.w = world
        self.dev = dev
        self.pol = dev.spec.pop3
        self.user = world.users[dev.user]
        ivs = [(iv.start, iv.end) for iv in world.trace.online[dev.id]]
        iv = self.pol.poll_interval_s
        self.tl = Timeline(ivs, iv, phase_of(world.scenario.seed, dev.name) * iv)
        self.costs = costs_for(world.tls, world.server_profile)
        self.known: set[MailId] = set()  # UIDL memory: mail ids held in full
        self.first_seen: dict[MailId, float] = {}
        self.headers_only: set[MailId] = set()
        self.ever: set[MailId] = set()  # mail ids ever downloaded in full (duplicate detection)
        self.acct = math.inf  # ticks before this time are accounted
        self.quiet_until = -math.inf  # no poll tick lies in [acct, quiet_until)
        self.nxt = math.nan  # tl.next_tick(acct) when known (nan: not known)
        self.sched = math.inf
        # (time its days are up, mail id), in time order (downloads happen in time order)
        self.expiry: list[tuple[float, MailId]] = []
        self.ptr = Uid(0)  # with UIDL: every INBOX UID below this has been processed
        # the policy as the poll reads it: DELE right after download; or keep copies ``keep_s``
        # (needs UIDL to tell them apart); TOP first for messages of ``top_from`` octets or more
        pol = self.pol
        self.deletes = not pol.leave_on_server
        self.expires = pol.leave_on_server and pol.leave_days is not None and pol.use_uidl
        self.keep_s = pol.leave_days * DAY if self.expires else math.inf  # type: ignore[operator]
        self.top_from = pol.headers_first_min_bytes if pol.headers_first else math.inf
        world.inbox_listeners[dev.user].append(self.account_empty)

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self, t: float) -> None:
        self.acct = t
        self.quiet_until = -math.inf
        self.nxt = math.nan
        if self.user.inbox:
            self.want(t)

    def settle(self, t: float) -> None:
        """Book the empty polls before ``t`` now (a per-device series is sampled at ``t``)."""
        if self.acct < t:
            self.account_empty(t)

    def finish(self, end: float) -> None:
        """Book the empty polls up to the end of the run."""
        self.settle(end)

    def was_due(self, arrival: float) -> bool:
        """Whether the device polled (or could have) after a message arrived at ``arrival``."""
        return self.tl.next_tick(max(arrival, self.dev.exists_from)) < self.w.end

    def want(self, t: float) -> None:
        """Make sure a real session happens at the first tick at or after ``t``."""
        tick = self.tl.next_tick(t)
        if tick < self.w.end and tick < self.sched:
            self.sched = tick
            self.w.call_at(tick, self.session)

    def on_arrival(self, mid: MailId, t: float) -> None:
        if self.dev.exists(t):
            self.want(t)

    def on_server_change(
        self,
        mid: MailId,
        t: float,
        state: tuple[str, int] | None,
        origin: Device | None = None,
        deleted: int | None = None,
    ) -> None:
        """Server-side changes (quarantine) do not reach a POP3 client's copies."""

    # -- the poll ---------------------------------------------------------------------------------
    def _may_delete(self, mid: MailId, t: float) -> bool:
        """Whether a poll at ``t`` that downloads ``mid`` also deletes it (DELE)."""
        if self.deletes:
            return True
        return self.expires and t - self.first_seen.get(mid, t) >= self.keep_s

    def _plan(self, t: float) -> tuple[Cost, Sequence[MailId], Sequence[MailId], Sequence[MailId]]:
        """Cost of a poll at ``t`` on the current maildrop, as ``World.charge`` takes it; (cost,
        fetched, headers, deleted).

        With UIDL the client acts only on messages it has not processed (UIDs at or above
        ``ptr``: UIDs only grow) and on leave-on-server copies whose days are up (``expiry``, in
        time order), so a poll costs O(work), not O(maildrop); the listing octets come from the
        maildrop's running sums.  Without UIDL every message is candidate (:meth:`_plan_scan`)."""
        if not self.pol.use_uidl:
            return self._plan_scan(t)
        user, costs = self.user, self.costs
        inbox = user.inbox
        n = len(inbox)
        first = bisect.bisect_left(inbox, self.ptr)
        exp = self.expiry
        if first == n and (not exp or exp[0][0] > t):  # nothing new, nothing expires: the
            # usual poll (every empty tick, and the devices that come after the first)
            return (
                costs.idle_charge(n, user.inbox_bytes, user.size_digits, user.uid_digits, True),
                (),
                (),
                (),
            )
        c = costs.begin(n, user.inbox_bytes, user.size_digits, user.uid_digits, True)
        fetched: list[MailId] = []
        headers: list[MailId] = []
        deleted: list[MailId] = []
        mails, mid_at, known = self.w.mails, user.mid_at, self.known
        deletes, expires = self.deletes, self.expires
        top_from = self.top_from
        for i in range(first, n):
            mid = mid_at[inbox[i]]
            if mid in known:
                if deletes:
                    costs.dele(c, i + 1)
                    deleted.append(mid)
                continue  # leave-on-server copies expire through ``expiry`` below
            m = mails[mid]
            if m.size >= top_from:
                if mid not in self.headers_only:
                    costs.top0(c, i + 1, m.header)
                    headers.append(mid)
                continue
            fetched.append(mid)
            if self._may_delete(mid, t):
                costs.retr_dele(c, i + 1, m.size, m.header, m.body, m.attachment)
                deleted.append(mid)
            else:
                costs.retr(c, i + 1, m.size, m.header, m.body, m.attachment)
        if expires:
            gone = set(deleted)
            uid_of = user.uid_of
            for when, mid in exp:
                if when > t:
                    break
                if mid in gone or mid not in uid_of or mid not in known:
                    continue
                costs.dele(c, bisect.bisect_left(inbox, uid_of[mid]) + 1)
                deleted.append(mid)
                gone.add(mid)
        costs.quit(c, n - len(deleted), len(deleted) > 0)
        return c.charge_args(), fetched, headers, deleted

    def _plan_scan(self, t: float) -> tuple[Cost, list[MailId], list[MailId], list[MailId]]:
        """The poll of a client without UIDL: it cannot tell old from new, so every message is
        fetched (TOP first when headers-first) -- deleted after download, or downloaded again at
        the next poll (the re-download storm)."""
        user, costs, mails = self.user, self.costs, self.w.mails
        n = len(user.inbox)
        c = costs.begin(n, user.inbox_bytes, user.size_digits, user.uid_digits, False)
        fetched: list[MailId] = []
        headers: list[MailId] = []
        deleted: list[MailId] = []
        mid_at, top_from, deletes = user.mid_at, self.top_from, self.deletes
        for i, uid in enumerate(user.inbox, 1):
            mid = mid_at[uid]
            m = mails[mid]
            if m.size >= top_from:
                costs.top0(c, i, m.header)
                headers.append(mid)
                continue
            costs.retr(c, i, m.size, m.header, m.body, m.attachment)
            fetched.append(mid)
            if deletes:  # _may_delete: without UIDL only a client that does not leave copies
                costs.dele(c, i)
                deleted.append(mid)
        costs.quit(c, n - len(deleted), len(deleted) > 0)
        return c.charge_args(), fetched, headers, deleted

    def account_empty(self, t: float) -> None:
        """Book the polls at ticks in [acct, t) in closed form (nothing new among them)."""
        if t <= self.acct:
            return
        if t < self.quiet_until:  # no tick in [acct, t): nothing to book (the common case)
            self.acct = t
            return
        self._book(t)

    def _book(self, t: float) -> None:
        """:meth:`account_empty` past its quick checks (``acct < t``, not quiet)."""
        tl = self.tl
        start = self.acct
        # a session at its tick asks about [acct, tick) with tick = next_tick(acct): no tick there
        n = 0 if t == self.nxt else tl.ticks_between(start, t)
        self.acct = t
        # ticks_between(t, x) is 0 for every x below the next tick (less a margin far above the
        # timeline's rounding tolerance), and stays 0 as ``acct`` only moves forward (so the
        # next tick stays ``nxt`` too)
        self.nxt = tl.next_tick(t)
        self.quiet_until = self.nxt - tl.margin
        if n <= 0:
            return
        (up, down, rt), fetched, _, _ = self._plan(start)
        if n == 1:  # positional: the cheaper call
            self.w.charge(self.dev, up, down, rt)
        else:
            self.w.charge(self.dev, up, down, rt, times=n)
        if self.w.log is not None:  # one record per poll tick
            self._record_ticks(start, n, up, down, rt)
        self.dev.empty_polls += n
        if fetched:  # only without UIDL: the whole maildrop again, every tick
            self._redownload(fetched, n)

    def _record_ticks(
        self,
        start: float,
        n: int,
        up: tuple[int, int, int, int],
        down: tuple[int, int, int, int],
        rt: int,
    ) -> None:
        """Event records of the ``n`` empty polls booked from ``start``, each at its tick."""
        w, dev, tl = self.w, self.dev, self.tl
        tick = tl.next_tick(start)
        for _ in range(n):
            w.record_exchange(dev, up, down, rt, RecordKind.EMPTY_POLL, connect=True, at=tick)
            tick = tl.next_tick(tick + tl.margin)

    def _redownload(self, fetched: Sequence[MailId], times: int) -> None:
        dev, mails = self.dev, self.w.mails
        for mid in fetched:
            size = mails[mid].size
            dev.dup_bytes += size * times
            dev.dup_count += times
            dev.extra_bytes += size * times
            self.w.rec.device_add(dev.id, size * times)
            if dev.spec.scans_mail:
                dev.scan_bytes += size * times

    def _refused(self) -> None:
        """A login refused: another device's session holds the maildrop lock."""
        self.w.charge(self.dev, *self.costs.refused().charge_args(), kind=RecordKind.LOCK_REFUSAL)
        self.dev.lock_refusals += 1

    def session(self, t: float) -> None:
        if t < self.acct:
            return  # a stale event for a tick already handled
        # account_empty(t): its quiet case only moves ``acct``, set below, and at t == nxt (the
        # tick the session was scheduled for) there is nothing to book, and quiet_until already
        # is what _book would set (nxt less the timeline's margin)
        if t > self.acct and t >= self.quiet_until and t != self.nxt:
            self._book(t)
        self.acct = t + 1e-3  # past this tick (ticks are >= 10 s apart)
        self.nxt = math.nan
        self.sched = math.inf
        dev = self.dev
        if t < dev.exists_from:  # not Device.exists
            return
        user = self.user
        if user.lock_until > t and user.lock_holder != dev.id:
            self._refused()
            self.want(self.acct)
            return
        (up, down, rt), fetched, headers, deleted = self._plan(t)
        dur = self.w.charge(
            dev,
            up,
            down,
            rt,
            kind=RecordKind.POLL if fetched or headers or deleted else RecordKind.EMPTY_POLL,
        )
        done = t + dur
        user.lock_until = done
        user.lock_holder = dev.id
        inbox = user.inbox
        if inbox and inbox[-1] >= self.ptr:  # every message of this snapshot is now processed
            self.ptr = Uid(inbox[-1] + 1)
        if fetched or headers or deleted:
            self._apply(t, done, fetched, headers, deleted)
        if self.expiry:
            self._reschedule()

    def _apply(
        self,
        t: float,
        done: float,
        fetched: Sequence[MailId],
        headers: Sequence[MailId],
        deleted: Sequence[MailId],
    ) -> None:
        w, dev = self.w, self.dev
        local, first_seen = dev.local, self.first_seen
        if headers:
            for mid in headers:
                first_seen.setdefault(mid, t)
                self.headers_only.add(mid)
                if mid not in local:
                    w.put_local(dev, mid, done, body=False, attachment=False)
        if fetched:
            dups: list[MailId] = []
            mails, ever, known, headers_only = w.mails, self.ever, self.known, self.headers_only
            scans = dev.spec.scans_mail
            expires, keep_s = self.expires, self.keep_s
            for mid in fetched:
                first_seen.setdefault(mid, t)
                copy = local.get(mid)
                if copy is not None and copy.body:
                    dups.append(mid)  # held already: stored again, booked below
                    continue
                if mid in ever:  # downloaded before and lost since (a crash): sent again,
                    dev.dup_count += 1  # stored once
                    dev.dup_bytes += mails[mid].size
                w.put_local(dev, mid, done, body=True, attachment=True, full=True)
                ever.add(mid)
                known.add(mid)
                headers_only.discard(mid)
                if scans:
                    dev.scan_bytes += mails[mid].size
                if expires:  # days count from first sight (a TOP of headers-first counts)
                    bisect.insort(self.expiry, (first_seen[mid] + keep_s, mid))
            if dups:
                self._redownload(dups, 1)
            known.update(fetched)
        if deleted:
            user, intent = self.user, w.intent
            for mid in deleted:
                reason = LossReason.USER_DELETE if intent.get(mid) is None else LossReason.EXPIRED
                w.server_remove(user, mid, t, reason)

    def _reschedule(self) -> None:
        exp = self.expiry
        inbox = self.user.uid_of
        while exp and (exp[0][1] not in inbox or exp[0][1] not in self.known):
            del exp[0]
        if exp:
            self.want(max(exp[0][0], self.acct))

    # -- user actions -----------------------------------------------------------------------------
    def on_action(self, a: Action, t: float) -> None:
        kind = a.kind
        if kind is ActionKind.SEARCH:
            self._search(a, t)
            return
        if a.target is None:
            return
        mid = MailId(a.target)
        w, dev = self.w, self.dev
        copy = dev.local.get(mid)
        if copy is None:
            return  # this device never got it (or it is gone here): nothing to act on
        if kind is ActionKind.DELETE:
            w.drop_local(dev, mid, LossReason.USER_DELETE)
            w.set_intent(mid, None)
            return
        if (
            kind is ActionKind.OPEN_ATTACHMENT
        ):  # no flag: only a headers-first copy lacks the attachment
            if not copy.attachment:
                self._fetch_on_open(mid, t)
            return
        if kind is ActionKind.READ and not copy.body:
            self._fetch_on_open(mid, t)
        folder, flags = copy.folder, copy.flags
        if kind is ActionKind.FILE and a.folder:
            folder = a.folder
        else:
            flags |= FLAG_OF_ACTION.get(kind, 0)
            if (kind is ActionKind.REPLY or kind is ActionKind.FORWARD) and a.outgoing is not None:
                size = w.mails[a.outgoing.id].size
                dev.sent_bytes += size
                w.rec.device_add(dev.id, size)
                if w.keep_sent:
                    dev.sent_log.append((t, size))
        w.change_local(dev, mid, t, folder, flags)
        w.set_intent(mid, (folder, flags))

    def _fetch_on_open(self, mid: MailId, t: float) -> None:
        """Headers-first: download the whole message when the user opens it (if still there)."""
        user, w = self.user, self.w
        if not self.tl.online(t) or mid not in user.uid_of:
            return
        if user.lock_until > t and user.lock_holder != self.dev.id:
            self._refused()
            return
        self.account_empty(t)
        costs, m = self.costs, w.mails[mid]
        n = len(user.inbox)
        c = costs.begin(n, user.inbox_bytes, user.size_digits, user.uid_digits, self.pol.use_uidl)
        number = user.inbox.index(user.uid_of[mid]) + 1
        costs.retr(c, number, m.size, m.header, m.body, m.attachment)
        deleted = [mid] if self._may_delete(mid, t) else []
        if deleted:
            costs.dele(c, number)
        costs.quit(c, n - len(deleted), len(deleted) > 0)
        dur = self.w.charge(self.dev, *c.charge_args(), kind=RecordKind.ACTION)
        user.lock_until = t + dur
        user.lock_holder = self.dev.id
        self._apply(t, t + dur, [mid], [], deleted)
        if self.expiry:
            self._reschedule()  # its days may be up before anything else comes

    def _search(self, a: Action, t: float) -> None:
        w, dev = self.w, self.dev
        q = a.query or ""
        intent, local = w.intent, dev.local
        # the matching mail whose owner has not deleted it (a popular keyword matches a good
        # share of the user's mail, so this runs at C speed), and how much of it is here
        hits = w.matching(dev.user, q)
        live = list(compress(hits, map(intent.get, hits)))  # an intent is a tuple, or None
        relevant = len(live)
        found = sum(map(local.__contains__, live))
        w.search_records.append(SearchRecord.of(t, dev.name, q, relevant, found))

    # -- crashes ----------------------------------------------------------------------------------
    def on_crash(self, c: Crash, t: float) -> None:
        w, dev = self.w, self.dev
        self.account_empty(t)
        record = wipe_and_restore(w, dev, c, t)
        # the client's memory (popstate) comes back from the same backup, if any
        bt = c.backup_time
        if bt is None:
            self.known.clear()
            self.headers_only.clear()
            self.first_seen.clear()
        else:  # what the backup held: a copy restored without its body was headers-only then
            local = dev.local
            partial = {
                m for m in self.headers_only | self.known if m in local and not local[m].body
            }
            self.known = {
                m for m in self.known if self.first_seen.get(m, t) <= bt and m not in partial
            }
            self.headers_only = partial
            self.first_seen = {m: s for m, s in self.first_seen.items() if s <= bt}
        # a forgotten message's expiry goes with it (seen again, it is counted afresh)
        self.expiry = [e for e in self.expiry if e[1] in self.known]
        self.ptr = Uid(0)  # look at every message again: the restored memory may lack some
        self.want(t)
        w.crash_records.append(record)
