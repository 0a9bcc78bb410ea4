"""Lesson 10 text: the capstone -- pick a user and a configuration, weigh every metric, justify."""

from course.content.schema import (
    WHICH,
    Choice,
    LessonContent,
    NuanceBox,
    PredictKind,
    PredictPrompt,
    choice_result,
    number_result,
)
from course.quiz import MultipleChoice

PROFILES = """\
### Choose a user

Pick one profile in the dashboard and keep it in mind while you read the numbers:

* **single** — one desktop, one person. Mail is read in one place.
* **family** — one person with a phone, a laptop and a desktop, all in daily use.
* **traveller** — a phone on a slow, metered link and a laptop that is often offline.
* **campus** — 500 users with three devices each: the view of the person who runs the server
  (storage, scanning, connections). It takes a while to run; a progress bar shows how far it is.

Then choose the configuration (TLS, poll interval or IDLE, POP3's leave on server, what IMAP
downloads, whether IMAP resynchronises by QRESYNC) as that user's clients would really be set up. Every metric of the previous lessons is
shown for both protocols on the same trace.
"""

JUSTIFY_STRUCTURE = """\
1. **User**: which profile, and what matters most to them (cost, speed, safety, same view
   everywhere)?
2. **Choice**: protocol *and* client settings.
3. **Evidence**: three metrics from your run, with their numbers for both protocols.
4. **Trade-off**: what your choice is worse at, and why you accept it.
5. **What would change my mind**: one setting or fact that would flip the choice (try it in the
   dashboard).
"""

JUSTIFY = (
    "### Justify your choice\n\nWrite your recommendation in the cell below "
    "(double-click it to edit). Use this structure:\n\n" + JUSTIFY_STRUCTURE
)
# the presenter's copy (Voila) has no editable cells: the room speaks up instead
JUSTIFY_PRESENTER = (
    "### Justify your choice\n\nAsk the room for a recommendation, and have it "
    "argued in this structure:\n\n" + JUSTIFY_STRUCTURE
)

ANSWER_TEMPLATE = """\
**User:** …

**Choice:** …

**Evidence:** 1. … 2. … 3. …

**Trade-off:** …

**What would change my mind:** …
"""

