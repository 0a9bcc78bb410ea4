"""Lesson 7 text: virus scanning -- at delivery for both protocols, and rescans afterwards."""

from course.content.schema import Choice, LessonContent, NuanceBox, PredictKind, PredictPrompt
from course.quiz import MultipleChoice, Numeric

CONTENT = LessonContent(
    number=7,
    title="Virus scanning: where and when?",
    notebook="07_virus_scanning.ipynb",
    objectives=(
        "Explain that mail is scanned at delivery, before POP3 or IMAP is involved.",
        "Explain the zero-day window: an infected message no signature recognises yet, and what "
        "a later signature update can still do under each protocol.",
        "Compare where scanning work happens: once on the server, or on every device.",
    ),
    claim_en=(
        "Virus scanning and vulnerability checks are easy in IMAP, because the emails are stored "
        "on the server and the scanning is done on the server itself, whereas in POP, if you "
        "download the emails to your local device, you have to scan all the emails."
    ),
    claim_bg=(
        "Сканирането за вируси и проверките за уязвимост са лесни в IMAP, тъй като имейлите се "
        "съхраняват на сървъра и сканирането ще се извършва в самия сървър. Докато в POP, ако "
        "изтегляте имейли на вашето локално устройство, трябва да сканирате всички имейли."
    ),
    predict=PredictPrompt(
        kind=PredictKind.CHOICE,
        question=(
            "The server scans every message at delivery, for both protocols. Some infected "
            "messages are new (zero-day) and only a later signature update detects them. Which "
            "protocol lets more infected messages reach a device before they are quarantined?"
        ),
        result_key="more_exposed",
        options=(
            Choice("pop3", "POP3"),
            Choice("imap", "IMAP"),
            Choice("same", "The same: both are scanned at delivery"),
        ),
    ),
    notice=(
        "Infected messages with a known signature never reach any device, under either protocol: "
        "the delivery scan stops them.",
        "The difference is the zero-days. Under IMAP the server rescans stored mail when "
        "signatures update and quarantines it in place; a device that has not fetched the body "
        "yet never gets it. Under POP3 the message has usually left the server already.",
        "Count copies, not just messages: IMAP synchronises a message to every device that keeps "
        "offline copies, so one infected message that slips through can land on several devices, "
        "while POP3 with delete-after-download puts it on one. Check which effect wins here.",
        "Raise the signature delay: exposure grows for both, because clients that fetch eagerly "
        "have the body before the update arrives.",
        "Scan work moves rather than vanishes: POP3 devices scan what they download; under IMAP "
        "the server does more (every rescan) and the devices less.",
    ),
    nuance=(
        NuanceBox(
            title="Servers scan at delivery, for both protocols",
            text=(
                "Scanning is part of accepting and storing mail, which happens before any client "
                "connects with POP3 or IMAP. A POP3 user is protected by the same delivery scan as "
                "an IMAP user."
            ),
            source="DESIGN §3 (server model); follows from how delivery works",
        ),
        NuanceBox(
            title="IMAP's real edge: rescans, in one place",
            text=(
                "Because IMAP mail stays on the server, a later signature update can still find "
                "and quarantine it there, once for all devices. But an IMAP client that has "
                "already cached the body holds the infected copy too; and \"vulnerability "
                "checks\" are not a protocol feature at all."
            ),
            source="the model (this lesson)",
        ),
    ),
    quiz=(
        MultipleChoice(
            prompt="When does a typical mail server scan an incoming message for viruses?",
            options=(
                "Only when an IMAP client first opens the message.",
                "At delivery, before any client reads it.",
                "Never: scanning is left to the clients' antivirus.",
                "When POP3's QUIT removes it from the maildrop.",
            ),
            answer="sealed:MO7KVw==",
            explanations=(
                "The server does not wait for a client; the scan belongs to delivery.",
                "The message is scanned as it is accepted and stored, before POP3 or IMAP is "
                "involved, so both protocols read already-scanned mail.",
                "Servers scan too; client scanning is an extra layer.",
                "Deletion is far too late to protect anyone.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "A signature update six hours after delivery recognises a zero-day in a message. "
                "Who does the update still protect?"
            ),
            options=(
                "POP3 users who downloaded the message an hour after it arrived.",
                "Nobody: the message passed the delivery scan.",
                "IMAP users whose clients have not fetched its body yet.",
                "Everyone equally.",
            ),
            answer="sealed:lT4sFA==",
            explanations=(
                "Their copy left the server hours ago (and may have been deleted there); only "
                "their own device's scanner can help now.",
                "A rescan on the server can still quarantine what is stored there.",
                "The server rescans its stored mail and quarantines the message before those "
                "clients download the body.",
                "Devices that already hold the body are not protected by a server rescan.",
            ),
        ),
        Numeric(
            prompt=(
                "Three devices use POP3 with *leave on server*, and each scans what it downloads. "
                "One message arrives and all three download it. How many scans of that message "
                "happen in total, counting the server's scan at delivery?"
            ),
            answer="sealed:QQ9CUw==",
            tolerance=0,
            unit="scans",
            explanation=(
                "The server scans once at delivery, and every device that downloads a copy scans "
                "that copy again."
            ),
        ),
    ),
    next_lesson=8,
)
