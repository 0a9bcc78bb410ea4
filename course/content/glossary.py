"""The course glossary: terms a newcomer meets in the lessons, in plain language, with sources.

Each :class:`Term` is shown on the glossary page under its ``name``; the lesson text links the
first use of the name or of one of its ``forms`` (other spellings, matched case-sensitively and
as whole words) to the entry's :attr:`Term.anchor`.  Definitions are Markdown, one to three
sentences, and follow the RFCs; ``source`` names what a learner can check (an RFC section, a
measurement, or "the model").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TERMS", "Term", "term"]


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    name: str  # heading shown in the glossary, e.g. "UIDL"
    definition: str  # Markdown, 1-3 sentences, plain language, for a learner
    source: str  # e.g. "RFC 1939 §7" or "the model" (learner-facing sources only)
    forms: tuple[
        str, ...
    ] = ()  # extra spellings to link in lesson text; case-sensitive, whole-word

    def __post_init__(self) -> None:
        object.__setattr__(self, "forms", tuple(self.forms))

    @property
    def anchor(self) -> str:
        """A stable HTML id: the name in lower case, every run of other characters a hyphen."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


TERMS: tuple[Term, ...] = (
    Term(
        "APOP",
        "An optional POP3 login command that sends the user name and an MD5 digest of the "
        "server's greeting timestamp together with the password, so the password itself does "
        "not cross the wire.",
        "RFC 1939 §7",
    ),
    Term(
        "byte-stuffing",
        "POP3 ends a multi-line reply with a line holding only `.`. So a line of the message that "
        "begins with `.` is sent with one more `.` in front, and the client removes it again.",
        "RFC 1939 §3",
        ("Byte-stuffing", "stuffing"),
    ),
    Term(
        "CAPA",
        "The POP3 command that asks the server which optional features it supports (for example "
        "`TOP`, `UIDL`, `STLS`, `EXPIRE`); the server answers with a list, one per line.",
        "RFC 2449 §5",
    ),
    Term(
        "consistency",
        "The course's measure of whether the devices agree. A (message, device) pair is "
        "consistent when the device shows the message in the folder and with the flags the user "
        "last chose on any device, or correctly does not show it.",
        "the model",
    ),
    Term(
        "CRLF",
        "Carriage return and line feed, the two bytes `\\r\\n` that end every line of POP3 and "
        "IMAP. The byte counts in the course include them.",
        "RFC 1939 §3; RFC 9051 §2.2",
    ),
    Term(
        "delete after download",
        "A POP3 client setting: after downloading a message the client marks it with `DELE`, and "
        "the server removes it when the session ends with `QUIT`. The device then holds the only "
        "copy.",
        "RFC 1939 §5–6",
        ("delete-after-download",),
    ),
    Term(
        "envelope",
        "In IMAP, the main header fields of a message (date, subject, sender and recipient "
        "addresses, message id), which the server parses out of the header and returns for "
        "`FETCH ENVELOPE`, so a client can list mail without downloading it. Not the same as the "
        "SMTP envelope, the addresses used to deliver a message.",
        "RFC 9051 §7.5.2",
        ("ENVELOPE",),
    ),
    Term(
        "EXPIRE",
        "A capability a POP3 server lists in its `CAPA` reply to announce its retention policy: "
        "`EXPIRE n` for n days, `EXPIRE 0` when leaving mail on the server is not allowed, "
        "`EXPIRE NEVER` when it never deletes mail.",
        "RFC 2449 §6.7",
    ),
    Term(
        "EXPUNGE",
        "The IMAP command that permanently removes the messages marked `\\Deleted` from the "
        "selected mailbox. Deleting in IMAP is two steps: mark, then expunge (or `CLOSE`).",
        "RFC 9051 §6.4.3",
    ),
    Term(
        "flag",
        "A mark an IMAP server stores with a message for every client to see. System flags begin "
        "with a backslash: `\\Seen` (read), `\\Answered`, `\\Flagged`, `\\Deleted`, `\\Draft`. "
        "POP3 has no flags.",
        "RFC 9051 §2.3.2",
        ("flags", "system flags", "system flag"),
    ),
    Term(
        "IANA",
        "The Internet Assigned Numbers Authority, which keeps the registries of port numbers and "
        "protocol names.",
        "IANA service name and port number registry",
    ),
    Term(
        "IDLE",
        "An IMAP command by which a client says it is waiting: the server answers `+ idling`, then "
        "pushes untagged lines such as `* 4 EXISTS` when the selected mailbox changes, until the "
        "client sends `DONE`. Clients are advised to re-issue it at least every 29 minutes.",
        "RFC 2177 §3; RFC 9051 §6.3.13",
    ),
    Term(
        "implicit TLS",
        "TLS that starts as soon as the TCP connection is open, before the server's greeting: "
        "POP3 on port 995, IMAP on port 993. RFC 8314 recommends it over upgrading a cleartext "
        "connection with `STLS` or `STARTTLS`.",
        "RFC 8314",
    ),
    Term(
        "keepalive",
        "A small message sent on a quiet connection only so that it is not forgotten by routers on "
        "the way or timed out; Dovecot, for example, sends `* OK Still here` to an idling IMAP "
        "client every 2 minutes.",
        "Dovecot (measured)",
        ("keepalives",),
    ),
    Term(
        "keyword",
        "An IMAP flag without a backslash, such as `$Forwarded` or `$Junk`; clients agree on what "
        "it means by convention.",
        "RFC 9051 §2.3.2; RFC 5788",
        ("keywords",),
    ),
    Term(
        "leave on server",
        "A POP3 client setting: download messages but do not delete them, so copies stay on the "
        "server, often for a set number of days. With `UIDL` the client downloads each message "
        "only once.",
        "RFC 1939 §7",
        ("leave-on-server",),
    ),
    Term(
        "literal",
        "How IMAP sends data of known length: `{n}`, a line end, then exactly n octets, so the "
        "data needs no quoting or stuffing. A client's literal waits for the server's `+` unless "
        "it is written `{n+}`.",
        "RFC 9051 §4.3",
        ("literals", "Literals"),
    ),
    Term(
        "LOGINDISABLED",
        "A capability an IMAP server advertises to say that it will refuse `LOGIN` (a user name "
        "and password in clear text) on this connection, typically until TLS has started.",
        "RFC 9051 §6.2.3",
    ),
    Term(
        "loopback",
        "The address `127.0.0.1`, by which a computer talks to itself: traffic to it never "
        "leaves the machine.",
        "RFC 1122 §3.2.1.3",
    ),
    Term(
        "mailbox",
        "A named collection of messages on an IMAP server, shown by mail clients as a folder "
        "(INBOX, Sent, Trash). IMAP can create, rename, delete, select and search mailboxes; POP3 "
        "sees only the one maildrop, so folders in a POP3 client exist on that device alone.",
        "RFC 9051 §5.1, §6.3",
        ("mailboxes", "folder", "folders"),
    ),
    Term(
        "maildrop",
        "POP3's name for the user's mail on the server: a single list of messages, numbered 1..N "
        "afresh in every session, with no folders. After login the server locks it, so only one "
        "session at a time can use it.",
        "RFC 1939 §3–4",
    ),
    Term(
        "MIME part",
        "One piece of a message in MIME form: the text, an HTML version of it, an attachment. "
        "IMAP's `BODYSTRUCTURE` describes the parts and `BODY[n]` fetches just one; POP3 can only "
        "fetch a whole message or its first lines.",
        "RFC 2045; RFC 9051 §6.4.5",
        ("MIME parts", "body structure", "BODYSTRUCTURE"),
    ),
    Term(
        "MODSEQ",
        "With the CONDSTORE extension an IMAP server gives every message a modification sequence "
        "number (MODSEQ) that grows whenever the message's flags change, so a client can ask for "
        "only what changed since the number it last saw (`CHANGEDSINCE`).",
        "RFC 7162",
        ("CONDSTORE", "modification sequences", "modification sequence"),
    ),
    Term(
        "Monte Carlo",
        "Running the same model many times with different random seeds and looking at the spread "
        "of the results; here, whole simulated years of crashes and deletes by mistake.",
        "the model",
    ),
    Term(
        "NAT",
        "Network address translation: a home router shares one public address among the devices "
        "behind it and remembers each of their open connections. It forgets a connection that "
        "carries no traffic for a while, often 5–10 minutes at home (its NAT timeout), and "
        "anything sent on it afterwards is lost.",
        "Fastmail blog (home routers)",
        ("NAT timeout", "router", "routers", "home router", "home routers", "Home routers"),
    ),
    Term(
        "octet",
        "Eight bits, what is usually called a byte. The RFCs say octet to be exact; the sizes in "
        "POP3's `LIST` and IMAP's literals are counted in octets.",
        "RFC 1939 §11; RFC 9051 §4.3",
        ("octets",),
    ),
    Term(
        "polling",
        "Checking for new mail at a fixed interval (connecting and asking, or sending `NOOP` on an "
        "open IMAP connection) instead of being told. A new message waits until the next poll: "
        "on average about half the interval.",
        "RFC 1939 §5; RFC 9051 §6.1.2; the model",
        ("poll", "polls", "polled", "poll interval"),
    ),
    Term(
        "port",
        "The number that picks a service on a server: POP3 listens on TCP port 110 (995 with "
        "implicit TLS), IMAP on 143 (993 with implicit TLS).",
        "RFC 1939 §3; RFC 9051 §2.1; RFC 8314",
        ("ports",),
    ),
    Term(
        "QRESYNC",
        "An IMAP extension, built on CONDSTORE, with which a client reopening a mailbox learns in "
        "one round trip which messages changed and which were expunged since its last visit, "
        "instead of listing the whole mailbox again.",
        "RFC 7162",
    ),
    Term(
        "quarantine",
        "Taking a message found to be infected out of the user's reach on the server. Whether and "
        "when a server scans and quarantines mail is a provider's policy, not part of POP3 or "
        "IMAP.",
        "the model; Cyrus IMAP manual (cyr_virusscan)",
        ("quarantines", "quarantined"),
    ),
    Term(
        "radio wake-up",
        "In the model, each time a phone's radio has to switch on to send or receive: every poll, "
        "push, keepalive or re-issued `IDLE` costs one, and each costs battery.",
        "the model",
        ("radio wake-ups", "wake-ups"),
    ),
    Term(
        "recall",
        "The share of the messages matching a search that the search finds; 100 % means none was "
        "missed.",
        "the model",
    ),
    Term(
        "replica",
        "A copy of a server's disks kept in step with the original, so the mailbox survives a "
        "failed disk. It copies every change, deletes included, so it is not a backup.",
        "the model (lesson 9)",
        ("replicas",),
    ),
    Term(
        "round trip",
        "A message to the other side and its answer back; the round-trip time (RTT) is how long "
        "that takes. Every handshake step or command that must wait for a reply costs one.",
        "the model (lesson 2)",
        ("round trips", "round-trip time", "round-trip"),
    ),
    Term(
        "Sieve",
        "A language for mail filters that a server runs at delivery. Its `virustest` extension "
        "lets a filter act on a virus scanner's verdict.",
        "RFC 5228; RFC 5235",
    ),
    Term(
        "SMTP",
        "The Simple Mail Transfer Protocol, which sends mail and relays it between servers until "
        "it reaches the recipient's server. POP3 and IMAP only read mail that SMTP has delivered.",
        "RFC 5321",
    ),
    Term(
        "STARTTLS",
        "The IMAP command that upgrades a cleartext connection on port 143 to TLS; POP3's "
        "equivalent is `STLS` on port 110. Once TLS has started, the client MUST discard what it "
        "learned about the server's capabilities and SHOULD ask for them again.",
        "RFC 9051 §6.2.1; RFC 2595 §4",
        ("STLS",),
    ),
    Term(
        "tag",
        "The short label (`a001`) an IMAP client writes before each command. The server's final "
        "reply to that command repeats it with `OK`, `NO` or `BAD`, so each reply can be matched "
        "to its command.",
        "RFC 9051 §2.2.1",
        ("tags", "tagged"),
    ),
    Term(
        "TCP",
        "The transport under POP3 and IMAP: a reliable, ordered stream of bytes between two "
        "ports, opened with a handshake that costs one round trip. POP3 does not run over UDP.",
        "RFC 9293; RFC 1939 §3",
    ),
    Term(
        "TLS",
        "Transport Layer Security: it encrypts a connection and proves the server's identity, so "
        "that no one on the way can read the password or the mail. It starts at once (implicit "
        "TLS) or after an upgrade command (`STLS`, `STARTTLS`).",
        "RFC 8446; RFC 8314",
    ),
    Term(
        "TLS session resumption",
        "A client that has talked to a server before can resume the earlier TLS session with a "
        "shorter handshake, without the server's certificates being sent again.",
        "RFC 8446 §2.2",
        ("session resumption",),
    ),
    Term(
        "UID",
        "A number an IMAP server gives each message in a mailbox, in ascending order. Unlike the "
        "message numbers 1..N, which shift when mail is expunged, it stays with the message as "
        "long as the mailbox's `UIDVALIDITY` does not change.",
        "RFC 9051 §2.3.1.1",
        ("UIDs",),
    ),
    Term(
        "UIDL",
        "The optional POP3 command that lists a unique id (1–70 printable characters) for each "
        "message, the same in every session, so a client that leaves mail on the server can "
        "download each message only once.",
        "RFC 1939 §7",
    ),
    Term(
        "UIDVALIDITY",
        "A number an IMAP server reports when a mailbox is selected. While it stays the same, the "
        "UIDs a client remembers still name the same messages; a server that cannot keep its "
        "UIDs MUST report a greater value, and the client then resynchronises.",
        "RFC 9051 §2.3.1.1",
    ),
    Term(
        "untagged response",
        "An IMAP server line that starts with `*`: data that is not the final reply to a "
        "command, such as `* 4 EXISTS`. It may arrive at any time, even while the client is "
        "waiting for something else.",
        "RFC 9051 §2.2.2",
        ("untagged",),
    ),
    Term(
        "workload trace",
        "The model's script for a run, written first from a seed: when messages arrive, what the "
        "user does on which device, when devices go offline or crash. The POP3 run and the IMAP "
        "run replay the same trace.",
        "the model",
        ("trace",),
    ),
    Term(
        "zero-day",
        "Here, an infected message that no virus signature recognises yet, so a scan at delivery "
        "lets it through; a later signature update can still catch the copies the server stores.",
        "the model (lesson 7)",
    ),
)


def term(name: str) -> Term:
    """The term called ``name`` (exactly as in :data:`TERMS`); ``ValueError`` lists the known
    names otherwise."""
    for t in TERMS:
        if t.name == name:
            return t
    raise ValueError(f"term: unknown glossary term {name!r}; known: {[t.name for t in TERMS]}")