CONTENT = LessonContent(
    number=10,
    title="Capstone: choose for a real user, and justify it",
    summary="Pick a user profile and a configuration, see every metric, justify a choice",
    notebook="10_capstone.ipynb",
    objectives=(
        "Read all headline metrics — storage, consistency, crash loss, bandwidth, notification "
        "delay, missed messages — for one user profile and both protocols.",
        "Choose a protocol *and* its client settings for that user.",
        "Justify the choice with evidence from the model and name the trade-off you accept.",
    ),
    claim_en=("There are many features and advantages of IMAP compared to POP."),
    claim_bg="Има много функции и предимства на IMAP в сравнение с POP.",
    predict=PredictPrompt(
        kind=PredictKind.CHOICE,
        question=(
            "For the default profile and settings, which protocol puts fewer bytes on the wire "
            "over the whole run, all devices together?"
        ),
        result_key="less_wire",
        options=(
            Choice("pop3", "POP3"),
            Choice("imap", "IMAP"),
            Choice("same", "About the same"),
        ),
    ),
    notice=(
        "No setting wins every metric. Find, for your profile, the metric where your favourite "
        "protocol does *worse*.",
        "Client settings move the results as much as the protocol does: compare POP3 with and "
        "without leave-on-server, IMAP with IDLE and with polling.",
        "Consistency and crash safety favour keeping mail on the server; bytes on a metered link "
        "favour fetching little — which both protocols can do (`TOP`, partial `FETCH`). The "
        "bytes are those of a server that sends Dovecot 2.3's texts, as in every lesson.",
    ),
    nuance=(
        NuanceBox(
            title="The client's defaults are half the answer",
            text=(
                "Real users rarely change settings, so defaults decide: Thunderbird checks mail "
                "every 10 minutes, uses IDLE for IMAP, keeps IMAP offline copies, and sets POP3 to "
                "leave messages on the server for 14 days."
            ),
            source="Thunderbird defaults (mailnews.js, new-account wizard)",
        ),
        NuanceBox(
            title="Both protocols only read mail",
            text=(
                "Whatever you choose, mail is sent with SMTP — as the article itself says. POP3 "
                "and IMAP differ only in how a device reads and manages a mailbox."
            ),
            source="RFC 1939 §1; RFC 9051 §1",
        ),
    ),
    quiz=(
        MultipleChoice(
            prompt=(
                "A user reads mail on one desktop only, wants everything available offline, and "
                "has a small server quota. Which setup fits best?"
            ),
            options=(
                "IMAP with IDLE, keeping all mail on the server.",
                "POP3 on two devices with the article's two-client advice.",
                "POP3, delete after download, and a local backup.",
                "IMAP without any local cache.",
            ),
            answer="sealed:aUiI9Q==",
            explanations=(
                "It works, but the mailbox keeps growing against the small quota, and a one-device "
                "user gains little from server-side sync.",
                "There is only one device, and that advice makes one client miss mail anyway.",
                "One device needs no sync; the server stays nearly empty, and the backup covers "
                "the crash risk that delete-after-download creates.",
                "Then nothing is available offline.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "A traveller has a metered phone and a laptop that is often offline, and wants the "
                "same folders and read marks everywhere. Which setup?"
            ),
            options=(
                "POP3 with delete after download on both, to save server space.",
                "IMAP: phone fetches headers first, laptop syncs in full.",
                "POP3 leaving copies, without UIDL.",
                "IMAP with eager attachment download on the phone.",
            ),
            answer="sealed:5lR3RA==",
            explanations=(
                "Folders and flags would not be shared, and mail would be split between the two "
                "devices.",
                "IMAP shares folders and flags; headers first and bodies on open keep the phone's "
                "bytes low, and the laptop's offline copy lets it work without a connection, "
                "uploading changes later.",
                "Without UIDL, leaving copies means downloading the same mail again and again — "
                "the worst case for a metered link.",
                "Eager attachments spend the metered bytes on files the user may never open.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "Family profile, other settings at their defaults: set POP3: leave on server to "
                "14 days. What happens to POP3's figures?"
            ),
            options=(
                "No device misses a message now, and POP3's bytes on the wire more than double.",
                "No device misses a message now, and POP3's bytes on the wire stay about the same.",
                "Missed messages stay where they were; only the server's storage grows.",
                "No device misses a message now, and POP3's bytes on the wire fall below IMAP's.",
            ),
            answer="sealed:LtdbuA==",
            explanations=(
                "With copies left on the server every device downloads every message, so nothing "
                "is missed, but the phone, the laptop and the desktop each pay for the whole "
                "mailbox: the fix for missed mail costs bandwidth.",
                "Each device now downloads every message instead of only the ones it polled "
                "first, so the bytes grow a lot.",
                "A message left on the server waits for every device's next poll, so no device "
                "misses it.",
                "Three devices downloading every whole message, attachments included, cost far "
                "more than IMAP, which here syncs every text but fetches an attachment only when "
                "the user opens it.",
            ),
        ),
    ),
    next_lesson=11,
    extra={
        "profiles": PROFILES,
        "justify": JUSTIFY,
        "justify_presenter": JUSTIFY_PRESENTER,
        "answer_template": ANSWER_TEMPLATE,
    },
    results={
        "wire_mb_pop3": number_result("total MB on the wire, all devices, POP3", "MB"),
        "wire_mb_imap": number_result("total MB on the wire, all devices, IMAP", "MB"),
        "consistency_pct_pop3": number_result("mean consistency, POP3", "%"),
        "consistency_pct_imap": number_result("mean consistency, IMAP", "%"),
        "median_delay_s_pop3": number_result("median notification delay on the phone, POP3", "s"),
        "median_delay_s_imap": number_result("median notification delay on the phone, IMAP", "s"),
        "less_wire": choice_result("which protocol puts fewer bytes on the wire", *WHICH),
        "more_consistent": choice_result("which protocol keeps devices more consistent", *WHICH),
    },
)
