"""The model's fast paths equal the slow ones they replace (sizes, probes, wire arithmetic)."""

from __future__ import annotations

import bisect
import dataclasses
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.inputs.presets import preset
from sim.inputs.scenario import LinkSpec, TlsMode
from sim.inputs.workload import MessageSpec, build_message, generate
from sim.model import Protocol, state
from sim.model import wire_cost as wire
from sim.model.imap_costs import ImapCosts, NewFetch, _config, add, size_probe
from sim.model.poll_ticks import Timeline
from sim.model.pop3_costs import digits
from sim.model.sizes import fast_mail, fast_mails
from sim.model.state import _shape, mail_of
from sim.model.wire_cost import WireCalc, session_wire
from sim.outputs.metrics import Recorder
from sim.protocol.imap.server import ImapServer
from sim.protocol.imap_client import connect
from sim.protocol.message import Attachment, ByteKind, synthesize
from sim.protocol.store import Store


def _trace(name: str = "family", days: int = 2, seed: int = 1):  # type: ignore[no-untyped-def]
    return generate(preset(name, days=days, seed=seed))


_TRACE = _trace()


@st.composite
def _specs(draw: st.DrawFn) -> MessageSpec:
    words = draw(st.lists(st.integers(0, 9999), max_size=4))
    kws = tuple(dict.fromkeys(f"topic{w:04d}" for w in words))
    outgoing = draw(st.booleans())
    reply = draw(st.one_of(st.none(), st.integers(0, 10**7))) if outgoing else None
    att = draw(st.one_of(st.just(0), st.integers(1, 200), st.integers(1, 3_000_000)))
    return MessageSpec(
        id=draw(st.integers(0, 10**7)),
        user=draw(st.integers(0, len(_TRACE.scenario.users) - 1)),
        time=draw(st.floats(0, 400 * 86400.0)),
        text_size=draw(st.one_of(st.integers(2, 80), st.integers(2, 2_000_000))),
        attachment_size=att,
        keywords=kws,
        outgoing=outgoing,
        reply_to=reply,
    )


@settings(max_examples=150, deadline=None)
@given(spec=_specs())
def test_fast_mail_equals_the_built_message(spec: MessageSpec) -> None:
    """Every size (and the BODYSTRUCTURE length) computed from the spec alone equals the one read
    from the built message; the arithmetic shape key equals the one taken from the message."""
    slow = mail_of(spec, _TRACE)
    state._STRUCTURE.pop(_shape(build_message(spec, _TRACE.scenario).root), None)
    fast = fast_mail(spec, _TRACE)
    assert fast == slow
    msg = build_message(spec, _TRACE.scenario)
    ks = msg.kind_sizes()
    assert (fast.size, fast.header, fast.body, fast.attachment) == (
        msg.size,
        ks[ByteKind.HEADER],
        ks[ByteKind.BODY],
        ks[ByteKind.ATTACHMENT],
    )
    # the fast path stored its structure under the message's own shape key
    assert _shape(msg.root) in state._STRUCTURE


def test_fast_mail_handles_non_ascii_user_names() -> None:
    sc = preset("single", days=2, seed=4)
    users = (dataclasses.replace(sc.users[0], name="zoë"),)
    trace = generate(dataclasses.replace(sc, users=users))
    specs = trace.messages + trace.sent
    assert specs
    assert fast_mails(trace, specs) == [mail_of(s, trace) for s in specs]
    assert fast_mails(trace, specs)[0].header == mail_of(specs[0], trace).header


@pytest.mark.parametrize("name,seed", [("campus", 2), ("traveller", 3), ("two_clients", 5)])
def test_fast_mails_equal_mail_of_on_preset_traces(name: str, seed: int) -> None:
    trace = _trace(name, days=1 if name == "campus" else 10, seed=seed)
    specs = (trace.messages + trace.sent)[:3000]
    assert fast_mails(trace, specs) == [mail_of(s, trace) for s in specs]


