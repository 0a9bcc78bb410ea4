"""Recorder._sample's one-grid-point fast path equals the plain sampling it replaces."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.outputs.metrics import Recorder, share


def reference_sample(rec: Recorder, k: int) -> None:
    """Recorder._sample as first written: lists of k copies extended, device by device."""
    if k <= 0:
        return
    n = len(rec.names)
    ex, cv, ag, dp, dh = rec.exist, rec.covered, rec.agree, rec.dpairs, rec.dhidden
    te, tc, ta, tp, th = sum(ex), sum(cv), sum(ag), sum(dp), sum(dh)
    rec.s_server.extend([rec.server_bytes] * k)
    rec.s_phys.extend([rec.server_bytes * rec.replicas_live] * k)
    rec.s_cons.extend([share(ta + th, te + tp)] * k)
    rec.s_cov.extend([share(tc, te)] * k)
    rec.s_agr.extend([share(ta, tc)] * k)
    for d, (e, c, a, p, h) in enumerate(zip(ex, cv, ag, dp, dh)):
        pairs = e + p
        if pairs:
            rec.sum_cons[d] += k * (a + h) / pairs
            rec.cnt_cons[d] += k
        if e:
            rec.sum_cov[d] += k * c / e
            rec.cnt_cov[d] += k
        if c:
            rec.sum_agr[d] += k * a / c
            rec.cnt_agr[d] += k
    if not rec.keep_device_series:
        return
    if rec.sync is not None:
        rec.sync()
    for d in range(n):
        rec.d_store[d].extend([rec.dev_bytes[d]] * k)
        rec.d_cons[d].extend([share(ag[d] + dh[d], ex[d] + dp[d])] * k)
        rec.d_cov[d].extend([share(cv[d], ex[d])] * k)
        rec.d_agr[d].extend([share(ag[d], cv[d])] * k)
        rec.d_wire[d].extend([sum(rec.up[d]) + sum(rec.down[d])] * k)


class ReferenceRecorder(Recorder):
    def _sample(self, k: int) -> None:
        reference_sample(self, k)


SAMPLED = (
    "s_server",
    "s_phys",
    "s_cons",
    "s_cov",
    "s_agr",
    "d_store",
    "d_cons",
    "d_cov",
    "d_agr",
    "d_wire",
    "sum_cons",
    "cnt_cons",
    "sum_cov",
    "cnt_cov",
    "sum_agr",
    "cnt_agr",
)


def same(a: object, b: object) -> bool:
    """Equal, NaN equal to NaN, floats bit for bit."""
    return repr(a) == repr(b)


_STATE = st.one_of(st.none(), st.tuples(st.sampled_from(["INBOX", "Work"]), st.integers(0, 3)))
_STEP = st.one_of(
    st.tuples(st.just("pair"), st.integers(0, 2), _STATE, _STATE, st.sampled_from([1, -1])),
    st.tuples(st.just("move"), st.integers(0, 2), _STATE, _STATE, _STATE),
    st.tuples(st.just("intent"), st.integers(0, 2), _STATE, _STATE, _STATE),
    st.tuples(st.just("bytes"), st.integers(0, 2), st.integers(-500, 5000)),
    st.tuples(st.just("server"), st.integers(-500, 5000)),
    st.tuples(st.just("wire"), st.integers(0, 2), st.integers(0, 5), st.integers(0, 900)),
    st.tuples(st.just("advance"), st.floats(0.0, 3.0)),
)


def replay(rec: Recorder, steps: list[tuple], settle: bool) -> None:
    if settle:  # like the clients' closed-form idle bookings: traffic up to each grid point
        rec.settle = lambda t: rec.up[0].__setitem__(5, rec.up[0][5] + int(t))
    t = 0.0
    for step in steps:
        kind, *args = step
        if kind == "pair":
            rec.pair_add(*args)
        elif kind == "move":
            rec.pair_move(*args)
        elif kind == "intent":
            rec.intent_move(*args)
        elif kind == "bytes":
            rec.device_add(*args)
        elif kind == "server":
            rec.server_add(*args)
        elif kind == "wire":
            d, i, n = args
            rec.down[d][i] += n
        else:
            t += args[0]
            rec.advance(t)
    rec.finish()


@pytest.mark.parametrize(("series", "settle"), [(True, True), (True, False), (False, False)])
@settings(max_examples=40, deadline=None)
@given(steps=st.lists(_STEP, min_size=5, max_size=40), step_s=st.sampled_from([0.25, 0.5, 1.0]))
def test_sampling_equals_the_reference(
    series: bool, settle: bool, steps: list[tuple], step_s: float
) -> None:
    """Per-device series sampled one grid point at a time (settle) or several (no settle), and
    no series: every sample and running sum equal."""
    fast = Recorder(["a", "b", "c"], 12.0, step_s, series)
    slow = ReferenceRecorder(["a", "b", "c"], 12.0, step_s, series)
    replay(fast, steps, settle)
    replay(slow, steps, settle)
    for name in SAMPLED:
        assert same(getattr(fast, name), getattr(slow, name)), name
    for d in range(3):
        assert same(fast.device_means(d), slow.device_means(d))


@pytest.mark.parametrize("days", [2])
def test_a_lesson_run_is_identical_with_the_reference_sampling(
    days: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole model run (both protocols, per-device series) gives the same results."""
    from sim.lessons.experiments import lesson1_where_mail_lives

    fast = lesson1_where_mail_lives(days=days, seed=3)
    monkeypatch.setattr(Recorder, "_sample", reference_sample)
    slow = lesson1_where_mail_lives(days=days, seed=3)
    assert same(fast, slow)
    assert not math.isnan(fast.pop3.summary.server_storage_bytes)
