"""Metric bookkeeping during a run: incremental counters and the regular sampling grid.

Theory of operation
-------------------
Every metric of DESIGN.md §3 is kept *incrementally*: the model reports each change (a message
appears on a device, the user's intent for a message changes, bytes cross a link) and the recorder
updates running counters in O(1).  The grid is filled lazily: before the model handles an event at
time ``t`` it calls :meth:`Recorder.advance`, which copies the current counters into every grid point
``< t`` not yet filled -- so a grid point holds the state after all events at or before it, and a
quiet day costs 24 copies, not a scan over all messages.

Consistency (DESIGN.md §3).  The *intent* for a message is the state its owner last gave it on any
device: ``(folder, flags)`` or ``None`` (deleted; quarantined mail counts as deleted).  A device's
*view* of a message is ``(folder, flags)`` or ``None`` (not shown).  For every pair (message, device)
of the same user, with the device in existence:

* intent ``None``: the pair is consistent when the view is ``None``;
* otherwise the pair is *covered* when the view is not ``None`` and *agrees* when view == intent;
  it is consistent when it agrees.

``consistency = (agree + deleted_and_hidden) / pairs``; ``coverage = covered / pairs_with_intent``;
``state_agreement = agree / covered``.  Shares with an empty denominator are NaN on the grid and are
left out of time averages.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Final

from .results import DeviceSeries

# Flag bits of a view or intent (the model's compact form of IMAP flags).
SEEN: Final = 1
ANSWERED: Final = 2
FLAGGED: Final = 4
FORWARDED: Final = 8
FLAG_NAMES = (
    (SEEN, "\\Seen"),
    (ANSWERED, "\\Answered"),
    (FLAGGED, "\\Flagged"),
    (FORWARDED, "$Forwarded"),
)

State = tuple[str, int]  # (folder, flag bits)

# Indices into the per-device traffic arrays (one per direction).
FRAMING, HEADER, BODY, ATTACHMENT, TLS, TCP = range(6)


def share(num: float, den: float) -> float:
    """``num / den``, NaN when ``den`` is 0 (how every share of the grid is computed)."""
    return num / den if den else math.nan


class Recorder:
    """Running counters for one run plus the grid they are sampled on."""

    def __init__(
        self,
        device_names: Sequence[str],
        duration_s: float,
        step_s: float,
        keep_device_series: bool,
    ) -> None:
        n = len(device_names)
        self.names = list(device_names)
        self.duration = duration_s
        self.step = step_s
        npts = math.floor(duration_s / step_s + 1e-9) + 1
        self.grid = [i * step_s for i in range(npts)]
        self._next = 0  # index of the first grid point not yet filled
        self.due = self.grid[0] if self.grid else math.inf  # advance(t) has work iff t > due
        # called with a grid point's time before it is sampled, when per-device series are
        # kept: the clients book their closed-form idle traffic up to it (see run.py)
        self.settle: Callable[[float], None] | None = None
        # called before the per-device wire series read ``up``/``down``: the model keeps its
        # traffic counters elsewhere and copies them in (see World.sync_traffic)
        self.sync: Callable[[], None] | None = None
        self.keep_device_series = keep_device_series
        # consistency counters per device
        self.exist = [0] * n
        self.covered = [0] * n
        self.agree = [0] * n
        self.dpairs = [0] * n
        self.dhidden = [0] * n
        # storage
        self.server_bytes = 0
        self.server_peak = 0
        self.replicas_live = 1
        self.dev_bytes = [0] * n
        self.dev_peak = [0] * n
        # traffic per device and direction: [framing, header, body, attachment, tls, tcp]
        self.up = [[0] * 6 for _ in range(n)]
        self.down = [[0] * 6 for _ in range(n)]
        # grid samples
        self.s_server: list[int] = []
        self.s_phys: list[int] = []
        self.s_cons: list[float] = []
        self.s_cov: list[float] = []
        self.s_agr: list[float] = []
        self.d_store: list[list[int]] = [[] for _ in range(n)]
        self.d_cons: list[list[float]] = [[] for _ in range(n)]
        self.d_cov: list[list[float]] = [[] for _ in range(n)]
        self.d_agr: list[list[float]] = [[] for _ in range(n)]
        self.d_wire: list[list[int]] = [[] for _ in range(n)]
        # running sums for per-device time averages (computed even without series)
        self.sum_cons = [0.0] * n
        self.cnt_cons = [0] * n
        self.sum_cov = [0.0] * n
        self.cnt_cov = [0] * n
        self.sum_agr = [0.0] * n
        self.cnt_agr = [0] * n

    # -- consistency -------------------------------------------------------------------------------
    def pair_add(self, d: int, intent: State | None, view: State | None, sign: int) -> None:
        """Add (sign=1) or remove (sign=-1) one pair's contribution to device ``d``'s counters."""
        if intent is None:
            self.dpairs[d] += sign
            if view is None:
                self.dhidden[d] += sign
        else:
            self.exist[d] += sign
            if view is not None:
                self.covered[d] += sign
                if view == intent:
                    self.agree[d] += sign

    def pair_move(self, d: int, intent: State | None, old: State | None, new: State | None) -> None:
        """One pair's view changes from ``old`` to ``new``: ``pair_add(.., old, -1)`` then
        ``pair_add(.., new, 1)`` in one call (the hot path of every local change)."""
        if intent is None:
            if old is None:
                self.dhidden[d] -= 1
            if new is None:
                self.dhidden[d] += 1
            return
        if old is not None:
            self.covered[d] -= 1
            if old == intent:
                self.agree[d] -= 1
        if new is not None:
            self.covered[d] += 1
            if new == intent:
                self.agree[d] += 1

    def intent_move(self, d: int, view: State | None, old: State | None, new: State | None) -> None:
        """One pair's intent changes from ``old`` to ``new`` while its view stays: the sum of
        ``pair_add(d, old, view, -1)`` and ``pair_add(d, new, view, 1)`` in one call (the hot path
        of every user action)."""
        if old is not None and new is not None:  # both pairs count as existing and covered alike
            if view is not None:
                delta = (view == new) - (view == old)
                if delta:
                    self.agree[d] += delta
            return
        if old is None:
            self.dpairs[d] -= 1
            if view is None:
                self.dhidden[d] -= 1
        else:
            self.exist[d] -= 1
            if view is not None:
                self.covered[d] -= 1
                if view == old:
                    self.agree[d] -= 1
        if new is None:
            self.dpairs[d] += 1
            if view is None:
                self.dhidden[d] += 1
        else:
            self.exist[d] += 1
            if view is not None:
                self.covered[d] += 1
                if view == new:
                    self.agree[d] += 1

    # -- storage -----------------------------------------------------------------------------------
    def server_add(self, n: int) -> None:
        self.server_bytes += n
        if self.server_bytes > self.server_peak:
            self.server_peak = self.server_bytes

    def device_add(self, d: int, n: int) -> None:
        b = self.dev_bytes[d] + n
        self.dev_bytes[d] = b
        if b > self.dev_peak[d]:
            self.dev_peak[d] = b

    # -- grid --------------------------------------------------------------------------------------
    def advance(self, t: float) -> None:
        """Fill every grid point strictly before ``t`` with the current state."""
        grid = self.grid
        i = self._next
        if i >= len(grid) or grid[i] >= t:
            return
        j = i
        while j < len(grid) and grid[j] < t:
            j += 1
        settle = self.settle
        if settle is None:
            self._sample(j - i)
        else:  # the clients' closed-form bookings up to each grid point first
            for k in range(i, j):
                settle(grid[k])
                self._sample(1)
        self._next = j
        self.due = grid[j] if j < len(grid) else math.inf

    def finish(self) -> None:
        """Fill the remaining grid points (the state at the end of the run)."""
        self._sample(len(self.grid) - self._next)
        self._next = len(self.grid)
        self.due = math.inf

    def _sample(self, k: int) -> None:
        """Append ``k`` grid points of the current state and add them to the running sums.

        One point at a time (every point of a run with per-device series) is appended rather
        than extended by one-element lists, and each device's shares are computed once for its
        time averages and its series (:meth:`_sample_devices_once`): half the time, the same
        values (``tests/sim/test_metrics_sampling.py`` holds the plain version and compares).
        """
        if k <= 0:
            return
        ex, cv, ag, dp, dh = self.exist, self.covered, self.agree, self.dpairs, self.dhidden
        te, tc, ta, tp, th = sum(ex), sum(cv), sum(ag), sum(dp), sum(dh)
        server = self.server_bytes
        if k == 1:  # every grid point of a run with per-device series: append, no 1-lists
            self.s_server.append(server)
            self.s_phys.append(server * self.replicas_live)
            self.s_cons.append(share(ta + th, te + tp))
            self.s_cov.append(share(tc, te))
            self.s_agr.append(share(ta, tc))
        else:
            self.s_server.extend([server] * k)
            self.s_phys.extend([server * self.replicas_live] * k)
            self.s_cons.extend([share(ta + th, te + tp)] * k)
            self.s_cov.extend([share(tc, te)] * k)
            self.s_agr.extend([share(ta, tc)] * k)
        if not self.keep_device_series:
            self.add_device_means(k)
            return
        if self.sync is not None:
            self.sync()
        if k == 1:
            self._sample_devices_once()
        else:
            self.add_device_means(k)
            self.append_device_series(k)

    def _sample_devices_once(self) -> None:
        """One grid point of every device: :meth:`add_device_means` and
        :meth:`append_device_series` with ``k`` = 1 in one pass, each share computed once for
        both (a time average adds ``1 * x / n``, the series appends ``x / n``: the same float).
        ``tests/sim/test_metrics_sampling.py`` compares it with the two calls it replaces."""
        ex, cv, ag, dp, dh = self.exist, self.covered, self.agree, self.dpairs, self.dhidden
        up, down, dev_bytes = self.up, self.down, self.dev_bytes
        sum_cons, cnt_cons = self.sum_cons, self.cnt_cons
        sum_cov, cnt_cov = self.sum_cov, self.cnt_cov
        sum_agr, cnt_agr = self.sum_agr, self.cnt_agr
        d_cons, d_cov, d_agr = self.d_cons, self.d_cov, self.d_agr
        d_store, d_wire = self.d_store, self.d_wire
        nan = math.nan
        for d, e in enumerate(ex):
            c, a = cv[d], ag[d]
            pairs = e + dp[d]
            if pairs:
                x = (a + dh[d]) / pairs
                sum_cons[d] += x
                cnt_cons[d] += 1
                d_cons[d].append(x)
            else:
                d_cons[d].append(nan)
            if e:
                x = c / e
                sum_cov[d] += x
                cnt_cov[d] += 1
                d_cov[d].append(x)
            else:
                d_cov[d].append(nan)
            if c:
                x = a / c
                sum_agr[d] += x
                cnt_agr[d] += 1
                d_agr[d].append(x)
            else:
                d_agr[d].append(nan)
            d_store[d].append(dev_bytes[d])
            d_wire[d].append(sum(up[d]) + sum(down[d]))

    def add_device_means(self, k: int, lo: int = 0, hi: int | None = None) -> None:
        """Add ``k`` grid points of devices ``lo..hi`` to their running time-average sums (a
        shard adds its own devices only, ``sim.model.shards``)."""
        cols: tuple[list[int], ...] = (
            self.exist,
            self.covered,
            self.agree,
            self.dpairs,
            self.dhidden,
        )
        if lo or hi is not None:
            cols = tuple(col[lo:hi] for col in cols)
        # campus: 1500 devices at every grid point; the lists are held in locals
        sum_cons, cnt_cons = self.sum_cons, self.cnt_cons
        sum_cov, cnt_cov = self.sum_cov, self.cnt_cov
        sum_agr, cnt_agr = self.sum_agr, self.cnt_agr
        for d, (e, c, a, p, h) in enumerate(zip(*cols), lo):
            pairs = e + p
            if pairs:
                sum_cons[d] += k * (a + h) / pairs
                cnt_cons[d] += k
            if e:
                sum_cov[d] += k * c / e
                cnt_cov[d] += k
            if c:
                sum_agr[d] += k * a / c
                cnt_agr[d] += k

    def append_device_series(self, k: int, lo: int = 0, hi: int | None = None) -> None:
        """Append ``k`` grid points of devices ``lo..hi``'s current state to their series."""
        ex, cv, ag, dp, dh = self.exist, self.covered, self.agree, self.dpairs, self.dhidden
        up, down, dev_bytes = self.up, self.down, self.dev_bytes
        series = zip(
            self.d_store[lo:hi],
            self.d_cons[lo:hi],
            self.d_cov[lo:hi],
            self.d_agr[lo:hi],
            self.d_wire[lo:hi],
        )
        for d, (store, cons, cov, agr, wire) in enumerate(series, lo):
            e, c, a = ex[d], cv[d], ag[d]
            if k == 1:
                store.append(dev_bytes[d])
                cons.append(share(a + dh[d], e + dp[d]))
                cov.append(share(c, e))
                agr.append(share(a, c))
                wire.append(sum(up[d]) + sum(down[d]))
            else:
                store.extend([dev_bytes[d]] * k)
                cons.extend([share(a + dh[d], e + dp[d])] * k)
                cov.extend([share(c, e)] * k)
                agr.extend([share(a, c)] * k)
                wire.extend([sum(up[d]) + sum(down[d])] * k)

    def device_means(self, d: int) -> tuple[float, float, float]:
        return (
            share(self.sum_cons[d], self.cnt_cons[d]),
            share(self.sum_cov[d], self.cnt_cov[d]),
            share(self.sum_agr[d], self.cnt_agr[d]),
        )

    def device_series(self) -> tuple[DeviceSeries, ...]:
        if not self.keep_device_series:
            return ()
        return tuple(
            DeviceSeries(
                name,
                tuple(self.d_store[d]),
                tuple(self.d_cons[d]),
                tuple(self.d_cov[d]),
                tuple(self.d_agr[d]),
                tuple(self.d_wire[d]),
            )
            for d, name in enumerate(self.names)
        )


def mean_finite(xs: Sequence[float]) -> float:
    """Mean of the non-NaN values (NaN when there are none)."""
    vals = [x for x in xs if not math.isnan(x)]
    return sum(vals) / len(vals) if vals else math.nan
