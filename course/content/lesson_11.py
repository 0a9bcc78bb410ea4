"""Lesson 11 text: on the wire -- annotated transcripts, state machines, real clients."""

from course.content.schema import (
    LessonContent,
    NuanceBox,
    PredictKind,
    PredictPrompt,
    number_result,
)
from course.quiz import MultipleChoice, Numeric

READING = """\
### How to read a transcript

Each row is one line on the wire, without its CRLF. **Client** lines are what the client sent;
**server** lines are the replies. In POP3 every reply's status line starts with `+OK` or `-ERR`,
and a multi-line reply ends with a line holding a single `.`. In IMAP each command carries a
*tag* (`a001`), the final reply repeats that tag with `OK`, `NO` or `BAD`, lines starting with `*`
are *untagged* data that may arrive at any time, and `+` asks the client to go on. The byte
totals count everything each side sent, line ends included (TLS excluded).

In the IMAP transcript the first `UID FETCH` asks for each message's `ENVELOPE` (date, subject and
addresses, which the server parses out of the header) and `BODYSTRUCTURE` (the message's MIME
parts): enough to list the mail, and to fetch one part later without the rest. Messages are named
by UID, a number that stays with a message as long as the `UIDVALIDITY` that `SELECT` reports
does not change.

These transcripts come from a server that sends the texts of the RFC examples (`python -m sim
serve` does too, unless started with `--profile dovecot`). The simulation in the other lessons
prices every session with the texts of Dovecot 2.3, a widely used server: its IMAP greeting and
login reply list the capabilities, its status texts are other words, and its UIDL ids are 16
hexadecimal digits. So the same session costs a different number of bytes there.
"""

STATE_MACHINES = """\
### The state machines

**POP3** (RFC 1939 §3) — three states, one way through:

| State | Entered by | Commands allowed | Leaves by |
|---|---|---|---|
| AUTHORIZATION | the server's greeting | `USER`, `PASS`, `APOP`, `AUTH` (RFC 5034), `CAPA`, `STLS`, `QUIT` | a good login (the maildrop is locked) |
| TRANSACTION | login | `STAT`, `LIST`, `RETR`, `DELE`, `NOOP`, `RSET`, `TOP`, `UIDL`, `CAPA`, `QUIT` | `QUIT` |
| UPDATE | `QUIT` in TRANSACTION | none: the server removes messages marked with `DELE`, releases the lock, closes | — |

A connection that drops in TRANSACTION never reaches UPDATE, so nothing is deleted.

**IMAP** (RFC 9051 §3) — four states, and you can move back and forth:

| State | Entered by | Typical commands | Leaves by |
|---|---|---|---|
| Not Authenticated | greeting `* OK` | `CAPABILITY`, `STARTTLS`, `LOGIN`, `AUTHENTICATE` | `LOGIN` or `AUTHENTICATE` |
| Authenticated | login, or `CLOSE`/`UNSELECT` | `SELECT`, `EXAMINE`, `LIST`, `CREATE`, `RENAME`, `DELETE`, `STATUS` | `SELECT`/`EXAMINE` |
| Selected | `SELECT`/`EXAMINE` | `FETCH`, `STORE`, `SEARCH`, `COPY`, `MOVE`, `EXPUNGE`, `IDLE`, `CLOSE` | `CLOSE`, another `SELECT`, `LOGOUT` |
| Logout | `LOGOUT` (or the server's `* BYE`) | none | the connection closes |
"""

LIVE = """\
### Real clients against the lab's own server

{next} start the lab's server (`python -m sim serve`) on `127.0.0.1` with free ports and
generated credentials, delivering a new message every few seconds. Then Python's standard
`poplib` and `imaplib` talk to it: the same protocol engines that count the bytes in every
dashboard now answer a real client over a real socket. Nothing leaves your machine.

This server offers no TLS and accepts `PASS` and `LOGIN` in clear text, so that you can read every
byte. That is acceptable here only because it listens on `127.0.0.1`, the loopback address: the
password never crosses a network. RFC 9051 §6.2.3 says clients MUST NOT use `LOGIN` on "unsecure
networks" and server sites SHOULD NOT allow it without protection (lesson 2).

"""

# Who does the work in LIVE and IDLE ("{next}"): the cells a learner runs, or, in the presenter's
# copy (Voila hides all code), the calls shown above their results.
NEXT_CELLS = "the next cells"
NEXT_CALLS_SHOWN = "the calls shown below"

# How a learner and a presenter (Voila, no cells to run) get a new session after a long pause.
LIVE_TIMEOUT = (
    "If you pause for a long time between cells, the server ends a silent session "
    "after the shortest time the RFCs allow (POP3: 10 minutes, IMAP: 30): run the "
    "cell that connects again.\n"
)
LIVE_TIMEOUT_PRESENTER = (
    "After a long pause the server ends a silent session (the RFCs allow "
    "it after 10 minutes for POP3 and 30 for IMAP): reload the page to "
    "start new sessions.\n"
)

IDLE = """\
### An IDLE round you can watch

Python 3.11's `imaplib` has no `idle()` method, so {next} send the two lines of an IDLE
round themselves: `IDLE` (the server answers `+ idling`), then wait for the server to push
`* N EXISTS` when the next message is delivered, then `DONE` (the server completes the tagged
command). Compare what you see with the IDLE round in the IMAP transcript above.
"""

