"""RFC 9051 commands a server advertising IMAP4rev2 must have: UNSELECT, NAMESPACE, ENABLE,
SUBSCRIBE/UNSUBSCRIBE and LIST's selection and return options (§6.3.9), on the RFC's examples
(with this server's "/" delimiter, reply texts and child attributes)."""

from __future__ import annotations

from test_imap_support import PASSWORD, USER, logged_in, selected, send

from sim.protocol.imap import ImapConfig, ImapServer
from sim.protocol.message import synthesize
from sim.protocol.store import Store


def _garden() -> ImapServer:
    """The RFC's example hierarchy: Fruit/{apple,banana,peach}, Tofu, Vegetable/broccoli."""
    store = Store()
    account = store.add_account(USER, PASSWORD)
    for name in (
        "Fruit",
        "Fruit/apple",
        "Fruit/banana",
        "Fruit/peach",
        "Tofu",
        "Vegetable",
        "Vegetable/broccoli",
    ):
        account.create(name)
    return logged_in(store)


def test_unselect_keeps_deleted_messages() -> None:
    """§6.4.2: like CLOSE, but nothing is expunged (A342 UNSELECT)."""
    engine = selected()
    send(engine, "a STORE 1 +FLAGS.SILENT (\\Deleted)")
    assert send(engine, "A342 UNSELECT") == b"A342 OK UNSELECT completed\r\n"
    assert send(engine, "b UNSELECT") == b"b BAD UNSELECT not allowed in state authenticated\r\n"
    assert send(engine, "c SELECT INBOX").startswith(b"* 5 EXISTS\r\n")


def test_namespace_example() -> None:
    """§6.3.10, the single personal namespace example."""
    assert send(logged_in(), "A001 NAMESPACE") == (
        b'* NAMESPACE (("" "/")) NIL NIL\r\nA001 OK NAMESPACE completed\r\n'
    )


def test_enable_example() -> None:
    """§6.3.1: ENABLE CONDSTORE X-GOOD-IDEA names only what it turned on; not when selected."""
    engine = logged_in(config=ImapConfig(condstore=True))
    assert send(engine, "t2 ENABLE CONDSTORE X-GOOD-IDEA") == (
        b"* ENABLED CONDSTORE\r\nt2 OK ENABLE completed\r\n"
    )
    assert send(logged_in(), "t3 ENABLE CONDSTORE X-GOOD-IDEA") == (
        b"* ENABLED\r\nt3 OK ENABLE completed\r\n"
    )
    assert send(selected(), "t4 ENABLE IMAP4rev2").startswith(b"t4 BAD ")


def test_list_subscribed_selection_example() -> None:
    """§6.3.9 example 2: ``LIST (SUBSCRIBED) "" "*"`` lists subscribed mailboxes only, marked
    \\Subscribed (here Fruit, Fruit/apple and Tofu were unsubscribed)."""
    engine = _garden()
    for name in ("Fruit", "Fruit/apple", "Tofu"):
        assert send(engine, f"u UNSUBSCRIBE {name}") == b"u OK UNSUBSCRIBE completed\r\n"
    assert send(engine, 'A02 LIST (SUBSCRIBED) "" "*"') == (
        b'* LIST (\\Subscribed \\HasNoChildren) "/" INBOX\r\n'
        b'* LIST (\\Subscribed \\HasNoChildren) "/" Fruit/banana\r\n'
        b'* LIST (\\Subscribed \\HasNoChildren) "/" Fruit/peach\r\n'
        b'* LIST (\\Subscribed \\HasChildren) "/" Vegetable\r\n'
        b'* LIST (\\Subscribed \\HasNoChildren) "/" Vegetable/broccoli\r\n'
        b"A02 OK LIST completed\r\n"
    )
    # RECURSIVEMATCH: Fruit is not subscribed but has subscribed children (RFC 5258 §3.5)
    assert send(engine, 'A04 LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)') == (
        b'* LIST (\\Subscribed \\HasNoChildren) "/" INBOX\r\n'
        b'* LIST (\\HasChildren) "/" Fruit ("CHILDINFO" ("SUBSCRIBED"))\r\n'
        b'* LIST (\\Subscribed \\HasChildren) "/" Vegetable\r\n'
        b"A04 OK LIST completed\r\n"
    )
    assert send(engine, 'A05 LIST (RECURSIVEMATCH) "" "%"') == (
        b"A05 BAD LIST: RECURSIVEMATCH needs another selection option, e.g. SUBSCRIBED\r\n"
    )
    assert send(engine, 'A06 LIST (REMOTE) "" "Tofu" RETURN (SUBSCRIBED)') == (
        b'* LIST (\\HasNoChildren) "/" Tofu\r\nA06 OK LIST completed\r\n'
    )