def _direct_append(tls: TlsMode, msg, uidnext: int, pads: int):  # type: ignore[no-untyped-def]
    """(cost, Sent's UIDVALIDITY) of an engine APPEND of ``msg`` after ``pads`` other folders."""
    store = Store()
    acct = store.add_account("user", "secret")
    for i in range(pads):
        acct.create(f"pad{i}")
    box = acct.create("Sent")
    box.uidnext = uidnext
    c = connect(ImapServer(store, _config(tls)), "user", "secret", starttls=tls is TlsMode.STARTTLS)
    c.take_record()
    c.append("Sent", msg)
    rec = c.take_record()
    k = rec.server_counts
    ks = msg.kind_sizes()
    payload = (ks[ByteKind.HEADER], ks[ByteKind.BODY], ks[ByteKind.ATTACHMENT])
    return (
        (rec.client_bytes - sum(payload), *payload),
        (k.framing, k.header, k.body, k.attachment),
        rec.round_trips,
    ), box.uidvalidity


@pytest.mark.parametrize("seed", range(3))
def test_append_cost_from_a_size_probe_equals_an_engine_run(seed: int) -> None:
    """APPEND is measured on a plain message with as many size digits; the cost of every real
    message (any structure, its own payload split) equals a direct engine APPEND of it."""
    rng = random.Random(300 + seed)
    tls = rng.choice(list(TlsMode))
    costs = ImapCosts(tls)
    for k in range(12):
        text = rng.choice(
            [rng.randint(2, 90), rng.randint(100, 9000), rng.randint(10_000, 900_000)]
        )
        att = (
            [Attachment("f.bin", rng.choice([rng.randint(1, 5000), rng.randint(10_000, 800_000)]))]
            if rng.random() < 0.5
            else []
        )
        msg = synthesize(seed=seed * 100 + k, text_size=text, attachments=att)
        ks = msg.kind_sizes()

        class _M:
            size = msg.size
            header, body, attachment = (
                ks[ByteKind.HEADER],
                ks[ByteKind.BODY],
                ks[ByteKind.ATTACHMENT],
            )

        uidnext = rng.choice([1, 9, 10, 99, 100, 12345])
        direct, validity = _direct_append(tls, msg, uidnext, rng.choice([0, 1, 5]))
        assert costs.append(_M, lambda: msg, uidnext, validity) == direct


def test_size_probe_has_the_digits_asked_for() -> None:
    assert size_probe(1) is None
    for d in range(2, 8):
        m = size_probe(d)
        assert m is not None and digits(m.size) == d and len(m.render()) == m.size


@settings(max_examples=200, deadline=None)
@given(
    up=st.integers(0, 3_000_000),
    down=st.integers(0, 30_000_000),
    rt=st.integers(0, 60),
    connect=st.booleans(),
    tls=st.sampled_from(list(TlsMode)),
    bw=st.sampled_from([1e3, 12_345.0, 1.25e6, 1e8]),
    rtt=st.sampled_from([0.0, 0.013, 0.3]),
)
def test_wire_calc_equals_session_wire(
    up: int, down: int, rt: int, connect: bool, tls: TlsMode, bw: float, rtt: float
) -> None:
    """The per-link calculator gives the same octets and a bit-identical duration (twice: the
    second answer comes from its memo)."""
    link = LinkSpec(down_Bps=bw, up_Bps=bw / 3 if bw > 3e3 else bw, rtt_s=rtt)
    calc = WireCalc(link, tls)
    want = session_wire(link, tls, up, down, rt, connect=connect)
    assert calc.session(up, down, rt, connect) == want
    assert calc.session(up, down, rt, connect) == want


@settings(max_examples=150, deadline=None)
@given(
    bounds=st.lists(st.floats(0, 1e5, allow_nan=False), min_size=0, max_size=12, unique=True),
    queries=st.lists(st.floats(-10, 1.1e5, allow_nan=False), min_size=1, max_size=40),
)
def test_timeline_online_cache_equals_the_bisection(
    bounds: list[float], queries: list[float]
) -> None:
    """online(t) with its interval cache answers as index_at(t) >= 0, in any query order."""
    xs = sorted(bounds)
    ivs = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    tl = Timeline(ivs, 600.0, 10.0)
    for t in queries + sorted(queries) + [x for iv in ivs for x in iv]:
        assert tl.online(t) == (tl.index_at(t) >= 0)


