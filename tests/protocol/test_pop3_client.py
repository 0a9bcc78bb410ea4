"""POP3 client polls against the engine, with byte totals computed by hand.

The store holds the two RFC 1939 §10 messages (120 and 200 octets, headers of 81 octets each) for
user mrose / secret; the server uses the default config (hostname pop.lab.example, connection 0):

  greeting  "+OK POP3 server ready <0.0@pop.lab.example>"            45
  CAPA      29 + TOP 5 + USER 6 + RESP-CODES 12 + PIPELINING 12
            + EXPIRE NEVER 14 + UIDL 6 + IMPLEMENTATION pop-vs-imap-lab 32 + ".\r\n" 3   = 119
  USER      "+OK send PASS"                                          15
  PASS      "+OK mrose's maildrop has 2 messages (320 octets)"       50
  STAT      "+OK 2 320"                                              11
  LIST      29 + "1 120" 7 + "2 200" 7 + 3                           46
  UIDL      31 + "1 1.1" 7 + "2 1.2" 7 + 3                           48
  RETR 1    "+OK 120 octets" 16 + 120 + 3                            139
  RETR 2    16 + 200 + 3                                             219
  DELE n    "+OK message n deleted"                                  23
  TOP n 0   "+OK top of message follows" 28 + 81 + 3                 112
  QUIT      "+OK pop.lab.example POP3 server signing off (maildrop empty)"  62,
            "... (2 messages left)"                                  63
Client lines: CAPA/STAT/LIST/UIDL/QUIT 6, USER mrose 12, PASS secret 13, RETR n/DELE n 8, TOP n 0 9.
"""

from __future__ import annotations

import pytest

from sim.protocol.examples import RFC1939_MESSAGE_1, RFC1939_MESSAGE_2
from sim.protocol.message import Message
from sim.protocol.pop3 import AuthMethod, Pop3Config, Pop3Server
from sim.protocol.pop3_client import (
    DAY,
    Candidate,
    ClientMemory,
    LeavePolicy,
    PollOptions,
    PollOutcome,
    poll,
)
from sim.protocol.store import Store

BASE_SERVER = 45 + 119 + 15 + 50 + 11 + 46 + 48  # greeting .. UIDL = 334
BASE_CLIENT = 6 + 12 + 13 + 6 + 6 + 6  # CAPA USER PASS STAT LIST UIDL = 49
M1 = Candidate(1, "1.1", 120)
M2 = Candidate(2, "1.2", 200)


def make_store() -> Store:
    store = Store()
    store.add_account("mrose", "secret")
    store.deliver("mrose", Message.from_bytes(RFC1939_MESSAGE_1))
    store.deliver("mrose", Message.from_bytes(RFC1939_MESSAGE_2))
    return store


def opts(**kw: object) -> PollOptions:
    return PollOptions("mrose", "secret", **kw)  # type: ignore[arg-type]


def inbox_uids(store: Store) -> list[int]:
    return [m.uid for m in store.accounts["mrose"].inbox.messages]


def test_download_and_delete_hand_computed() -> None:
    store = make_store()
    result = poll(Pop3Server(store), opts(), render=True)
    assert result.outcome is PollOutcome.OK
    assert result.client_bytes == BASE_CLIENT + 4 * 8 + 6 == 87
    assert result.server_bytes == BASE_SERVER + 139 + 23 + 219 + 23 + 62 == 800
    assert result.record.server_counts.framing == 800 - 320
    assert result.round_trips == 11
    assert [e.client for e in result.record.exchanges] == [
        b"",
        b"CAPA\r\n",
        b"USER mrose\r\n",
        b"PASS secret\r\n",
        b"STAT\r\n",
        b"LIST\r\n",
        b"UIDL\r\n",
        b"RETR 1\r\n",
        b"DELE 1\r\n",
        b"RETR 2\r\n",
        b"DELE 2\r\n",
        b"QUIT\r\n",
    ]
    assert result.fetched == (M1, M2) and result.deleted == (M1, M2)
    assert result.uids_seen == ("1.1", "1.2") and result.redownloaded == ()
    assert result.memory.have == frozenset({"1.1", "1.2"})
    assert result.pipelined is False
    assert inbox_uids(store) == []
    assert (
        "S",
        "+OK pop.lab.example POP3 server signing off (maildrop empty)",
    ) in result.record.lines()


