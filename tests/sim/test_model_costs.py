"""The model's memoised costs equal direct engine runs (POP3 polls, IMAP operations, the wire)."""

from __future__ import annotations

import random

import pytest

from sim.inputs.network import Link
from sim.inputs.scenario import LinkSpec, TlsMode
from sim.model.imap_costs import ImapCosts, _config, flag_names
from sim.model.pop3_costs import Pop3Costs, digits, engine_poll
from sim.model.state import structure_len
from sim.model.wire_cost import session_wire
from sim.protocol.imap.server import ImapServer
from sim.protocol.imap_client import SyncMode, connect
from sim.protocol.message import Attachment, synthesize
from sim.protocol.outbox import Counts
from sim.protocol.pop3_client import LeavePolicy
from sim.protocol.store import Store


@pytest.mark.parametrize("profile", ["dovecot", "rfc"])
@pytest.mark.parametrize("seed", range(6))
def test_pop3_poll_cost_equals_engine_run(seed: int, profile: str) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        n = rng.randint(0, 40)
        sizes = [
            rng.choice(
                [rng.randint(60, 999), rng.randint(1000, 99_999), rng.randint(100_000, 2_000_000)]
            )
            for _ in range(n)
        ]
        stls, uidl = rng.random() < 0.5, rng.random() < 0.5
        first = rng.choice([1, 9, 95, 990])
        leave = rng.choice([LeavePolicy.DELETE_AFTER_DOWNLOAD, LeavePolicy.NEVER_DELETE])
        hf = rng.random() < 0.3 and leave is LeavePolicy.NEVER_DELETE and uidl
        have = (
            frozenset(u for u in range(first, first + n) if rng.random() < 0.5)
            if uidl
            else frozenset()
        )
        direct, res = engine_poll(
            sizes,
            stls=stls,
            use_uidl=uidl,
            leave=leave,
            have_uids=have,
            first_uid=first,
            headers_first=hf,
            profile=profile,
        )
        pc = Pop3Costs(stls, profile)
        uids = list(range(first, first + n))
        c = pc.begin(
            n, sum(sizes), sum(digits(s) for s in sizes), sum(digits(u) for u in uids), uidl
        )
        left = n
        for i, (u, s) in enumerate(zip(uids, sizes), 1):
            if uidl and u in have:
                if leave is LeavePolicy.DELETE_AFTER_DOWNLOAD:
                    pc.dele(c, i)
                    left -= 1
                continue
            header = res.record.exchanges[0].server_counts.header  # 0: only used for totals
            del header
            if hf:
                pc.top0(c, i, _probe_header())
                pc.retr(c, i, s, s, 0, 0)
                continue
            pc.retr(c, i, s, s, 0, 0)
            if leave is LeavePolicy.DELETE_AFTER_DOWNLOAD:
                pc.dele(c, i)
                left -= 1
        pc.quit(c, left, left < n)
        assert (c.client, c.framing, c.server, c.round_trips) == (
            direct.client,
            direct.framing,
            direct.server,
            direct.round_trips,
        )


def _probe_header() -> int:
    from sim.model.pop3_costs import _probe_message

    return _probe_message(1000).header_size


def _message(rng: random.Random, seed: int):  # type: ignore[no-untyped-def]
    text = rng.choice([rng.randint(2, 900), rng.randint(1000, 9000), rng.randint(10_000, 90_000)])
    att = (
        [
            Attachment(
                f"file{rng.randint(1, 999)}.bin",
                rng.choice([rng.randint(1, 50_000), rng.randint(60_000, 400_000)]),
            )
        ]
        if rng.random() < 0.4
        else []
    )
    return synthesize(
        seed=seed,
        text_size=text,
        attachments=att,
        subject=f"topic{rng.randint(0, 9999):04d} #{seed}",
    )


def _direct(tls: TlsMode, msg, seq: int, uid: int, bits: int, op):  # type: ignore[no-untyped-def]
    store = Store()
    acct = store.add_account("user", "secret")
    box = acct.inbox
    box.uidnext = uid - seq + 1
    from sim.model.imap_costs import _FILLER

    for _ in range(seq - 1):
        box.append(_FILLER)
    box.append(msg, flag_names(bits))
    c = connect(ImapServer(store, _config(tls)), "user", "secret", starttls=tls is TlsMode.STARTTLS)
    c.take_record()
    op(c)
    rec = c.take_record()
    k = rec.server_counts
    return (rec.client_bytes, (k.framing, k.header, k.body, k.attachment), rec.round_trips)


