"""Lesson 7 text: virus scanning -- at delivery for both protocols, and rescans afterwards."""

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
    number=7,
    title="Virus scanning: where and when?",
    summary="Virus scanning: at delivery, rescans, and what reaches a device",
    notebook="07_virus_scanning.ipynb",
    objectives=(
        "Explain that a provider's server may scan mail at delivery -- a policy of the server, "
        "not part of POP3 or IMAP -- and that both protocols then get the same first check.",
        "Explain the zero-day window: an infected message no signature recognises yet, and what "
        "a later signature update can still do under each protocol.",
        "Count infected copies as (message, device) pairs, and compare where they land and where "
        "the scanning work happens.",
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
            "In this lesson's model the server scans every message at delivery, for both "
            "protocols. A zero-day -- an infected message no signature knows yet -- passes that "
            "scan; some hours later a signature update lets the server rescan the mail it "
            "stores, and each device's scanner check its own copies. Count infected copies on "
            "devices before that update: one message on two devices is two copies. The family "
            "has a phone, a laptop and a desktop; POP3 leaves copies on the server for 14 days, "
            "IMAP downloads a message's body when it is opened. Which protocol puts more "
            "infected copies on the devices?"
        ),
        result_key="more_exposed",
        options=(
            Choice("pop3", "POP3"),
            Choice("imap", "IMAP"),
            Choice("same", "The same: both get the same scan at delivery"),
        ),
    ),
    notice=(
        "Infected mail is rare at the model's default share (0.2 % of messages, an assumed "
        "value): most weeks bring none -- try a few seeds. The default seed is a week in which "
        "one zero-day arrives.",
        "Infected messages a signature already knows never reach a device under either "
        "protocol: the scan at delivery stops them. Raise the infected share and the *stopped "
        "at delivery* bars grow equally for both.",
        "The zero-day is the difference. POP3 clients download every new message at their next "
        "poll once online, so every computer that comes online before the update holds a full "
        "infected copy. Under IMAP a device downloads the body only when the user opens the "
        "message there; when the signature update comes, the server's rescan quarantines the "
        "message, and the devices that had not opened it never receive it.",
        "An IMAP device that opened the message before the update holds a copy too: read the "
        "summary to see which device did and when.",
        "Switch on *IMAP keeps offline copies* (Thunderbird's default): every IMAP device "
        "downloads every body as soon as it is online and holds as many infected copies as "
        "POP3. The edge lies in what the client downloads, not in the protocol's name.",
        "Let POP3 delete after download: only the first device to poll gets a message, so POP3 "
        "puts one copy of each message on the devices -- and the server rescan finds nothing "
        "left to quarantine under POP3.",
        "Set the signature delay to 0: every infected message is known at delivery and stopped "
        "there, for both protocols. A longer delay never means fewer copies.",
        "Scanning work moves rather than vanishes: POP3 devices scan every message they "
        "download, IMAP devices only the bodies they download (here: what is opened); the "
        "server scans each message at delivery and everything it stores at every signature "
        "update.",
    ),
    nuance=(
        NuanceBox(
            title="Scanning at delivery is a provider's policy",
            text=(
                "Neither POP3 nor IMAP defines virus scanning. Whether mail is scanned when it "
                "is accepted is up to the provider's delivery software (Sieve's `virustest` "
                "extension, for example, lets a delivery filter act on a scanner's verdict). "
                "Where a server does scan at delivery -- as in this lesson's model -- a POP3 user "
                "gets the same first check as an IMAP user."
            ),
            source="RFC 1939; RFC 9051; RFC 5235 (Sieve virustest); the model (this lesson)",
            spoiler=True,
        ),
        NuanceBox(
            title="IMAP's real edge: a later rescan, in one place",
            text=(
                "Because IMAP mail stays on the server, a later signature update can still find "
                "and quarantine it there, once for all devices: real servers have tools for it "
                "(Cyrus IMAP's `cyr_virusscan` scans stored mailboxes and expunges infected "
                "messages). But an IMAP client that has already downloaded the body holds the "
                'infected copy too; and "vulnerability checks" are not a protocol feature at '
                "all."
            ),
            source="Cyrus IMAP manual (cyr_virusscan); the model (this lesson)",
            spoiler=True,
        ),
    ),
    quiz=(
        MultipleChoice(
            prompt="A provider scans mail for viruses. When does its server scan an incoming "
            "message?",
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
                "involved, so both protocols read already-scanned mail. That is the provider's "
                "choice: neither protocol requires it.",
                "A provider that scans does it on its server; client scanning is an extra layer.",
                "Deletion is far too late to protect anyone.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "A signature update six hours after delivery recognises a zero-day in a message. "
                "Who does the update's server rescan still protect?"
            ),
            options=(
                "POP3 users who downloaded the message an hour after it arrived.",
                "Nobody: the message passed the delivery scan.",
                "IMAP users whose clients have not fetched its body yet.",
                "Everyone equally.",
            ),
            answer="sealed:lT4sFA==",
            explanations=(
                "Their copy is on their devices already; only their own device's scanner can "
                "help now.",
                "A rescan on the server can still quarantine what is stored there.",
                "The server rescans its stored mail and quarantines the message before those "
                "clients download the body.",
                "Devices that already hold the body are not protected by a server rescan.",
            ),
        ),
        Numeric(
            prompt=(
                "Switch on *IMAP keeps offline copies of every message* and leave the other "
                "controls at their defaults. How many infected copies, counted as (message, "
                "device) pairs, does IMAP put on the devices before the signature update?"
            ),
            answer="sealed:3fgZWA==",
            tolerance=0,
            unit="copies",
            explanation=(
                "With offline copies every IMAP device downloads each body as soon as it is "
                "online, opened or not: the phone, the laptop and the desktop all take the "
                "zero-day before the update, exactly as under POP3. The edge came from what the "
                "client downloads, not from the protocol's name."
            ),
        ),
        MultipleChoice(
            prompt=(
                "Switch *POP3 leaves copies for* off, so POP3 deletes after download (other "
                "controls at their defaults). What do the POP3 figures show?"
            ),
            options=(
                "Three infected copies; the rescan quarantines the message.",
                "No infected copy: deleting from the server protects the devices.",
                "One infected copy; the rescan removes it from the phone.",
                "One infected copy; the rescan finds nothing left to quarantine.",
            ),
            answer="sealed:eyTw-w==",
            explanations=(
                "Three copies need three downloads; with delete after download only the first "
                "device to poll gets the message.",
                "The first device to poll still downloads the message before the update; the "
                "delete only keeps the others from getting it.",
                "A server rescan works on the server's store; it cannot reach a copy already on a "
                "device, which only that device's scanner can catch.",
                "The phone polled first and took the only copy, then the message left the "
                "server; when the signature update comes there is nothing stored to quarantine.",
            ),
        ),
    ),
    next_lesson=8,
    results={
        "exposed_pop3": number_result(
            "infected copies on devices before quarantine, as (message, device) pairs, POP3",
            "copies",
        ),
        "exposed_imap": number_result(
            "infected copies on devices before quarantine, as (message, device) pairs, IMAP",
            "copies",
        ),
        "caught_by_rescan_pop3": number_result(
            "infected messages a server rescan quarantined, POP3", "messages"
        ),
        "caught_by_rescan_imap": number_result(
            "infected messages a server rescan quarantined, IMAP", "messages"
        ),
        "more_exposed": choice_result(
            "which protocol puts more infected copies on devices", *WHICH
        ),
    },
)