def test_counts_only_equals_rendered() -> None:
    lean = poll(Pop3Server(make_store()), opts(), render=False)
    full = poll(Pop3Server(make_store()), opts(), render=True)
    assert [e.server_counts for e in lean.record.exchanges] == [
        e.server_counts for e in full.record.exchanges
    ]
    assert (lean.client_bytes, lean.server_bytes) == (87, 800)
    assert all(e.server is None for e in lean.record.exchanges)


def test_leave_on_server_with_uidl_fetches_only_new_mail() -> None:
    store = make_store()
    first = poll(Pop3Server(store), opts(leave=LeavePolicy.NEVER_DELETE))
    assert first.client_bytes == BASE_CLIENT + 8 + 8 + 6 == 71
    assert first.server_bytes == BASE_SERVER + 139 + 219 + 63 == 755
    assert first.deleted == () and inbox_uids(store) == [1, 2]
    second = poll(Pop3Server(store), opts(leave=LeavePolicy.NEVER_DELETE), memory=first.memory)
    assert second.fetched == () and second.redownloaded == ()
    assert second.client_bytes == BASE_CLIENT + 6 == 55
    assert second.server_bytes == BASE_SERVER + 63 == 397
    assert second.round_trips == 7


def test_without_uidl_leave_on_server_redownloads_everything() -> None:
    store = make_store()
    memory = ClientMemory()
    totals = []
    for _ in range(3):
        result = poll(
            Pop3Server(store), opts(leave=LeavePolicy.NEVER_DELETE, use_uidl=False), memory=memory
        )
        memory = result.memory
        totals.append((result.client_bytes, result.server_bytes, len(result.redownloaded)))
        assert result.uids_seen == ()
    # no UIDL command (-6 client, -48 server); the same 320 message octets every poll
    assert totals == [(65, 707, 0), (65, 707, 2), (65, 707, 2)]
    assert inbox_uids(store) == [1, 2]


def test_without_uidl_delete_after_download_has_no_storm() -> None:
    store = make_store()
    result = poll(Pop3Server(store), opts(use_uidl=False))
    assert result.deleted == (M1, M2) and inbox_uids(store) == []
    assert result.client_bytes == 87 - 6 and result.server_bytes == 800 - 48


def test_delete_after_days_uses_the_clients_first_seen_memory() -> None:
    store = make_store()
    policy = opts(leave=LeavePolicy.DELETE_AFTER_DAYS, leave_days=14)
    first = poll(Pop3Server(store), policy, now=0.0)
    assert first.fetched == (M1, M2) and first.deleted == ()
    assert dict(first.memory.first_seen) == {"1.1": 0.0, "1.2": 0.0}
    store.deliver("mrose", Message.from_bytes(RFC1939_MESSAGE_1))  # uid 3, first seen at day 10
    second = poll(Pop3Server(store), policy, now=10 * DAY, memory=first.memory)
    assert [c.uid for c in second.fetched] == ["1.3"] and second.deleted == ()
    third = poll(Pop3Server(store), policy, now=14 * DAY, memory=second.memory)
    assert third.fetched == () and [c.uid for c in third.deleted] == ["1.1", "1.2"]
    assert third.client_bytes == BASE_CLIENT + 2 * 8 + 6  # DELE 1, DELE 2, no RETR
    assert inbox_uids(store) == [3]
    assert dict(third.memory.first_seen) == {"1.3": 10 * DAY}  # deleted ids are forgotten
    fourth = poll(Pop3Server(store), policy, now=24 * DAY, memory=third.memory)
    assert [c.uid for c in fourth.deleted] == ["1.3"] and inbox_uids(store) == []
    assert dict(fourth.memory.first_seen) == {}
    assert fourth.memory.have == frozenset({"1.1", "1.2", "1.3"})  # the device keeps its copies


