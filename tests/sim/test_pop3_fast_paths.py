"""The POP3 cost shortcuts equal the step-by-step assembly that test_model_costs checks against
the engine."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.pop3_costs import PollCost, Pop3Costs

_COSTS = {
    (stls, profile): Pop3Costs(stls, profile)
    for stls in (False, True)
    for profile in ("dovecot", "rfc")
}
_PROFILES = st.sampled_from(["dovecot", "rfc"])
_INTS = st.one_of(st.integers(0, 999), st.integers(0, 10**7))


@settings(max_examples=200, deadline=None)
@given(
    stls=st.booleans(),
    n=st.integers(1, 200_000),
    size=_INTS,
    parts=st.tuples(_INTS, _INTS, _INTS),
    profile=_PROFILES,
)
def test_retr_dele_is_retr_then_dele(
    stls: bool, n: int, size: int, parts: tuple[int, int, int], profile: str
) -> None:
    pc = _COSTS[stls, profile]
    a = pc.begin(5, 1000, 12, 5, True)
    b = pc.begin(5, 1000, 12, 5, True)
    pc.retr_dele(a, n, size, *parts)
    pc.retr(b, n, size, *parts)
    pc.dele(b, n)
    assert a == b


@settings(max_examples=100, deadline=None)
@given(
    stls=st.booleans(),
    uidl=st.booleans(),
    n=st.integers(0, 200_000),
    total=st.integers(0, 10**10),
    sd=st.integers(0, 10**6),
    ud=st.integers(0, 10**6),
    profile=_PROFILES,
)
def test_idle_charge_is_begin_then_quit(
    stls: bool, uidl: bool, n: int, total: int, sd: int, ud: int, profile: str
) -> None:
    pc = _COSTS[stls, profile]
    c = pc.begin(n, total, sd, ud, uidl)
    pc.quit(c, n)
    assert pc.idle_charge(n, total, sd, ud, uidl) == c.charge_args()
    assert pc.idle_charge(n, total, sd, ud, uidl) == c.charge_args()  # memoised
    assert c.charge_args() == (
        (c.client, 0, 0, 0),
        (c.framing, c.header, c.body, c.attachment),
        c.round_trips,
    )
    assert isinstance(c, PollCost)


def _begin_formatted(
    pc: Pop3Costs, n: int, total: int, size_digits: int, uid_digits: int, use_uidl: bool
) -> PollCost:
    """Pop3Costs.begin as first written, for the ``rfc`` texts: the replies formatted in full."""

    def plural(k: int) -> str:
        return f"{k} message" if k == 1 else f"{k} messages"

    c = PollCost(pc.login.client, pc.login.server, 0, 0, 0, pc.login.round_trips)
    c.framing += len(f"{plural(n)} ({total} octets)") - len(f"{plural(0)} (0 octets)")
    c.client += 6 + 6
    c.framing += len(f"+OK {n} {total}\r\n")
    numbers = sum(len(str(i)) for i in range(1, n + 1))
    c.framing += len(f"+OK {plural(n)} ({total} octets)\r\n")
    c.framing += numbers + n * 3 + size_digits + 3
    c.round_trips += 2
    if use_uidl:
        c.client += 6
        c.framing += len(b"+OK unique-id listing follows\r\n")
        c.framing += numbers + n * 5 + uid_digits + 3
        c.round_trips += 1
    return c


@settings(max_examples=300, deadline=None)
@given(
    stls=st.booleans(),
    uidl=st.booleans(),
    n=st.one_of(st.integers(0, 12), st.integers(0, 1200), st.integers(0, 120_000)),
    total=st.one_of(st.integers(0, 12), st.integers(0, 10**12)),
    sd=st.integers(0, 10**6),
    ud=st.integers(0, 10**6),
)
def test_begin_is_the_formatted_replies(
    stls: bool, uidl: bool, n: int, total: int, sd: int, ud: int
) -> None:
    pc = _COSTS[stls, "rfc"]
    assert pc.begin(n, total, sd, ud, uidl) == _begin_formatted(pc, n, total, sd, ud, uidl)
