"""Client operations against the engine: what they learn, what they cost, rendered or not."""

from __future__ import annotations

import pytest
from test_imap_support import PASSWORD, USER, make_store

from sim.protocol.imap import ImapConfig, ImapServer
from sim.protocol.imap_client import (
    CHUNK,
    ImapClient,
    ImapClientError,
    SyncMode,
    Updates,
    connect,
)
from sim.protocol.message import synthesize
from sim.protocol.store import Store


def _client(store: Store | None = None, *, render: bool = False, **kw: object) -> ImapClient:
    return connect(ImapServer(store or make_store()), USER, PASSWORD, render=render, **kw)  # type: ignore[arg-type]


def test_connect_costs_and_learns() -> None:
    client = _client()
    rec = client.record
    assert [e.note for e in rec.exchanges] == ["greeting", "CAPABILITY", "LOGIN", "SELECT"]
    assert rec.round_trips == 3
    assert rec.exchanges[2].client == f"a002 LOGIN {USER} {PASSWORD}\r\n".encode()
    assert client.selected is not None and client.selected.exists == 5
    assert client.selected.uidnext == 6 and client.selected.uidvalidity == 1
    assert {"IMAP4REV2", "IDLE", "MOVE", "UIDPLUS", "LITERAL+"} <= client.capabilities


@pytest.mark.parametrize("mode", list(SyncMode))
def test_sync_headers_rendered_and_counted_agree(mode: SyncMode) -> None:
    counted = _client()
    rendered = _client(render=True)
    a = counted.sync_headers(1, mode)
    b = rendered.sync_headers(1, mode)
    assert a == b
    assert [m.uid for m in a] == [1, 2, 3, 4, 5]
    assert a[1].attachments[0].section == "2" and a[1].attachments[0].size == 273686
    last_counted, last_rendered = counted.record.exchanges[-1], rendered.record.exchanges[-1]
    assert last_counted.server_counts == last_rendered.server_counts
    assert last_rendered.server is not None
    assert len(last_rendered.server) == last_rendered.server_bytes
    if mode is SyncMode.ENVELOPE:
        assert last_counted.server_counts.header == 0 and a[0].header_octets == 0
    else:
        assert last_counted.server_counts.header == sum(m.header_octets for m in a) > 0


def test_sync_only_new_uids_on_a_long_lived_connection() -> None:
    store = make_store()
    client = _client(store)
    assert [m.uid for m in client.sync_headers()] == [1, 2, 3, 4, 5]
    assert client.sync_headers(6) == []  # 6:* still returns message 5; the client drops it
    store.deliver(USER, synthesize(seed=60))
    assert client.noop() == Updates(exists=6)
    assert [m.uid for m in client.sync_headers(6)] == [6]


