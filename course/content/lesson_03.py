"""Lesson 3 text: polling versus IDLE -- how soon new mail shows, and what staying online costs."""

from course.content.schema import (
    WHICH,
    LessonContent,
    NuanceBox,
    PredictKind,
    PredictPrompt,
    choice_result,
    number_result,
)
from course.quiz import MultipleChoice, Numeric

CONTENT = LessonContent(
    number=3,
    title="Push or poll: how soon does new mail show?",
    summary="Staying connected: POP polling versus IMAP IDLE, notification delay and overhead, and what a home router that forgets quiet connections does to IDLE",
    notebook="03_push_vs_poll.ipynb",
    objectives=(
        "Explain why a polling client's median notification delay is about half its poll "
        "interval, and check it in the model.",
        "Describe an IDLE round: `IDLE`, `+ idling`, the pushed `* N EXISTS`, `DONE`, tagged `OK` "
        "— and that the client still has to fetch the message.",
        "Weigh the cost: bytes per day spent on polls or keepalives, and time connected.",
        "Explain why RFC 2177 advises clients to re-issue IDLE at least every 29 minutes, and "
        "why home routers that forget quiet connections make that matter.",
    ),
    claim_en=(
        "POP downloads and disconnects from the server, while the IMAP client is always connected "
        "and sends notifications as and when new mail arrives. — The article's feature list puts "
        'it more carefully: "In an IMAP environment, email clients often stay connected to the '
        'IMAP server while the user interface is active."'
    ),
    claim_bg=(
        "POP изтегля и прекъсва връзката със сървъра, докато IMAP клиентът винаги е свързан и "
        "изпраща известия, както и когато пристигне нова поща"
    ),
    predict=PredictPrompt(
        kind=PredictKind.NUMBER,
        question=(
            "The POP3 clients poll every 10 minutes (Thunderbird's default check interval). Mail "
            "arrives at random moments. What is the median delay, in seconds, from a message "
            "reaching the server to the phone showing it (of the messages the phone shows)?"
        ),
        result_key="median_delay_s_pop3",
        unit="s",
        min_value=0,
        max_value=1200,
        step=10,
    ),
    notice=(
        "For the phone, which is online all day, POP3's median delay sits near half the poll "
        "interval: a message arrives, on average, halfway between two polls. Halve the "
        "interval and the delay halves.",
        "With IDLE on, the phone's median IMAP delay is a matter of seconds or less: the time to "
        "push `* N EXISTS` and fetch. Turn IDLE off and IMAP polls too: its delay jumps to the "
        "scale of the poll interval.",
        "Look at the tail of the IMAP curve: a device that is offline cannot be notified at "
        "all, so some messages wait until it reconnects. IDLE only helps while connected: for "
        "the laptop or the desktop, which are off most of the day, the wait is hours.",
        "Short poll intervals are not free: every POP3 poll, empty or not, costs a TCP and TLS "
        "handshake, a login and a few commands. The overhead bar counts every byte that is not "
        "message content, per device and day. At the default settings (10-minute polls, IDLE "
        "on) POP3's polls cost several times what IMAP's IDLE does; poll every minute and "
        "POP3's overhead grows about tenfold, into megabytes a day; poll hourly and it falls to "
        "about IDLE's level. These figures assume a full TLS handshake, certificates "
        "included, on every connection. Turn on TLS session resumption (TLS 1.3 resumes a "
        "session without sending the certificates again) and POP3's polls cost about half as "
        "much; IDLE, which rarely connects, barely changes. The server sends Dovecot 2.3's "
        "greeting, capability lists and status texts, as it does in every lesson.",
        "IDLE's overhead does not depend on the poll interval: an idling client pays for the "
        "commands around what it fetches and for a re-issued `IDLE` now and then, not for "
        "polls. Turn IDLE off and IMAP's polls cost more than its IDLE did. The price of IDLE is "
        "an open connection, but what drains a phone's battery is waking the radio: every POP3 "
        "poll wakes it, an idling connection wakes it only for a push, a re-issued `IDLE` or a "
        "keepalive. The lower bar counts these radio wake-ups per day.",
        "Put the devices behind a router that forgets quiet connections after 5 minutes: IDLE "
        "re-issued every 24 minutes cannot keep the connection alive, pushes are lost until the "
        "client finds the connection gone and reconnects, and IMAP's delay grows from seconds "
        "to minutes. Then turn on a server keepalive after 2 minutes of silence: the pushes "
        "come back, and the overhead bar shows the price. Each keepalive is a 17-byte line, "
        "but it travels in its own TLS record and TCP segment, so the keepalives add tens to "
        "hundreds of kilobytes per device and day — not a few kilobytes.",
    ),
    nuance=(
        NuanceBox(
            title="IDLE pushes a notice, not the message",
            text=(
                "While idling, the server sends an untagged `* N EXISTS` (the mailbox now has N "
                "messages). The client leaves IDLE with `DONE` and fetches what it wants. It is "
                "the *server* that notifies; the article has the client sending notifications."
            ),
            source="RFC 2177; RFC 9051 §6.3.13",
            spoiler=True,
        ),
        NuanceBox(
            title='"Always connected" has limits',
            text=(
                "A server may treat an idling client as inactive and log it out when its "
                "inactivity timer runs out; such a timer must be at least 30 minutes. So RFC 2177 "
                "*advises* clients to end and re-issue `IDLE` at least every 29 minutes: advice, "
                "not a limit the protocol enforces (K-9 Mail re-issues every 24 minutes; Dovecot "
                "sends `* OK Still here` every 2 minutes). Home routers can forget an idle TCP "
                "connection after 5–10 minutes, so without traffic in between a push can be "
                "silently lost."
            ),
            source="RFC 2177 §3; RFC 9051 §5.4, §6.3.13; Fastmail blog",
            spoiler=True,
        ),
        NuanceBox(
            title="IMAP can poll too, and IDLE watches one folder",
            text=(
                "IDLE began as an extension (RFC 2177) and is part of IMAP4rev2, but a client "
                "need not use it: many clients poll with `NOOP` or reconnect on a timer. And one "
                "IDLE command watches only the selected mailbox."
            ),
            source="RFC 2177; RFC 9051 §6.1.2, §6.3.13",
        ),
    ),
    quiz=(
        MultipleChoice(
            prompt=(
                "An IMAP client is idling on INBOX when a new message is delivered. What does the "
                "server send first?"
            ),
            options=(
                "The whole message, so the client needs no further command.",
                "Nothing until the client polls again.",
                "An untagged line: * N EXISTS",
                "An SMTP copy of the message to the device.",
            ),
            answer="sealed:iwCcnw==",
            explanations=(
                "IDLE never carries the message itself; the client fetches it after leaving IDLE.",
                "That is polling. In IDLE the server may send untagged responses at any time.",
                "The server pushes only the new message count; the client then ends IDLE with "
                "`DONE` and fetches headers or the body as its policy says.",
                "SMTP delivers mail *to the server*; devices read it with POP3 or IMAP.",
            ),
        ),
        Numeric(
            prompt=(
                "Keep IDLE on and set the home router timeout to 5 minutes (no server keepalive, "
                "other controls at their defaults). What is the phone's median notification "
                "delay under IMAP, in minutes? (Answer to within 0.3 min.)"
            ),
            answer="sealed:Z0SItCql",
            tolerance=0.3,
            unit="min",
            explanation=(
                "IDLE is re-issued only every 24 minutes, so the router forgets the quiet "
                "connection first and pushes are lost until the client writes again, finds the "
                "connection gone and reconnects. The median grows from under a second to "
                "minutes; a server keepalive every 2 minutes brings it back."
            ),
        ),
        Numeric(
            prompt=(
                "RFC 2177 advises an idling client to end `IDLE` and re-issue it regularly. What "
                "is the longest gap between re-issues, in minutes, that it advises?"
            ),
            answer="sealed:XuKsqhg=",
            tolerance=0,
            unit="min",
            explanation=(
                "A server may count an idling client as inactive, and its autologout timer may be "
                "as short as 30 minutes (RFC 9051 §5.4), so RFC 2177 §3 advises re-issuing IDLE a "
                "little before that. It is advice, not a hard limit: a client that idles longer "
                "breaks no rule, it only risks being logged out."
            ),
        ),
        MultipleChoice(
            prompt=(
                "A home router forgets TCP connections that carry no traffic for 5 minutes. What "
                "keeps an IMAP IDLE session working behind it?"
            ),
            options=(
                "Nothing: IDLE cannot work behind a home router, so clients must poll.",
                "Traffic before the timeout: keepalives, or a re-issued IDLE.",
                "Switching the IMAP connection to UDP, which routers keep open.",
                "A longer poll interval, so that the router sees fewer connections.",
            ),
            answer="sealed:vF2wGw==",
            explanations=(
                "It works, as long as something crosses the connection before the router forgets "
                "it.",
                "Any bytes refresh the router's memory of the connection; that is why servers send "
                "keepalives (Dovecot: `* OK Still here`) and clients re-issue IDLE or send `NOOP` "
                "well within the timeout.",
                "IMAP runs over TCP; there is no UDP variant.",
                "Poll intervals belong to polling, not to an IDLE connection.",
            ),
        ),
    ),
    next_lesson=4,
    results={
        "median_delay_s_pop3": number_result(
            "median notification delay on the device picked (the phone by default), POP3 polling",
            "s",
        ),
        "median_delay_s_imap": number_result(
            "median notification delay on the device picked (the phone by "
            "default), IMAP (IDLE or polling)",
            "s",
        ),
        "overhead_kb_day_pop3": number_result(
            "protocol overhead per day (framing + TLS, no messages), POP3", "KB/day"
        ),
        "overhead_kb_day_imap": number_result(
            "protocol overhead per day (framing + TLS, no messages), IMAP", "KB/day"
        ),
        "faster_notice": choice_result("which protocol shows new mail sooner (median)", *WHICH),
    },
)
