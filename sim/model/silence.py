"""Silence on a kept-open IMAP connection: the server's keepalives, and NAT routers that forget.

Theory of operation
-------------------
Traffic on an open connection is every exchange the client is charged for (the connect, pushes and
what follows them, uploads) plus the closed-form IDLE re-issues at the client's timeline ticks.
Between two of them the connection is silent.

* With a server keepalive (``ServerSpec.idle_keepalive_s = k``) the server sends ``* OK Still
  here`` after each ``k`` seconds of silence: a silent stretch of ``g`` seconds holds
  ``ceil(g / k) - 1`` of them.  They are counted as the stretches close and booked at the end.
* With a NAT (``LinkSpec.nat_idle_timeout_s = n``) shorter than the re-issue interval and no
  keepalive sooner, the router forgets the connection ``n`` seconds into a silence.  Pushes after
  that are lost; the client notices at its next write -- the first re-issue after the silence
  began, armed here as a ``World.call_at`` check, or a user action -- and reconnects.  Each exchange
  re-arms the check (older ones are discarded by a generation number).

The two never meet: keepalives keep a NAT from forgetting, and a forgotten connection delivers no
keepalive.  ``tests/sim/test_connection_silence.py`` checks hand-counted cases.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .poll_ticks import Timeline
from .world import World


def _no_revive(t: float) -> None:
    """The callback of a detached Silence (its run is over)."""


class Silence:
    """Keepalive and NAT bookkeeping of one IMAP client's connections."""

    def __init__(
        self,
        world: World,
        tl: Timeline,
        nat: float | None,
        keepalive: float | None,
        revive: Callable[[float], None],
    ) -> None:
        """``nat``/``keepalive`` as the scenario gives them for an IDLE client (``None`` for a
        polling one); ``revive(t)`` is the client's write-fails-then-reconnect."""
        self.w = world
        self.tl = tl
        self.nat = (
            nat
            if (nat is not None and nat < tl.interval and (keepalive is None or keepalive >= nat))
            else None
        )
        self.keepalive = keepalive if self.nat is None else None
        self.active = self.nat is not None or self.keepalive is not None
        self._revive = revive
        self.quiet: float | None = None  # end of the last exchange on the open connection
        self.dead_from = math.inf  # when the NAT forgets the open connection
        self.keepalives = 0  # keepalives delivered so far (the client books them at the end)
        self.nat_reconnects = 0  # re-issue ticks that found the connection gone
        self._gen = 0  # invalidates an armed NAT check when traffic moved it

    def detach(self) -> None:
        """Forget the client's callback (which refers back to it): a finished run's client and
        its Silence then go with their last reference, not at the next cyclic collection."""
        self._revive = _no_revive

    def _silences(self, a: float, b: float) -> tuple[float, int, float]:
        """Silent stretches in [a, b) on one connection (one online period): (first, number of
        whole re-issue intervals, last); without a tick inside it is (b - a, 0, 0)."""
        tl = self.tl
        k = tl.ticks_between(a, b)
        if k == 0:
            return b - a, 0, 0.0
        first = tl.next_tick(a)
        return first - a, k - 1, b - (first + (k - 1) * tl.interval)

    def activity(self, start: float, end: float) -> None:
        """An exchange on the connection from ``start`` to ``end``."""
        q = self.quiet
        if q is not None and self.keepalive is not None and start > q:
            k = self.keepalive
            each = lambda g: max(0, math.ceil(g / k - 1e-9) - 1) if g > 0 else 0  # noqa: E731
            first, whole, last = self._silences(q, start)
            self.keepalives += each(first) + whole * each(self.tl.interval) + each(last)
        self.quiet = end if q is None else max(q, end)
        if self.nat is not None:
            self._arm()

    def close(self, t: float) -> None:
        """The open connection ends at ``t`` (the device went offline, crashed or reconnects)."""
        q = self.quiet
        if q is not None:
            i = self.tl.index_at(q)
            end = min(t, self.tl.ends[i]) if i >= 0 else q
            if end > q:
                self.activity(end, end)
        self.forget()

    def forget(self) -> None:
        """No open connection (a forgotten one delivered no keepalive either)."""
        self.quiet = None
        self.dead_from = math.inf
        self._gen += 1

    def dead(self, t: float) -> bool:
        """Whether the NAT has forgotten the open connection by ``t``."""
        return self.nat is not None and self.quiet is not None and t >= self.dead_from

    def _arm(self) -> None:
        """Schedule the check at the first IDLE re-issue that finds the connection forgotten."""
        tl, q, nat = self.tl, self.quiet, self.nat
        assert q is not None and nat is not None
        i = tl.index_at(q)
        self._gen += 1  # whatever was armed before is superseded by this exchange
        if i < 0:  # the exchange ran past the end of the online period: the period's end
            self.dead_from = math.inf  # closes the connection, the next start reconnects
            return
        end = tl.ends[i]
        first = tl.next_tick(q)
        if first - q > nat:  # forgotten before the next re-issue, which then fails
            self.dead_from, check = q + nat, first
        else:  # the re-issue keeps it alive; the one after it comes too late
            self.dead_from, check = first + nat, first + tl.interval
        if check < end and check < self.w.end:
            gen = self._gen
            self.w.call_at(check, lambda t: self._check(t, gen))

    def _check(self, t: float, gen: int) -> None:
        if gen == self._gen and self.quiet is not None and t >= self.dead_from:
            self.nat_reconnects += 1  # this tick is a reconnect, not a closed-form re-issue
            self._revive(t)
