"""Costs extended digit by digit equal engine runs at the real numbers.

``ImapCosts`` prices an operation about the message at a sequence number of more than
``SEQ_PROBE_DIGITS`` digits from its shapes at sequence numbers 10 and 100, extended by digits
(``ImapCosts._at_seq``), and an APPEND of a literal of more than ``APPEND_PROBE_DIGITS``
digits from probes of that many digits and one fewer.  The plain definition is one engine run
with the target really at that sequence number (every message before it in the mailbox), or a
real literal of that length."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.inputs.scenario import TlsMode
from sim.model.imap_costs import (
    _FILLER,
    APPEND_PROBE_DIGITS,
    SEQ_PROBE_DIGITS,
    ImapCosts,
    _config,
    extend_by_digits,
    extend_by_octets,
    flag_names,
    size_probe,
)
from sim.model.pop3_costs import digits
from sim.protocol.imap.server import ImapServer
from sim.protocol.imap_client import ImapClient, SyncMode, connect
from sim.protocol.message import Attachment, Message, synthesize
from sim.protocol.store import Mailbox, Store

Cost = tuple[tuple[int, int, int, int], tuple[int, int, int, int], int]


def _engine(
    tls: TlsMode,
    qresync: bool,
    msg: Message,
    seq: int,
    uid: int,
    bits: int,
    op: Callable[[ImapClient], object] | None = None,
    push: Callable[[Mailbox], None] | None = None,
) -> tuple[int, tuple[int, int, int, int], int]:
    """(client octets, server octets by kind, round trips) of ``op`` -- or, with ``push``, of
    what an idling client is pushed when ``push`` changes INBOX -- with ``msg`` at ``seq``
    (``seq - 1`` messages before it) and UID ``uid``, and an empty folder ``Archive``
    (UIDVALIDITY 2): the definition, no shortcut."""
    store = Store()
    acct = store.add_account("user", "secret")
    acct.create("Archive")
    box = acct.inbox
    box.uidnext = uid - seq + 1
    for _ in range(seq - 1):
        box.append(_FILLER)
    box.append(msg, flag_names(bits))
    c = connect(
        ImapServer(store, _config(tls, qresync)),
        "user",
        "secret",
        starttls=tls is TlsMode.STARTTLS,
        mailbox=None if qresync else "INBOX",
    )
    if qresync:
        c.enable("QRESYNC")
        c.select("INBOX")
    c.take_record()
    if op is not None:
        op(c)
    if push is not None:
        c.idle_start()
        c.take_record()
        push(box)
        c.idle_push()
    rec = c.take_record()
    k = rec.server_counts
    return rec.client_bytes, (k.framing, k.header, k.body, k.attachment), rec.round_trips


def _flat(cost: Cost) -> tuple[int, tuple[int, int, int, int], int]:
    up, down, rt = cost
    return sum(up), down, rt


def test_extend_by_digits_is_the_straight_line_through_two_costs() -> None:
    assert SEQ_PROBE_DIGITS == 3  # the cases below run at 3, 4 and 5 digits
    one: Cost = ((10, 1, 2, 3), (20, 4, 5, 6), 1)
    two: Cost = ((12, 1, 2, 3), (21, 4, 5, 6), 1)
    assert extend_by_digits(one, two, 0) == two
    assert extend_by_digits(one, two, 3) == ((18, 1, 2, 3), (24, 4, 5, 6), 1)


# (mail_sizes is a pure function: sharing it between examples is safe)
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seq=st.sampled_from([100, 999, 1000, 4321, 10_000]),
    extra_uid=st.sampled_from([0, 7, 900, 100_000]),
    bits=st.integers(0, 15),
    tls=st.sampled_from(list(TlsMode)),
    qresync=st.booleans(),
    seed=st.integers(0, 50),
)
def test_operations_at_many_digit_sequence_numbers_equal_engine_runs(
    seq: int, extra_uid: int, bits: int, tls: TlsMode, qresync: bool, seed: int, mail_sizes: Any
) -> None:
    if qresync:  # the probes' modseqs follow the layout of a power of ten (as the engine's do
        seq = 10 ** (digits(seq) - 1)  # only there): compare where both lay out alike
    uid = seq + extra_uid
    msg = synthesize(
        seed=seed,
        text_size=300 + 37 * seed,
        attachments=[Attachment("a.bin", 5000 + 11 * seed)],
        subject=f"topic{seed:04d} #{seed}",
    )
    mail = mail_sizes(msg)
    costs = ImapCosts(tls, qresync)
    cases: list[tuple[Cost, Callable[[ImapClient], object]]] = [
        (
            costs.fetch_attachment(mail, lambda: msg, seq, uid, 1024),
            lambda c: c.fetch_attachment(uid, "2", mail.att, 1024),
        ),
        (
            costs.store_flags(seq, uid, bits or 1),
            lambda c: c.store_flags([uid], flag_names(bits or 1)),
        ),
        (costs.delete(seq, uid), lambda c: c.delete([uid])),
        (costs.move(seq, uid, "Archive", 2, 1), lambda c: c.move([uid], "Archive")),
    ]
    if not qresync:  # (under QRESYNC these print the message's modseq: its own shape)
        cases += [
            (
                costs.sync_headers(mail, lambda: msg, seq, uid, bits),
                lambda c: c.sync_headers(uid, SyncMode.HEADERS),
            ),
            (costs.fetch_text(mail, lambda: msg, seq, uid, bits), lambda c: c.fetch_body(uid, "1")),
            (
                costs.fetch_text(mail, lambda: msg, seq, uid, bits, peek=True),
                lambda c: c.fetch_body(uid, "1", mark_seen=False),
            ),
            (costs.fetch_full(mail, lambda: msg, seq, uid, bits), lambda c: c.fetch_full([uid])),
        ]
    for cost, op in cases:
        assert _flat(cost) == _engine(tls, qresync, msg, seq, uid, bits, op), (seq, uid)


@settings(max_examples=6, deadline=None, derandomize=True)
@given(
    seq=st.sampled_from([100, 1000, 2345, 10_000]),
    bits=st.integers(0, 15),
    tls=st.sampled_from(list(TlsMode)),
)
def test_pushes_about_many_digit_sequence_numbers_equal_engine_runs(
    seq: int, bits: int, tls: TlsMode
) -> None:
    costs = ImapCosts(tls)

    def set_flags(box: Mailbox) -> None:
        uid = box.messages[-1].uid
        box.set_flags(uid, flag_names(bits) or {"\\Draft"})
        if not bits:  # "no flags" is reached from \\Draft, as the probe does
            box.set_flags(uid, set())

    def expunge(box: Mailbox) -> None:
        box.expunge([box.messages[-1].uid])

    for cost, change in (
        (costs.push_flags(seq, bits), set_flags),
        (costs.push_expunge(seq), expunge),
    ):
        assert _flat(cost) == _engine(tls, False, _FILLER, seq, seq, 0, push=change), seq


def test_appends_of_seven_and_eight_digit_literals_equal_engine_runs(mail_sizes: Any) -> None:
    """The engine takes both (its APPEND limit is 64 MiB); 8 digits is a 10 MB literal."""
    for d in (APPEND_PROBE_DIGITS + 1, APPEND_PROBE_DIGITS + 2):
        msg = size_probe(d)
        assert msg is not None and digits(msg.size) == d
        for tls in TlsMode:
            costs = ImapCosts(tls)
            store = Store()
            acct = store.add_account("user", "secret")
            acct.create("Sent").uidnext = 123
            c = connect(
                ImapServer(store, _config(tls)),
                "user",
                "secret",
                starttls=tls is TlsMode.STARTTLS,
            )
            c.take_record()
            c.append("Sent", msg)
            rec = c.take_record()
            k = rec.server_counts
            mail = mail_sizes(msg)
            cost = costs.append(mail, lambda: msg, 123, 2)
            assert _flat(cost) == (
                rec.client_bytes,
                (k.framing, k.header, k.body, k.attachment),
                rec.round_trips,
            )


# (mail_sizes is a pure function: sharing it between examples is safe)
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    chunk=st.sampled_from([1000, 1024, 4096, 65536]),
    chunks=st.integers(1, 40),
    extra=st.sampled_from([0, 1, 7, 99, 500, 1023]),
    seq=st.sampled_from([1, 57, 1234]),
)
def test_chunked_attachment_fetches_equal_engine_runs(
    chunk: int, chunks: int, extra: int, seq: int, mail_sizes: Any
) -> None:
    """Attachments of many chunks (origins of 4 to 7 digits), their fetch extended from shorter
    ones, cost what serving every chunk costs on the engine."""
    wanted = chunks * chunk + min(extra, chunk - 1)
    # an attachment of about ``wanted`` octets once base64-encoded
    msg = synthesize(seed=chunks, text_size=200, attachments=[Attachment("a.bin", wanted * 3 // 4)])
    mail = mail_sizes(msg)
    uid = seq + 5
    cost = ImapCosts(TlsMode.IMPLICIT).fetch_attachment(mail, lambda: msg, seq, uid, chunk)
    engine = _engine(
        TlsMode.IMPLICIT,
        False,
        msg,
        seq,
        uid,
        0,
        lambda c: c.fetch_attachment(uid, "2", mail.att, chunk),
    )
    assert _flat(cost) == engine, (chunk, mail.att)
    assert cost[2] == -(-mail.att // chunk)  # one partial fetch per started chunk


def test_header_syncs_and_full_fetches_of_every_flag_set_equal_engine_runs(
    mail_sizes: Any,
) -> None:
    """A header sync's (and an offline sync's) flag list is extended octet by octet from the shapes without flags and
    with \\Seen alone (``extend_by_octets``): every flag set the model has, \\Deleted too."""
    msg = synthesize(seed=7, text_size=900, attachments=[Attachment("a.bin", 3000)])
    mail = mail_sizes(msg)
    for tls in TlsMode:
        costs = ImapCosts(tls)
        for seq, uid in ((1, 1), (57, 4000), (1234, 98765)):
            for bits in range(32):
                cost = costs.sync_headers(mail, lambda: msg, seq, uid, bits)
                engine = _engine(
                    tls, False, msg, seq, uid, bits, lambda c: c.sync_headers(uid, SyncMode.HEADERS)
                )
                assert _flat(cost) == engine, (seq, uid, bits)
                cost = costs.fetch_full(mail, lambda: msg, seq, uid, bits)
                engine = _engine(tls, False, msg, seq, uid, bits, lambda c: c.fetch_full([uid]))
                assert _flat(cost) == engine, ("full", seq, uid, bits)


def test_extend_by_octets_refuses_a_difference_that_is_not_whole_octets() -> None:
    none: Cost = ((5, 0, 0, 0), (10, 0, 0, 0), 1)
    assert extend_by_octets(none, ((5, 0, 0, 0), (15, 0, 0, 0), 1), 10) == (
        (5, 0, 0, 0),
        (20, 0, 0, 0),
        1,
    )
    assert extend_by_octets(none, ((5, 0, 0, 0), (13, 0, 0, 0), 1), 10) is None
