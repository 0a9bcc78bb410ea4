"""The live server's demo accounts and mail: deterministic from the seed, varied, well-formed."""

from __future__ import annotations

import email

import pytest

from sim.live.demo import MAX_USERS, build_demo, password_for, user_names


def test_same_seed_same_everything_other_seed_differs() -> None:
    a, b, c = build_demo(3, 8, 5), build_demo(3, 8, 5), build_demo(3, 8, 6)
    assert a.credentials == b.credentials
    assert a.credentials != c.credentials
    renders = [
        [m.message.render() for m in d.store.accounts["bob"].inbox.messages] for d in (a, b, c)
    ]
    assert renders[0] == renders[1]
    assert renders[0] != renders[2]


def test_messages_are_varied_valid_mime_of_exact_size() -> None:
    demo = build_demo(2, 40, 1)
    sizes = []
    attachments = 0
    for account in demo.store.accounts.values():
        for stored in account.inbox.messages:
            raw = stored.message.render()
            assert len(raw) == stored.size
            parsed = email.message_from_bytes(raw)
            assert parsed["To"].endswith(f"<{account.user}@lab.example>")
            assert account.user not in parsed["From"].split("<")[-1].split("@")[0]
            attachments += any(p.get_filename() for p in parsed.walk())
            sizes.append(stored.size)
    assert len(sizes) == 80
    assert min(sizes) < 2_000 and max(sizes) > 15_000  # heavy-tailed mix of sizes
    assert 8 <= attachments <= 35  # about one in four


def test_names_and_passwords() -> None:
    names = user_names(12)
    assert names[:3] == ("alice", "bob", "carol")
    assert names[10:] == ("alice2", "bob2")
    assert len(set(user_names(MAX_USERS))) == MAX_USERS
    pw = password_for("alice", 1)
    assert pw == "ehmxm8zttm"  # pinned: handouts may print it
    assert len(pw) == 10 and not set(pw) & set("01ilo ")
    with pytest.raises(ValueError, match=r"users=0: allowed 1\.\.100"):
        user_names(0)
    with pytest.raises(ValueError, match=r"messages=1001: allowed 0\.\.1000"):
        build_demo(1, 1001, 1)


def test_delivery_continues_the_sequence_and_respects_the_limit() -> None:
    demo = build_demo(2, 3, 9)
    assert demo.deliver_round() == 2
    longer = build_demo(2, 4, 9)
    got = [m.message.render() for m in demo.store.accounts["alice"].inbox.messages]
    want = [m.message.render() for m in longer.store.accounts["alice"].inbox.messages]
    assert got == want  # message n of a user depends only on (seed, user, n)
    assert demo.deliver_round(limit=4) == 0
    assert len(demo.store.accounts["bob"].inbox.messages) == 4


def test_accounts_have_the_usual_folders() -> None:
    demo = build_demo(1, 2, 1)
    assert sorted(demo.store.accounts["alice"].mailboxes) == ["INBOX", "Sent", "Trash"]
