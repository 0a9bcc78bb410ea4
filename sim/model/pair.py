"""The two protocols of one scenario at once: IMAP in this process, POP3 in a helper process.

A lesson's dashboard simulates POP3 and IMAP on one trace, one after the other (lesson 4 at its
defaults: the trace 4 ms, POP3 10 ms, IMAP 17 ms).  The two runs share nothing but the trace,
so on a machine with a second core a helper process can run POP3 while this one runs IMAP, and
the learner waits for the longer run instead of the sum (:func:`run_both`; :func:`run_all`
for a lesson that makes more runs: every POP3 run goes to the helper, every IMAP run is made
here, as IMAP's are the longer ones).  The helper is one long-lived worker forked from the
fork server of :mod:`sim.model.processes` (the first call of a session starts it, in about
0.25 s; later calls find it ready).  It makes a trace itself when the caller passes none (a
trace is a function of its scenario), else gets the caller's trace pickled (an experiment may
have changed it); the results come back pickled, equal field for field to runs made here
(``tests/sim/test_pair.py``).

Off unless asked for (:func:`helper`): a one-shot command such as ``python -m sim lesson 4``
would pay the helper's start for runs of tens of milliseconds.  The course asks for it around
a dashboard's simulation; with one core, if the helper cannot start, or for runs that keep
their event records (whose answer costs more to ship back than the run), every run is made
here, as without it.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..inputs.access import Protocol
from ..inputs.scenario import Scenario
from ..inputs.workload import Trace, generate
from ..outputs.results import Result
from .processes import default_workers, worker_context
from .simulation import simulate

HELPER_NAME = "sim-pair-helper"  # the helper's process name (it stays for the session)


@dataclass(frozen=True)
class Run:
    """One simulation to make: ``scenario`` under ``protocol`` on ``trace``, or, with ``trace``
    None, on the scenario's own trace, made where the run is made (the helper makes its own
    instead of receiving it pickled: 1.6 ms to pickle lesson 4's, 2.8 ms to generate it, and
    both sides generate at once)."""

    scenario: Scenario
    protocol: Protocol
    trace: Trace | None = None


# what goes down the pipe per run
_Task = tuple[Scenario, Protocol, Trace | None]


class _Helper:
    """The helper process and the pipe to it: tasks go down as one pickle, written by this
    thread (an executor's feeder thread would wait for the GIL, which the run here holds, for
    up to a switch interval of 5 ms at each end -- as long as lesson 4's whole POP3 run)."""

    def __init__(self) -> None:
        ctx = worker_context()
        self.conn, theirs = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(theirs,), name=HELPER_NAME, daemon=True)
        self.process.start()
        theirs.close()

    def submit(self, tasks: list[_Task], options: dict[str, Any]) -> None:
        self.conn.send((tasks, options))

    def answer(self) -> tuple[bool, Any]:
        """(True, the results) or (False, the error the helper raised)."""
        ok, value = self.conn.recv()
        return ok, value

    def close(self) -> None:
        self.conn.close()
        self.process.kill()
        self.process.join()


