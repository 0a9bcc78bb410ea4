"""Demo accounts and mail for the live server and the transcripts, all derived from one seed.

Theory of operation
-------------------
:func:`build_demo` makes a :class:`~sim.protocol.store.Store` with ``users`` accounts (alice, bob,
carol, ...) whose passwords are derived from the seed (so a lab handout can print them), gives each
an empty Sent and Trash folder, and fills each INBOX with ``messages`` synthetic messages.
A :class:`MailGenerator` makes the messages: text bodies of varied, heavy-tailed sizes, roughly
one in four with a base64 attachment, subjects and senders from small vocabularies.  Message *n*
of user *u* depends only on (seed, u, n), so the live
server's ``--deliver-every`` stream continues the same sequence.

Nothing here reads a clock or the global random state; the live server passes the delivery time in.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sim.protocol.message import Attachment, Message, synthesize
from sim.protocol.store import Store

MAX_USERS = 100
MAX_MESSAGES = 1000
INBOX_LIMIT = 5000  # continuous delivery stops filling an INBOX beyond this
FOLDERS = ("Sent", "Trash")  # besides INBOX, as a real mail client expects to find them
BASE_DATE = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")
_OUTSIDERS = (
    "Newsletter <news@shop.example>",
    "IT Helpdesk <helpdesk@corp.example>",
    "Mum <mum@family.example>",
    "Travel Desk <bookings@travel.example>",
)
_SUBJECTS = (
    "Meeting notes",
    "Invoice for March",
    "Lunch on Friday?",
    "Holiday photos",
    "Project schedule update",
    "Your password expires soon",
    "Budget draft for review",
    "Weekend plans",
    "Re: Question about the protocol",
    "Ticket confirmation",
)
_ATTACHMENTS = (
    ("report.pdf", "application/pdf"),
    ("photo.jpg", "image/jpeg"),
    ("slides.pdf", "application/pdf"),
    ("data.csv", "text/csv"),
)
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread on a handout


@dataclass(frozen=True)
class Credential:
    """A demo account's login."""

    user: str
    password: str


def user_names(count: int) -> tuple[str, ...]:
    """alice, bob, ... judy, then alice2, bob2, ... (``count`` names, all distinct)."""
    if not 1 <= count <= MAX_USERS:
        raise ValueError(f"users={count}: allowed 1..{MAX_USERS}")
    names = []
    for i in range(count):
        base = _NAMES[i % len(_NAMES)]
        lap = i // len(_NAMES)
        names.append(base if lap == 0 else f"{base}{lap + 1}")
    return tuple(names)


def password_for(user: str, seed: int) -> str:
    """A 10-character password derived from (seed, user): reproducible, not guessable by eye."""
    digest = hashlib.sha256(f"pop-vs-imap-lab:{seed}:{user}".encode()).digest()
    return "".join(_PASSWORD_ALPHABET[b % len(_PASSWORD_ALPHABET)] for b in digest[:10])


def random_password(length: int = 16) -> str:
    """A password from the OS's random source, for a server reachable beyond this machine, where
    a password anyone can derive from the seed would be no password at all."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def address(user: str) -> str:
    return f"{user.capitalize()} <{user}@lab.example>"


@dataclass
class MailGenerator:
    """Deterministic synthetic mail for the demo users; remembers how many each user has had."""

    seed: int
    users: tuple[str, ...]
    sent: dict[str, int] = field(default_factory=dict)

    def message_for(self, user: str, date: datetime | None = None) -> Message:
        """The next message for ``user`` (its content depends only on seed, user and its number)."""
        index = self.users.index(user)
        n = self.sent.get(user, 0)
        self.sent[user] = n + 1
        rng = random.Random(f"{self.seed}:{index}:{n}")
        text_size = round(10 ** rng.uniform(2.5, 4.2))  # ~300 B .. ~16 KB, log-uniform
        attachments: list[Attachment] = []
        if rng.random() < 0.25:
            filename, media_type = rng.choice(_ATTACHMENTS)
            attachments.append(Attachment(filename, round(10 ** rng.uniform(3.0, 4.7)), media_type))
        others = [u for u in self.users if u != user]
        senders = [address(u) for u in others] + list(_OUTSIDERS)
        msg_seed = int.from_bytes(
            hashlib.sha256(f"{self.seed}:{index}:{n}".encode()).digest()[:6], "big"
        )
        return synthesize(
            seed=msg_seed,
            sender=rng.choice(senders),
            recipient=address(user),
            subject=rng.choice(_SUBJECTS),
            date=date or BASE_DATE + timedelta(minutes=37 * n + 3 * index),
            text_size=text_size,
            attachments=attachments,
            message_id=f"<{self.seed}.{index}.{n}@lab.example>",
        )


@dataclass
class Demo:
    """A filled store plus what a user of the live server needs to log in."""

    store: Store
    credentials: tuple[Credential, ...]
    generator: MailGenerator

    def deliver_round(self, date: datetime | None = None, limit: int = INBOX_LIMIT) -> int:
        """Deliver one new message to every INBOX holding fewer than ``limit`` messages (so a
        server left running for days stays bounded); returns how many were delivered."""
        return sum(self.deliver_to(cred.user, date, limit) for cred in self.credentials)

    def deliver_to(self, user: str, date: datetime | None = None, limit: int = INBOX_LIMIT) -> int:
        """One round's delivery for one user (the live server locks that account around it):
        returns 1, or 0 when the INBOX already holds ``limit`` messages."""
        if len(self.store.accounts[user].inbox.messages) >= limit:
            return 0
        self.store.deliver(user, self.generator.message_for(user, date))
        return 1


def build_demo(
    users: int = 2, messages: int = 10, seed: int = 1, *, random_passwords: bool = False
) -> Demo:
    """A store with ``users`` accounts, each INBOX holding ``messages`` messages, from ``seed``;
    ``random_passwords``: passwords from :func:`random_password` instead of the seed."""
    if not 0 <= messages <= MAX_MESSAGES:
        raise ValueError(f"messages={messages}: allowed 0..{MAX_MESSAGES}")
    if seed < 0:
        raise ValueError(f"seed={seed}: allowed >= 0")
    names = user_names(users)
    store = Store()
    credentials = tuple(
        Credential(u, random_password() if random_passwords else password_for(u, seed))
        for u in names
    )
    for cred in credentials:
        account = store.add_account(cred.user, cred.password)
        for folder in FOLDERS:
            account.create(folder)
    generator = MailGenerator(seed, names)
    for cred in credentials:
        for _ in range(messages):
            store.deliver(cred.user, generator.message_for(cred.user))
    return Demo(store, credentials, generator)
