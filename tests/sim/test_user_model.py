"""The user model: opening a message and opening its attachment are separate actions, each with
its own probability, and what an IMAP client fetches and keeps follows them part by part.

The trace tests read the generated workload; the model tests run one device over a hand-made
trace (one message with an attachment and the actions under test), so every octet can be
accounted for exactly.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from sim.inputs.presets import preset
from sim.inputs.scenario import (
    DAY,
    AttachmentPolicy,
    DeviceSpec,
    FetchMode,
    ImapPolicy,
    LinkSpec,
    Pop3Policy,
    Scenario,
    ScenarioError,
    TlsMode,
    UserSpec,
    WorkloadSpec,
    field_range,
)
from sim.inputs.workload import Action, ActionKind, Interval, MessageSpec, Trace, generate
from sim.model import Protocol
from sim.model.simulation import simulate_with_world

OPEN = ActionKind.OPEN_ATTACHMENT
READ = ActionKind.READ


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


# -- parameters ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["attachment_open_share", "read_share"])
@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), True, "half"])
def test_open_shares_are_validated_naming_field_value_and_range(name: str, bad: object) -> None:
    with pytest.raises(ScenarioError) as err:
        WorkloadSpec(**{name: bad})
    e = err.value
    assert (e.owner, e.field) == ("WorkloadSpec", name)
    assert e.value is bad or (_is_nan(e.value) and _is_nan(bad))  # (NaN is not equal to itself)
    assert "0 <= x <= 1" in e.allowed
    assert f"WorkloadSpec.{name}=" in str(e) and "0 <= x <= 1" in str(e)


def test_open_share_range_and_default_are_documented() -> None:
    rng = field_range(WorkloadSpec, "attachment_open_share")
    assert (rng.lo, rng.hi) == (0.0, 1.0)
    assert WorkloadSpec().attachment_open_share == 0.5
    for edge in (0.0, 1.0):
        assert WorkloadSpec(attachment_open_share=edge).attachment_open_share == edge


# -- the trace -------------------------------------------------------------------------------------


def _trace(share: float, days: int = 14, seed: int = 3) -> Trace:
    sc = preset("family", seed=seed, days=days)
    return generate(
        dataclasses.replace(
            sc, workload=dataclasses.replace(sc.workload, attachment_open_share=share)
        )
    )


def test_an_attachment_is_opened_right_after_its_message_on_the_same_device() -> None:
    tr = _trace(0.5)
    acts = tr.actions
    opens = [i for i, a in enumerate(acts) if a.kind is OPEN]
    assert opens
    for i in opens:
        a = acts[i]
        assert a.target is not None and tr.messages[a.target].has_attachment
        assert a.folder is None and a.query is None and a.outgoing is None
        reads = [r for r in acts[:i] if r.kind is READ and r.target == a.target]
        assert len(reads) == 1
        assert (reads[0].time, reads[0].device) == (a.time, a.device)
    assert len({acts[i].target for i in opens}) == len(opens)  # once per message


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_the_attachment_open_share_is_what_is_drawn(share: float) -> None:
    tr = _trace(share, days=60)
    read_with_att = {
        a.target for a in tr.actions if a.kind is READ and tr.messages[a.target].has_attachment
    }  # type: ignore
    opened = {a.target for a in tr.actions if a.kind is OPEN}
    assert opened <= read_with_att and len(read_with_att) > 300
    assert len(opened) / len(read_with_att) == pytest.approx(share, abs=0.05)
    if share in (0.0, 1.0):
        assert len(opened) == share * len(read_with_att)


def test_the_open_share_moves_no_other_action() -> None:
    """Common random numbers: the attachment draws have a stream of their own."""
    rest = [[a for a in _trace(s).actions if a.kind is not OPEN] for s in (0.0, 0.5, 1.0)]
    assert rest[0] == rest[1] == rest[2]


# -- the model, one message at a time --------------------------------------------------------------

FAST = LinkSpec(1e10, 1e10, 0.05)
ALWAYS = (Interval(0.0, DAY),)
ATT = 200_000  # decoded attachment octets: about 270 000 on the wire, in five 64 KiB chunks


def _one(
    fetch: FetchMode,
    attachments: AttachmentPolicy,
    kinds: tuple[ActionKind, ...],
    protocol: Protocol = Protocol.IMAP,
    pop3: Pop3Policy | None = None,
    online: tuple[Interval, ...] = ALWAYS,
) -> tuple:
    """One device, one message with an attachment at t = 10 s, then ``kinds`` at 100 s, 200 s,
    ...; returns (the device's summary, its copy of the message or None, the message's sizes)."""
    imap = ImapPolicy(fetch_mode=fetch, attachments=attachments)
    dev = DeviceSpec(name="d", link=FAST, imap=imap, pop3=pop3 or Pop3Policy())
    sc = Scenario(
        users=(UserSpec("u", (dev,)),),
        tls=TlsMode.NONE,
        duration_s=DAY,
        workload=WorkloadSpec(messages_per_day=0.0),
        name="one",
    )
    msg = MessageSpec(
        id=0, user=0, time=10.0, text_size=3000, attachment_size=ATT, keywords=("topic0001",)
    )
    actions = tuple(Action(100.0 * (i + 1), 0, 0, k, 0) for i, k in enumerate(kinds))
    trace = Trace(sc, (msg,), (), actions, (ALWAYS,), (online,), (), (), ())
    result, world = simulate_with_world(sc, protocol, trace)
    return result.device("u/d"), world.devices[0].local.get(0), world.mails[0]


MODES = list(FetchMode)


@pytest.mark.parametrize("fetch", MODES)
def test_reading_without_opening_the_attachment_fetches_no_attachment_on_demand(
    fetch: FetchMode,
) -> None:
    dev, copy, m = _one(fetch, AttachmentPolicy.ON_DEMAND, (READ,))
    assert dev.down.attachment == 0
    assert copy is not None and not copy.attachment
    if fetch is not FetchMode.HEADERS_ONLY:
        assert copy.body and copy.bytes == m.header + m.text
    else:
        assert copy.bytes == m.header


@pytest.mark.parametrize("fetch", MODES)
def test_opening_the_attachment_fetches_it_once_where_the_mode_keeps_it(fetch: FetchMode) -> None:
    dev, copy, m = _one(fetch, AttachmentPolicy.ON_DEMAND, (READ, OPEN, OPEN))
    kept = fetch is not FetchMode.HEADERS_ONLY
    assert dev.down.attachment == (1 if kept else 2) * m.att  # headers only: fetched at each open
    assert copy is not None and copy.attachment == kept
    assert copy.bytes == (m.header + m.text + m.att if kept else m.header)
    assert dev.storage_bytes == copy.bytes


@pytest.mark.parametrize("fetch", MODES)
def test_eager_attachments_come_with_the_new_message_and_stay(fetch: FetchMode) -> None:
    dev, copy, m = _one(fetch, AttachmentPolicy.EAGER, ())  # nobody opens anything
    assert copy is not None and copy.attachment
    if fetch is FetchMode.FULL_OFFLINE:  # the whole message, as Thunderbird's offline store
        assert dev.down.attachment == m.attachment  # (the part's MIME header included)
        assert copy.bytes == m.size
    else:
        assert dev.down.attachment == m.att
        assert copy.bytes == m.header + m.att
    # opening it later costs nothing more
    again, _, _ = _one(fetch, AttachmentPolicy.EAGER, (READ, OPEN))
    assert again.down.attachment == dev.down.attachment


def test_an_attachment_the_device_lacks_cannot_be_opened_offline() -> None:
    online = (Interval(0.0, 150.0), Interval(300.0, DAY))  # offline at 200 s
    dev, copy, _m = _one(
        FetchMode.BODIES_ON_OPEN, AttachmentPolicy.ON_DEMAND, (READ, OPEN), online=online
    )
    assert dev.down.attachment == 0 and copy is not None and not copy.attachment


def test_pop3_headers_first_retrieves_the_message_when_its_attachment_is_opened() -> None:
    pol = Pop3Policy(headers_first=True, headers_first_min_bytes=10_000)
    top, _, _ = _one(FetchMode.FULL_OFFLINE, AttachmentPolicy.ON_DEMAND, (), Protocol.POP3, pol)
    dev, copy, m = _one(
        FetchMode.FULL_OFFLINE, AttachmentPolicy.ON_DEMAND, (OPEN,), Protocol.POP3, pol
    )
    assert top.down.attachment == 0
    assert dev.down.attachment == m.attachment and copy is not None and copy.bytes == m.size


@pytest.mark.parametrize("fetch", MODES)
def test_no_attachment_opened_means_no_attachment_octets_on_demand(fetch: FetchMode) -> None:
    """A whole family for a week, nobody opening (or forwarding) an attachment."""
    sc = preset("family", seed=2, days=7)
    work = dataclasses.replace(sc.workload, attachment_open_share=0.0, forward_per_day=0.0)
    users = tuple(
        dataclasses.replace(
            u,
            devices=tuple(
                dataclasses.replace(
                    d,
                    imap=dataclasses.replace(
                        d.imap, fetch_mode=fetch, attachments=AttachmentPolicy.ON_DEMAND
                    ),
                )
                for d in u.devices
            ),
        )
        for u in sc.users
    )
    none = dataclasses.replace(sc, workload=work, users=users)
    some = dataclasses.replace(none, workload=dataclasses.replace(work, attachment_open_share=1.0))
    for scenario, opened in ((none, False), (some, True)):
        result, _ = simulate_with_world(scenario, Protocol.IMAP)
        octets = sum(d.down.attachment for d in result.devices)
        assert (octets > 0) == opened


# -- a day has a rhythm ------------------------------------------------------------------------------


def _single(rhythm: tuple[float, ...], days: int = 60, seed: int = 7) -> Trace:
    sc = preset("single", seed=seed, days=days)
    return generate(
        dataclasses.replace(sc, workload=dataclasses.replace(sc.workload, day_rhythm=rhythm))
    )


def _hour_shares(times: list[float]) -> list[float]:
    counts = [0] * 24
    for t in times:
        counts[int(t % DAY // 3600)] += 1
    return [c / len(times) for c in counts]


def test_arrivals_and_actions_follow_the_day_rhythm() -> None:
    rhythm = WorkloadSpec().day_rhythm
    tr = _single(rhythm)
    expected = [x / sum(rhythm) for x in rhythm]
    for times in ([m.time for m in tr.messages], [a.time for a in tr.actions]):
        shares = _hour_shares(times)
        assert len(times) > 1500
        assert all(abs(s - e) < 0.012 for s, e in zip(shares, expected)), shares
        assert sum(shares[0:6]) < 0.07  # the night is quiet (an even day: 25 %)


def test_an_even_day_spreads_the_same_draws_evenly() -> None:
    even, rhythm = _single(()), _single(WorkloadSpec().day_rhythm)
    assert len(even.messages) == len(rhythm.messages)  # a change of time, not of draws
    assert [m.text_size for m in even.messages] == [m.text_size for m in rhythm.messages]
    assert all(abs(s - 1 / 24) < 0.012 for s in _hour_shares([m.time for m in even.messages]))
    flat = _single((2.0,) * 24)  # any constant profile is an even day
    assert [m.time for m in flat.messages] == [m.time for m in even.messages]


def test_hours_of_weight_zero_get_no_mail_and_no_actions() -> None:
    """Mail arriving before a quiet night is read in the morning: the reading delay counts
    active time."""
    rhythm = (0.0,) * 8 + (1.0,) * 16  # nothing from midnight to 8 h
    tr = _single(rhythm, days=20)
    assert tr.messages and tr.actions
    assert all(m.time % DAY >= 8 * 3600 for m in tr.messages)
    assert all(a.time % DAY >= 8 * 3600 for a in tr.actions)


@pytest.mark.parametrize(
    "bad",
    [
        (1.0,) * 23,
        (0.0,) * 24,
        (1.0,) * 23 + (-1.0,),
        (1.0,) * 23 + (101.0,),
        (1.0,) * 23 + (float("inf"),),
        (1.0,) * 23 + (True,),
        [1.0] * 24,
        None,
    ],
)
def test_a_bad_day_rhythm_names_field_value_and_range(bad: object) -> None:
    with pytest.raises(ScenarioError) as err:
        WorkloadSpec(day_rhythm=bad)  # type: ignore[arg-type]
    e = err.value
    assert (e.owner, e.field, e.value) == ("WorkloadSpec", "day_rhythm", bad)
    assert "24 weights" in e.allowed and "0 <= x <= 100" in e.allowed