def _serve(conn: Any) -> None:
    """The helper's loop: make each batch of runs, send back (True, results) or (False, the
    error).  It ignores Ctrl-C: Jupyter interrupts a kernel's whole process group, and the
    kernel stops the helper itself when it gives up waiting."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            tasks, options = conn.recv()
        except EOFError:  # the session ended
            return
        try:
            runs = [Run(sc, proto, tr) for sc, proto, tr in tasks]
            reply: tuple[bool, Any] = (True, _here(runs, range(len(runs)), None, options, {}))
        except Exception as error:  # the caller raises it
            reply = (False, error)
        try:
            conn.send(reply)
        except Exception as error:  # an error that does not pickle: its text, at least
            conn.send((False, RuntimeError(f"in the helper process: {error!r}")))


_STATE: dict[str, Any] = {"on": False, "helper": None, "cannot": False}


@contextmanager
def helper(on: bool = True) -> Iterator[None]:
    """Within the block, :func:`run_all` makes the POP3 runs in the helper process (``on``) or
    here."""
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
            _STATE["cannot"] = True  # of an unguarded script): every run here from now on
            return None
    found: _Helper = _STATE["helper"]
    return found


def stop() -> None:
    """Stop the helper process, if one runs (the next call that asks for it starts a new one)."""
    if _STATE["helper"] is not None:
        _forget(_STATE["helper"])


def _forget(dead: _Helper) -> None:
    """Drop the helper (it died, or its answer can no longer be read in turn); the next call
    that asks for one starts a new one."""
    dead.close()
    _STATE["helper"] = None


def run_all(
    runs: Sequence[Run],
    *,
    progress: Callable[[float], None] | None = None,
    **options: Any,
) -> list[Result]:
    """The results of ``runs``, in their order; ``options`` go to :func:`~sim.model.simulate`
    for each.  ``progress`` gets the fraction done (with the helper: of the runs made here, the
    longer ones, then 1.0)."""
    return _run_all(runs, progress, options, {})


def run_both(
    scenario: Scenario,
    trace: Trace | None = None,
    *,
    progress: Callable[[float], None] | None = None,
    **options: Any,
) -> tuple[Trace, Result, Result]:
    """The trace (``trace``, or generated) and the POP3 and IMAP runs of ``scenario`` on it
    (:func:`run_all`)."""
    made: dict[int, Trace] = {}
    pop3, imap = _run_all(
        [Run(scenario, Protocol.POP3, trace), Run(scenario, Protocol.IMAP, trace)],
        progress,
        options,
        made,
    )
    return _trace(scenario, trace, made), pop3, imap


def _trace(scenario: Scenario, trace: Trace | None, made: dict[int, Trace]) -> Trace:
    """``trace``, or the scenario's own, generated once per ``made`` (by object: hashing a
    scenario walks every user)."""
    if trace is not None:
        return trace
    if id(scenario) not in made:
        made[id(scenario)] = generate(scenario)
    return made[id(scenario)]


def _run_all(
    runs: Sequence[Run],
    progress: Callable[[float], None] | None,
    options: dict[str, Any],
    made: dict[int, Trace],
) -> list[Result]:
    there = [k for k, r in enumerate(runs) if r.protocol is Protocol.POP3]
    # a run that keeps its event records is made here: its answer costs more to unpickle than
    # the run (lesson 0 over 7 days: 1,535 records, 246 KB, 11.8 ms to load; with the helper,
    # its update took 82 ms against 81 ms without)
    wanted = _STATE["on"] and there and len(there) < len(runs) and not options.get("record_events")
    helper = _helper() if wanted else None
    if helper is not None:
        try:
            helper.submit(
                [(runs[k].scenario, runs[k].protocol, runs[k].trace) for k in there], options
            )
        except OSError:  # the pipe is broken: the helper died
            _forget(helper)
            helper = None
    if helper is None:
        return _here(runs, range(len(runs)), progress, options, made)
    here = [k for k in range(len(runs)) if k not in there]
    try:
        results = dict(zip(here, _here(runs, here, progress, options, made), strict=True))
    except BaseException:
        _forget(helper)  # its answer would be read by the next call
        raise
    try:
        ok, answer = helper.answer()
    except (EOFError, OSError):  # the helper died: make its runs here
        _forget(helper)
        ok, answer = True, _here(runs, there, None, options, made)
    except BaseException:  # interrupted while waiting: the answer would reach the next call
        _forget(helper)
        raise
    if not ok:
        raise answer
    results.update(zip(there, answer, strict=True))
    if progress is not None:
        progress(1.0)
    return [results[k] for k in range(len(runs))]


def _here(
    runs: Sequence[Run],
    which: Sequence[int],
    progress: Callable[[float], None] | None,
    options: dict[str, Any],
    made: dict[int, Trace],
) -> list[Result]:
    """The runs numbered ``which``, made in this process one after the other."""
    return [
        simulate(
            runs[k].scenario,
            runs[k].protocol,
            _trace(runs[k].scenario, runs[k].trace, made),
            progress=progress_share(progress, i, len(which)),
            **options,
        )
        for i, k in enumerate(which)
    ]


def progress_share(
    progress: Callable[[float], None] | None, k: int, n: int
) -> Callable[[float], None] | None:
    """``progress`` for run ``k`` of ``n`` made one after the other: its fraction done maps to
    ``k/n .. (k+1)/n``."""
    if progress is None:
        return None
    report = progress
    return lambda f: report((k + f) / n)
