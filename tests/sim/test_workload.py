"""The workload trace: deterministic, protocol-free, well-formed, configured distributions."""

from __future__ import annotations

import ast
import bisect
import dataclasses
import inspect
import itertools
import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.inputs.workload as W
from sim.inputs.presets import preset
from sim.inputs.scenario import (
    DAY,
    AttachmentPolicy,
    CrashSpec,
    DeviceSpec,
    FetchMode,
    ImapPolicy,
    OnlinePattern,
    Pop3Policy,
    Scenario,
    ServerSpec,
    UserSpec,
    WorkloadSpec,
)
from sim.inputs.workload import ActionKind, Interval, Trace, generate, keyword, stream

FAMILY = preset("family", seed=5)


@pytest.fixture(scope="module")
def family() -> Trace:
    return generate(FAMILY)


def _without_scenario(tr: Trace) -> dict[str, object]:
    return {f.name: getattr(tr, f.name) for f in dataclasses.fields(tr) if f.name != "scenario"}


# -- determinism and protocol independence ---------------------------------------------------------


def test_same_seed_same_trace(family: Trace) -> None:
    again = generate(preset("family", seed=5))
    assert again == family and again is not family


def test_different_seeds_differ(family: Trace) -> None:
    other = generate(preset("family", seed=6))
    assert [m.time for m in other.messages[:5]] != [m.time for m in family.messages[:5]]
    assert other.actions != family.actions


def test_generation_takes_no_protocol() -> None:
    assert list(inspect.signature(generate).parameters) == ["scenario"]
    assert not {"protocol", "proto"} & {f.name for f in dataclasses.fields(Trace)}


def test_client_policies_do_not_change_the_trace(family: Trace) -> None:
    """Everything a protocol run may vary (both client policies, TLS) leaves the trace alone."""
    pop = Pop3Policy(
        poll_interval_s=60.0,
        leave_on_server=True,
        use_uidl=False,
        headers_first=True,
        headers_first_min_bytes=0,
    )
    imap = ImapPolicy(
        idle=False,
        fetch_mode=FetchMode.HEADERS_ONLY,
        attachments=AttachmentPolicy.EAGER,
        chunk_bytes=4096,
    )
    user = FAMILY.users[0]
    devs = tuple(dataclasses.replace(d, pop3=pop, imap=imap) for d in user.devices)
    changed = dataclasses.replace(FAMILY, users=(dataclasses.replace(user, devices=devs),))
    assert _without_scenario(generate(changed)) == _without_scenario(family)


def test_streams_are_independent(family: Trace) -> None:
    more_viruses = dataclasses.replace(
        FAMILY, workload=dataclasses.replace(FAMILY.workload, infected_share=0.5, flag_per_day=20.0)
    )
    other = generate(more_viruses)
    assert [(m.time, m.text_size, m.attachment_size, m.keywords) for m in other.messages] == [
        (m.time, m.text_size, m.attachment_size, m.keywords) for m in family.messages
    ]
    assert other.online == family.online
    assert sum(m.infected for m in other.messages) > sum(m.infected for m in family.messages)


def test_stream_is_seeded_by_name_and_index() -> None:
    a = stream(1, "arrivals", 0).random()
    assert a == stream(1, "arrivals", 0).random()
    assert a != stream(1, "arrivals", 1).random() != stream(1, "sizes", 0).random()
    assert a != stream(2, "arrivals", 0).random()


def test_no_global_random_state() -> None:
    tree = ast.parse(inspect.getsource(W))
    calls = {
        f"{n.value.id}.{n.attr}"
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "random"
    }
    assert calls <= {"random.Random"}


# -- arrivals and sizes ----------------------------------------------------------------------------


def test_family_golden_values(family: Trace) -> None:
    """Pinned seed: concrete counts, so an accidental change of the generator shows up."""
    assert len(family.messages) == 209
    assert len(family.actions) == 331 and len(family.sent) == 24
    # 19 of them open an attachment; drawn from their own stream, they moved no other action
    assert sum(a.kind is not ActionKind.OPEN_ATTACHMENT for a in family.actions) == 312
    first = family.messages[0]
    # the day's rhythm moves the first arrival from 2:43 at night (an even day) to 8:13
    assert (first.time, first.text_size) == (pytest.approx(29568.483995474864), 2865)
    even = generate(
        dataclasses.replace(FAMILY, workload=dataclasses.replace(FAMILY.workload, day_rhythm=()))
    )
    assert even.messages[0].time == pytest.approx(9764.159168121107)
    assert [m.id for m in family.messages] == list(range(len(family.messages)))


