"""The IMAP client process of one device.

Theory of operation
-------------------
An IMAP client holds one connection while its device is online.  At every online start it
connects (greeting, CAPABILITY, LOGIN, SELECT INBOX), uploads the changes queued while offline,
resynchronises (per non-empty folder: SELECT and ``UID FETCH 1:* (UID FLAGS)`` -- the RFC 4549 resync
of a client without CONDSTORE/QRESYNC, which lists every message; the engine offers both as an
option, the model's client does not use them yet), downloads headers of new messages (plus text
or whole messages under full offline sync) and enters IDLE.  While idling, the server pushes
``* N EXISTS`` / ``FETCH`` / ``EXPUNGE`` and the client fetches at once: a new message is shown at
arrival + half a round trip (the push) + the fetch's round trips and transfer time.  Re-issuing IDLE
every ``idle_reissue_s`` is booked in closed form per online period.  A polling client (``idle``
off) sends NOOP every ``poll_interval_s`` instead (closed form) and picks changes up at the next
tick.

User actions apply locally at once and, when online, go to the server at once (STORE, MOVE,
STORE \\Deleted + UID EXPUNGE, APPEND to Sent); the server then pushes them to the user's other
connected devices.  Offline, they are queued and uploaded on reconnect.  Every byte is an
:mod:`sim.protocol.imap_client` operation, costed by :mod:`.imap_costs`.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from functools import partial
from typing import Any

from ..inputs.scenario import AttachmentPolicy, FetchMode
from ..inputs.workload import Action, ActionKind, Crash
from ..outputs.metrics import SEEN
from ..outputs.records import RecordKind
from ..outputs.results import LossReason, SearchRecord
from ..protocol.message import Message
from .crash import wipe_and_restore
from .imap_costs import DELETED, ZERO, NewFetch, StaleOp, add, costs_for, untagged_updates
from .poll_ticks import Timeline
from .pop3_costs import digits, sum_digits_1_to
from .silence import Silence
from .state import FLAG_OF_ACTION, INBOX, SENT, Device, LocalCopy, MailId, Uid
from .wire_cost import Cost
from .world import World


class ImapDeviceClient:
    """IMAP synchronisation and user actions on one device."""

    def __init__(self, world: World, dev: Device) -> None:
        self.w = world
        self.dev = dev
        if world.left_uid is None:
            world.left_uid = {}
        self._left_uid = world.left_uid  # (kept by World for IMAP runs)
        self.pol = dev.spec.imap
        self.user = world.users[dev.user]
        ivs = [(iv.start, iv.end) for iv in world.trace.online[dev.id]]
        every = self.pol.idle_reissue_s if self.pol.idle else self.pol.poll_interval_s
        self.tl = Timeline(ivs, every, 0.0)
        self.qresync = self.pol.qresync
        self.costs = costs_for(world.tls, self.qresync, world.server_profile)
        # QRESYNC: per folder, (HIGHESTMODSEQ, length of the server's change log) at this
        # device's last sync of it -- what it sends next time, and where changes since start
        self.since: dict[str, tuple[int, int]] = {}
        self.connected_at = math.inf  # start of the current connection (inf: not connected)
        self.log_pos = 0  # how far into the server's change log the last resync got
        # offline changes to upload, with the flags and folder the device showed before each
        self.queue: list[tuple[ActionKind, MailId, Action, int, str]] = []
        self.pending_tick = math.inf  # a polling client's next tick with changes to pick up
        self.full = self.pol.fetch_mode is FetchMode.FULL_OFFLINE
        self.eager = self.pol.attachments is AttachmentPolicy.EAGER
        self.keeps_opened = self.pol.fetch_mode is not FetchMode.HEADERS_ONLY
        # what a new message brings (NewFetch says which policies lead to which)
        self._new_mode = (
            (NewFetch.WHOLE if self.eager else NewFetch.TEXT)
            if self.full
            else (NewFetch.ATTACHMENT if self.eager else NewFetch.HEADERS)
        )
        self._push_idle: dict[int, Cost] = {}  # digits of EXISTS -> push + IDLE re-issue cost
        self._cycle = self.costs.idle_cycle()  # DONE ... IDLE around a command (fixed shape)
        # what a command of a user action adds around itself: leaving IDLE and entering it again
        # (nothing for a polling client, or inside a visit to another folder, which has its own)
        self._op_cycle = self._cycle if self.pol.idle else ZERO
        # IDLE: mail ids changed on the server outside INBOX since this device's last resync,
        # which IDLE did not report; the device sees them when it next selects their folder
        self.hidden: dict[MailId, None] = {}
        self._listing = self.costs.flags_resync_base()  # UID FETCH 1:* (UID FLAGS), no lines
        # connection silence: server keepalives and a NAT that forgets quiet connections
        link_nat = dev.spec.link.nat_idle_timeout_s if self.pol.idle else None
        keepalive = world.scenario.server.idle_keepalive_s if self.pol.idle else None
        self.silence = Silence(world, self.tl, link_nat, keepalive, self._revive)
        self._nat = self.silence.nat is not None  # (checked before asking, on the hot paths)
        self.busy_ticks = 0  # polling ticks that found work (events, not closed-form NOOPs)
        self._booked_periodic = 0  # closed-form re-issues / NOOPs charged so far (settle)
        self._booked_keepalives = 0
        self._settled_to = 0.0  # the closed-form bookings cover the run up to here
        self._quiet = (math.inf, -math.inf)  # settle has no periodic tick to book in here
        self._polling = not self.pol.idle
        # a polling session's INBOX view: the highest UID it has announced, and what other
        # sessions changed since, which the server reports after this client's next command
        self.announced = Uid(0)
        self.pend_gone: list[Uid] = []  # UIDs expunged from the view
        self.pend_dirty: set[Uid] = set()  # UIDs whose flags changed

    # -- helpers -----------------------------------------------------------------------------------
    def _build(self, mid: MailId) -> Callable[[], Message]:
        return partial(self.w.trace.message, mid)

    def _charge(self, cost: Cost, kind: RecordKind, *, connect: bool = False) -> float:
        if self._polling and not connect:
            cost = add(cost, ((0, 0, 0, 0), (self._untagged(), 0, 0, 0), 0))
        up, down, rt = cost
        dur = self.w.charge(self.dev, up, down, rt, connect=connect, hold=False, kind=kind)
        if self.silence.active:
            now = self.w.env.now
            self.silence.activity(now, now + dur)
        return dur

    def _duration(self, cost: Cost) -> float:
        up, down, rt = cost
        return self.dev.wire.session(sum(up), sum(down), rt, False).duration_s

    def online(self, t: float) -> bool:
        return self.tl.online(t)  # (hot callers use self.tl.online directly)

    # -- a polling session's untagged updates ---------------------------------------------------------
    def _untagged(self, clear: bool = True) -> int:
        """Octets of the untagged updates the server appends to this client's next command
        (see :func:`.imap_costs.untagged_updates`); with ``clear`` the session's view is then
        the mailbox."""
        user = self.user
        box = user.boxes[INBOX]
        if not self.pend_gone and not self.pend_dirty and (not box or box[-1] <= self.announced):
            return 0
        mids, where = user.box_mid[INBOX], user.where
        book = self.w.book
        octets = untagged_updates(
            box,
            self.pend_gone,
            self.pend_dirty,
            self.announced,
            lambda uid: where[mids[uid]][1],
            (lambda uid: book.of[mids[uid]]) if self.qresync else None,  # type: ignore[union-attr]
        )
        if clear:
            self._told()
        return octets

    def _told(self) -> None:
        """The pending updates reached the client: its view is the mailbox again."""
        self.pend_gone.clear()
        self.pend_dirty.clear()
        box = self.user.boxes[INBOX]
        if box:
            self.announced = max(self.announced, box[-1])

    def _view_reset(self) -> None:
        """A SELECT of INBOX: the session's view is the mailbox as it is now."""
        box = self.user.boxes[INBOX]
        self.announced = box[-1] if box else Uid(0)
        self.pend_gone.clear()
        self.pend_dirty.clear()

    def _note_change(self, mid: MailId, state: tuple[str, int] | None) -> None:
        """Another session changed ``mid``: remember what this session will be told."""
        w = self.w
        if state is not None and state[0] == INBOX:
            uid = self.user.uid_of.get(mid)
            if uid is not None and uid <= self.announced:
                self.pend_dirty.add(uid)
            return
        gone_mid, folder, uid, op = w.last_removed
        if gone_mid == mid and op == w.server_ops and folder == INBOX and uid <= self.announced:
            self.pend_gone.append(uid)

    def _revive(self, t: float) -> None:
        """The client writes on a forgotten connection (DONE), gets a reset after a round trip,
        and connects again."""
        fail = self.costs.failed_write(True)
        lost = self.w.charge(
            self.dev,
            fail[0],
            fail[1],
            fail[2],
            connect=False,
            hold=False,
            kind=RecordKind.NAT_RECONNECT,
        )
        self.silence.forget()  # no keepalive reached a forgotten connection
        self.reconnect(t, after=lost)

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self, t: float) -> None:
        """Schedule a (re)connect at every online start from ``t`` on."""
        for s in self.tl.starts_between(t, self.w.end):
            self.w.call_at(s, self.reconnect)
        i = self.tl.index_at(t)
        if i >= 0 and self.tl.starts[i] < t:  # already online at t (a new device mid-interval)
            self.w.call_at(t, self.reconnect)

    def settle(self, t: float) -> None:
        """Book the closed-form idle costs before ``t`` now (a per-device series is sampled at
        ``t``): IDLE re-issues or NOOP polls, and the keepalives of the silences closed so far."""
        dev, tl = self.dev, self.tl
        a = dev.exists_from
        if t <= a:
            return
        silence = self.silence
        # the first tick of each period is the connect itself; NAT checks turned ticks into
        # reconnects; ticks with work were charged as they came.  Offline, the ticks less the
        # connects of [a, t) stay what they were at the last settle in the same gap, and the
        # counts taken off them only grow: nothing new to book (see _gap_after)
        quiet = self._quiet
        if quiet[0] <= t <= quiet[1]:
            periodic = 0
        else:
            periodic = (
                max(
                    0,
                    tl.ticks_between(a, t)
                    - len(tl.starts_between(a, t))
                    - silence.nat_reconnects
                    - self.busy_ticks,
                )
                - self._booked_periodic
            )
            self._quiet = self._gap_after(t)
        if periodic > 0:
            cost = self._cycle if self.pol.idle else self.costs.noop()
            self.w.charge(
                dev,
                cost[0],
                cost[1],
                cost[2],
                connect=False,
                times=periodic,
                hold=False,
                at=t,
                since=self._settled_to,
                kind=RecordKind.IDLE_REISSUE if self.pol.idle else RecordKind.EMPTY_POLL,
            )
            dev.empty_polls += periodic
            self._booked_periodic += periodic
        keepalives = silence.keepalives - self._booked_keepalives
        if keepalives > 0:
            ka = self.costs.keepalive()
            self.w.charge(
                dev,
                ka[0],
                ka[1],
                ka[2],
                connect=False,
                times=keepalives,
                hold=False,
                kind=RecordKind.KEEPALIVE,
                at=t,
                since=self._settled_to,
            )
            self._booked_keepalives += keepalives
        self._settled_to = max(self._settled_to, t)

    def _gap_after(self, t: float) -> tuple[float, float]:
        """``[t, next online start]`` when the device is offline at ``t`` (after it appeared),
        else an empty range: the times at which :meth:`settle` finds no periodic tick to book
        once it has settled at ``t``.  Over an offline gap ``ticks_between(a, x)`` and
        ``starts_between(a, x)`` do not change (no interval starts or ends inside it), and the
        booked, reconnected and busy counts settle subtracts never go down, so the re-issues
        still to book stay at most 0 (``tests/sim/test_fast_paths_equal_definitions.py`` runs
        the model without the shortcut and compares)."""
        tl = self.tl
        if t <= self.dev.exists_from or tl.index_at(t) >= 0:
            return math.inf, -math.inf
        k = bisect_right(tl.starts, t)
        return t, tl.starts[k] if k < len(tl.starts) else math.inf

    def finish(self, end: float) -> None:
        """Closed-form idle costs not booked yet, and connection time."""
        self.silence.close(end)
        self.settle(end)
        dev = self.dev
        dev.conn_time += self.tl.online_time(dev.exists_from, end)

    def was_due(self, arrival: float) -> bool:
        return self.tl.next_online(max(arrival, self.dev.exists_from)) < self.w.end

    # -- connecting and resync -----------------------------------------------------------------------
    def reconnect(self, t: float, after: float = 0.0) -> None:
        """Connect (``after`` seconds late: a failed write on a forgotten connection came first)
        and resynchronise."""
        if not self.dev.exists(t) or not self.online(t):
            return
        user, costs = self.user, self.costs
        inbox = user.boxes[INBOX]
        self.silence.close(t)
        if self._polling:
            self._view_reset()  # SELECT INBOX is part of the connect
        self.connected_at = t
        if self.qresync:  # ENABLE QRESYNC and SELECT INBOX (QRESYNC ...) are part of the connect
            cost = self._qresync_select(INBOX, connecting=True)
            self._upload_queue(t)
            cost = add(cost, self._qresync_folders(inbox_done=True))
        else:
            cost = costs.connect(
                len(inbox),
                user.box_next[INBOX],
                user.keywords.get(INBOX, 0) > 0,
                unseen=user.first_unseen(INBOX),
            )
            self._upload_queue(t)
            cost = add(cost, self._resync_cost())
        cost = add(cost, costs.idle_start() if self.pol.idle else ZERO)
        dur = self._charge(cost, RecordKind.CONNECT, connect=True)
        if self._polling:
            self._view_reset()  # INBOX was listed (or selected again) at the end of the resync
        self._apply_server(t + after + dur, fetch_cost=True)

    def _resync_cost(self) -> Cost:
        """SELECT + flag listing of every non-empty folder (INBOX is already selected)."""
        user = self.user
        cost = ZERO
        for folder, box in user.boxes.items():
            if not box:
                continue
            if folder != INBOX:
                cost = add(cost, self._select(folder))
            cost = add(cost, self._flag_listing(folder))
        if len([b for b in user.boxes.values() if b]) > 1 and user.boxes[INBOX]:
            cost = add(cost, self._select(INBOX))
        return cost

    def _select(self, folder: str) -> Cost:
        """A plain SELECT of ``folder`` as it is on the server now (under QRESYNC its reply
        carries the HIGHESTMODSEQ)."""
        user = self.user
        book = self.w.book
        highest = book.highest(user.index, folder) if self.qresync else 1  # type: ignore[union-attr]
        return self.costs.select(
            folder,
            len(user.boxes[folder]),
            user.box_next[folder],
            user.keywords.get(folder, 0) > 0,
            user.validity[folder],
            highest,
            unseen=user.first_unseen(folder),
        )

    def _flag_listing(self, folder: str) -> Cost:
        """``UID FETCH 1:* (UID FLAGS)`` of a non-empty selected ``folder``: the command and
        tagged reply, and a ``flags_line(seq, uid, flags)`` per message, summed from the
        folder's incremental sums."""
        user = self.user
        n = len(user.boxes[folder])
        lines = 24 * n + sum_digits_1_to(n) + user.lsum.get(folder, 0)
        return add(self._listing, ((0, 0, 0, 0), (lines, 0, 0, 0), 0))

    # -- QRESYNC (RFC 7162) -------------------------------------------------------------------------
    def _qresync_select(self, folder: str, *, connecting: bool = False) -> Cost:
        """SELECT ``folder`` with ``(QRESYNC (uidvalidity modseq))`` from this device's last
        sync of it: the fixed reply, ``VANISHED (EARLIER)`` and a line per message changed
        since.  A folder never synced here is a plain SELECT and the full listing (with MODSEQ).
        ``connecting``: the SELECT INBOX that ends a connect (greeting .. ENABLE included)."""
        user, costs, book = self.user, self.costs, self.w.book
        assert book is not None
        box = user.boxes[folder]
        u = user.index
        highest = book.highest(u, folder)
        keywords = user.keywords.get(folder, 0) > 0
        prev = self.since.get(folder)
        since = prev[0] if prev else None
        if connecting:
            cost = costs.connect(
                len(box), user.box_next[folder], keywords, highest, since, user.first_unseen(folder)
            )
        else:
            cost = costs.select(
                folder,
                len(box),
                user.box_next[folder],
                keywords,
                user.validity[folder],
                highest,
                since,
                user.first_unseen(folder),
            )
        if prev is not None:
            lines = costs.vanished_line(book.vanished_since(u, folder, prev[0]))
            where, of = user.where, book.of
            for mid in dict.fromkeys(user.log[prev[1] :]):
                entry = where.get(mid)
                if entry is not None and entry[0] == folder and of[mid] > prev[0]:
                    lines += costs.changed_line(
                        user.seq_of(mid), user.uid_of[mid], entry[1], of[mid]
                    )
            cost = add(cost, ((0, 0, 0, 0), (lines, 0, 0, 0), 0))
        elif box:
            n = len(box)
            lines = (
                34 * n + sum_digits_1_to(n) + user.lsum.get(folder, 0) + book.msum[u].get(folder, 0)
            )
            cost = add(cost, self._listing)
            cost = add(cost, ((0, 0, 0, 0), (lines, 0, 0, 0), 0))
        self.since[folder] = (highest, len(user.log))
        return cost

    def _qresync_folders(self, *, inbox_done: bool) -> Cost:
        """QRESYNC every other non-empty folder, then INBOX again (it is the one kept selected;
        ``inbox_done``: it was just resynchronised and nothing else was selected since)."""
        cost = ZERO
        others = False
        for folder, box in self.user.boxes.items():
            if box and folder != INBOX:
                others = True
                cost = add(cost, self._qresync_select(folder))
        if others or not inbox_done:
            cost = add(cost, self._qresync_select(INBOX))
        return cost

    def _fetch_new_cost(self, mid: MailId) -> tuple[Cost, bool, bool]:
        """Headers (+ text or whole message under full offline sync, + the attachment part
        under eager attachments) of a message new here, and whether text and attachment came.

        The user's other devices usually fetch the same message in the same state with the same
        policy right after this one (a push reaches all of them), so the last answer is kept on
        the shared cost tables and reused when everything that decides it is equal."""
        user, costs, m = self.user, self.costs, self.w.mails[mid]
        bits = user.where[mid][1]
        uid = user.uid_of[mid]
        seq = user.seq_of(mid)
        ms = self.w.book.of[mid] if self.qresync else 1  # type: ignore[union-attr]
        key = (mid, seq, uid, bits, ms, self._new_mode, self.pol.chunk_bytes, costs)
        w = self.w
        last = w.last_fetch  # one run's, never another's (mail ids repeat across runs)
        if last is not None and last[0] == key:
            return last[1]
        answer = self._fetch_new_cost_of(m, mid, seq, uid, bits, ms)
        w.last_fetch = (key, answer)
        return answer

    def _fetch_new_cost_of(
        self, m: Any, mid: MailId, seq: int, uid: int, bits: int, ms: int
    ) -> tuple[Cost, bool, bool]:
        mode = self._new_mode
        if mode is NewFetch.ATTACHMENT:  # the headers, then BODY.PEEK[2] (in chunks)
            cost = self.costs.fetch_new(
                m, self.w.trace.message, mid, seq, uid, bits, ms, NewFetch.HEADERS
            )
            if not m.att:
                return cost, False, False
            return (
                add(
                    cost,
                    self.costs.fetch_attachment(
                        m, self._build(mid), seq, uid, self.pol.chunk_bytes
                    ),
                ),
                False,
                True,
            )
        cost = self.costs.fetch_new(
            m,
            self.w.trace.message,
            mid,
            seq,
            uid,
            bits,
            ms,
            mode if mode is not NewFetch.TEXT or m.att else NewFetch.WHOLE,
        )
        if mode is NewFetch.HEADERS:
            return cost, False, False
        if mode is NewFetch.WHOLE or not m.att:
            return cost, True, True
        return cost, True, False

    def _apply_server(self, t: float, *, fetch_cost: bool) -> None:
        """Make the local view equal to the server (after a resync); fetch what is new.

        Only messages the server changed since this device's last resync can differ (the
        server's change log, like a CONDSTORE modseq); after a crash the whole log is replayed."""
        w, dev, user = self.w, self.dev, self.user
        log = user.log
        changed = dict.fromkeys(log[self.log_pos :])
        self.log_pos = len(log)
        self.hidden.clear()  # (every change they stand for is in the log since log_pos)
        fetch = ZERO
        where = user.where
        for mid in changed:
            if mid >= w.n_arrivals:
                continue
            copy = dev.local.get(mid)
            entry = where.get(mid)
            if entry is None:
                if copy is not None:
                    w.drop_local(dev, mid, w.removal_reason(mid))
                continue
            folder, flags = entry
            if copy is None:
                cost, body, att = self._fetch_new_cost(mid)
                fetch = add(fetch, cost)
                # (text and attachment together: the whole message, BODY.PEEK[], is kept)
                w.put_local(
                    dev,
                    mid,
                    t,
                    body=body,
                    attachment=att,
                    folder=folder,
                    flags=flags,
                    full=body and att,
                )
                self._scan(mid, body, att)
            elif copy.state() != (folder, flags):
                w.change_local(dev, mid, t, folder, flags)
        if fetch_cost and fetch[2]:
            self._charge(fetch, RecordKind.FETCH)

    def _scan(self, mid: MailId, body: bool, att: bool) -> None:
        if self.dev.spec.scans_mail and (body or att):
            m = self.w.mails[mid]
            self.dev.scan_bytes += (m.text if body else 0) + (m.att if att else 0)

    # -- server events -------------------------------------------------------------------------------
    def on_arrival(self, mid: MailId, t: float) -> None:
        if not self.dev.exists(t) or not self.tl.online(t) or (self._nat and self.silence.dead(t)):
            return  # picked up by the resync at the next connect
        if self.pol.idle:
            self._pushed_new(mid, t)
        else:
            self._want_tick(t)

    def _pushed_new(self, mid: MailId, t: float) -> None:
        user = self.user
        n = len(user.inbox)
        d = digits(n)  # the push's cost depends on the digits of EXISTS only
        cost = self._push_idle.get(d)
        if cost is None:
            cost = self._push_idle[d] = add(self.costs.push_exists(n), self._cycle)
        fetch, body, att = self._fetch_new_cost(mid)
        cost = add(cost, fetch)
        # shown after the push (half a round trip) and the exchanges that follow it (DONE, the
        # fetches, IDLE again); the push's own few octets are part of the duration too
        shown = t + self.dev.spec.link.rtt_s / 2 + self._charge(cost, RecordKind.PUSH)
        folder, flags = user.where[mid]
        self.w.put_local(
            self.dev,
            mid,
            shown,
            body=body,
            attachment=att,
            folder=folder,
            flags=flags,
            full=body and att,
        )
        self._scan(mid, body, att)

    def _want_tick(self, t: float) -> None:
        tick = self.tl.next_tick(t)
        if tick < self.w.end and tick < self.pending_tick:
            self.pending_tick = tick
            self.w.call_at(tick, self._poll_tick)

    def _poll_tick(self, t: float) -> None:
        self.pending_tick = math.inf
        if not self.online(t) or self.connected_at >= t:
            return  # offline, or a connect at this very tick has just resynchronised
        # NOOP brings the untagged updates; the client then fetches what is new
        resync = self._qresync_folders(inbox_done=False) if self.qresync else self._resync_cost()
        cost = add(self.costs.noop(), resync)
        self.busy_ticks += 1  # this tick's NOOP is charged here, not among the empty ones
        self._charge(cost, RecordKind.POLL)  # the NOOP brings the untagged updates
        self._apply_server(t + self._duration(cost), fetch_cost=True)

    def on_server_change(
        self,
        mid: MailId,
        t: float,
        state: tuple[str, int] | None,
        origin: Device | None = None,
        deleted: int | None = None,
    ) -> None:
        """Another session changed ``mid`` (flags, folder, expunge, quarantine).  ``deleted``:
        the flags ``mid`` had when that session deleted it (STORE \\Deleted, then EXPUNGE).

        IDLE reports changes in the selected mailbox, INBOX, only: a change in another folder
        is kept in ``hidden`` until the device next looks into that folder or resynchronises."""
        dev = self.dev
        if (
            origin is dev
            or not dev.exists(t)
            or not self.tl.online(t)
            or (self._nat and self.silence.dead(t))
        ):
            return  # (a forgotten connection: the next connect resynchronises)
        if not self.pol.idle:
            if self.connected_at <= t:
                self._note_change(mid, state)
            if mid in dev.local:
                self.hidden[mid] = None  # (a visit to its folder before the tick shows it)
            self._want_tick(t)
            return
        w, costs, user = self.w, self.costs, self.user
        copy = dev.local.get(mid)
        if copy is None:
            return
        if state is not None and state[0] == copy.folder:  # a flag change
            folder, flags = state
            if folder != INBOX:
                self.hidden[mid] = None
                return
            if self.qresync:
                cost = costs.push_flags(user.seq_of(mid), flags, user.uid_of[mid], w.book.of[mid])  # type: ignore[union-attr]
            else:
                cost = costs.push_flags(user.seq_of(mid), flags)
            self._charge(cost, RecordKind.PUSH)
            w.change_local(dev, mid, t + dev.spec.link.rtt_s / 2, folder, flags)
            return
        # it left the folder it was in (expunged, quarantined or moved)
        gone_mid, left, uid, _ = w.last_removed
        if gone_mid != mid or left != INBOX:
            self.hidden[mid] = None
            return
        seq = bisect_left(user.boxes[INBOX], uid) + 1  # its number before the expunge
        cost = add(costs.push_expunge(seq, uid), self._cycle)
        if state is None:
            if deleted is not None:  # the \Deleted flag change came a round trip first
                book = w.book if self.qresync else None
                cost = add(
                    costs.push_flags(
                        seq, deleted | DELETED, uid, 1 if book is None else book.of[mid]
                    ),
                    cost,
                )
            self._charge(cost, RecordKind.PUSH)
            w.drop_local(dev, mid, w.removal_reason(mid))
            return
        # the client looks into the folder the message went to, then selects INBOX again
        cost = add(cost, self._look_into(state[0], t + dev.spec.link.rtt_s / 2, mid))
        self._charge(add(cost, self._back_to_inbox()), RecordKind.PUSH)

    def _look_into(self, folder: str, t: float, moved: MailId | None = None) -> Cost:
        """SELECT ``folder`` and learn its state: the flag listing (QRESYNC: what changed since
        the last sync of it).  The hidden changes of its messages (and of ``moved``, a message
        just pushed out of INBOX) reach the device's copies at ``t``.  Returns the cost (the
        caller charges it)."""
        self.user.folder(folder)  # (a user folder exists on the server, if only empty so far)
        if self.qresync:
            cost = self._qresync_select(folder)
        else:
            cost = self._select(folder)
            if self.user.boxes[folder]:
                cost = add(cost, self._flag_listing(folder))
        if moved is not None:
            self.hidden[moved] = None
        if self.hidden:
            self._reveal(folder, t)
        return cost

    def _back_to_inbox(self) -> Cost:
        """SELECT INBOX again after a visit to another folder (QRESYNC: with what changed
        there meanwhile; otherwise INBOX's pushes have kept the client up to date)."""
        return self._qresync_select(INBOX) if self.qresync else self._select(INBOX)

    def _reveal(self, folder: str, t: float) -> None:
        """The device has listed ``folder``: the hidden changes of the messages the server has
        there, or that the device shows there, now reach its copies.  A copy follows its message
        to the folder it was moved to (as at a resync: the model keeps a moved copy)."""
        w, dev, where = self.w, self.dev, self.user.where
        for mid in list(self.hidden):
            copy = dev.local.get(mid)
            if copy is None:
                del self.hidden[mid]
                continue
            entry = where.get(mid)
            if entry is None:
                if copy.folder == folder:
                    del self.hidden[mid]
                    w.drop_local(dev, mid, w.removal_reason(mid))
            elif entry[0] == folder or copy.folder == folder:
                del self.hidden[mid]
                w.change_local(dev, mid, t, entry[0], entry[1])

    def _notify_others(self, mid: MailId, t: float, deleted: int | None = None) -> None:
        entry = self.user.where.get(mid)
        state = None if entry is None else (entry[0], entry[1])
        for other in self.w.user_devices[self.dev.user]:
            if other is not self.dev:
                other.client.on_server_change(mid, t, state, self.dev, deleted)

    # -- user actions --------------------------------------------------------------------------------
    def on_action(self, a: Action, t: float) -> None:
        dev = self.dev
        if a.kind is ActionKind.SEARCH:
            self._search(a, t)
            return
        if a.target is None:
            return
        mid = MailId(a.target)
        copy = dev.local.get(mid)
        if copy is None:
            return  # not (yet) on this device
        if a.kind is ActionKind.OPEN_ATTACHMENT and (copy.attachment or not self.w.mails[mid].att):
            return  # opened from the device's own copy: nothing crosses the wire
        online = self.tl.online(t) and self.connected_at <= t
        if online and self._nat and self.silence.dead(t):
            self._revive(t)  # the write fails; the resync may change this copy
            copy = dev.local.get(mid)
            if copy is None:
                return  # it was deleted elsewhere meanwhile: nothing left to act on
        if online and copy.folder != INBOX:
            # the user opens the folder the message is in: DONE, SELECT it and list it, the
            # action's commands, SELECT INBOX, IDLE
            visited = copy.folder
            if self._polling:
                self._view_reset()  # SELECT closes INBOX: its pending updates are never sent
            self._charge(add(self._op_cycle, self._look_into(visited, t)), RecordKind.ACTION)
            op_cycle, self._op_cycle = self._op_cycle, ZERO  # the commands run inside the visit
            try:
                copy = dev.local.get(mid)
                if copy is not None and copy.folder == visited:  # still there once listed
                    self._act(a, mid, t, copy, online)
            finally:
                self._op_cycle = op_cycle
            self._charge(self._back_to_inbox(), RecordKind.ACTION)
            if self._polling:
                self._view_reset()
            return
        self._act(a, mid, t, copy, online)

    def _act(self, a: Action, mid: MailId, t: float, copy: LocalCopy, online: bool) -> None:
        """The action on this device's ``copy`` of ``mid``, and its upload (queued offline)."""
        if (
            a.kind is ActionKind.OPEN_ATTACHMENT
        ):  # no flag, nothing to upload: the part is fetched now
            if online:  # (offline, a part the device lacks cannot be opened)
                self._fetch_attachment(mid, t)
            return
        w, dev = self.w, self.dev
        folder, flags = copy.folder, copy.flags
        src = folder  # where the client believes the message is (the UID it names is there)
        knew = flags  # what the client believes the server has (it decides what it sends)
        if a.kind is ActionKind.DELETE:
            w.drop_local(dev, mid, LossReason.USER_DELETE)
            w.set_intent(mid, None)
        else:
            if a.kind is ActionKind.FILE and a.folder:
                folder = a.folder
            else:
                flags |= FLAG_OF_ACTION.get(a.kind, 0)
            if a.kind is ActionKind.READ and not copy.body and online and self._open(mid, t, flags):
                knew |= SEEN  # the FETCH reply showed the \Seen the server set
            if a.kind is ActionKind.FORWARD and not copy.attachment and online and w.mails[mid].att:
                self._fetch_attachment(mid, t)
            w.change_local(dev, mid, t, folder, flags)
            w.set_intent(mid, (folder, flags))
        if online:
            self._upload(a.kind, mid, a, t, flags, folder, knew=knew, src=src)
        else:
            self.queue.append((a.kind, mid, a, knew, src))

    def _open(self, mid: MailId, t: float, flags: int) -> bool:
        """Text on open (BODY[1] sets \\Seen on the server); False when the message is no
        longer on the server.  The attachment waits for its own action (OPEN_ATTACHMENT) unless
        attachments are eager and the device lacks it (a copy restored from an older backup)."""
        user, costs, m = self.user, self.costs, self.w.mails[mid]
        if mid not in user.where:
            return False
        seq, uid = user.seq_of(mid), user.uid_of[mid]
        bits = user.where[mid][1]
        book = self.w.book if self.qresync else None
        new_ms = 1 if book is None else book.highest(user.index, user.where[mid][0]) + 1
        cost = add(
            self._op_cycle, costs.fetch_text(m, self._build(mid), seq, uid, bits, new_modseq=new_ms)
        )
        copy = self.dev.local.get(mid)
        att = bool(m.att) and self.eager and copy is not None and not copy.attachment
        if att:
            cost = add(
                cost, costs.fetch_attachment(m, self._build(mid), seq, uid, self.pol.chunk_bytes)
            )
        self._charge(cost, RecordKind.ACTION)
        self._scan(mid, True, att)
        if self.keeps_opened:
            self.w.put_local(self.dev, mid, t, body=True, attachment=att)
        if not bits & SEEN:  # the server set \Seen as a side effect of BODY[1]
            self.w.server_change(user, mid, user.where[mid][0], bits | SEEN, t)
            self._notify_others(mid, t)
        return True

    def _fetch_attachment(self, mid: MailId, t: float) -> None:
        user, m = self.user, self.w.mails[mid]
        if mid not in user.where:
            return
        cost = add(
            self._op_cycle,
            self.costs.fetch_attachment(
                m, self._build(mid), user.seq_of(mid), user.uid_of[mid], self.pol.chunk_bytes
            ),
        )
        self._charge(cost, RecordKind.ACTION)
        self._scan(mid, False, True)
        if self.keeps_opened:
            self.w.put_local(self.dev, mid, t, body=False, attachment=True)

    def _upload(
        self,
        kind: ActionKind,
        mid: MailId,
        a: Action,
        t: float,
        flags: int,
        folder: str,
        *,
        idling: bool = True,
        knew: int | None = None,
        src: str | None = None,
    ) -> None:
        """Send one change to the server (and from there to the other devices); ``idling``: the
        connection was in IDLE, so the command costs a DONE ... IDLE cycle around it.  ``knew``:
        the flags the device showed before the action -- a client stores a flag it does not
        know to be set, even when another device has set it on the server meanwhile.  ``src``:
        the folder the device showed the message in; if the server no longer has it there
        (moved or deleted by another device, not yet heard of), the command names a UID that
        is gone: answered OK, nothing changes (:meth:`.ImapCosts.stale`; the UID is the one the
        message last left a folder with, exact unless it moved twice since)."""
        w, user, costs = self.w, self.user, self.costs
        cost = self._op_cycle if idling else ZERO
        # a polling session hears of other sessions' changes in the reply to its first command,
        # numbered against the mailbox as it is before this client's own change
        heard = self._untagged(clear=False) if self._polling else 0
        sent = changed = False  # a client with nothing to send stays in IDLE
        if (kind is ActionKind.REPLY or kind is ActionKind.FORWARD) and a.outgoing is not None:
            sent = True
            out = w.mails[a.outgoing.id]
            cost = add(
                cost,
                costs.append(out, self._build(out.id), user.box_next[SENT], user.validity[SENT]),
            )
            w.server_add(user, out.id, SENT, SEEN, t)
            if out.id not in self.dev.local:
                w.put_local(
                    self.dev,
                    out.id,
                    t,
                    body=True,
                    attachment=True,
                    folder=SENT,
                    flags=SEEN,
                    full=True,
                )
        entry = user.where.get(mid)
        if src is not None and (entry is None or entry[0] != src):
            left = self._left_uid.get(mid)
            if left is not None:
                old = left[1]
                bit = FLAG_OF_ACTION.get(kind, 0)
                if kind is ActionKind.DELETE:
                    cost = add(cost, costs.stale(StaleOp.DELETE, old))
                    sent = True
                elif kind is ActionKind.FILE and a.folder:
                    if a.folder != src:
                        user.folder(a.folder)
                        cost = add(cost, costs.stale(StaleOp.MOVE, old, folder=a.folder))
                        sent = True
                elif bit and not (knew or 0) & bit:
                    cost = add(cost, costs.stale(StaleOp.STORE, old, bit))
                    sent = True
        elif entry is not None:
            seq, uid = user.seq_of(mid), user.uid_of[mid]
            if kind is ActionKind.DELETE:
                cost = add(cost, costs.delete(seq, uid))
                if w.book is not None:  # STORE +FLAGS (\\Deleted) is a change of its own
                    w.book.flags(user.index, entry[0], mid)
                w.server_remove(user, mid, t, LossReason.USER_DELETE)
                sent = True
                self._notify_others(mid, t, entry[1])
            elif kind is ActionKind.FILE and a.folder and a.folder != entry[0]:
                user.folder(a.folder)
                cost = add(
                    cost,
                    costs.move(
                        seq, uid, a.folder, user.validity[a.folder], user.box_next[a.folder]
                    ),
                )
                w.server_change(user, mid, a.folder, entry[1], t)
                sent = changed = True
            else:
                bit = FLAG_OF_ACTION.get(kind, 0)
                known = entry[1] if knew is None else knew
                if bit and not known & bit:  # the client stores what it does not know is set
                    cost = add(cost, costs.store_flags(seq, uid, bit))
                    sent = True
                    if not entry[1] & bit:  # (a silent STORE of a flag already set changes
                        w.server_change(user, mid, entry[0], entry[1] | bit, t)  # nothing)
                        changed = True
            if changed:
                self._notify_others(mid, t)
        if sent:
            if heard:
                cost = add(cost, ((0, 0, 0, 0), (heard, 0, 0, 0), 0))
            if self._polling:
                self._told()  # (counted above, before this client's own change)
            self._charge(cost, RecordKind.ACTION)

    def _upload_queue(self, t: float) -> None:
        """Upload the changes made offline, in order (each upload charges its own cost)."""
        queue, self.queue = self.queue, []
        for kind, mid, a, knew, src in queue:
            copy = self.dev.local.get(mid)
            folder = copy.folder if copy else INBOX
            flags = copy.flags if copy else 0
            self._upload(kind, mid, a, t, flags, folder, idling=False, knew=knew, src=src)

    # -- search --------------------------------------------------------------------------------------
    def _search(self, a: Action, t: float) -> None:
        w, dev, user = self.w, self.dev, self.user
        q = a.query or ""
        matching = w.matching(dev.user, q)
        intent = w.intent
        relevant = sum(1 for mid in matching if intent.get(mid) is not None)
        if self.online(t) and self.connected_at <= t and self.silence.dead(t):
            self._revive(t)
        if self.online(t) and self.connected_at <= t:
            cost = self._op_cycle
            away = False  # another folder was selected: SELECT INBOX again at the end
            # the server's hits per folder: matching arrivals that are on the server, and the
            # user's own sent messages in Sent that match (on the wire, though not arrivals).
            # Found are the relevant hits only: a message deleted on a device that has not told
            # the server yet is still a hit (it costs bytes) but the user no longer wants it.
            hits: dict[str, list[Uid]] = {}
            where, uid_of = user.where, user.uid_of
            found = 0
            for mid in matching:
                entry = where.get(mid)
                if entry is not None:
                    hits.setdefault(entry[0], []).append(uid_of[mid])
                    if entry[0] != SENT and intent.get(mid) is not None:
                        found += 1
            sent = w.sent_matching(dev.user, q)
            if sent:
                hits[SENT] = [uid_of[mid] for mid in sent]
            if self._polling:  # the first command brings INBOX's pending updates -- unless it
                # is a SELECT of another folder (INBOX empty), which closes INBOX unreported
                heard = self._untagged() if user.boxes[INBOX] else 0
                self._view_reset()
                cost = add(cost, ((0, 0, 0, 0), (heard, 0, 0, 0), 0))
            for folder, box in user.boxes.items():
                if not box:
                    continue
                uids = hits.get(folder, ())
                if folder != INBOX:
                    away = True
                    cost = add(cost, self._select(folder))
                extra = len(uids)  # " uid" per hit
                for u in uids:
                    extra += digits(u)
                cost = add(cost, self.costs.search_base(q))
                cost = add(cost, ((0, 0, 0, 0), (extra, 0, 0, 0), 0))
            if away:
                cost = add(cost, self._select(INBOX))
            up, down, _ = cost
            self._charge(cost, RecordKind.SEARCH)  # (a polling view was reset above)
            dur = self._duration(cost)
            w.search_records.append(
                SearchRecord.of(t, dev.name, q, relevant, found, sum(up), sum(down), dur, True)
            )
            return
        local = dev.local
        found = sum(1 for mid in matching if mid in local and intent.get(mid) is not None)
        w.search_records.append(SearchRecord.of(t, dev.name, q, relevant, found))

    # -- crashes -------------------------------------------------------------------------------------
    def on_crash(self, c: Crash, t: float) -> None:
        record = wipe_and_restore(self.w, self.dev, c, t)
        self.queue.clear()  # unsent changes lived only on the device
        self.hidden.clear()  # (the whole log is replayed at the next connect)
        self.log_pos = 0  # the local store is gone: replay the whole change log
        self.since.clear()  # and with it what a QRESYNC client knew: a full resync next
        self.silence.close(t)  # the connection died with the device
        self.w.crash_records.append(record)
        if self.online(t):
            self.reconnect(t)
