"""The model prices SELECT as the engine answers it, whatever the mailbox holds.

An IMAP4rev1 SELECT (the model's client never sends ``ENABLE IMAP4rev2``) carries ``* 0 RECENT``
and, when some message is unseen, ``* OK [UNSEEN n]`` with n the first unseen message's sequence
number (RFC 3501 §6.3.1): its digits depend on the flags, so the model's memo must key on them.
Random mailboxes are built in a real store and the model's cost is compared with an engine run;
then the model's own running tally of unseen messages is checked against a scan after whole runs.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.inputs.presets import laptop, phone
from sim.inputs.scenario import DAY, ImapPolicy, Scenario, TlsMode, UserSpec, WorkloadSpec
from sim.model import Protocol
from sim.model.imap_costs import _FILLER, ImapCosts, _config, flag_names
from sim.model.simulation import simulate_with_world
from sim.outputs.metrics import SEEN
from sim.protocol.imap.server import ImapServer
from sim.protocol.imap_client import connect
from sim.protocol.store import Store

# sizes around the digit boundaries of EXISTS and of the first unseen message's number
SIZES = (0, 1, 2, 9, 10, 11, 99, 100, 104)


@st.composite
def mailboxes(draw: st.DrawFn) -> tuple[list[int], int, int, int]:
    """(flag bits per message, UIDNEXT before the first append, folders made before, where the
    first unseen message is).  Messages before it are seen; those after it are random."""
    n = draw(st.sampled_from(SIZES))
    first = draw(st.integers(0, n))  # index of the first unseen message (n: all seen)
    rest = draw(st.lists(st.integers(0, 15), min_size=n, max_size=n))
    bits = [b | SEEN if i < first else (b & ~SEEN if i == first else b) for i, b in enumerate(rest)]
    return bits, draw(st.sampled_from([1, 9, 95, 990])), draw(st.sampled_from([0, 8, 97])), first


def _store(bits: list[int], uidnext: int, pads: int, folder: str) -> Store:
    store = Store()
    account = store.add_account("user", "secret")
    for i in range(pads):
        account.create(f"pad{i}")
    box = account.get(folder) or account.create(folder)
    box.uidnext = uidnext
    for b in bits:
        box.append(_FILLER, flag_names(b))
    return store


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    mailboxes(), st.sampled_from(list(TlsMode)), st.sampled_from(["INBOX", "Work"]), st.booleans()
)
def test_model_select_bytes_equal_the_engine(
    box_state: tuple[list[int], int, int, int], tls: TlsMode, folder: str, qresync: bool
) -> None:
    bits, uidnext, pads, first = box_state
    store = _store(bits, uidnext, pads, folder)
    box = store.accounts["user"].get(folder)
    assert box is not None
    unseen = first + 1 if first < len(bits) else 0
    assert unseen == next((i for i, m in enumerate(box.messages, 1) if "\\Seen" not in m.flags), 0)
    keywords = any(not f.startswith("\\") for m in box.messages for f in m.flags)
    costs = ImapCosts(tls, qresync)
    c = connect(
        ImapServer(store, _config(tls, qresync)),
        "user",
        "secret",
        starttls=tls is TlsMode.STARTTLS,
        mailbox=None if qresync or folder != "INBOX" else "INBOX",
    )
    if qresync:
        c.enable("QRESYNC")
    highest = box.highestmodseq
    if folder == "INBOX":
        if qresync:
            c.select("INBOX")
        up, down, rt = costs.connect(len(bits), box.uidnext, keywords, highest, None, unseen)
    else:
        c.select("INBOX")
        c.take_record()
        c.select(folder)
        up, down, rt = costs.select(
            folder, len(bits), box.uidnext, keywords, box.uidvalidity, highest, None, unseen
        )
    rec = c.take_record()
    k = rec.server_counts
    assert (sum(up), down, rt) == (
        rec.client_bytes,
        (k.framing, k.header, k.body, k.attachment),
        rec.round_trips,
    )


def test_the_unseen_line_is_priced_by_the_digits_of_its_number() -> None:
    """The memo must not reuse one first-unseen number's cost for another of other digits."""
    costs = ImapCosts(TlsMode.IMPLICIT)
    down = [sum(costs.connect(120, 121, False, unseen=u)[1]) for u in (0, 1, 9, 10, 100)]
    # no line; "* OK [UNSEEN 1] First unseen." is 31 octets; each further digit one more
    assert [d - down[0] for d in down] == [0, 31, 31, 32, 33]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.booleans(), st.sampled_from([10.0, 60.0]))
def test_the_models_first_unseen_tally_equals_a_scan(seed: int, idle: bool, per_day: float) -> None:
    """Deliveries, reads, moves and deletes keep ``ServerUser.unseen`` equal to a scan."""
    policy = ImapPolicy(idle=idle)
    sc = Scenario(
        users=(UserSpec("u", (phone("phone", imap=policy), laptop("laptop", imap=policy))),),
        workload=WorkloadSpec(
            messages_per_day=per_day, delete_per_day=per_day / 4, file_per_day=per_day / 4
        ),
        duration_s=DAY,
        seed=seed,
        name="unseen",
    )
    _, world = simulate_with_world(sc, Protocol.IMAP)
    for user in world.users:
        for folder, uids in user.boxes.items():
            flags = [user.where[user.box_mid[folder][u]][1] for u in uids]
            expected = next((i for i, b in enumerate(flags, 1) if not b & SEEN), 0)
            assert user.first_unseen(folder) == expected, (folder, flags)