CONTENT = LessonContent(
    number=11,
    title="On the wire: transcripts, state machines and real clients",
    summary="Annotated transcripts, the state machines, and real clients against the live server",
    notebook="11_on_the_wire.ipynb",
    objectives=(
        "Read annotated POP3 and IMAP transcripts line by line and count their bytes.",
        "Name each protocol's states and which commands move between them.",
        "Point Python's `poplib` and `imaplib` at the lab's live server on loopback: log in, "
        "list, fetch, and receive an IDLE push.",
    ),
    claim_en=(
        "POP downloads and disconnects from the server, while the IMAP client is always connected "
        "and sends notifications as and when new mail arrives."
    ),
    claim_bg=None,
    predict=PredictPrompt(
        kind=PredictKind.NUMBER,
        question=(
            "In the typical POP3 transcript the client sends CAPA, USER alice, PASS wonderland (a "
            "10-character password), STAT, LIST and UIDL, then RETR and DELE for each of three "
            "messages, and QUIT; every command line ends in CRLF. How many bytes does the client "
            "(not the server) send in the whole session?"
        ),
        result_key="pop3_client_bytes",
        unit="bytes",
        min_value=0,
        max_value=2000,
        step=1,
    ),
    notice=(
        "The client side is tiny: short commands. Almost all bytes flow from the server, and "
        "most of them are message content.",
        "POP3's replies carry no tag: the client knows which command a reply answers only by "
        "order. IMAP's tags let untagged data (`* 4 EXISTS`) arrive between them.",
        "In the IDLE round the push is one short line, and it comes from the *server* (the "
        "article has the client sending notifications); fetching the message is a separate, "
        "ordinary `FETCH`.",
        "The passwords in `PASS` and `LOGIN` are readable in the transcript, because these "
        "sessions run without TLS (lesson 2).",
    ),
    nuance=(
        NuanceBox(
            title="Byte-stuffing",
            text=(
                "A POP3 message line that starts with `.` is sent with one more `.` in front, so a "
                "line holding a single `.` can only mean the end of a reply. The sizes in `LIST` "
                "and `STAT` count the message *without* that stuffing."
            ),
            source="RFC 1939 §3, §11",
            spoiler=True,
        ),
        NuanceBox(
            title="Literals",
            text=(
                "IMAP sends message data as a literal: `{n}` CRLF, then exactly n octets, so the "
                "content needs no stuffing. A client's own literal waits for the server's `+` "
                "unless it uses the non-synchronising form `{n+}`."
            ),
            source="RFC 9051 §4.3",
        ),
    ),
    quiz=(
        Numeric(
            prompt=(
                "The RFC 1939 §10 example session (APOP, STAT, LIST, RETR 1, DELE 1, RETR 2, "
                "DELE 2, QUIT). How many bytes does the client send in total?"
            ),
            answer="sealed:UsP_IS0=",
            tolerance=0,
            unit="bytes",
            explanation=(
                "Add every command line with its CRLF. The `APOP` line is the long one: the user "
                "name and a 32-character hex MD5 digest."
            ),
        ),
        Numeric(
            prompt=(
                "Pick the typical IMAP transcript. The client opens INBOX with `SELECT INBOX`. "
                "How many untagged lines does the server send before the tagged OK that "
                "completes that command?"
            ),
            answer="sealed:bDExPQ==",
            tolerance=0,
            unit="lines",
            explanation=(
                "Count the lines starting with `*` between the command and its tagged reply: the "
                "message count (`EXISTS`), `0 RECENT`, the `FLAGS` the mailbox knows, and the "
                "`OK` lines with response codes (`UNSEEN`, the first message not yet seen; "
                "`PERMANENTFLAGS`, `UIDVALIDITY`, `UIDNEXT`). `RECENT` and `UNSEEN` are what RFC "
                "3501 requires for an IMAP4rev1 client, which this one is; after `ENABLE "
                "IMAP4rev2` the server leaves them out (RFC 9051). The tagged reply then repeats "
                "the command's tag."
            ),
        ),
        MultipleChoice(
            prompt=(
                "A line of a message retrieved with POP3 begins with a `.`. What does the server "
                "send?"
            ),
            options=(
                'The line with one extra "." in front.',
                "The line unchanged.",
                "The whole message base64-encoded.",
                "An -ERR, because the message is malformed.",
            ),
            answer="sealed:4NFZzw==",
            explanations=(
                "Byte-stuffing: the client removes the extra `.`, and a line holding only `.` can "
                "still end the reply.",
                "Then a line holding a single `.` would end the reply too early.",
                "POP3 sends the message as it is stored, apart from stuffing.",
                "Such lines are perfectly normal in mail.",
            ),
        ),
        Numeric(
            prompt=(
                "In the typical IMAP transcript, find the IDLE round. How many bytes does the "
                "server send in it, from its continuation line to the tagged OK, counting line "
                "ends?"
            ),
            answer="sealed:tmueQkA=",
            tolerance=0,
            unit="bytes",
            explanation=(
                "Three server lines, each with its CRLF: `+ idling` (10 bytes), the pushed "
                "`* 3 EXISTS` (12) and the tagged `OK IDLE terminated` (25). The push is one "
                "short line; the message itself needs a separate `FETCH`."
            ),
        ),
    ),
    next_lesson=None,
    extra={
        "reading": READING,
        "state_machines": STATE_MACHINES,
        "live": LIVE.format(next=NEXT_CELLS.capitalize()),
        "live_presenter": LIVE.format(next=NEXT_CALLS_SHOWN.capitalize()),
        "live_timeout": LIVE_TIMEOUT,
        "live_timeout_presenter": LIVE_TIMEOUT_PRESENTER,
        "idle": IDLE.format(next=NEXT_CELLS),
        "idle_presenter": IDLE.format(next=NEXT_CALLS_SHOWN),
    },
    results={
        "pop3_client_bytes": number_result(
            "bytes the client sends in the default POP3 transcript", "bytes"
        ),
        "imap_client_bytes": number_result(
            "bytes the client sends in the default IMAP transcript", "bytes"
        ),
    },
)
