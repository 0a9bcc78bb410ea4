"""Lesson 6 text: leaving mail on the server, and the article's two-client advice."""

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
    number=6,
    title="Leave a copy on the server? The two-client trap",
    summary="Leaving mail on the server with POP: duplicates, missed messages, the maildrop lock",
    notebook="06_leave_on_server.ipynb",
    objectives=(
        "Explain POP3's *leave on server* and why it needs `UIDL`.",
        "Show, with the model, why the article's advice for two clients makes one of them miss "
        "mail, and fix the setup.",
        "State when POP3 really deletes (`DELE` marks, `QUIT` removes) and what the maildrop lock "
        "does to two clients polling at once.",
        "Read a server's retention policy from `CAPA` (`EXPIRE`).",
    ),
    claim_en=(
        "There is an option in the POP mail client to leave the emails on the server for a certain "
        "period of time and then delete them. If you use 2 clients, set the second client to "
        "download the emails from the server and not leave copies on the server. — Earlier the "
        'article adds that leaving copies on the server "is usually not practised, for various '
        'reasons".'
    ),
    claim_bg=(
        "Има опция в POP мейл клиента, за да настроите да оставяте имейлите на сървъра за "
        "определен период от време и да ги изтривате. Ако използвате 2 клиента, задайте втория "
        "клиент като изтегляне на имейли от сървъра и не оставяйте копия на сървъра."
    ),
    predict=PredictPrompt(
        kind=PredictKind.NUMBER,
        question=(
            "Following the article: the laptop leaves copies on the server, the desktop (the "
            '"second client") downloads and deletes. Both poll every 10 minutes while online: '
            "the laptop 7–9 h and 18–23 h, the desktop 9–17 h. Over one week, how many "
            "messages does some device never receive (each message counted once)?"
        ),
        result_key="missed_messages_pop3",
        unit="messages",
        min_value=0,
        max_value=300,
        step=1,
    ),
    notice=(
        "The laptop misses every message the desktop fetched and deleted before the laptop's "
        "next poll. The summary lists when each computer is online: with the desktop on through "
        "the working day and the laptop off, that is the day's mail -- a large share of all "
        "mail.",
        "Turn *desktop leaves copies too* on: nobody misses anything, and the mail stays on the "
        "server until a client's leave period is up. That is the setup that actually works "
        "with two POP3 clients.",
        "Turn `UIDL` off: a client that leaves copies cannot tell old messages from new, and "
        "downloads the same mail again and again (the duplicate bytes). With `UIDL` on, each "
        "poll pays for the id list of every message left on the server: the server sends "
        "Dovecot 2.3's ids, 16 characters each, as in every lesson.",
        "The maildrop lock refuses a login only while another session of the same mailbox is "
        "still running. In the article's setup the two computers are not online at the same "
        "time, so sessions can meet only at the 9 h hand-over: a laptop session that began just "
        "before 9 h and is still downloading a big message over a slow line when the desktop "
        "first polls (seed 16 on the 56 kbit/s line shows it). On the fast lines no login is "
        "refused.",
        "To see the lock at work, switch on *desktop also on 18-23 h*: both computers now come "
        "online at 18 h, each polls a little after that and then every poll interval, so their "
        "polls fall close together. On the fast lines sessions are over in time and none is "
        "refused; pick a slow line (say 128 kbit/s) and a big message takes minutes to "
        "download -- the other client's poll falls inside that session, its login is refused, "
        "and it retries at its next poll. The slower the line, the more refusals.",
        "Under IMAP nothing is missed, whatever the settings: every client reads the same "
        "mailbox, and IMAP has no maildrop lock.",
    ),
    nuance=(
        NuanceBox(
            title="The two-client advice backfires",
            text=(
                "If one client deletes, the other sees only what arrived since the deleting "
                "client's last poll. With two POP3 clients, *every* client that is not the single "
                "archive should leave copies — and the archive should delete only after the others "
                "have had time to fetch (delete after N days)."
            ),
            source="RFC 1939 §5–6; the model (this lesson)",
            spoiler=True,
        ),
        NuanceBox(
            title="UIDL is what makes leave-on-server work",
            text=(
                "Message numbers restart at 1 in every session. `UIDL` gives each message an id of "
                "1–70 printable characters that stays the same across sessions, so a client can "
                "remember what it already has."
            ),
            source="RFC 1939 §7",
            spoiler=True,
        ),
        NuanceBox(
            title="The maildrop lock",
            text=(
                "After login a POP3 server takes an exclusive lock on the maildrop, so that "
                "nothing changes it until the session ends; a login it cannot lock for gets a "
                "negative reply (`-ERR`). Two POP3 clients therefore take turns, one session at "
                "a time. IMAP has no such lock: several sessions can have one mailbox open at "
                "once, and the server tells each about the changes the others make."
            ),
            source="RFC 1939 §4; RFC 9051 §5.2",
            spoiler=True,
        ),
        NuanceBox(
            title="Deletion happens at QUIT",
            text=(
                "`DELE` only marks a message. The server removes marked messages when `QUIT` moves "
                "the session into the UPDATE state; a dropped connection, or the server's "
                "inactivity timer (at least 10 minutes), removes nothing, and `RSET` unmarks."
            ),
            source="RFC 1939 §3, §5–6",
            spoiler=True,
        ),
        NuanceBox(
            title="Leaving copies is common practice",
            text=(
                'The article says it is "usually not practised". Thunderbird\'s new-account '
                "wizard sets POP3 to leave messages on the server for 14 days, and a server can "
                "announce its own retention with `EXPIRE` in `CAPA` (`EXPIRE 0`: leaving mail is "
                "not allowed; `EXPIRE NEVER`: kept for ever)."
            ),
            source="Thunderbird defaults; RFC 2449 §6.7",
        ),
    ),
    quiz=(
        Numeric(
            prompt=(
                "Keep the article's set-up (the laptop leaves copies, the desktop downloads and "
                "deletes) and switch on *desktop also on 18-23 h*, so both computers are online "
                "in the evening; other controls at their defaults. How many messages does some "
                "device never receive under POP3 over the week?"
            ),
            answer="sealed:TftknOKa",
            tolerance=0,
            unit="messages",
            explanation=(
                "The desktop now also polls through the evening, beside the laptop. Every "
                "message it takes and deletes before the laptop's next poll is gone from the "
                "server, so the laptop misses even more than with the desktop on only in working "
                "hours: sharing the online hours makes the advice worse, not better."
            ),
        ),
        MultipleChoice(
            prompt="What lets a POP3 client that leaves mail on the server avoid downloading the "
            "same messages again?",
            options=(
                "UIDL: ids that stay the same across sessions.",
                "The message numbers that LIST returns.",
                "STAT, comparing the maildrop's count and size.",
                "TOP n 0, comparing each message's headers.",
            ),
            answer="sealed:St_GEg==",
            explanations=(
                "A client remembers the unique ids it has downloaded and fetches only the new "
                "ones.",
                "Message numbers are only valid within one session; they shift as mail is deleted.",
                "`STAT` gives only the count and total size of the maildrop.",
                "Headers could be compared, but that costs a download per message per poll; UIDL "
                "exists to avoid it.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "A POP3 client sends `DELE 1` and `DELE 2`, then the connection drops before "
                "`QUIT`. What is left on the server?"
            ),
            options=(
                "Neither message: both were deleted.",
                "Message 2 only.",
                "Both messages: nothing is removed until QUIT.",
                "Both, and the maildrop stays locked for ever.",
            ),
            answer="sealed:lKCQ7Q==",
            explanations=(
                "`DELE` only marks; removal needs the UPDATE state that `QUIT` starts.",
                "Marks are applied all together at `QUIT`, or not at all.",
                "Without `QUIT` the session never reaches UPDATE, so the marks are discarded "
                "(RFC 1939 §6).",
                "The lock is released when the session ends, however it ends.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "The laptop's POP3 session is still downloading a big message when the "
                "desktop's client tries to log in to the same mailbox. What happens?"
            ),
            options=(
                "The desktop's login is refused (-ERR); its client tries again later.",
                "Both sessions download the message at the same time.",
                "The server ends the laptop's session to let the desktop in.",
                "Both sessions share the mailbox, as IMAP sessions can.",
            ),
            answer="sealed:eFVPpg==",
            explanations=(
                "The laptop's session holds the exclusive maildrop lock until it ends; a login "
                "that cannot take the lock gets a negative reply.",
                "Only one session at a time holds the maildrop: the lock exists to stop two "
                "sessions changing it at once.",
                "The lock is released when the session ends; a second login does not end it.",
                "IMAP allows several sessions on one mailbox; POP3 does not.",
            ),
        ),
    ),
    next_lesson=7,
    results={
        "missed_messages_pop3": number_result(
            "messages some device never received, POP3", "messages"
        ),
        "missed_messages_imap": number_result(
            "messages some device never received, IMAP", "messages"
        ),
        "duplicate_mb_pop3": number_result("MB downloaded more than once, POP3", "MB"),
        "duplicate_mb_imap": number_result("MB downloaded more than once, IMAP", "MB"),
        "server_mb_pop3": number_result("MB kept on the server at the end, POP3", "MB"),
        "server_mb_imap": number_result("MB kept on the server at the end, IMAP", "MB"),
        "lock_refusals_pop3": number_result(
            "POP3 logins refused: the other client's session held the maildrop lock", "logins"
        ),
        "more_missed": choice_result("which protocol makes some device miss more messages", *WHICH),
    },
)
