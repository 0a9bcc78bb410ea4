"""SEARCH RETURN (MIN MAX COUNT ALL SAVE) and ``$`` (RFC 9051 §6.4.4, §6.4.4.2, §7.3.4), on the
RFC's own example searches; and hypothesis: ESEARCH's numbers agree with a plain SEARCH."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from test_imap_support import PASSWORD, USER, send

from sim.protocol.imap import ImapServer
from sim.protocol.message import synthesize
from sim.protocol.store import Store

SMITH = "John Smith <smith@example.org>"


def _engine(
    flagged: set[int], smith: set[int], n: int = 12, rev2: bool = False, first_uid: int = 1
) -> ImapServer:
    """INBOX of ``n`` messages: those at the sequence numbers in ``flagged`` are \\Flagged, those
    in ``smith`` are from Smith; UIDs start at ``first_uid``."""
    store = Store()
    box = store.add_account(USER, PASSWORD).inbox
    box.uidnext = first_uid
    for seq in range(1, n + 1):
        msg = synthesize(
            seed=seq,
            sender=SMITH if seq in smith else "Ann <ann@example.org>",
            text_size=200 if seq % 3 else 6000,
        )
        box.append(msg, {"\\Flagged"} if seq in flagged else set())
    engine = ImapServer(store)
    engine.outbox.data_to_send()
    send(engine, f"t1 LOGIN {USER} {PASSWORD}")
    if rev2:
        send(engine, "t2 ENABLE IMAP4rev2")
    send(engine, "t3 SELECT INBOX")
    return engine


QUERY = 'FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'


def test_rfc9051_min_count_and_empty_return_examples() -> None:
    """§6.4.4: ``RETURN (MIN COUNT)`` -> ``MIN 2 COUNT 3``; ``RETURN ()`` -> ``ALL 2,10:11``."""
    engine = _engine(flagged={2, 5, 10, 11}, smith={5})  # 5 is flagged but from Smith
    assert send(engine, f"A282 SEARCH RETURN (MIN COUNT) {QUERY}") == (
        b'* ESEARCH (TAG "A282") MIN 2 COUNT 3\r\nA282 OK SEARCH completed\r\n'
    )
    assert send(engine, f"A283 SEARCH RETURN () {QUERY}") == (
        b'* ESEARCH (TAG "A283") ALL 2,10:11\r\nA283 OK SEARCH completed\r\n'
    )
    # a rev1 session without RETURN keeps the old response
    assert (
        send(engine, f"A284 SEARCH {QUERY}") == b"* SEARCH 2 10 11\r\nA284 OK SEARCH completed\r\n"
    )


def test_uid_max_and_no_match() -> None:
    engine = _engine(flagged={2, 5, 10, 11}, smith={5}, first_uid=7)
    assert send(engine, f"a UID SEARCH RETURN (MIN MAX) {QUERY}") == (
        b'* ESEARCH (TAG "a") UID MIN 8 MAX 17\r\na OK UID SEARCH completed\r\n'
    )
    # nothing matches: MIN, MAX and ALL are left out, COUNT is 0 (§7.3.4)
    assert send(engine, "b SEARCH RETURN (MIN MAX ALL COUNT) DELETED") == (
        b'* ESEARCH (TAG "b") COUNT 0\r\nb OK SEARCH completed\r\n'
    )
    assert send(engine, "c SEARCH RETURN (ALL COUNT) FROM Smith") == (
        b'* ESEARCH (TAG "c") ALL 5 COUNT 1\r\nc OK SEARCH completed\r\n'
    )
    assert send(engine, "d SEARCH RETURN (FIRST) ALL") == (
        b"d BAD SEARCH: unknown search return option 'FIRST'; allowed: MIN MAX ALL COUNT SAVE\r\n"
    )
    assert send(engine, "e SEARCH RETURN (MIN ALL").startswith(b"e BAD SEARCH: ")


def test_rfc9051_save_then_dollar_example() -> None:
    """§6.4.4.2: SAVE alone sends no ESEARCH; ``UID SEARCH UID $ SMALLER 4096`` and ``UID FETCH
    $`` then work on the saved messages (the RFC's session is an IMAP4rev2 one)."""
    engine = _engine(flagged=set(), smith={2, 5}, rev2=True, first_uid=16)
    assert send(engine, 'A300 SEARCH RETURN (SAVE) SINCE 1-Jan-2004 NOT FROM "Smith"') == (
        b"A300 OK SEARCH completed\r\n"
    )
    # saved: every message but 2 and 5; of those, the ones under 4096 octets (not 3, 6, 9, 12)
    assert send(engine, "A301 UID SEARCH UID $ SMALLER 4096") == (
        b'* ESEARCH (TAG "A301") UID ALL 16,19,22:23,25:26\r\nA301 OK UID SEARCH completed\r\n'
    )
    out = send(engine, "A302 UID FETCH $ (UID FLAGS)")
    assert re.findall(rb"\* (\d+) FETCH \(UID (\d+) ", out) == [
        (b"%d" % s, b"%d" % (s + 15)) for s in (1, 3, 4, 6, 7, 8, 9, 10, 11, 12)
    ]
    # "$" works in non-UID commands too, by the same messages
    assert send(engine, "A303 SEARCH $ FROM Ann") == (
        b'* ESEARCH (TAG "A303") ALL 1,3:4,6:12\r\nA303 OK SEARCH completed\r\n'
    )
    send(engine, "A304 STORE $ +FLAGS.SILENT (\\Flagged)")
    assert send(engine, "A305 SEARCH RETURN (COUNT) FLAGGED") == (
        b'* ESEARCH (TAG "A305") COUNT 10\r\nA305 OK SEARCH completed\r\n'
    )


def test_save_with_min_max_keeps_only_those_and_select_forgets() -> None:
    engine = _engine(flagged={3, 4, 9}, smith=set())
    assert send(engine, "a SEARCH RETURN (MIN MAX SAVE) FLAGGED") == (
        b'* ESEARCH (TAG "a") MIN 3 MAX 9\r\na OK SEARCH completed\r\n'
    )
    assert (
        send(engine, "b SEARCH RETURN () $")
        == b'* ESEARCH (TAG "b") ALL 3,9\r\nb OK SEARCH completed\r\n'
    )
    assert send(engine, "c SEARCH RETURN (COUNT SAVE) FLAGGED") == (
        b'* ESEARCH (TAG "c") COUNT 3\r\nc OK SEARCH completed\r\n'
    )
    assert (
        send(engine, "d SEARCH RETURN () $")
        == b'* ESEARCH (TAG "d") ALL 3:4,9\r\nd OK SEARCH completed\r\n'
    )
    # expunged messages drop out of $
    send(engine, "e STORE 4 +FLAGS.SILENT (\\Deleted)")
    send(engine, "f EXPUNGE")
    assert (
        send(engine, "g SEARCH RETURN () $")
        == b'* ESEARCH (TAG "g") ALL 3,8\r\ng OK SEARCH completed\r\n'
    )
    # a failed SAVE (NO) empties $; a BAD one leaves it alone
    assert send(engine, "h SEARCH RETURN (SAVE) X").startswith(b"h BAD ")
    assert (
        send(engine, "i SEARCH RETURN (COUNT) $")
        == b'* ESEARCH (TAG "i") COUNT 2\r\ni OK SEARCH completed\r\n'
    )
    assert send(engine, "j SEARCH RETURN (SAVE) CHARSET KOI8-R ALL").startswith(
        b"j NO [BADCHARSET]"
    )
    assert (
        send(engine, "k SEARCH RETURN (COUNT) $")
        == b'* ESEARCH (TAG "k") COUNT 0\r\nk OK SEARCH completed\r\n'
    )
    # SELECT starts with an empty $; FETCH $ then answers nothing, without error
    send(engine, "l SEARCH RETURN (SAVE) ALL")
    send(engine, "m SELECT INBOX")
    assert send(engine, "n FETCH $ FLAGS") == b"n OK FETCH completed\r\n"
    assert send(engine, "o UID EXPUNGE $") == b"o OK UID EXPUNGE completed\r\n"


@settings(max_examples=100, deadline=None)
@given(
    st.sets(st.integers(1, 12)),
    st.sets(st.integers(1, 12)),
    st.booleans(),
    st.sets(st.sampled_from(["MIN", "MAX", "ALL", "COUNT"]), min_size=1),
)
def test_esearch_agrees_with_search(
    flagged: set[int], smith: set[int], uid: bool, options: set[str]
) -> None:
    engine = _engine(flagged, smith, first_uid=5)
    cmd = "UID SEARCH" if uid else "SEARCH"
    plain = send(engine, f"a {cmd} {QUERY}").split(b"\r\n")[0]
    hits = [int(x) for x in plain.split()[2:]]
    out = send(engine, f"b {cmd} RETURN ({' '.join(sorted(options))}) {QUERY}").decode()
    fields = dict(re.findall(r" (MIN|MAX|ALL|COUNT) (\S+)", out.split("\r\n")[0]))
    want: dict[str, str] = {}
    if hits:
        want |= {"MIN": str(hits[0]), "MAX": str(hits[-1])}
        want["ALL"] = ",".join(f"{a}:{b}" if a != b else str(a) for a, b in _runs(hits))
    want["COUNT"] = str(len(hits))
    assert fields == {k: v for k, v in want.items() if k in options}


def _runs(xs: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for x in xs:
        if out and x == out[-1][1] + 1:
            out[-1] = (out[-1][0], x)
        else:
            out.append((x, x))
    return out
