"""The RFC 9051 §8 sample session's mailbox, rebuilt so the engine reproduces its exchanges.

Message 12 of the sample has the exact 342-octet header the RFC prints for ``fetch 12 body[header]``
and a TEXT/PLAIN body of 3028 octets in 92 lines, as its BODY structure says.  The body's words are
ours (the RFC does not print them); only their size and line count matter.

The RFC's FETCH FULL response is not consistent with its own message in two places, and the engine
reports what the message really is:

* ``RFC822.SIZE 4286``, but the header (342) plus the body (3028) make 3370 -- same digit count;
* the ENVELOPE's Message-ID reads ``<B27397-0100000@cac.washington.ed>`` while the header it comes
  from says ``...washington.edu>``; the engine copies the header, one octet more.

So ``a003 fetch 12 full`` costs 585 server octets here (the RFC's text as printed would be 584);
FACTS.md gives "≈ 585".  In the RFC the session runs after ``ENABLE IMAP4rev2``, which is why its
SELECT answer carries a ``* LIST`` line (``ImapConfig.select_list``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .imap import ImapConfig, ImapServer
from .message import Entity, Message, synthesize
from .store import Store

RFC9051_USER = "mrc"
RFC9051_PASSWORD = "secret"
RFC9051_UIDVALIDITY = 3857529045
RFC9051_MESSAGES = 18
RFC9051_HEADER_FIELDS = (
    "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)",
    "From: Terry Gray <gray@cac.washington.edu>",
    "Subject: IMAP4rev2 WG mtg summary and minutes",
    "To: imap@cac.washington.edu",
    "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>",
    "Message-Id: <B27397-0100000@cac.washington.edu>",
    "MIME-Version: 1.0",
    "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII",
)
RFC9051_BODY_SIZE = 3028
RFC9051_BODY_LINES = 92
PDT = timezone(-timedelta(hours=7))
RFC9051_INTERNALDATE = datetime(1996, 7, 17, 2, 44, 25, tzinfo=PDT)

#: The RFC's response to ``a003 fetch 12 full`` with the one correction explained above.
RFC9051_FETCH_FULL = (
    b'* 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 3370 '
    b'ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev2 WG mtg summary and minutes" '
    b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
    b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
    b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
    b'((NIL NIL "imap" "cac.washington.edu")) '
    b'((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL '
    b'"<B27397-0100000@cac.washington.edu>") '
    b'BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))\r\n'
    b"a003 OK FETCH completed\r\n"
)

_MINUTES = (
    "Summary",
    "of",
    "the",
    "working",
    "group",
    "session.",
    "The",
    "group",
    "reviewed",
    "open",
    "issues",
    "in",
    "the",
    "draft,",
    "agreed",
    "on",
    "the",
    "handling",
    "of",
    "literals",
    "and",
    "of",
    "untagged",
    "responses,",
    "and",
    "asked",
    "the",
    "editor",
    "to",
    "publish",
    "a",
    "revision",
    "before",
    "the",
    "next",
    "meeting.",
    "Implementers",
    "reported",
    "interoperability",
    "results",
    "from",
    "several",
    "clients",
    "and",
    "servers.",
    "Action",
    "items",
    "were",
    "assigned",
    "and",
    "the",
    "chairs",
    "thanked",
    "the",
    "note",
    "takers.",
    "Discussion",
    "continued",
    "on",
    "the",
    "mailing",
    "list",
    "afterwards.",
)


def rfc9051_body() -> bytes:
    """92 CRLF-terminated lines, 3028 octets in all, of plain meeting-minutes text."""
    chars = RFC9051_BODY_SIZE - 2 * RFC9051_BODY_LINES
    base, extra = divmod(chars, RFC9051_BODY_LINES)
    lines = []
    word = 0
    for i in range(RFC9051_BODY_LINES):
        width = base + (1 if i < extra else 0)
        text = ""
        while len(text) < width:
            text = (text + " " + _MINUTES[word % len(_MINUTES)]).lstrip()
            word += 1
        lines.append(text[:width].rstrip().ljust(width, "."))
    return "".join(line + "\r\n" for line in lines).encode("ascii")


def rfc9051_message12() -> Message:
    return Message(Entity(RFC9051_HEADER_FIELDS, rfc9051_body()), RFC9051_INTERNALDATE)


def rfc9051_store() -> Store:
    """Account ``mrc``/``secret`` whose INBOX holds 18 messages; message 12 is the RFC's (\\Seen)."""
    store = Store()
    account = store.add_account(RFC9051_USER, RFC9051_PASSWORD)
    inbox = account.inbox
    inbox.uidvalidity = RFC9051_UIDVALIDITY
    for n in range(1, RFC9051_MESSAGES + 1):
        if n == 12:
            inbox.append(rfc9051_message12(), {"\\Seen"})
        else:
            inbox.append(synthesize(seed=n, subject=f"Message {n}"))
    return store


def rfc9051_engine(config: ImapConfig | None = None) -> ImapServer:
    """A fresh engine over :func:`rfc9051_store` (greeting still queued in its outbox); by
    default its SELECT answers with the ``* LIST`` line of the RFC's IMAP4rev2 session."""
    return ImapServer(rfc9051_store(), config or ImapConfig(select_list=True))