def test_list_children_and_several_patterns() -> None:
    """§6.3.9 example 3 (``RETURN (CHILDREN)``) and example 8 (a list of patterns)."""
    engine = _garden()
    assert send(engine, 'A03 LIST () "" "%" RETURN (CHILDREN)') == (
        b'* LIST (\\HasNoChildren) "/" INBOX\r\n'
        b'* LIST (\\HasChildren) "/" Fruit\r\n'
        b'* LIST (\\HasNoChildren) "/" Tofu\r\n'
        b'* LIST (\\HasChildren) "/" Vegetable\r\n'
        b"A03 OK LIST completed\r\n"
    )
    assert send(engine, 'BBB LIST "" ("INBOX" "Tofu" "Fruit/%")') == (
        b'* LIST (\\HasNoChildren) "/" INBOX\r\n'
        b'* LIST (\\HasNoChildren) "/" Fruit/apple\r\n'
        b'* LIST (\\HasNoChildren) "/" Fruit/banana\r\n'
        b'* LIST (\\HasNoChildren) "/" Fruit/peach\r\n'
        b'* LIST (\\HasNoChildren) "/" Tofu\r\n'
        b"BBB OK LIST completed\r\n"
    )
    assert send(engine, 'c LIST "" % RETURN (SPECIAL-USE)') == (
        b"c BAD LIST: unknown LIST return option 'SPECIAL-USE'; allowed: SUBSCRIBED CHILDREN "
        b"STATUS\r\n"
    )


def test_list_return_status_example() -> None:
    """§6.3.9.2 / example 9: ``RETURN (STATUS (MESSAGES UNSEEN))`` puts a STATUS after each
    selectable mailbox's LIST line -- INBOX 17/16, foo 30/29 -- and none after ``bar``, which is
    only a level of the hierarchy (\\Noselect)."""
    store = Store()
    account = store.add_account(USER, PASSWORD)
    foo = account.create("foo")
    account.create("bar/baz")
    for box, n in ((account.inbox, 17), (foo, 30)):
        for i in range(n):
            box.append(synthesize(seed=i), {"\\Seen"} if i == 0 else set())
    engine = logged_in(store)
    assert send(engine, 'A01 LIST "" % RETURN (STATUS (MESSAGES UNSEEN))') == (
        b'* LIST (\\HasNoChildren) "/" INBOX\r\n'
        b"* STATUS INBOX (MESSAGES 17 UNSEEN 16)\r\n"
        b'* LIST (\\Noselect \\HasChildren) "/" bar\r\n'
        b'* LIST (\\HasNoChildren) "/" foo\r\n'
        b"* STATUS foo (MESSAGES 30 UNSEEN 29)\r\n"
        b"A01 OK LIST completed\r\n"
    )
    assert send(engine, 'A02 LIST "" % RETURN (STATUS (MESSAGES FOO))') == (
        b"A02 BAD LIST: unknown status item 'FOO'\r\n"
    )


def test_subscribe_and_lsub() -> None:
    """§6.3.7/§6.3.8: SUBSCRIBE/UNSUBSCRIBE change what LSUB and LIST (SUBSCRIBED) show."""
    engine = _garden()
    send(engine, "a UNSUBSCRIBE Tofu")
    assert b"Tofu" not in send(engine, 'b LSUB "" *')
    send(engine, "c SUBSCRIBE Tofu")
    assert b'* LIST (\\Subscribed \\HasNoChildren) "/" Tofu\r\n' in send(
        engine, 'd LIST (SUBSCRIBED) "" Tofu'
    )
    assert send(engine, "e SUBSCRIBE Nowhere") == b"e NO [NONEXISTENT] no such mailbox\r\n"
