"""Property tests: any bytes get defined replies, and chunking never changes events or output."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_imap_support import PASSWORD, USER, make_store

from sim.protocol.imap import CommandCompleted, ImapConfig, ImapServer, InternalError, Status
from sim.protocol.imap.framing import CommandFramer, Framed
from sim.protocol.imap.response import fetch_items, parse_responses, parts_of
from sim.protocol.message import crlf_line_ends

COMMANDS = [
    b"a1 CAPABILITY",
    b"a2 NOOP",
    f"a3 LOGIN {USER} {PASSWORD}".encode(),
    b"a4 LOGIN x y",
    b"a5 SELECT INBOX",
    b"a6 EXAMINE INBOX",
    b"a7 SELECT Archive",
    b'a8 LIST "" *',
    b"a9 STATUS INBOX (MESSAGES UNSEEN SIZE)",
    b"b1 FETCH 1:* (FLAGS UID RFC822.SIZE)",
    b"b2 FETCH 2 (BODYSTRUCTURE ENVELOPE)",
    b"b3 FETCH 1 BODY[HEADER.FIELDS (From)]",
    b"b4 UID FETCH 2 BODY.PEEK[2]<0.100>",
    b"b5 STORE 1 +FLAGS (\\Deleted)",
    b"b6 UID STORE 1:3 -FLAGS.SILENT (\\Seen)",
    b"b7 SEARCH OR SEEN (FROM alice) NOT 2:3",
    b"b8 UID SEARCH TEXT zebra",
    b"b9 EXPUNGE",
    b"c1 UID EXPUNGE 1:2",
    b"c2 COPY 1 Archive",
    b"c3 UID MOVE 2 Sent",
    b"c4 MOVE 1 Nowhere",
    b"c5 CREATE X/Y",
    b"c6 RENAME X/Y Z",
    b"c7 DELETE Z",
    b"c8 CLOSE",
    b"c9 UNSELECT",
    b"d1 IDLE",
    b"DONE",
    b"d2 LOGOUT",
    b"d3 STARTTLS",
    b"d4 APPEND Sent {5+}\r\nab\r\n\r",
    b"d5 APPEND Sent {3}",
    b"abc",
    b"d6 FETCH 99999999999 FLAGS",
    b"d7 SEARCH CHARSET X ALL",
    b"d8 ENABLE IMAP4rev2",
    b"d9 FETCH 1 (BODY[1.2.3.MIME] BODY[TEXT]<5.5>)",
    b"e1 LOGIN {3+}\r\nabc {2}",
    b"e2 STORE * FLAGS ()",
    b'e3 LSUB "" %',
    b"e4 NAMESPACE",
    b"e5 CHECK",
    b"f1 ENABLE QRESYNC",
    b"f2 SELECT INBOX (QRESYNC (1 3 1:5))",
    b"f3 FETCH 1:* (MODSEQ)",
    b"f4 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 2 VANISHED)",
    b"f5 EXAMINE INBOX (CONDSTORE)",
    b"g1 AUTHENTICATE PLAIN",
    b"AGFsaWNlAHMzY3JldA==",
    b"g2 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldA==",
    b"*",
    b"h1 ENABLE IMAP4rev2 CONDSTORE",
    b"h2 UID SEARCH NOT DELETED",
    b"i1 SEARCH RETURN (MIN SAVE) SEEN",
    b"i2 UID FETCH $ (FLAGS) (CHANGEDSINCE 1 VANISHED)",
    b"i3 UID SEARCH RETURN () UID $ OR $ 1",
    b"i4 STORE $ +FLAGS (\\Seen)",
    b"i5 MOVE $ Archive",
    b"i6 SEARCH RETURN (COUNT MAX ALL) ALL",
    b"i7 APPEND Sent ~{4+}\r\na\x00\r\n",
    b"i8 FETCH 1 (BINARY.PEEK[1]<2.9> BINARY.SIZE[2])",
    b'i9 LIST (SUBSCRIBED) "" (% *)',
    b'j1 LIST "" * RETURN (STATUS (MESSAGES SIZE) CHILDREN)',
    b"j2 LOGIN ~{1}",
]

line = st.one_of(
    st.sampled_from(COMMANDS),
    st.binary(max_size=60),
    st.builds(lambda a, b: a + b, st.sampled_from(COMMANDS), st.binary(max_size=8)),
    st.builds(
        lambda a, b, i: a[: i % (len(a) + 1)] + b + a[i % (len(a) + 1) :],
        st.sampled_from(COMMANDS),
        st.binary(min_size=1, max_size=3),
        st.integers(0, 60),
    ),
    st.text(alphabet='ab1 ()[]{}+*%\\"<>.:,-$SEARCHFETCHBODYUIDALL\r\n', max_size=40).map(
        str.encode
    ),
)
streams = st.lists(line, max_size=25).map(lambda ls: b"".join(x + b"\r\n" for x in ls))


def _run(chunks: list[bytes]) -> tuple[list[object], bytes]:
    engine = ImapServer(
        make_store(),
        ImapConfig(starttls=True, max_literal=50, max_line=300, condstore=True, auth_plain=True),
    )
    events: list[object] = []
    output = engine.outbox.data_to_send()
    for chunk in chunks:
        events += engine.receive_data(chunk)
        if engine.idle_tag is not None:
            events += engine.refresh()
        output += engine.outbox.data_to_send()
    return events, output


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, last = [], 0
    for p in points:
        pieces.append(data[last:p])
        last = p
    pieces.append(data[last:])
    return pieces


@settings(max_examples=150, deadline=None)
@given(streams, st.lists(st.integers(min_value=0, max_value=10_000), max_size=20))
def test_any_bytes_get_defined_replies_however_split(data: bytes, cuts: list[int]) -> None:
    whole_events, whole_out = _run([data])
    split_events, split_out = _run(_split(data, cuts))
    assert split_events == whole_events
    assert split_out == whole_out
    assert not any(isinstance(e, InternalError) for e in whole_events), whole_events


@settings(max_examples=40, deadline=None)
@given(streams)
def test_byte_at_a_time_equals_whole(data: bytes) -> None:
    whole = _run([data])
    bytewise = _run([data[i : i + 1] for i in range(len(data))])
    assert bytewise == whole


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(COMMANDS[:30]), max_size=30))
def test_every_tagged_command_is_answered_once(commands: list[bytes]) -> None:
    """Each command line with a tag gets exactly one tagged reply (or the session has ended)."""
    engine = ImapServer(make_store())
    engine.outbox.data_to_send()
    for command in commands:
        if engine.closed:
            break
        idle = engine.idle_tag
        events = engine.receive_data(command + b"\r\n")
        done = [e for e in events if isinstance(e, CommandCompleted)]
        if idle is None and engine.idle_tag is not None:  # IDLE accepted: answered after DONE
            assert command == b"d1 IDLE" and done == []
            continue
        expected_tag = idle if idle is not None else command.split(b" ", 1)[0].decode()
        if idle is None and command == b"DONE":
            expected_tag = "DONE"
        assert [e.tag for e in done] == [expected_tag], (command, events)
        assert not any(isinstance(e, InternalError) for e in events)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=0, max_size=300), st.integers(min_value=1, max_value=40))
def test_literals_round_trip_through_the_framer(payload: bytes, step: int) -> None:
    framer = CommandFramer(max_line=100, max_literal=1000, max_append_literal=1000)
    data = b"t1 APPEND Sent {%d+}\r\n" % len(payload) + payload + b"\r\n"
    for i in range(0, len(data), step):
        framer.feed(data[i : i + step])
    items = []
    while (item := framer.next_item()) is not None:
        items.append(item)
    assert items == [Framed(b"t1 APPEND Sent \x00", (payload,))]


@settings(max_examples=100, deadline=None)
@given(
    st.binary(max_size=400)
    | st.text(max_size=200).map(str.encode)
    | st.lists(st.sampled_from(["Subject: x", "", ".", "body", " folded"]), max_size=8).flatmap(
        lambda ls: st.sampled_from(["\n", "\r", "\r\n"]).map(lambda end: end.join(ls).encode())
    )
)
def test_any_appended_octets_come_back_with_crlf_line_ends(payload: bytes) -> None:
    """Whatever octets are APPENDed come back exactly, except that bare LF / CR became CRLF."""
    engine = ImapServer(make_store())
    engine.outbox.data_to_send()
    engine.receive_data(f"a LOGIN {USER} {PASSWORD}\r\nb SELECT Sent\r\n".encode())
    engine.outbox.data_to_send()
    events = engine.receive_data(b"c APPEND Sent {%d+}\r\n" % len(payload) + payload + b"\r\n")
    assert not any(isinstance(e, InternalError) for e in events)
    engine.outbox.data_to_send()
    engine.receive_data(b"d FETCH 1 (RFC822.SIZE BODY.PEEK[])\r\n")
    out = engine.outbox.data_to_send()
    stored = crlf_line_ends(payload)
    head = b"* 1 FETCH (RFC822.SIZE %d BODY[] {%d}\r\n" % (len(stored), len(stored))
    assert out == head + stored + b")\r\nd OK FETCH completed\r\n"
    events = engine.receive_data(
        b"e FETCH 1 (ENVELOPE BODYSTRUCTURE BODY BODY.PEEK[1] "
        b"BODY.PEEK[1.MIME] BODY.PEEK[HEADER.FIELDS (Subject)])\r\n"
        b"f SEARCH OR TEXT x SENTSINCE 1-Jan-2000\r\n"
    )
    assert not any(isinstance(e, InternalError) for e in events), events
    assert [e.status for e in events if isinstance(e, CommandCompleted)] == [Status.OK, Status.OK]
    parsed = parse_responses(engine.outbox.data_to_send())
    assert parts_of(fetch_items(parsed[0])[1]["BODYSTRUCTURE"])  # type: ignore[index]


number = st.one_of(st.none(), st.integers(min_value=1, max_value=40))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(number, number), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=40),
)
def test_sequence_set_membership_matches_the_definition(
    ranges: list[tuple[int | None, int | None]], largest: int
) -> None:
    """Merged ranges + one star interval decide membership exactly as RFC 9051 §9 seq-range."""
    from sim.protocol.imap.parser import SequenceSet

    numbers = SequenceSet(tuple(ranges))
    for n in range(45):
        naive = any(
            min(largest if a is None else a, largest if b is None else b)
            <= n
            <= max(largest if a is None else a, largest if b is None else b)
            for a, b in ranges
        )
        assert numbers.contains(n, largest) is naive
    covered = {n for lo, hi in numbers.resolve(largest) for n in range(lo, hi + 1)}
    assert covered == {n for n in range(45) if numbers.contains(n, largest)}