@pytest.mark.parametrize("seed", range(4))
def test_imap_memoised_costs_equal_engine_runs(seed: int, mail_sizes) -> None:  # type: ignore[no-untyped-def]
    """A shape measured on one message prices another message of that shape exactly."""
    rng = random.Random(100 + seed)
    tls = rng.choice(list(TlsMode))
    costs = ImapCosts(tls)
    for k in range(30):
        msg = _message(rng, seed * 1000 + k)
        mail = mail_sizes(msg)
        seq = rng.choice([1, 2, 9, 10, 57, 120])
        uid = seq + rng.choice([0, 3, 95, 1000])
        bits = rng.randrange(16)
        cases = [
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
            (
                costs.store_flags(seq, uid, bits or 1),
                lambda c: c.store_flags([uid], flag_names(bits or 1)),
            ),
            (costs.delete(seq, uid), lambda c: c.delete([uid])),
        ]
        if mail.att:
            cases.append(
                (
                    costs.fetch_attachment(mail, lambda: msg, seq, uid),
                    lambda c: c.fetch_attachment(uid, "2", mail.att),
                )
            )
        for (up, down, rt), op in cases:
            client, server, rts = _direct(tls, msg, seq, uid, bits, op)
            assert (sum(up), down, rt) == (client, server, rts)


