"""Python's imaplib against ``python -m sim serve``: a real client over loopback."""

from __future__ import annotations

import email
import imaplib
import re
import time
from collections.abc import Callable

from live_support import SOCKET_TIMEOUT, Served


def login(served: Served, user: str = "alice") -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", served.port("imap"), timeout=SOCKET_TIMEOUT)
    typ, _ = client.login(user, served.password(user))
    assert typ == "OK"
    return client


def fetch_items(client: imaplib.IMAP4, spec: str, items: str) -> dict[int, bytes]:
    """FETCH and return {sequence number: the response line (or literal) for it}."""
    typ, data = client.fetch(spec, items)
    assert typ == "OK", data
    out: dict[int, bytes] = {}
    for part in data:
        if isinstance(part, tuple):
            out[int(part[0].split()[0])] = part[1]
        elif part and part[:1].isdigit():  # not the tail of a literal's response
            out[int(part.split()[0])] = part
    return out


def mailbox_names(client: imaplib.IMAP4) -> set[str]:
    typ, data = client.list()
    assert typ == "OK"
    return {line.decode().rsplit(" ", 1)[-1].strip('"') for line in data}


def test_login_list_select_fetch_sizes_and_content(serve: Callable[..., Served]) -> None:
    served = serve()
    expected = served.demo.store.accounts["alice"].inbox.messages
    client = login(served)
    assert "INBOX" in mailbox_names(client)
    typ, data = client.select("INBOX")
    assert (typ, data) == ("OK", [b"6"])
    sizes = {
        n: int(re.search(rb"RFC822\.SIZE (\d+)", line).group(1))  # type: ignore[union-attr]
        for n, line in fetch_items(client, "1:*", "(RFC822.SIZE)").items()
    }
    assert sizes == {i + 1: m.size for i, m in enumerate(expected)}
    bodies = fetch_items(client, "1:*", "(BODY.PEEK[])")
    for number, stored in enumerate(expected, start=1):
        assert len(bodies[number]) == sizes[number]
        assert bodies[number] == stored.message.render()
        parsed = email.message_from_bytes(bodies[number])
        assert parsed["Subject"] == stored.message.field("Subject")
        assert parsed["Message-ID"] == stored.message.field("Message-ID")
    headers = fetch_items(client, "1", "(BODY.PEEK[HEADER])")
    assert headers[1] == expected[0].message.header_bytes()
    typ, data = client.uid("FETCH", "1:*", "(UID)")
    assert typ == "OK"
    assert [int(re.search(rb"UID (\d+)", d).group(1)) for d in data] == [  # type: ignore[union-attr]
        m.uid for m in expected
    ]
    client.logout()


def test_flags_set_on_one_connection_are_seen_on_another(serve: Callable[..., Served]) -> None:
    served = serve()
    first, second = login(served), login(served)
    first.select("INBOX")
    second.select("INBOX")
    assert first.store("2", "+FLAGS", "(\\Flagged)")[0] == "OK"
    fetch_items(first, "3", "(BODY[TEXT])")  # a non-PEEK body fetch sets \Seen
    flags = fetch_items(second, "1:3", "(FLAGS)")
    assert b"\\Flagged" in flags[2] and b"\\Seen" not in flags[2]
    assert b"\\Seen" in flags[3]
    assert b"\\Flagged" not in flags[1] and b"\\Seen" not in flags[1]
    third = login(served)  # and a connection opened later sees them too
    third.select("INBOX", readonly=True)
    typ, data = third.search(None, "FLAGGED")
    assert (typ, data) == ("OK", [b"2"])
    for client in (first, second, third):
        client.logout()