def test_arrivals_sorted_and_in_range(family: Trace) -> None:
    times = [m.time for m in family.messages]
    assert times == sorted(times) and times[0] > 0 and times[-1] < FAMILY.duration_s
    # 30 a day for 7 days: Poisson mean 210, sd 14.5
    assert 150 < len(times) < 270


def test_size_quantiles_follow_the_measured_distribution() -> None:
    """FACTS.md: 24 % < 2 KB, 49 % < 4 KB, 80 % < 16 KB, 90 % < 64 KB, 97 % < 512 KB."""
    tr = generate(preset("single", seed=11, days=200))
    sizes = sorted(tr.message(m.id).size for m in tr.messages)
    n = len(sizes)
    assert n > 5000
    for limit, share in [(2048, 0.24), (4096, 0.49), (16384, 0.80), (65536, 0.90), (524288, 0.97)]:
        assert bisect.bisect_left(sizes, limit) / n == pytest.approx(share, abs=0.025)
    with_att = sum(1 for m in tr.messages if m.has_attachment) / n
    assert with_att == pytest.approx(0.24, abs=0.02)


def test_configured_lognormal_is_what_is_drawn() -> None:
    work = WorkloadSpec(
        text_median_bytes=5000.0,
        text_sigma=0.5,
        attachment_share=0.5,
        attachment_median_bytes=100_000.0,
        attachment_sigma=1.0,
        messages_per_day=200.0,
    )
    tr = generate(Scenario(workload=work, duration_s=20 * DAY, seed=3))
    texts = [m.text_size for m in tr.messages]
    atts = [m.attachment_size for m in tr.messages if m.attachment_size]
    assert statistics.median(texts) == pytest.approx(5000, rel=0.04)
    assert statistics.pstdev([math.log(x) for x in texts]) == pytest.approx(0.5, rel=0.05)
    assert len(atts) / len(texts) == pytest.approx(0.5, abs=0.02)
    assert statistics.median(atts) == pytest.approx(100_000, rel=0.08)


def test_sizes_clipped_to_the_maximum() -> None:
    work = WorkloadSpec(
        attachment_share=1.0,
        attachment_median_bytes=5e7,
        attachment_sigma=0.1,
        max_message_bytes=200_000,
    )
    tr = generate(Scenario(workload=work, seed=2, duration_s=2 * DAY))
    assert max(tr.message(m.id).size for m in tr.messages) <= 200_000


def test_messages_build_lazily_and_carry_their_keywords(family: Trace) -> None:
    spec = family.messages[3]
    msg = family.message(3)
    assert msg.size == len(msg.render())
    assert msg.field("Message-ID") == "<m3@lab.example>" == spec.message_id
    assert all(k in msg.field("Subject") for k in spec.keywords)
    assert spec.keywords[0].encode() in msg.body_bytes()
    # the rendered size follows the recipe: the text body, and base64 makes an attachment about
    # 4/3 larger on the wire (76-character lines plus CRLF: at most 4/3 * 78/76, plus headers)
    body = spec.text_size + (4 * spec.attachment_size) // 3
    assert body < msg.size < body + 2_000 + spec.attachment_size // 10
    assert family.message(3).render() == msg.render()  # deterministic
    assert family.spec(len(family.messages)) == family.sent[0]
    sent = family.message(family.sent[0].id)
    assert sent.field("In-Reply-To") == f"<m{family.sent[0].reply_to}@lab.example>"


def test_keywords_never_contain_each_other() -> None:
    assert keyword(12) == "topic0012" and keyword(12) not in keyword(123)


# -- actions ---------------------------------------------------------------------------------------


def test_actions_are_well_formed(family: Trace) -> None:
    sc, tr = FAMILY, family
    times = [a.time for a in tr.actions]
    assert times == sorted(times) and times[-1] < sc.duration_s
    kinds = {a.kind for a in tr.actions}
    assert kinds == set(ActionKind)
    deleted_at: dict[int, float] = {}
    for a in tr.actions:
        assert sc.devices[a.device].user == a.user
        assert tr.is_in_use(a.device, a.time)
        if a.kind is ActionKind.SEARCH:
            assert a.target is None and a.query is not None and a.query.startswith("topic")
            continue
        target = tr.messages[a.target]
        assert target.user == a.user and target.time <= a.time
        assert (a.folder is not None) == (a.kind is ActionKind.FILE)
        if a.folder is not None:
            assert a.folder in sc.workload.folders
        assert (a.outgoing is not None) == (a.kind in (ActionKind.REPLY, ActionKind.FORWARD))
        if a.kind is ActionKind.DELETE:
            assert a.target not in deleted_at
            deleted_at[a.target] = a.time
    assert [s.id for s in tr.sent] == list(range(len(tr.messages), len(tr.messages) + len(tr.sent)))


