"""Lesson 8 text: search -- on the server (IMAP SEARCH) or in what the device holds."""

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
    number=8,
    title="Search: on the server or on the device?",
    summary="Search: on the server or on the device, recall and cost",
    notebook="08_search.ipynb",
    objectives=(
        "Define search *recall* (the share of matching messages a search finds) and measure it on "
        "a phone and on a brand-new device.",
        "Explain why IMAP `SEARCH` finds the same on every device, and what it costs: about 2 kB "
        "of commands and replies in the model, and work on the server.",
        "Explain why POP3 can only search what a device has downloaded.",
    ),
    claim_en=(
        "Search is performed on the server in IMAP, while in POP search is performed on the local "
        "device. — And among IMAP's features: \"The IMAP client sends the request to perform the "
        'search to the server."'
    ),
    claim_bg=(
        "Търсенето се извършва на сървъра в IMAP, докато в POP търсенето се извършва в локалното "
        "устройство."
    ),
    predict=PredictPrompt(
        kind=PredictKind.NUMBER,
        question=(
            "After a week in which the POP3 clients downloaded and deleted, a brand-new device "
            "searches all mail for a word. What share (%) of the matching messages does it find "
            "under POP3?"
        ),
        result_key="recall_pct_new_device_pop3",
        unit="%",
        min_value=0,
        max_value=100,
        step=1,
    ),
    notice=(
        "IMAP recall is the same on every device, old or new: the query runs where all the mail "
        "is.",
        "POP3 recall on a device is the share of matching mail *that device* downloaded. On the "
        "new device, under delete-after-download, that is almost nothing.",
        "Bytes to answer a query: a POP3 device searches its own store and sends nothing, but "
        "finds only what it holds. An IMAP search finds everything on the server for about 2 kB "
        "of commands and replies at the default settings — a `SEARCH` in each folder, with the "
        "`SELECT`s to open them — far less than downloading the mailbox to search it. (The server "
        "answers with Dovecot 2.3's texts, as in every lesson.)",
        "Turn on leave-on-server: a new POP3 device then downloads whatever is still on the "
        "server and can search all of it — but only mail younger than the leave period, and only "
        "after paying for the full download.",
    ),
    nuance=(
        NuanceBox(
            title="IMAP clients search their local copies too",
            text=(
                "Clients that keep offline copies (Thunderbird does by default) often search those "
                "first, and offline that is all they can search. Server search needs a "
                "connection."
            ),
            source="Thunderbird defaults; RFC 9051 §6.4.4",
            spoiler=True,
        ),
        NuanceBox(
            title="Server search is not free",
            text=(
                "A `SEARCH BODY` or `TEXT` query makes the server read (or index) every message in "
                "the mailbox: it moves the work from the device to the server, it does not remove "
                "it."
            ),
            source="RFC 9051 §6.4.4",
        ),
        NuanceBox(
            title="POP3 has no search command",
            text=(
                "POP3 can only list, fetch and delete. To search mail it has not downloaded, a "
                "POP3 client must download it first — if it is still on the server."
            ),
            source="RFC 1939 §5–7",
            spoiler=True,
        ),
    ),
    quiz=(
        Numeric(
            prompt=(
                "Run the dashboard at its defaults (POP3 deletes after download). What share (%) "
                "of the matching mail do the phone's searches find under POP3? (Answer to within "
                "1 %.)"
            ),
            answer="sealed:a2YNdxk=",
            tolerance=1,
            unit="%",
            explanation=(
                "A POP3 phone searches only its own store, so it finds the matching messages it "
                "downloaded itself; the ones the laptop or the desktop polled first are not on "
                "the phone. IMAP's `SEARCH` runs where all the mail is and finds every one."
            ),
        ),
        MultipleChoice(
            prompt=(
                "Under POP3, a desktop downloaded and deleted last month's mail. How can a new "
                "phone search it?"
            ),
            options=(
                "With POP3's SEARCH command on the server.",
                "It cannot: that mail is only on the desktop.",
                "With TOP and a keyword, message by message.",
                "By searching the UIDL list for the word.",
            ),
            answer="sealed:ShgRmg==",
            explanations=(
                "POP3 has no `SEARCH`; that is IMAP.",
                "The server no longer has the messages, so no protocol can find them there.",
                "`TOP` returns the start of one message you name; it does not search.",
                "UIDL lists ids of messages still on the server, not their contents.",
            ),
        ),
        MultipleChoice(
            prompt="An IMAP client on a plane (offline) searches for a word. What can it find?",
            options=(
                "Nothing at all, until it is back online.",
                "Everything on the server, as with SEARCH.",
                "Only messages flagged for offline use.",
                "Whatever it has cached locally.",
            ),
            answer="sealed:KiUcFA==",
            explanations=(
                "A client with a local cache can still search it.",
                "The server is out of reach; `SEARCH` needs a connection.",
                "Flags do not limit a local search.",
                "Offline, a client searches its own copies (headers, and the bodies it "
                "downloaded); how much it finds depends on its fetch policy.",
            ),
        ),
    ),
    next_lesson=9,
    results={
        "recall_pct_phone_pop3": number_result(
            "share of matching messages the phone's search finds, POP3", "%"
        ),
        "recall_pct_phone_imap": number_result(
            "share of matching messages the phone's search finds, IMAP", "%"
        ),
        "recall_pct_new_device_pop3": number_result(
            "share a brand-new device's search finds, POP3", "%"
        ),
        "recall_pct_new_device_imap": number_result(
            "share a brand-new device's search finds, IMAP", "%"
        ),
        "search_kb_phone_pop3": number_result(
            "bytes on the wire to answer the query on the phone, POP3", "KB"
        ),
        "search_kb_phone_imap": number_result(
            "bytes on the wire to answer the query on the phone, IMAP", "KB"
        ),
        "better_recall_new_device": choice_result(
            "which protocol finds more old mail on a new device", *WHICH
        ),
    },
)