def test_folders_create_rename_delete_and_move(serve: Callable[..., Served]) -> None:
    served = serve()
    client = login(served)
    assert client.create("Projects")[0] == "OK"
    assert "Projects" in mailbox_names(client)
    assert client.rename("Projects", "Archive")[0] == "OK"
    names = mailbox_names(client)
    assert "Archive" in names and "Projects" not in names
    client.select("INBOX")
    typ, data = client.uid("FETCH", "1", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    moved_id = email.message_from_bytes(data[0][1])["Message-ID"]
    typ, data = client.uid("MOVE", "1", "Archive")
    assert typ == "OK", data
    assert client.select("INBOX") == ("OK", [b"5"])
    typ, data = client.status("Archive", "(MESSAGES)")
    assert typ == "OK" and b"MESSAGES 1" in data[0]
    client.select("Archive")
    body = fetch_items(client, "1", "(BODY.PEEK[])")[1]
    assert email.message_from_bytes(body)["Message-ID"] == moved_id
    client.close()
    assert client.delete("Archive")[0] == "OK"
    assert "Archive" not in mailbox_names(client)
    assert client.delete("INBOX")[0] == "NO"
    other = login(served)  # folders live on the server: a second client sees the same list
    assert mailbox_names(other) == mailbox_names(client)
    other.logout()
    client.logout()


def test_search_and_expunge(serve: Callable[..., Served]) -> None:
    served = serve()
    expected = served.demo.store.accounts["alice"].inbox.messages
    client = login(served)
    client.select("INBOX")
    for word in ("Invoice", "Meeting", "Weekend", "photos"):
        want = [
            str(i + 1).encode()
            for i, m in enumerate(expected)
            if word.lower() in (m.message.field("Subject") or "").lower()
        ]
        typ, data = client.search(None, "SUBJECT", f'"{word}"')
        assert typ == "OK"
        assert data[0].split() == want, word
    sender = expected[0].message.field("From") or ""
    address = sender.split("<")[1].rstrip(">")
    want = [
        str(i + 1).encode()
        for i, m in enumerate(expected)
        if address in (m.message.field("From") or "")
    ]
    assert client.search(None, "FROM", address)[1][0].split() == want
    assert client.search(None, "ALL")[1][0].split() == [b"1", b"2", b"3", b"4", b"5", b"6"]
    client.store("1,3", "+FLAGS", "(\\Deleted)")
    typ, data = client.expunge()
    assert typ == "OK"
    assert data == [b"1", b"2"]  # message 1 goes, then old message 3 has become number 2
    assert client.select("INBOX") == ("OK", [b"4"])
    client.logout()


def test_idle_receives_exists_for_new_mail(serve: Callable[..., Served]) -> None:
    served = serve(users=1, messages=2, extra=("--deliver-every", "0.3"))
    client = login(served)
    _, data = client.select("INBOX")
    before = int(data[0])
    tag = client._new_tag()  # imaplib (3.11) has no idle(): speak IDLE/DONE by hand
    client.send(tag + b" IDLE\r\n")
    assert client.readline().startswith(b"+ ")
    deadline = time.monotonic() + 10
    exists = None
    while exists is None and time.monotonic() < deadline:
        line = client.readline()  # socket timeout bounds each read
        match = re.match(rb"\* (\d+) EXISTS\r\n", line)
        if match:
            exists = int(match.group(1))
    assert exists is not None and exists > before
    client.send(b"DONE\r\n")
    while True:
        line = client.readline()
        assert line, "connection closed during IDLE"
        if line.startswith(tag):
            assert line.split()[1] == b"OK"
            break
    _typ, data = client.select("INBOX")
    assert int(data[-1]) >= exists
    client.logout()


def test_idle_sees_a_pop3_deletion_at_quit(serve: Callable[..., Served]) -> None:
    import poplib

    served = serve()
    watcher = login(served)
    watcher.select("INBOX")
    tag = watcher._new_tag()
    watcher.send(tag + b" IDLE\r\n")
    assert watcher.readline().startswith(b"+ ")
    pop = poplib.POP3("127.0.0.1", served.port("pop3"), timeout=SOCKET_TIMEOUT)
    pop.user("alice")
    pop.pass_(served.password("alice"))
    pop.dele(1)
    pop.quit()  # only now is message 1 removed -- and the idling IMAP client is told at once
    assert watcher.readline() == b"* 1 EXPUNGE\r\n"
    watcher.send(b"DONE\r\n")
    assert watcher.readline().startswith(tag + b" OK")
    assert watcher.select("INBOX") == ("OK", [b"5"])
    watcher.logout()
