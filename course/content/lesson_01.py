"""Lesson 1 text: where the mail lives -- downloaded to a device, or kept on the server."""

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
from course.quiz import MultipleChoice, Numeric

CONTENT = LessonContent(
    number=1,
    title="Where does the mail live?",
    summary="Where mail lives: POP downloads to the device, IMAP keeps it on the server (storage, a new device, partial fetch)",
    notebook="01_where_mail_lives.ipynb",
    objectives=(
        "Say where copies of each message are, over time, under POP3 (delete after download) and "
        "under IMAP.",
        "Predict what a brand-new device finds on the server under each protocol.",
        "Explain partial fetch: IMAP body parts and attachments on demand, POP3 `LIST` sizes and "
        "`TOP` headers, and what they save on a metered phone.",
    ),
    claim_en=(
        "Both are email access protocols, where POP downloads the emails to the local device, "
        "while IMAP stores the emails on the server and provides a view from several places at the "
        "same time. — And, among IMAP's features: \"Partial message access: mail clients will "
        "download the text part of the mail from the server without downloading the whole message "
        'or the attachments."'
    ),
    claim_bg=(
        "И двата са протоколи за достъп до имейли, при които POP изтегля имейлите на локалното "
        "устройство, където в IMAP съхранява имейлите на сървъра и осигурява изглед от няколко "
        "места едновременно."
    ),
    predict=PredictPrompt(
        kind=PredictKind.CHOICE,
        question=(
            "A family (phone, laptop, desktop) reads mail for a week. POP3 clients download and "
            "delete; IMAP clients fetch a body when it is opened and attachments only on demand. "
            "At the end, which protocol has left more bytes of mail stored on the phone?"
        ),
        result_key="more_on_phone",
        options=(
            Choice("pop3", "POP3"),
            Choice("imap", "IMAP"),
            Choice("same", "About the same"),
        ),
    ),
    notice=(
        "Server storage: under POP3 with delete-after-download it falls back towards zero after "
        "every poll; under IMAP it only grows (minus what the user deletes).",
        "Under POP3 each message lands on *whichever device polled first*; the other devices never "
        "see it. Under IMAP every device sees every message.",
        "The brand-new device at the end: under POP3 it finds only what arrived since the last "
        "poll of the others; under IMAP it finds everything still on the server.",
        "Phone bytes: turn on *headers first* for POP3 and switch the IMAP fetch policy. Partial "
        "fetch is not an IMAP monopoly, but IMAP can fetch one MIME part; POP3 can only fetch the "
        "top of a message or all of it.",
    ),
    nuance=(
        NuanceBox(
            title="POP3 can leave copies on the server",
            text=(
                "A POP3 client that never sends `DELE` leaves everything on the server, and `UIDL` "
                "(unique ids that stay stable across sessions) lets it download each message once. "
                "How long the server keeps the mail is the server's policy, which it can announce "
                "with `EXPIRE` in its `CAPA` reply. Lesson 6 shows what leaving copies does to "
                "other devices."
            ),
            source="RFC 1939 §7–8; RFC 2449 §6.7",
        ),
        NuanceBox(
            title="IMAP clients keep local copies too",
            text=(
                '"IMAP keeps mail on the server" does not mean *nothing* is on the device. '
                "Thunderbird, for example, keeps offline copies of IMAP messages by default, so a "
                "laptop can hold as much mail as a POP3 laptop — and stays in sync."
            ),
            source="Thunderbird defaults (mailnews.js)",
            spoiler=True,
        ),
        NuanceBox(
            title="POP3 can download partially",
            text=(
                "`LIST` gives every message's size before anything is downloaded, and the "
                "optional `TOP n k` returns the headers plus the first *k* body lines. What POP3 "
                "lacks is access to a single MIME part: an attachment comes with the whole "
                "message."
            ),
            source="RFC 1939 §5, §7",
            spoiler=True,
        ),
        NuanceBox(
            title="Not a remote desktop",
            text=(
                'The article likens IMAP to a remote desktop "where the POP server also runs". '
                "It means the IMAP server, and IMAP does not show a remote screen: it synchronises "
                "messages, flags and folders, which your own client displays."
            ),
            source="RFC 9051 §1–2",
        ),
    ),
    quiz=(
        MultipleChoice(
            prompt=(
                "For a week, a desktop used POP3 with *delete after download*, polling every few "
                "minutes. Today you set up a brand-new laptop with the same account. What does the "
                "laptop find on the server?"
            ),
            options=(
                "All of the week's mail.",
                "Only the mail that the desktop has already read.",
                "Nothing at all: POP3 refuses a second device.",
                "Only what arrived since the desktop's last poll.",
            ),
            answer="sealed:ZylLSA==",
            explanations=(
                "The desktop deleted each message from the server after downloading it, so the "
                "week's mail now exists only on the desktop.",
                "POP3 does not know what was read; the desktop deleted what it downloaded, read or "
                "not.",
                "A second device may log in (just not while the first holds the maildrop lock); it "
                "simply finds little there.",
                "Everything older has been downloaded and deleted by the desktop; only messages "
                "delivered after its last session are still in the maildrop.",
            ),
        ),
        MultipleChoice(
            prompt="Which POP3 command returns a message's headers without its whole body?",
            options=("RETR n 0", "TOP n k", "UIDL n", "LIST n"),
            answer="sealed:GGRqfA==",
            explanations=(
                "`RETR` takes only a message number and always returns the entire message.",
                "`TOP n k` returns the header, the blank line and the first *k* lines of the body; "
                "with k = 0 you get just the headers.",
                "`UIDL` returns the message's unique id, no content.",
                "`LIST` returns the message's size in octets, no content.",
            ),
        ),
        Numeric(
            prompt=(
                "Turn on POP3: headers first (TOP) and leave the other controls at their "
                "defaults. How many MB of mail does the phone hold at the end under POP3? (Answer "
                "to within 0.2 MB.)"
            ),
            answer="sealed:g7_tZ-Bf",
            tolerance=0.2,
            unit="MB",
            explanation=(
                "With headers first the client fetches a large message's header with `TOP n 0` "
                "and the whole message with `RETR` only when the user opens it, so the phone "
                "holds a few MB less than before. An opened message still arrives whole, "
                "attachments included, which is why the phone holds more under POP3 than under "
                "IMAP, which fetches single MIME parts."
            ),
        ),
        MultipleChoice(
            prompt=(
                "Thunderbird is set up for IMAP with its default settings. Where are copies of "
                "your messages?"
            ),
            options=(
                "Only on the server.",
                "On the server, and as offline copies on the computer.",
                "Only on the computer, as with POP3.",
                "Nowhere on the computer: it shows a remote screen of the server.",
            ),
            answer="sealed:UHUgNA==",
            explanations=(
                "IMAP *can* work that way, but Thunderbird keeps offline copies by default.",
                "The server holds the authoritative copy, and Thunderbird's default offline store "
                "keeps a synchronised copy locally as well.",
                "Under IMAP the server keeps its copy until the user deletes the message.",
                "That is the article's remote-desktop picture, and it is not how IMAP works: the "
                "client downloads and displays data itself.",
            ),
        ),
    ),
    next_lesson=2,
    results={
        "phone_mb_pop3": number_result("MB of mail stored on the phone at the end, POP3", "MB"),
        "phone_mb_imap": number_result("MB of mail stored on the phone at the end, IMAP", "MB"),
        "server_mb_pop3": number_result("MB of mail kept on the server at the end, POP3", "MB"),
        "server_mb_imap": number_result("MB of mail kept on the server at the end, IMAP", "MB"),
        "new_device_messages_pop3": number_result(
            "messages a brand-new device finds at the end, POP3", "messages"
        ),
        "new_device_messages_imap": number_result(
            "messages a brand-new device finds at the end, IMAP", "messages"
        ),
        "more_on_phone": choice_result("which protocol leaves more bytes on the phone", *WHICH),
    },
)
