"""Lesson 5 text: read, answered, forwarded -- status that every device sees, or only one."""

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
    number=5,
    title="Read, answered, forwarded: one status everywhere?",
    summary="Read, answered and forwarded status across devices",
    notebook="05_flags_everywhere.ipynb",
    objectives=(
        "Define the consistency metric and its two parts: *coverage* (the device has the message) "
        "and *state agreement* (it shows the intended folder and flags).",
        "Explain how IMAP stores status on the server (`STORE` of flags and keywords) and how "
        "other clients learn about it.",
        "Predict the dip and recovery of agreement while a device is offline, and explain why "
        "queued changes make it recover.",
    ),
    claim_en=(
        "In IMAP, if you mark an email as read or forwarded, the status is visible from every IMAP "
        "client, while in POP, once you download the emails to your local device, there is no "
        "further access from other devices."
    ),
    claim_bg=(
        "В IMAP, ако маркирате имейл като прочетен или препратен, състоянието се вижда от всеки "
        "IMAP клиент, докато в POP, след като изтеглите имейлите в локалното си устройство, няма "
        "повече достъп от други устройства."
    ),
    predict=PredictPrompt(
        kind=PredictKind.NUMBER,
        question=(
            "Count every (message, device) pair: it is consistent when the device shows the "
            "message in the folder and with the flags (read, answered, forwarded, flagged) the "
            "user last chose on any device, or correctly does not show it. The family has a phone "
            "online most of the day, a laptop and a desktop; the phone is not taken offline "
            "(0 offline hours); POP3 deletes each message from the server after the first "
            "download. Under POP3, what share (%) of pairs is consistent on average over the week?"
        ),
        result_key="consistency_pct_pop3",
        unit="%",
        min_value=0,
        max_value=100,
        step=1,
    ),
    notice=(
        "IMAP's state agreement stays near the top: a flag set on the laptop reaches the phone at "
        "its next sync.",
        "Split POP3's consistency into its two parts. With delete-after-download each message "
        "lives on one device — the one where the user reads it — so *state agreement* can look "
        "fine; what collapses is *coverage*: the other devices do not have the message at all.",
        "Had POP3 left copies on several devices, a flag set on one copy would never reach the "
        "others: POP3 has no command to share status.",
        "Take the phone offline for some hours: under IMAP its changes queue up, agreement dips, "
        "then recovers when it reconnects and uploads them. The week's average falls, but the "
        "per-flag figures at the end hardly move: that lag is the price of offline work, not a "
        "loss.",
        "Look at the flags one by one (they are measured at the end of the week). Under POP3 "
        "all four score the same, about one pair in three, because each message sits on one "
        "of the three devices: what disagrees is whether a device has the message, not any "
        "one flag. Under IMAP all four are close to 100 %; at the default settings the small "
        "remainder is largest for `\\Flagged`, set on the phone in the last hour while the "
        "laptop and the desktop were already off.",
    ),
    nuance=(
        NuanceBox(
            title='"Forwarded" is a keyword, not a system flag',
            text=(
                "IMAP's system flags are `\\Seen`, `\\Answered`, `\\Flagged`, `\\Deleted` and "
                "`\\Draft`. Forwarding is recorded with the keyword `$Forwarded` (RFC 5788), which "
                "clients agree on by convention."
            ),
            source="RFC 9051 §2.3.2; RFC 5788",
        ),
        NuanceBox(
            title="Visible from every client — after a sync",
            text=(
                "A device that is offline queues its flag changes and uploads them when it "
                "reconnects; until then the others show the old status. CONDSTORE and QRESYNC "
                "(per-message modification sequences) let a reconnecting client fetch only what "
                "changed, in one round trip."
            ),
            source="RFC 7162",
            spoiler=True,
        ),
        NuanceBox(
            title="IDLE watches one folder",
            text=(
                "An idling client is told at once about changes in the mailbox it has selected, "
                "usually INBOX. A flag set on a message already filed in another folder reaches "
                "the other devices only when they open that folder or resynchronise, so even "
                "connected IMAP devices can show an old status for a while."
            ),
            source="RFC 2177; RFC 9051 §6.3.2",
        ),
        NuanceBox(
            title="The POP3 half is too strong",
            text=(
                "With *leave on server*, other POP3 devices can still download a message. What "
                "they cannot get is its status: POP3 has no command to store read, answered or "
                "forwarded on the server."
            ),
            source="RFC 1939 §5–7",
            spoiler=True,
        ),
    ),
    quiz=(
        Numeric(
            prompt=(
                "Set *phone offline for* to 24 hours and leave the other controls at their "
                "defaults. On average over the week, what share (%) of (message, device) pairs is "
                "consistent under IMAP? (Answer to within 1 %.)"
            ),
            answer="sealed:L2dqLmkyug==",
            tolerance=1,
            unit="%",
            explanation=(
                "While the phone is offline, the flags set on it wait in its queue and the "
                "changes made on the laptop and the desktop cannot reach it, so those pairs "
                "disagree until it reconnects: the week's average falls a few points below the "
                "figure for 0 hours."
            ),
        ),
        MultipleChoice(
            prompt=(
                "On a train without signal, you mark three messages as read on your IMAP phone. "
                "What happens?"
            ),
            options=(
                "The marks are lost: the server rejects changes made offline.",
                "The other devices see them at once, through IMAP's push channel.",
                "They wait in a queue on the phone and go up on reconnect.",
                "The server later guesses them from the phone's last login time.",
            ),
            answer="sealed:tA1OUA==",
            explanations=(
                "A good client keeps offline changes and replays them.",
                "Nothing reaches the server while the phone is offline.",
                "Offline changes wait in a queue; on reconnect the client stores the flags on the "
                "server (`STORE`), and other clients pick them up at their next sync.",
                "The server only knows what clients tell it.",
            ),
        ),
        MultipleChoice(
            prompt="Under POP3 you read a message on the laptop. What does the desktop learn?",
            options=(
                "It shows the message as read at its next poll.",
                "Nothing: POP3 cannot store a read status.",
                "The message is deleted from the desktop's inbox.",
                "It receives a $Seen keyword with the next download.",
            ),
            answer="sealed:gNrCoQ==",
            explanations=(
                "Only an IMAP server keeps status for every client to see.",
                "POP3's commands list, retrieve and delete messages; none records that a message "
                "was read.",
                "Reading does not delete anything.",
                "Keywords are IMAP; POP3 has none.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "Take the phone offline for 48 hours (other controls at their defaults) and "
                "compare with 0 hours. What happens to IMAP's figures?"
            ),
            options=(
                "The week's average falls; the per-flag figures at the end hardly move.",
                "The week's average and the per-flag figures at the end fall alike.",
                "The per-flag figures at the end fall to about one in three, as under POP3.",
                "Nothing moves: the server stores every flag at once.",
            ),
            answer="sealed:3fnDxA==",
            explanations=(
                "The dip lasts while the phone is away, so the week's average carries it; once "
                "the phone reconnects and uploads its queued changes, agreement is back near the "
                "top. Offline work costs a lag, not a loss.",
                "The per-flag figures are measured at the end of the week, after the phone has "
                "reconnected and uploaded its queue, so they barely move; only the average over "
                "the week carries the dip.",
                "One in three is POP3's figure, where each message sits on one of the three "
                "devices; IMAP's end figures stay close to 100 %.",
                "An offline phone cannot reach the server: its changes wait in a queue until it "
                "reconnects, so the week's average does fall.",
            ),
        ),
    ),
    next_lesson=6,
    results={
        "consistency_pct_pop3": number_result(
            "mean share of consistent (message, device) pairs, POP3", "%"
        ),
        "consistency_pct_imap": number_result(
            "mean share of consistent (message, device) pairs, IMAP", "%"
        ),
        "state_agreement_pct_pop3": number_result(
            "mean share of held messages with the intended flags/folder, POP3", "%"
        ),
        "state_agreement_pct_imap": number_result(
            "mean share of held messages with the intended flags/folder, IMAP", "%"
        ),
        "more_consistent": choice_result("which protocol keeps devices more consistent", *WHICH),
    },
)