@settings(max_examples=100, deadline=None)
@given(
    bounds=st.lists(st.floats(0, 1e5, allow_nan=False), min_size=0, max_size=12, unique=True),
    queries=st.lists(st.floats(-10, 1.1e5, allow_nan=False), min_size=1, max_size=40),
    interval=st.sampled_from([10.0, 60.0, 600.0]),
)
def test_timeline_next_tick_cache_equals_a_fresh_answer(
    bounds: list[float], queries: list[float], interval: float
) -> None:
    xs = sorted(bounds)
    ivs = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    tl = Timeline(ivs, interval, 7.0)
    for t in queries + queries[::-1]:
        assert tl.next_tick(t) == Timeline(ivs, interval, 7.0).next_tick(t)
        assert tl.next_tick(t) == tl._next_tick(t)


_STATES = st.one_of(st.none(), st.tuples(st.sampled_from(["INBOX", "Work"]), st.integers(0, 15)))


@settings(max_examples=300, deadline=None)
@given(view=_STATES, old=_STATES, new=_STATES)
def test_intent_move_equals_removing_and_adding_the_pair(
    view: object, old: object, new: object
) -> None:
    """Recorder.intent_move is pair_add(old, -1) then pair_add(new, +1), counter for counter."""
    fast, slow = Recorder(["d"], 3600.0, 600.0, False), Recorder(["d"], 3600.0, 600.0, False)
    fast.intent_move(0, view, old, new)  # type: ignore[arg-type]
    slow.pair_add(0, old, view, -1)  # type: ignore[arg-type]
    slow.pair_add(0, new, view, 1)  # type: ignore[arg-type]
    for name in ("exist", "covered", "agree", "dpairs", "dhidden"):
        assert getattr(fast, name) == getattr(slow, name), name


def _ref_next_tick(tl: Timeline, t: float) -> float:
    """Timeline.next_tick as first written: the definition, interval by interval."""
    i = max(0, bisect.bisect_right(tl.starts, t) - 1)
    while i < len(tl.starts):
        first = tl.starts[i] + tl.startup
        if t <= first:
            if first < tl.ends[i]:
                return first
        else:
            tick = first + math.ceil((t - first) / tl.interval - 1e-9) * tl.interval
            if tick < tl.ends[i]:
                return tick
        i += 1
    return math.inf


def _ref_ticks_between(tl: Timeline, a: float, b: float) -> int:
    if b <= a:
        return 0
    i = max(0, bisect.bisect_right(tl.starts, a) - 1)
    n = 0
    while i < len(tl.starts) and tl.starts[i] < b:
        first = tl.starts[i] + tl.startup
        lo, hi = max(a, first), min(b, tl.ends[i])
        if hi > lo:
            n += max(
                0,
                math.ceil((hi - first) / tl.interval - 1e-9)
                - math.ceil((lo - first) / tl.interval - 1e-9),
            )
        i += 1
    return n


@settings(max_examples=200, deadline=None)
@given(
    bounds=st.lists(st.floats(0, 1e5, allow_nan=False), min_size=0, max_size=12, unique=True),
    queries=st.lists(st.floats(-10, 1.1e5, allow_nan=False), min_size=1, max_size=30),
    interval=st.sampled_from([10.0, 60.0, 600.0, 1234.5]),
    phase=st.floats(0, 2000),
)
def test_timeline_arithmetic_equals_the_definition(
    bounds: list[float], queries: list[float], interval: float, phase: float
) -> None:
    """The unrolled next_tick / ticks_between give what the plain loops give, tick boundaries
    included."""
    xs = sorted(bounds)
    ivs = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    tl = Timeline(ivs, interval, phase)
    ticks = [x for x in (tl._next_tick(q) for q in queries) if x != math.inf]
    points = queries + ticks + [x for iv in ivs for x in iv]
    for t in points:
        assert tl._next_tick(t) == _ref_next_tick(tl, t)
    for a in points[:15]:
        for b in points[:15]:
            assert tl.ticks_between(a, b) == _ref_ticks_between(tl, a, b)


