"""``sim.model.pair``: POP3 in the helper process gives the run made here, field for field."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import signal
from collections.abc import Iterator

import pytest

from sim.inputs.presets import preset
from sim.inputs.scenario import ScenarioError
from sim.inputs.workload import generate
from sim.model import Protocol, pair
from sim.outputs.results import Result, to_jsonable


def _json(r: Result) -> str:
    return json.dumps(to_jsonable(r), sort_keys=True, allow_nan=False)


@pytest.fixture()
def two_cores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The helper is only started where there is a second core: pretend there is.  The test's
    helper is stopped after it."""
    monkeypatch.setattr(pair, "default_workers", lambda: 2)
    yield
    pair.stop()
    assert not [p for p in multiprocessing.active_children() if p.name == pair.HELPER_NAME]


def _pop3_here_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make a POP3 run in *this* process fail, so a POP3 result can only come from the helper."""
    real = pair.simulate

    def only_imap(scenario, protocol, *args, **kwargs):  # type: ignore[no-untyped-def]
        assert protocol is Protocol.IMAP, "POP3 ran in this process"
        return real(scenario, protocol, *args, **kwargs)

    monkeypatch.setattr(pair, "simulate", only_imap)


def test_the_helpers_run_equals_the_run_made_here(
    two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    sc = preset("family", days=3, seed=7)
    tr_here, pop3_here, imap_here = pair.run_both(sc, final_state=True, grid_step_s=600.0)
    _pop3_here_fails(monkeypatch)
    with pair.helper():
        tr, pop3, imap = pair.run_both(sc, final_state=True, grid_step_s=600.0)
    assert tr == tr_here
    assert _json(pop3) == _json(pop3_here) and _json(imap) == _json(imap_here)
    assert pop3.final == pop3_here.final and pop3.final is not None


def test_runs_that_keep_their_event_records_are_made_here(two_cores: None) -> None:
    """Shipping back thousands of event records costs more than the run saves."""
    sc = preset("family", days=2, seed=7)
    _, pop3_here, _ = pair.run_both(sc, record_events=True)
    pair.stop()
    with pair.helper():
        _, pop3, _ = pair.run_both(sc, record_events=True)
    assert pair._STATE["helper"] is None  # (never started)
    assert pop3.records == pop3_here.records and pop3.records


def test_a_changed_trace_reaches_the_helper(
    two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An experiment may change the trace (an offline gap, an extra action): the helper must run
    on that trace, not on the scenario's own."""
    sc = preset("family", days=3, seed=7)
    own = generate(sc)
    cut = dataclasses.replace(own, actions=own.actions[: len(own.actions) // 2])
    _, pop3_cut, _ = pair.run_both(sc, cut, final_state=True)
    _, pop3_own, _ = pair.run_both(sc, own, final_state=True)
    assert _json(pop3_cut) != _json(pop3_own)  # (the change shows in the result)
    _pop3_here_fails(monkeypatch)
    with pair.helper():
        _, pop3, _ = pair.run_both(sc, cut, final_state=True)
    assert _json(pop3) == _json(pop3_cut)


def test_without_the_helper_both_runs_are_made_here(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = preset("single", days=2)
    ran: list[Protocol] = []
    real = pair.simulate

    def spy(scenario, protocol, *args, **kwargs):  # type: ignore[no-untyped-def]
        ran.append(protocol)
        return real(scenario, protocol, *args, **kwargs)

    monkeypatch.setattr(pair, "simulate", spy)
    pair.run_both(sc)  # not asked for
    monkeypatch.setattr(pair, "default_workers", lambda: 1)
    with pair.helper():  # asked for, on one core
        pair.run_both(sc)
    assert ran == [Protocol.POP3, Protocol.IMAP] * 2


def test_progress_reaches_one_and_never_goes_back(two_cores: None) -> None:
    sc = preset("family", days=3)
    for on in (False, True):
        seen: list[float] = []
        with pair.helper(on):
            pair.run_both(sc, progress=seen.append)
        assert seen and seen[-1] == pytest.approx(1.0)
        assert seen == sorted(seen) and seen[0] >= 0.0


def test_an_error_in_the_helper_reaches_the_caller(
    two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper's ScenarioError reaches the caller as itself (pickled back), and the helper
    stays usable."""
    sc = preset("single", days=2)
    real = pair.simulate
    monkeypatch.setattr(pair, "simulate", lambda *a, **k: None)  # nothing fails here
    with pair.helper(), pytest.raises(ScenarioError, match="grid_step_s") as caught:
        pair.run_both(sc, grid_step_s=-1.0)
    assert (caught.value.field, caught.value.value) == ("grid_step_s", -1.0)
    monkeypatch.setattr(pair, "simulate", real)
    _pop3_here_fails(monkeypatch)
    with pair.helper():
        _, pop3, _ = pair.run_both(sc)
    assert pop3.devices


def test_a_dead_helper_is_replaced_and_nothing_is_lost(two_cores: None) -> None:
    sc = preset("family", days=2, seed=3)
    _, pop3_here, _ = pair.run_both(sc)
    with pair.helper():
        pair.run_both(sc)  # starts the helper
        helper = pair._STATE["helper"]
        os.kill(helper.process.pid, signal.SIGKILL)
        helper.process.join()
        _, pop3, _ = pair.run_both(sc)  # this pair's POP3 is made here
        assert pair._STATE["helper"] is None
        _, pop3_again, _ = pair.run_both(sc)  # and the next pair has a new helper
        assert pair._STATE["helper"] not in (None, helper)
    assert _json(pop3) == _json(pop3_here) == _json(pop3_again)


def test_an_error_here_leaves_no_answer_for_the_next_pair(
    two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IMAP failing here while the helper runs POP3: the next pair must get its own POP3 run,
    not the answer left in the pipe."""
    one, other = preset("single", days=2, seed=1), preset("single", days=2, seed=2)
    _, pop3_other, _ = pair.run_both(other)
    real = pair.simulate

    def imap_fails(scenario, protocol, *args, **kwargs):  # type: ignore[no-untyped-def]
        if protocol is Protocol.IMAP:
            raise RuntimeError("IMAP failed here")
        return real(scenario, protocol, *args, **kwargs)

    monkeypatch.setattr(pair, "simulate", imap_fails)
    with pair.helper(), pytest.raises(RuntimeError, match="IMAP failed here"):
        pair.run_both(one)
    monkeypatch.setattr(pair, "simulate", real)
    with pair.helper():
        _, pop3, _ = pair.run_both(other)
    assert _json(pop3) == _json(pop3_other)


def test_where_no_process_can_start_both_runs_are_made_here(
    two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> None:
        raise OSError("no processes in this sandbox")

    monkeypatch.setattr(pair, "_Helper", refuse)
    monkeypatch.setitem(pair._STATE, "helper", None)
    monkeypatch.setitem(pair._STATE, "cannot", False)
    sc = preset("single", days=2)
    _, pop3_here, _ = pair.run_both(sc)
    with pair.helper():
        _, pop3, _ = pair.run_both(sc)
    assert _json(pop3) == _json(pop3_here) and pair._STATE["cannot"]


def test_run_all_keeps_the_order_and_each_runs_own_trace(
    two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several POP3 runs in the helper (two scenarios, one trace changed), IMAP runs here: the
    results come back in the order asked, each from its own scenario and trace."""
    family, single = preset("family", days=2, seed=5), preset("single", days=2, seed=6)
    own = generate(single)
    cut = dataclasses.replace(own, actions=own.actions[::2])
    runs = [
        pair.Run(family, Protocol.POP3),
        pair.Run(single, Protocol.IMAP, cut),
        pair.Run(single, Protocol.POP3, cut),
        pair.Run(family, Protocol.IMAP),
        pair.Run(single, Protocol.POP3),
    ]
    here = [_json(r) for r in pair.run_all(runs)]
    assert len(set(here)) == len(here)  # (all different, so an order slip shows)
    _pop3_here_fails(monkeypatch)
    with pair.helper():
        assert [_json(r) for r in pair.run_all(runs)] == here


def test_an_interrupt_while_waiting_leaves_no_answer_for_the_next_call(
    two_cores: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (a kernel interrupt) while this process waits for the helper: its answer must not
    be taken for the next call's."""
    one, other = preset("single", days=2, seed=1), preset("single", days=2, seed=2)
    _, pop3_other, _ = pair.run_both(other)
    real = pair._Helper.answer

    def interrupted(self: pair._Helper) -> tuple[bool, object]:
        monkeypatch.setattr(pair._Helper, "answer", real)  # once
        raise KeyboardInterrupt

    monkeypatch.setattr(pair._Helper, "answer", interrupted)
    with pair.helper(), pytest.raises(KeyboardInterrupt):
        pair.run_both(one)
    with pair.helper():
        _, pop3, _ = pair.run_both(other)
    assert _json(pop3) == _json(pop3_other)


def test_the_helper_outlives_a_ctrl_c_sent_to_the_process_group(two_cores: None) -> None:
    """Jupyter's interrupt reaches every process of the kernel's group: the helper must stay
    (the kernel decides whether to drop it) and keep answering."""
    sc = preset("single", days=2)
    _, pop3_here, _ = pair.run_both(sc)
    with pair.helper():
        pair.run_both(sc)
        helper = pair._STATE["helper"]
        os.kill(helper.process.pid, signal.SIGINT)
        helper.process.join(timeout=0.5)
        assert helper.process.is_alive()
        _, pop3, _ = pair.run_both(sc)
        assert pair._STATE["helper"] is helper
    assert _json(pop3) == _json(pop3_here)