def test_wire_arithmetic_equals_network_link_counts() -> None:
    rng = random.Random(3)
    for _ in range(300):
        link = LinkSpec(
            down_Bps=rng.choice([1e4, 1e6, 1e8]),
            up_Bps=rng.choice([1e4, 1e6]),
            rtt_s=rng.choice([0.0, 0.02, 0.3]),
        )
        tls = rng.choice([TlsMode.NONE, TlsMode.IMPLICIT])
        up, down, rt = rng.randint(0, 5000), rng.randint(0, 3_000_000), rng.randint(0, 40)
        connect_ = rng.random() < 0.5
        w = session_wire(link, tls, up, down, rt, connect=connect_)
        # a new connection is booked with its close; an exchange on an open one closes nothing
        c = Link(link, tls).counts(
            up,
            Counts(framing=down),
            rt,
            connect=connect_,
            close=connect_,
            flights=max(1, rt + (1 if connect_ else 0)),
        )
        assert (w.tcp_up, w.tcp_down, w.tls_up, w.tls_down) == (
            c.up.transport,
            c.down.transport,
            c.up.tls,
            c.down.tls,
        )
        assert w.duration_s == pytest.approx(c.duration_s, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("n", [1, 7, 12, 130])
def test_imap_flag_resync_and_search_listings_equal_engine_runs(n: int) -> None:
    """The per-message line arithmetic of a flag resync and of SEARCH results is exact."""
    from sim.model.imap_costs import _FILLER
    from sim.model.pop3_costs import sum_digits_1_to

    rng = random.Random(n)
    tls = TlsMode.IMPLICIT
    costs = ImapCosts(tls)
    store = Store()
    box = store.add_account("user", "secret").inbox
    box.uidnext = rng.choice([1, 50, 990])
    bits_of = []
    for _ in range(n):
        bits = rng.randrange(16)
        bits_of.append(bits)
        box.append(_FILLER, flag_names(bits))
    c = connect(ImapServer(store, _config(tls)), "user", "secret")
    c.take_record()
    c.fetch_flags(1)
    rec = c.take_record()
    (uf, *_), (df, *_), rt = costs.flags_resync_base()
    lsum = sum(
        digits(m.uid)
        + len(__import__("sim.protocol.imap.formatting", fromlist=["x"]).flag_list(m.flags))
        for m in box.messages
    )
    assert uf == rec.client_bytes
    assert df + 24 * n + sum_digits_1_to(n) + lsum == rec.server_counts.framing
    assert rt == rec.round_trips
    c.search("TEXT topic0001")  # no hit: the base
    (su, *_), (sd, *_), _ = costs.search_base("topic0001")
    assert su == c.take_record().client_bytes
    hits = [m.uid for m in box.messages]
    del hits  # the filler has no keyword; hit lines are checked on a message that matches
    msg = synthesize(seed=5, keywords=["topic0001"])
    box.append(msg)
    c.noop()  # take the untagged EXISTS first
    c.take_record()
    c.search("TEXT topic0001")
    rec = c.take_record()
    assert rec.server_counts.framing == sd + 1 + digits(box.messages[-1].uid)


def test_fast_message_sizes_equal_the_message_model() -> None:
    """Mail sizes (kinds, parts, BODYSTRUCTURE length) agree with the Message they stand for."""
    from sim.inputs.presets import preset
    from sim.inputs.workload import build_message, generate
    from sim.model.state import mail_of
    from sim.protocol.message import ByteKind

    for seed in (1, 2):
        sc = preset("family", days=3, seed=seed)
        trace = generate(sc)
        for spec in trace.messages + trace.sent:
            msg = build_message(spec, sc)
            mail = mail_of(spec, trace)
            ks = msg.kind_sizes()
            assert (mail.size, mail.header, mail.body, mail.attachment) == (
                msg.size,
                ks[ByteKind.HEADER],
                ks[ByteKind.BODY],
                ks[ByteKind.ATTACHMENT],
            )
            assert mail.structure == structure_len(msg)


@pytest.mark.parametrize("pads", [7, 8, 9, 50, 97, 98, 99])
def test_append_cost_with_a_many_digit_sent_uidvalidity_equals_an_engine_run(  # type: ignore[no-untyped-def]
    pads: int, mail_sizes
) -> None:
    """APPENDUID carries Sent's UIDVALIDITY: with many folders made before Sent it has two or
    three digits, and the probe must lay out as many (it once stopped one folder short)."""
    from sim.protocol.message import ByteKind

    msg = synthesize(seed=pads, text_size=700)
    store = Store()
    acct = store.add_account("user", "secret")
    for i in range(pads):
        acct.create(f"pad{i}")
    sent = acct.create("Sent")
    c = connect(ImapServer(store, _config(TlsMode.IMPLICIT)), "user", "secret")
    c.take_record()
    c.append("Sent", msg)
    rec = c.take_record()
    k = rec.server_counts
    mail = mail_sizes(msg)
    ks = msg.kind_sizes()
    payload = (ks[ByteKind.HEADER], ks[ByteKind.BODY], ks[ByteKind.ATTACHMENT])
    (up, down, rt) = ImapCosts(TlsMode.IMPLICIT).append(mail, lambda: msg, 1, sent.uidvalidity)
    assert sent.uidvalidity == pads + 2
    assert (up, down, rt) == (
        (rec.client_bytes - sum(payload), *payload),
        (k.framing, k.header, k.body, k.attachment),
        rec.round_trips,
    )


def _attachment_part_of(target: int) -> tuple[int, object]:
    """A message whose attachment part is ``target`` octets on the wire, or the closest larger
    size base64 allows (4 characters per 3 octets, a CRLF per 76 characters)."""
    for wire in range(target, target + 8):
        for groups in range(max(1, wire // 5), wire // 4 + 1):
            if 4 * groups + 2 * -(-groups // 19) == wire:
                msg = synthesize(
                    seed=wire, text_size=300, attachments=[Attachment("a.bin", 3 * groups)]
                )
                assert msg.root.parts[1].body_size == wire
                return wire, msg
    raise AssertionError(f"no base64 part of {target}..{target + 7} octets")


@pytest.mark.parametrize("chunk", [1024, 4096, 65536])
def test_chunked_attachment_cost_equals_an_engine_run(chunk: int, mail_sizes) -> None:  # type: ignore[no-untyped-def]
    """``ImapPolicy.chunk_bytes`` sets the partial-fetch size.  Sizes just below, at and above
    whole multiples of the chunk (a remainder of 0 is one command fewer) match the engine."""
    rng = random.Random(chunk)
    costs = ImapCosts(TlsMode.STARTTLS)
    exact_multiples = 0
    for target in (
        chunk - 40,
        chunk,
        chunk + 3,
        3 * chunk,
        3 * chunk + 2,
        3 * chunk + 11,
        6 * chunk,
        rng.randint(1, 6 * chunk),
    ):
        size, msg = _attachment_part_of(target)
        exact_multiples += size % chunk == 0
        mail = mail_sizes(msg)
        assert mail.att == size
        seq, uid = 12, 345  # one shape of seq and UID: the memo is shared across sizes
        (up, down, rt) = costs.fetch_attachment(mail, lambda: msg, seq, uid, chunk)
        client, server, rts = _direct(
            TlsMode.STARTTLS, msg, seq, uid, 0, lambda c: c.fetch_attachment(uid, "2", size, chunk)
        )
        assert (sum(up), down, rt) == (client, server, rts)
        assert rt == -(-size // chunk)  # one partial fetch per started chunk
        assert down[3] == size
    assert exact_multiples >= 1  # the remainder-0 shape was exercised


def test_an_exchange_on_an_open_connection_books_no_close() -> None:
    """A keepalive on a kept-open implicit-TLS connection costs its record, its segment and
    the device's pure ACK back (nothing else goes back to carry it), not a TLS close_notify
    and a TCP teardown: those come once per connection."""
    from sim.inputs.network import TCP_ASSUMPTIONS as TCP
    from sim.inputs.network import TLS_ASSUMPTIONS as TLS
    from sim.model.wire_cost import WireCalc

    link = LinkSpec(down_Bps=1e6, up_Bps=1e6, rtt_s=0.05)
    calc = WireCalc(link, TlsMode.IMPLICIT)
    keepalive = calc.session(0, 17, 0, connect=False)  # "* OK Still here\r\n", server to client
    assert keepalive.tls_down == TLS.record_overhead and keepalive.tls_up == 0
    assert keepalive.tcp_down == TCP.segment_overhead == keepalive.tcp_up
    new = calc.session(0, 17, 0, connect=True)
    assert new.tls_up >= TLS.close_notify and new.tcp_up >= TCP.teardown_up