def test_headers_first_retrieves_only_wanted() -> None:
    store = make_store()
    policy = opts(leave=LeavePolicy.NEVER_DELETE, headers_first=True, want=lambda c: c.size < 150)
    result = poll(Pop3Server(store), policy)
    assert [e.client for e in result.record.exchanges[7:]] == [
        b"TOP 1 0\r\n",
        b"RETR 1\r\n",
        b"TOP 2 0\r\n",
        b"QUIT\r\n",
    ]
    assert result.headers == (M1, M2) and result.fetched == (M1,)
    assert result.client_bytes == BASE_CLIENT + 9 + 8 + 9 + 6 == 81
    assert result.server_bytes == BASE_SERVER + 112 + 139 + 112 + 63 == 760
    assert result.memory.headers_only == frozenset({"1.2"})
    again = poll(Pop3Server(store), policy, memory=result.memory)
    assert again.headers == () and again.fetched == ()
    assert again.server_bytes == 397
    everything = poll(
        Pop3Server(store),
        opts(leave=LeavePolicy.NEVER_DELETE, headers_first=True),
        memory=result.memory,
    )
    assert everything.headers == () and everything.fetched == (M2,)


def test_apop_poll() -> None:
    result = poll(Pop3Server(make_store()), opts(auth=AuthMethod.APOP))
    assert result.outcome is PollOutcome.OK
    apop = result.record.exchanges[2].client
    assert apop.startswith(b"APOP mrose ") and len(apop) == 45
    assert result.client_bytes == 87 - 25 + 45
    no_stamp = poll(Pop3Server(make_store(), Pop3Config(apop=False)), opts(auth=AuthMethod.APOP))
    assert no_stamp.outcome is PollOutcome.APOP_UNAVAILABLE and no_stamp.fetched == ()


def test_stls_poll_records_the_upgrade() -> None:
    store = make_store()
    result = poll(Pop3Server(store, Pop3Config(tls_available=True)), opts(stls=True))
    clients = [e.client for e in result.record.exchanges[:5]]
    assert clients == [b"", b"CAPA\r\n", b"STLS\r\n", b"CAPA\r\n", b"USER mrose\r\n"]
    servers = [e.server_bytes for e in result.record.exchanges[:4]]
    assert servers == [45, 119 + 6, 27, 119]  # STLS listed before TLS only
    assert result.server_bytes == 800 + 6 + 27 + 119 and result.client_bytes == 87 + 12
    refused = poll(Pop3Server(make_store()), opts(stls=True))
    assert refused.outcome is PollOutcome.STLS_REFUSED
    assert refused.record.exchanges[-1].client == b"QUIT\r\n"


def test_locked_and_wrong_password() -> None:
    store = make_store()
    holder = Pop3Server(store)
    holder.receive_data(b"USER mrose\r\nPASS secret\r\n")
    locked = poll(Pop3Server(store), opts())
    assert locked.outcome is PollOutcome.LOCKED and locked.fetched == ()
    bad = poll(Pop3Server(make_store()), PollOptions("mrose", "wrong"))
    assert bad.outcome is PollOutcome.AUTH_FAILED
    assert [e.client for e in bad.record.exchanges][-1] == b"QUIT\r\n"


def test_interrupted_poll_deletes_nothing_and_next_poll_catches_up() -> None:
    store = make_store()
    cut = poll(Pop3Server(store), opts(interrupt_after=8))  # ... RETR 1, DELE 1, then gone
    assert cut.outcome is PollOutcome.INTERRUPTED
    assert cut.fetched == (M1,) and cut.deleted == ()
    assert inbox_uids(store) == [1, 2] and store.accounts["mrose"].pop3_lock is None
    assert cut.memory.have == frozenset({"1.1"})
    nxt = poll(Pop3Server(store), opts(), memory=cut.memory)
    assert [e.client for e in nxt.record.exchanges[7:]] == [
        b"DELE 1\r\n",
        b"RETR 2\r\n",
        b"DELE 2\r\n",
        b"QUIT\r\n",
    ]
    assert nxt.fetched == (M2,) and nxt.deleted == (M1, M2) and inbox_uids(store) == []


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"leave_days": -1}, "leave_days"),
        ({"interrupt_after": -1}, "interrupt_after"),
        ({"leave": "never"}, "leave"),
        ({"auth": "APOP"}, "auth"),
    ],
)
def test_poll_options_validation(kwargs: dict, name: str) -> None:
    with pytest.raises(ValueError, match=name):
        opts(**kwargs)
    with pytest.raises(ValueError, match="user"):
        PollOptions("has space", "x")