def test_reads_follow_the_read_share(family: Trace) -> None:
    reads = {a.target for a in family.actions if a.kind is ActionKind.READ}
    assert len(reads) / len(family.messages) == pytest.approx(0.9, abs=0.08)


def test_forward_carries_the_attachment(family: Trace) -> None:
    fwd = [a for a in family.actions if a.kind is ActionKind.FORWARD]
    assert fwd
    for a in fwd:
        assert a.outgoing.attachment_size == family.messages[a.target].attachment_size


def test_actions_wait_for_a_device_in_use() -> None:
    only = DeviceSpec(name="pc", online=OnlinePattern(windows_h=((20.0, 21.0),)))
    sc = Scenario(users=(UserSpec("u", (only,)),), seed=4, duration_s=3 * DAY)
    tr = generate(sc)
    assert tr.actions
    for a in tr.actions:
        assert 20 * 3600 <= a.time % DAY < 21 * 3600


def test_new_device_gets_no_actions_before_it_exists() -> None:
    old = DeviceSpec(name="old")
    new = DeviceSpec(name="new", first_online_s=3 * DAY, use_weight=50.0)
    tr = generate(Scenario(users=(UserSpec("u", (old, new)),), seed=8, duration_s=6 * DAY))
    assert tr.usage[1][0].start == 3 * DAY and tr.online[1][0].start == 3 * DAY
    assert all(a.time >= 3 * DAY for a in tr.actions if a.device == 1)
    assert sum(a.device == 1 for a in tr.actions) > sum(
        a.device == 0 for a in tr.actions if a.time >= 3 * DAY
    )


# -- online intervals ------------------------------------------------------------------------------


def _check_intervals(ivs: tuple[Interval, ...], lo: float, hi: float) -> None:
    for iv in ivs:
        assert lo <= iv.start < iv.end <= hi
    for a, b in itertools.pairwise(ivs):
        assert a.end < b.start


def _contained(inner: tuple[Interval, ...], outer: tuple[Interval, ...]) -> bool:
    return all(any(o.start <= i.start and i.end <= o.end for o in outer) for i in inner)


windows = (
    st.lists(st.floats(0, 24), max_size=6)
    .map(lambda xs: tuple(sorted(set(xs))))
    .map(lambda xs: tuple((xs[i], xs[i + 1]) for i in range(0, len(xs) - 1, 2)))
)


@settings(max_examples=80, deadline=None)
@given(
    win=windows,
    rate=st.floats(0, 20),
    mean=st.floats(1, 5 * DAY),
    dur=st.floats(60, 10 * DAY),
    first=st.floats(0, 5 * DAY),
    seed=st.integers(0, 2**40),
)
def test_online_intervals_disjoint_sorted_within_duration(
    win, rate, mean, dur, first, seed
) -> None:
    dev = DeviceSpec(
        online=OnlinePattern(windows_h=win, offline_per_day=rate, offline_mean_s=mean),
        first_online_s=first,
    )
    sc = Scenario(
        users=(UserSpec("u", (dev,)),),
        duration_s=dur,
        seed=seed,
        workload=WorkloadSpec(messages_per_day=5.0),
    )
    tr = generate(sc)
    usage, online = tr.usage[0], tr.online[0]
    _check_intervals(usage, first, dur)
    _check_intervals(online, first, dur)
    assert _contained(online, usage)
    if rate == 0:
        assert online == usage
    for iv in online:
        mid = (iv.start + iv.end) / 2
        assert tr.is_online(0, mid) and tr.next_online(0, mid) == mid
    if online:
        before = online[0].start - 1e-3
        assert tr.next_online(0, before) in (online[0].start, before)
        assert not tr.is_online(0, online[-1].end)


def test_online_pattern_with_windows_and_outages() -> None:
    tr = generate(preset("traveller", seed=3, days=10))
    lap_use, lap_on = tr.usage[1], tr.online[1]
    assert sum(iv.length for iv in lap_use) == pytest.approx(10 * 3 * 3600)
    assert sum(iv.length for iv in lap_on) < sum(iv.length for iv in lap_use)
    whole_day = generate(preset("single", days=2)).online[0]
    assert whole_day == (Interval(0.0, 2 * DAY),)


# -- crashes, disks, viruses -----------------------------------------------------------------------