@settings(max_examples=60, deadline=None)
@given(
    bounds=st.lists(st.floats(0, 1e5, allow_nan=False), min_size=2, max_size=12, unique=True),
    starts=st.lists(st.floats(-10, 1.1e5, allow_nan=False), min_size=1, max_size=6),
    interval=st.sampled_from([10.0, 60.0, 600.0, 1234.5]),
    phase=st.floats(0, 2000),
)
def test_periodic_ticks_do_not_change_over_an_offline_gap(
    bounds: list[float], starts: list[float], interval: float, phase: float
) -> None:
    """What ImapDeviceClient._gap_after relies on: offline at ``t``, the ticks less the connects
    in ``[a, x)`` are the same for every ``x`` from ``t`` up to the next start, included."""
    xs = sorted(bounds)
    ivs = [(xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)]
    tl = Timeline(ivs, interval, phase)
    gaps = [(-5.0, tl.starts[0])] + [(e, s) for e, s in zip(tl.ends, tl.starts[1:])]
    gaps.append((tl.ends[-1], math.inf))
    for a in starts:
        for lo, hi in gaps:
            for t in (lo, (lo + hi) / 2 if hi < math.inf else lo + 50.0):
                if t <= a or tl.index_at(t) >= 0:
                    continue

                def periodic(x: float, a: float = a) -> int:
                    return tl.ticks_between(a, x) - len(tl.starts_between(a, x))

                for x in (t, (t + hi) / 2, hi) if hi < math.inf else (t, t + 1e6):
                    assert periodic(x) == periodic(t)