def test_body_on_open_and_attachment_in_chunks() -> None:
    store = make_store()
    client = _client(store)
    summaries = client.sync_headers()
    before = len(client.record.exchanges)
    opened = client.fetch_body(2, summaries[1].text_section)
    assert opened.octets == {2: 1600}
    assert "\\Seen" in store.accounts[USER].inbox.messages[1].flags
    att = summaries[1].attachments[0]
    result = client.fetch_attachment(2, att.section, att.size)
    assert result.commands == -(-att.size // CHUNK) == 5
    assert result.octets == {2: att.size}
    chunks = client.record.exchanges[before + 1 :]
    assert sum(e.server_counts.attachment for e in chunks) == att.size
    assert [e.round_trips for e in chunks] == [1] * 5
    whole = client.fetch_attachment(2, att.section, att.size, chunk=None)
    assert whole.commands == 1 and whole.total == att.size


def test_full_offline_sync_in_batches() -> None:
    store = make_store()
    client = _client(store)
    before = len(client.record.exchanges)
    result = client.fetch_full([1, 2, 3, 4, 5], batch=2)
    sizes = {m.uid: m.size for m in store.accounts[USER].inbox.messages}
    assert result.octets == sizes and result.commands == 3
    counts = [e.server_counts for e in client.record.exchanges[before:]]
    assert sum(c.header + c.body + c.attachment for c in counts) == sum(sizes.values())
    assert all("\\Seen" not in m.flags for m in store.accounts[USER].inbox.messages)


def test_flags_move_delete_search_seen_by_a_second_device() -> None:
    store = make_store()
    laptop = _client(store)
    phone = _client(store)
    laptop.store_flags([1, 3], ["\\Seen", "$Forwarded"])
    assert (
        laptop.record.exchanges[-1].client
        == b"a004 UID STORE 1,3 +FLAGS.SILENT (\\Seen $Forwarded)\r\n"
    )
    assert laptop.record.exchanges[-1].server_bytes == len(b"a004 OK +FLAGS completed\r\n")
    assert phone.fetch_flags()[3] == frozenset({"\\Seen", "$Forwarded"})
    assert laptop.move([2], "Archive") == [1]
    laptop.delete([4])
    assert [m.uid for m in store.accounts[USER].inbox.messages] == [1, 3, 5]
    updates = phone.noop()
    assert updates.expunged == (2, 3)  # seq 2 (uid 2), then seq 3 (uid 4 after renumbering)
    assert phone.exists == 3
    assert phone.search("TEXT zebra") == [3]
    assert phone.search("SEEN", uid=False) == [1, 2]


def test_idle_round_records_push_without_round_trip() -> None:
    store = make_store()
    client = _client(store, render=True)
    pushed = client.idle(lambda: store.deliver(USER, synthesize(seed=70)))
    assert pushed == Updates(exists=6)
    idle, push, done = client.record.exchanges[-3:]
    assert (idle.client, idle.server, idle.round_trips) == (b"a004 IDLE\r\n", b"+ idling\r\n", 1)
    assert (push.client, push.server, push.round_trips) == (b"", b"* 6 EXISTS\r\n", 0)
    assert (done.client, done.server, done.round_trips) == (
        b"DONE\r\n",
        b"a004 OK IDLE terminated\r\n",
        1,
    )
    quiet = client.idle()
    assert quiet == Updates() and client.record.exchanges[-1].note == "DONE"


def test_append_with_and_without_literal_plus() -> None:
    store = make_store()
    client = _client(store)
    message = synthesize(seed=80, subject="Sent copy")
    assert client.append("Sent", message, literal_plus=False) == 1
    ex = client.record.exchanges[-1]
    assert ex.round_trips == 2 and ex.client.endswith(message.render() + b"\r\n")
    assert ex.server_counts.framing == len(
        b"+ Ready for literal data\r\na004 OK [APPENDUID 3 1] APPEND completed\r\n"
    )
    assert client.append("Sent", message) == 2
    assert client.record.exchanges[-1].round_trips == 1
    sent = store.accounts[USER].get("Sent")
    assert sent is not None and sent.messages[0].message.render() == message.render()


def test_starttls_login_and_refusals() -> None:
    store = make_store()
    engine = ImapServer(store, ImapConfig(starttls=True, cleartext_login=False))
    client = connect(engine, USER, PASSWORD, starttls=True)
    assert [e.note for e in client.record.exchanges] == [
        "greeting",
        "CAPABILITY",
        "STARTTLS",
        "CAPABILITY",
        "LOGIN",
        "SELECT",
    ]
    plain = ImapServer(store, ImapConfig(starttls=True, cleartext_login=False))
    with pytest.raises(ImapClientError, match=r"PRIVACYREQUIRED|LOGIN"):
        connect(plain, USER, PASSWORD)


def test_take_record_splits_a_long_lived_session() -> None:
    client = _client()
    setup = client.take_record()
    assert len(setup.exchanges) == 4
    client.sync_headers()
    client.logout()
    rest = client.take_record()
    assert [e.note for e in rest.exchanges] == ["sync headers", "LOGOUT"]
    assert client.engine.closed


def test_a_second_client_object_can_continue_on_the_same_connection() -> None:
    store = make_store()
    first = _client(store)
    engine = first.engine
    later = ImapClient(engine)  # no greeting pending: nothing recorded yet
    assert later.record.exchanges == [] and later.exists is None
    assert [m.uid for m in later.sync_headers(4)] == [4, 5]
    assert later.record.round_trips == 1


def test_authenticate_plain_costs_one_round_trip() -> None:
    engine = ImapServer(make_store(), ImapConfig(auth_plain=True))
    client = ImapClient(engine)
    client.authenticate_plain(USER, PASSWORD)
    ex = client.record.exchanges[-1]
    assert ex.round_trips == 1 and ex.client == b"a001 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldA==\r\n"
    assert client.select().exists == 5


def test_move_without_the_move_extension_and_folder_operations() -> None:
    store = make_store()
    client = _client(store)
    client.capabilities -= {"MOVE"}  # an old server: COPY, \Deleted, EXPUNGE instead
    before = len(client.record.exchanges)
    assert client.move([1], "Archive") == [1]
    assert [e.note for e in client.record.exchanges[before:]] == [
        "move: copy",
        "flags",
        "move: expunge",
    ]
    assert [m.uid for m in store.accounts[USER].inbox.messages] == [2, 3, 4, 5]
    client.create("Projects")
    assert client.list() == ["INBOX", "Archive", "Projects", "Sent"]
    client.store_flags([2], ["\\Deleted"])
    client.close()
    assert client.selected is None
    assert [m.uid for m in store.accounts[USER].inbox.messages] == [3, 4, 5]
    with pytest.raises(ImapClientError):
        client.sync_headers()  # UID FETCH is not allowed outside the selected state


def test_search_reads_esearch_after_enable_imap4rev2() -> None:
    client = connect(ImapServer(make_store()), USER, PASSWORD, mailbox=None)
    assert client.enable("IMAP4rev2") == {"IMAP4REV2"}
    client.select()
    assert client.search("ALL") == [1, 2, 3, 4, 5]
    assert client.search("TEXT zebra") == [3]
    assert client.search("DELETED") == []


def test_sync_session_is_a_whole_short_session() -> None:
    from sim.protocol.imap_client import sync_session

    result = sync_session(ImapServer(make_store()), USER, PASSWORD, since_uid=4)
    assert [m.uid for m in result.messages] == [4, 5]
    assert [e.note for e in result.record.exchanges] == [
        "greeting",
        "CAPABILITY",
        "LOGIN",
        "SELECT",
        "sync headers",
        "LOGOUT",
    ]
    assert result.record.round_trips == 5 and result.select.exists == 5