def test_scheduled_and_random_crashes() -> None:
    sc = preset(
        "family",
        seed=2,
        days=30,
        crashes=CrashSpec(
            at=(("laptop", 5 * DAY), ("alex/phone", 40 * DAY)), rate_per_year=12.0, backup_age_s=DAY
        ),
    )
    tr = generate(sc)
    sched = [c for c in tr.crashes if c.scheduled]
    assert [(c.device, c.time, c.backup_time) for c in sched] == [(1, 5 * DAY, 4 * DAY)]
    randoms = [c for c in tr.crashes if not c.scheduled]
    assert 0 < len(randoms) < 12  # 3 devices x 1 per month, Poisson
    assert all(c.backup_time == pytest.approx(max(0.0, c.time - DAY)) for c in randoms)
    no_backup = generate(dataclasses.replace(sc, crashes=CrashSpec(at=(("laptop", 1.0),))))
    assert [(c.time, c.backup_time) for c in no_backup.crashes] == [(1.0, None)]


def test_disk_failures_do_not_overlap_per_replica() -> None:
    sc = preset(
        "single",
        seed=4,
        days=300,
        server=ServerSpec(replicas=3, disk_failure_per_year=20.0, repair_s=5 * DAY),
    )
    tr = generate(sc)
    assert len(tr.disk_failures) > 10
    for r in range(3):
        mine = [f for f in tr.disk_failures if f.replica == r]
        for a, b in itertools.pairwise(mine):
            assert a.repaired_at <= b.time
        assert all(f.repaired_at == f.time + 5 * DAY for f in mine)


def test_infections_and_signature_updates() -> None:
    work = WorkloadSpec(infected_share=0.2, zero_day_share=0.5)
    tr = generate(Scenario(workload=work, seed=9, duration_s=5 * DAY, signature_delay_s=3600.0))
    infected = [m for m in tr.messages if m.infected]
    assert len(infected) / len(tr.messages) == pytest.approx(0.2, abs=0.06)
    assert all((m.detectable_at is None) != m.infected for m in tr.messages)
    zero_day = [m for m in infected if m.detectable_at > m.time]
    assert len(zero_day) / len(infected) == pytest.approx(0.5, abs=0.2)
    detected = [i for u in tr.signature_updates for i in u.detects]
    assert sorted(detected) == sorted(m.id for m in zero_day if m.detectable_at < 5 * DAY)
    for upd in tr.signature_updates:
        assert all(tr.messages[i].detectable_at == upd.time for i in upd.detects)
    assert [u.time for u in tr.signature_updates] == sorted(u.time for u in tr.signature_updates)


# -- random scenarios ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**63 - 1),
    rate=st.floats(0, 80),
    days=st.floats(0.1, 4),
    read=st.floats(0, 1),
    delay=st.floats(0, DAY),
    ndev=st.integers(1, 3),
)
def test_random_scenarios_give_valid_repeatable_traces(seed, rate, days, read, delay, ndev) -> None:
    devs = tuple(
        DeviceSpec(
            name=f"d{i}",
            online=OnlinePattern(windows_h=((6.0 * i, 6.0 * i + 10.0),), offline_per_day=2.0),
        )
        for i in range(ndev)
    )
    sc = Scenario(
        users=(UserSpec("a", devs), UserSpec("b", devs[:1])),
        seed=seed,
        duration_s=days * DAY,
        workload=WorkloadSpec(messages_per_day=rate, read_share=read, read_delay_mean_s=delay),
    )
    tr = generate(sc)
    assert tr == generate(sc)
    assert all(0 <= m.time < sc.duration_s for m in tr.messages)
    assert all(m.text_size >= 2 and m.attachment_size >= 0 for m in tr.messages)
    for a in tr.actions:
        assert 0 <= a.time < sc.duration_s and tr.is_in_use(a.device, a.time)
    assert set(tr.user_messages(0)) | set(tr.user_messages(1)) == set(range(len(tr.messages)))


def test_both_runs_reuse_one_trace_object(monkeypatch: pytest.MonkeyPatch) -> None:
    """A POP3 and an IMAP run given the trace never generate another (common random numbers)."""
    run_mod = pytest.importorskip("sim.model.simulation")
    sc = preset("single", seed=3, days=1)
    trace = generate(sc)

    def no_second_trace(_scenario: Scenario) -> Trace:
        raise AssertionError("the run generated its own trace")

    monkeypatch.setattr(run_mod, "generate", no_second_trace)
    for proto in run_mod.Protocol:
        run_mod.simulate(sc, proto, trace)
    assert generate(sc) == trace  # and the runs left it as it was