def _ref_flights(total: int, n: int, encrypted: bool) -> tuple[int, int, int]:
    """wire._flights as first written: a loop over the two flight sizes."""
    if total <= 0:
        return 0, 0, 0
    q, r = divmod(total, n)
    tls = tcp = acks = 0
    for size, count in ((q + 1, r), (q, n - r)):
        if size <= 0 or count <= 0:
            continue
        t = (-(-size // wire._REC)) * wire._RO if encrypted else 0
        segs = -(-(size + t) // wire._MSS)
        tls += t * count
        tcp += segs * wire._SEG * count
        acks += (segs // 2) * wire._SEG * count
    return tls, tcp, acks


@settings(max_examples=300, deadline=None)
@given(
    total=st.one_of(st.integers(-5, 100), st.integers(0, 50_000_000)),
    n=st.integers(1, 80),
    encrypted=st.booleans(),
)
def test_flights_equal_the_loop(total: int, n: int, encrypted: bool) -> None:
    assert wire._flights(total, n, encrypted) == _ref_flights(total, n, encrypted)


def test_jump_clock_moves_simpys_clock_only_when_nothing_is_due() -> None:
    """World's trace driver moves SimPy's clock with ``jump_clock`` (it saves a timeout per trace
    item) instead of yielding a timeout; a SimPy release that kept its clock elsewhere, or an
    event due by the target that the jump would skip, must fail here, not drift."""
    import simpy

    from sim.model.world import jump_clock

    env = simpy.Environment(initial_time=5.0)
    assert jump_clock(env, 7.5) and env.now == 7.5
    env.timeout(1.0)  # due at 8.5
    assert not jump_clock(env, 8.5) and env.now == 7.5  # due by then: the caller must yield
    assert not jump_clock(env, 9.0) and env.now == 7.5
    assert jump_clock(env, 8.25) and env.now == 8.25
    env.step()
    assert env.now == 8.5 and env.peek() == math.inf


@pytest.mark.parametrize("protocol", list(Protocol))
def test_a_released_world_is_freed_without_the_cyclic_collector(protocol: Protocol) -> None:
    """``World.release`` breaks the run's reference cycles so that campus's hundreds of MiB go
    at once: no pending SimPy event may still call a client back (``call_at`` schedules nothing
    at or after the end).  Crashes, a router that forgets quiet connections (IMAP's silence
    checks) and polling schedule the most."""
    import gc
    import weakref

    from sim.inputs.scenario import CrashSpec
    from sim.model.simulation import simulate_with_world

    sc = preset("family", days=4, seed=3)
    devices = tuple(
        dataclasses.replace(d, link=dataclasses.replace(d.link, nat_idle_timeout_s=600.0))
        for d in sc.users[0].devices
    )
    sc = dataclasses.replace(
        sc,
        users=(dataclasses.replace(sc.users[0], devices=devices),),
        crashes=CrashSpec(rate_per_year=200.0, backup_age_s=86400.0),
    )
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _result, world = simulate_with_world(sc, protocol)
        assert world.env.now == world.end
        client = world.devices[0].client
        world.call_at(world.end + 60.0, client.settle)  # a wish past the end is never kept
        gone_world, gone_client = weakref.ref(world), weakref.ref(client)
        del client
        world.release()
        del world
        assert gone_client() is None and gone_world() is None
    finally:
        if was_enabled:
            gc.enable()


def test_driver_hands_items_over_in_time_kind_index_order() -> None:
    """The driver merges arrivals and actions (already in order in the trace) with the other
    items instead of sorting one list of everything; the order must stay (time, kind, index),
    ties included.  Times are rounded to whole hours so that every kind ties with the others."""
    from sim.inputs.scenario import CrashSpec, ServerSpec, WorkloadSpec
    from sim.model.world import World

    sc = preset("family", days=20, seed=5)
    phone = dataclasses.replace(sc.users[0].devices[0], first_online_s=3 * 86400.0)
    sc = dataclasses.replace(
        sc,
        users=(dataclasses.replace(sc.users[0], devices=(phone, *sc.users[0].devices[1:])),),
        crashes=CrashSpec(rate_per_year=60.0, backup_age_s=86400.0),
        server=ServerSpec(replicas=2, disk_failure_per_year=40.0),
        workload=dataclasses.replace(WorkloadSpec(), infected_share=0.3, zero_day_share=1.0),
    )
    tr = generate(sc)

    def hour(t: float) -> float:
        return float(math.floor(t / 3600.0) * 3600)

    tr = dataclasses.replace(
        tr,
        messages=tuple(dataclasses.replace(m, time=hour(m.time)) for m in tr.messages),
        actions=tuple(dataclasses.replace(a, time=hour(a.time)) for a in tr.actions),
        crashes=tuple(dataclasses.replace(c, time=hour(c.time)) for c in tr.crashes),
        disk_failures=tuple(
            dataclasses.replace(f, time=hour(f.time), repaired_at=hour(f.repaired_at))
            for f in tr.disk_failures
        ),
        signature_updates=tuple(
            dataclasses.replace(u, time=hour(u.time)) for u in tr.signature_updates
        ),
    )
    assert tr.crashes and tr.disk_failures and tr.signature_updates  # every kind takes part
    world = World(sc, tr, 3600.0, False)
    seen: list[tuple[float, int, int]] = []
    index = {
        0: {id(x): i for i, x in enumerate(tr.messages)},
        1: {id(x): i for i, x in enumerate(tr.actions)},
        2: {id(x): i for i, x in enumerate(tr.crashes)},
        3: {id(x): i for i, x in enumerate(tr.disk_failures)},
        4: {id(x): i for i, x in enumerate(tr.disk_failures)},
        5: {id(x): i for i, x in enumerate(tr.signature_updates)},
        6: {id(d): d.id for d in world.devices},
    }

    def handler_of(kind: int):  # type: ignore[no-untyped-def]
        def handler(obj: object) -> None:
            seen.append((world.now, kind, index[kind][id(obj)]))

        return handler

    world.env.process(world.driver(tuple(handler_of(kind) for kind in range(7))))
    world.env.run(until=world.end)
    expected = sorted(
        [(m.time, 0, i) for i, m in enumerate(tr.messages)]
        + [(a.time, 1, i) for i, a in enumerate(tr.actions)]
        + [(c.time, 2, i) for i, c in enumerate(tr.crashes)]
        + [(f.time, 3, i) for i, f in enumerate(tr.disk_failures)]
        + [
            (f.repaired_at, 4, i)
            for i, f in enumerate(tr.disk_failures)
            if f.repaired_at < sc.duration_s
        ]
        + [(u.time, 5, i) for i, u in enumerate(tr.signature_updates)]
        + [(d.exists_from, 6, d.id) for d in world.devices if 0 < d.exists_from < sc.duration_s]
    )
    expected = [e for e in expected if e[0] < sc.duration_s]
    assert seen == expected
    ties = {t for t, _, _ in expected}
    assert len(ties) < len(expected) / 2  # the rounding made many ties


_SHARED: dict[tuple[TlsMode, bool], ImapCosts] = {}


@pytest.mark.long_property
@settings(max_examples=150, deadline=None)
@given(
    spec=_specs(),
    seq=st.integers(1, 120_000),
    extra_uid=st.integers(0, 10**7),
    bits=st.integers(0, 15),
    modseq=st.integers(1, 10**9),
    mode=st.sampled_from((NewFetch.HEADERS, NewFetch.WHOLE, NewFetch.TEXT)),
    qresync=st.booleans(),
    tls=st.sampled_from(list(TlsMode)),
)
def test_fetch_new_equals_the_calls_it_adds_up(
    spec: MessageSpec,
    seq: int,
    extra_uid: int,
    bits: int,
    modseq: int,
    mode: NewFetch,
    qresync: bool,
    tls: TlsMode,
) -> None:
    """``ImapCosts.fetch_new`` (one memo key for what a new message brings) equals the header
    sync plus the whole message or its text part, costed separately."""
    spec = dataclasses.replace(
        spec,
        attachment_size=min(spec.attachment_size, 300_000),
        text_size=min(spec.text_size, 300_000),
    )
    mail = mail_of(spec, _TRACE)
    msg = build_message(spec, _TRACE.scenario)
    uid = seq + extra_uid
    # one shared memo across examples: a key that missed something that matters would hand a
    # later example the framing of an earlier one
    shared = _SHARED.setdefault((tls, qresync), ImapCosts(tls, qresync))
    separate = ImapCosts(tls, qresync)
    got = shared.fetch_new(mail, lambda _mid: msg, 7, seq, uid, bits, modseq, mode)
    want = separate.sync_headers(mail, lambda: msg, seq, uid, bits, modseq)
    if mode is NewFetch.WHOLE:
        want = add(want, separate.fetch_full(mail, lambda: msg, seq, uid, bits, modseq))
    elif mode is NewFetch.TEXT:
        want = add(want, separate.fetch_text(mail, lambda: msg, seq, uid, bits, peek=True))
    assert got == want


@pytest.mark.parametrize(
    ("lesson", "settings_"),
    [
        (0, {"days": 2, "seed": 4}),  # event records: every booking's time and span
        (1, {"days": 2, "seed": 2}),  # a device that appears near the end
        (3, {"days": 2, "seed": 3, "keepalive_min": 2, "nat_timeout_min": 5}),
        (3, {"days": 2, "seed": 5, "idle": False, "poll_interval_min": 7.0}),  # NOOP polls
        (9, {"days": 3, "seed": 6, "crash_day": 2.0, "backup_age_days": 1.0}),
        (10, {"days": 2, "seed": 7, "profile": "traveller", "crash_day": 1}),
    ],
)
def test_imap_settle_offline_shortcut_equals_counting_every_time(
    lesson: int, settings_: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """ImapDeviceClient.settle skips counting ticks over an offline gap it has settled in: the
    runs equal runs that count at every grid point."""
    from sim.lessons.experiments import EXPERIMENTS
    from sim.model.imap_device import ImapDeviceClient

    run = EXPERIMENTS[lesson]
    fast = run(**settings_)
    monkeypatch.setattr(ImapDeviceClient, "_gap_after", lambda self, t: (math.inf, -math.inf))
    slow = run(**settings_)
    assert repr(fast) == repr(slow)
    empty = [d.empty_polls for d in fast.imap.devices]
    assert sum(empty) > 0  # (there were re-issues or NOOPs to book)
