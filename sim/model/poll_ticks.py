"""Online periods of a device and the arithmetic of poll ticks over them (closed form).

Theory of operation
-------------------
A device is online during sorted, disjoint half-open intervals ``[start, end)``.  A polling client
checks mail shortly after it comes online -- within :data:`STARTUP_S`, at a per-device fraction
given by ``phase`` so that devices coming online together do not poll in the same instant -- and
then every ``interval`` seconds while it stays online.  Everything here is arithmetic: the model
asks "when is the next tick at or after t?" and "how many ticks fall in [a, b)?" instead of
simulating each empty poll as an event, which is what keeps idle simulated time cheap.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from typing import Final

_EPS: Final = 1e-9  # ticks are compared in units of the interval, tolerant of rounding
STARTUP_S: Final = 120.0  # a client checks mail within this long after coming online


class Timeline:
    """Online intervals of one device, with tick arithmetic for a poll interval and phase."""

    __slots__ = (
        "starts",
        "ends",
        "interval",
        "phase",
        "startup",
        "firsts",
        "margin",
        "_whole",
        "_lo",
        "_hi",
        "_on",
        "_nt",
    )

    def __init__(
        self, intervals: Sequence[tuple[float, float]], interval: float = 600.0, phase: float = 0.0
    ) -> None:
        self.starts = [float(s) for s, e in intervals if e > s]
        self.ends = [float(e) for s, e in intervals if e > s]
        for i in range(1, len(self.starts)):
            if self.starts[i] < self.ends[i - 1]:
                raise ValueError(f"online intervals overlap at {self.starts[i]}")
        if interval <= 0:
            raise ValueError(f"interval={interval}: allowed > 0")
        self.interval = float(interval)
        self.phase = float(phase) % self.interval
        # first check after coming online: a per-device fraction of the start-up window, so two
        # devices that come online together do not poll in the same instant
        self.startup = self.phase / self.interval * min(self.interval, STARTUP_S)
        # each interval's first tick, computed once (the tick arithmetic needs it at every step;
        # the same sum, so the same floats)
        self.firsts = [s + self.startup for s in self.starts]
        # _whole[k]: ticks of intervals 0..k-1 taken whole (see ticks_between)
        self._whole = [0]
        for k in range(len(self.starts)):
            self._whole.append(self._whole[-1] + self._ticks_in(k, -math.inf, math.inf))
        # questions in [t, tick - margin) share next_tick(t): see next_tick()
        self.margin = self.interval * 1e-6
        # online(): the last interval or gap looked up, [_lo, _hi) with its state
        self._lo, self._hi, self._on = math.inf, -math.inf, False
        # next_tick(): the last answer and the range [lo, hi) of questions that share it
        self._nt = (math.inf, -math.inf, math.nan)

    def index_at(self, t: float) -> int:
        """Index of the interval containing ``t``, or -1 when offline at ``t``."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            return i
        return -1

    def online(self, t: float) -> bool:
        if self._lo <= t < self._hi:  # same interval or gap as the last question
            return self._on
        starts, ends = self.starts, self.ends
        i = bisect.bisect_right(starts, t) - 1
        if i >= 0 and t < ends[i]:
            self._lo, self._hi, self._on = starts[i], ends[i], True
            return True
        self._lo = ends[i] if i >= 0 else -math.inf
        self._hi = starts[i + 1] if i + 1 < len(starts) else math.inf
        self._on = False
        return False

    def next_online(self, t: float) -> float:
        """``t`` itself when online, else the next time the device comes online (inf if never)."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i >= 0 and t < self.ends[i]:
            return t
        if i + 1 < len(self.starts):
            return self.starts[i + 1]
        return math.inf

    def next_tick(self, t: float) -> float:
        """The first poll tick at or after ``t`` (inf if none).

        Clients ask again and again between two ticks (every arrival, every INBOX change) and at
        the tick itself, so the answer is kept with the questions that share it: every ``t'`` in
        ``[t, tick - margin)`` (``margin = interval * 1e-6``) has the same next tick (the same
        ``k`` in ``first + k * interval``: the margin is far above the rounding of
        ``_next_tick``, far below a tick spacing), and a tick is its own next tick
        (``tests/sim/test_timeline_ticks.py``)."""
        lo, hi, tick = self._nt
        if lo <= t < hi or t == tick:
            return tick
        tick = self._next_tick(t)
        self._nt = (t, tick - self.margin, tick)
        return tick

    def _next_tick(self, t: float) -> float:
        # the arithmetic of the definition, with max() and firsts[i] written out: the POP3 client
        # asks this about twice per message and device (tests/sim/test_fast_paths_equal_definitions.py
        # checks it against the plain loop)
        starts = self.starts
        i = bisect.bisect_right(starts, t) - 1
        if i < 0:  # hot path: no max() call
            i = 0
        ends, iv, firsts = self.ends, self.interval, self.firsts
        n = len(starts)
        while i < n:
            first = firsts[i]
            if t <= first:
                if first < ends[i]:
                    return first
            else:
                tick = first + math.ceil((t - first) / iv - _EPS) * iv
                if tick < ends[i]:
                    return tick
            i += 1
        return math.inf

    def ticks_between(self, a: float, b: float) -> int:
        """Number of poll ticks ``x`` with ``a <= x < b``.

        Only the intervals holding ``a`` and ``b`` are cut; every interval between them lies
        wholly inside ``[a, b)``, and their ticks come from the running total ``_whole``, so a
        question spanning weeks of on/off periods costs two bisections (the plain loop over the
        intervals is ``tests/sim/test_fast_paths_equal_definitions.py``'s reference)."""
        if b <= a:
            return 0
        starts = self.starts
        i = max(0, bisect.bisect_right(starts, a) - 1)
        j = bisect.bisect_left(starts, b) - 1  # the last interval starting before b
        if j < i:
            return 0
        n = self._ticks_in(i, a, b)
        if j > i:
            n += self._whole[j] - self._whole[i + 1] + self._ticks_in(j, a, b)
        return n

    def _ticks_in(self, i: int, a: float, b: float) -> int:
        """Ticks of interval ``i`` (``first + k * interval`` before its end) within ``[a, b)``."""
        first = self.firsts[i]
        lo, hi = max(a, first), min(b, self.ends[i])
        if hi <= lo:
            return 0
        iv = self.interval
        return max(0, math.ceil((hi - first) / iv - _EPS) - math.ceil((lo - first) / iv - _EPS))

    def online_time(self, a: float, b: float) -> float:
        """Seconds online within ``[a, b)``."""
        total = 0.0
        i = max(0, bisect.bisect_right(self.starts, a) - 1)
        while i < len(self.starts) and self.starts[i] < b:
            lo, hi = max(a, self.starts[i]), min(b, self.ends[i])
            if hi > lo:
                total += hi - lo
            i += 1
        return total

    def starts_between(self, a: float, b: float) -> list[float]:
        """Start times of online intervals in ``[a, b)``."""
        lo = bisect.bisect_left(self.starts, a)
        hi = bisect.bisect_left(self.starts, b)
        return self.starts[lo:hi]
