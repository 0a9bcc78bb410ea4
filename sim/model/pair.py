"""The two protocols of one scenario at once: IMAP in this process, POP3 in a helper process.

A lesson's dashboard simulates POP3 and IMAP on one trace, one after the other (lesson 4 at its
defaults: the trace 4 ms, POP3 10 ms, IMAP 17 ms).  The two runs share nothing but the trace,
so on a machine with a second core a helper process can run POP3 while this one runs IMAP, and
the learner waits for the longer run instead of the sum.  The helper is one long-lived worker
forked from the fork server of :mod:`sim.model.shards` (the first pair of a session starts it,
in about 0.1-0.3 s; later pairs find it ready).  It makes the trace itself when the caller
passes none (a trace is a function of its scenario), else gets the caller's trace pickled
(an experiment may have changed it); its :class:`Result` comes back pickled, equal field for
field to one made here (``tests/sim/test_pair.py``).

Off unless asked for (:func:`helper`): a one-shot command such as ``python -m sim lesson 4``
would pay the helper's start for runs of tens of milliseconds.  The course asks for it around
a dashboard's simulation; with one core, or if the helper cannot start, both runs are made
here, as without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..inputs.access import Protocol
from ..inputs.scenario import Scenario
from ..inputs.workload import Trace, generate
from ..outputs.results import Result
from .processes import default_workers, worker_context
from .simulation import simulate

HELPER_NAME = "sim-pair-helper"  # the helper's process name (it stays for the session)


class _Helper:
    """The helper process and the pipe to it: a task goes down as one pickle, written by this
    thread (an executor's feeder thread would wait for the GIL, which the run here holds, for
    up to a switch interval of 5 ms at each end -- as long as lesson 4's whole POP3 run)."""

    def __init__(self) -> None:
        ctx = worker_context()
        self.conn, theirs = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(theirs,), name=HELPER_NAME, daemon=True)
        self.process.start()
        theirs.close()

    def submit(self, task: tuple[Scenario, Trace | None, dict[str, Any]]) -> None:
        self.conn.send(task)

    def result(self) -> Result:
        ok, value = self.conn.recv()
        if not ok:
            raise value
        result: Result = value
        return result

    def close(self) -> None:
        self.conn.close()
        self.process.kill()
        self.process.join()


def _serve(conn: Any) -> None:
    """The helper's loop: run each task, send back (True, result) or (False, its error)."""
    while True:
        try:
            scenario, trace, options = conn.recv()
        except EOFError:  # the session ended
            return
        try:
            reply: tuple[bool, Any] = (True, _remote(scenario, trace, options))
        except Exception as error:  # the caller raises it
            reply = (False, error)
        try:
            conn.send(reply)
        except Exception as error:  # an error that does not pickle: its text, at least
            conn.send((False, RuntimeError(f"in the helper process: {error!r}")))


_STATE: dict[str, Any] = {"on": False, "helper": None, "cannot": False}


@contextmanager
def helper(on: bool = True) -> Iterator[None]:
    """Within the block, :func:`run_both` runs POP3 in the helper process (``on``) or here."""
    saved = _STATE["on"]
    _STATE["on"] = on
    try:
        yield
    finally:
        _STATE["on"] = saved


def _helper() -> _Helper | None:
    """The helper (started on first use), or None where it would not help."""
    if default_workers() < 2 or _STATE["cannot"]:
        return None
    if _STATE["helper"] is None:
        try:
            _STATE["helper"] = _Helper()
        except (OSError, RuntimeError):  # no processes here (a sandbox; a worker's own import
            _STATE["cannot"] = True  # of an unguarded script): run both here from now on
            return None
    found: _Helper = _STATE["helper"]
    return found


def stop() -> None:
    """Stop the helper process, if one runs (the next pair asked for starts a new one)."""
    if _STATE["helper"] is not None:
        _forget(_STATE["helper"])


def _forget(dead: _Helper) -> None:
    """Drop a helper that died (killed, out of memory); the next pair starts a new one."""
    dead.close()
    _STATE["helper"] = None


def _remote(scenario: Scenario, trace: Trace | None, options: dict[str, Any]) -> Result:
    """The helper's run: POP3 on ``trace``, or on the scenario's own trace made there."""
    return simulate(
        scenario, Protocol.POP3, generate(scenario) if trace is None else trace, **options
    )


def run_both(
    scenario: Scenario,
    trace: Trace | None = None,
    *,
    progress: Callable[[float], None] | None = None,
    **options: Any,
) -> tuple[Trace, Result, Result]:
    """The trace (``trace``, or generated) and the POP3 and IMAP runs of ``scenario`` on it;
    ``options`` go to :func:`~sim.model.simulate` for both.  ``progress`` gets the fraction done
    of the pair (with the helper: of the IMAP run here, the longer one, then 1.0)."""
    helper = _helper() if _STATE["on"] else None
    if helper is not None:
        try:
            helper.submit((scenario, trace, options))
        except OSError:  # the pipe is broken: the helper died
            _forget(helper)
            helper = None
    tr = trace if trace is not None else generate(scenario)
    if helper is None:
        pop3 = simulate(
            scenario, Protocol.POP3, tr, progress=progress_share(progress, 0, 2), **options
        )
        imap = simulate(
            scenario, Protocol.IMAP, tr, progress=progress_share(progress, 1, 2), **options
        )
        return tr, pop3, imap
    try:
        imap = simulate(scenario, Protocol.IMAP, tr, progress=progress, **options)
    except BaseException:
        _forget(helper)  # its answer would be read by the next pair
        raise
    try:
        pop3 = helper.result()
    except (EOFError, OSError):
        _forget(helper)
        pop3 = simulate(scenario, Protocol.POP3, tr, **options)
    return tr, pop3, imap


def progress_share(
    progress: Callable[[float], None] | None, k: int, n: int
) -> Callable[[float], None] | None:
    """``progress`` for run ``k`` of ``n`` made one after the other: its fraction done maps to
    ``k/n .. (k+1)/n``."""
    if progress is None:
        return None
    report = progress
    return lambda f: report((k + f) / n)
