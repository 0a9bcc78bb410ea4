"""Lesson 9 text: crashes, backups, and why IMAP is not a backup."""

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
    number=9,
    title="Crashes, redundancy and backups",
    summary="Crashes and data loss: local copies, backups, replicas, and why IMAP is not a backup",
    notebook="09_crashes_and_backups.ipynb",
    objectives=(
        "Count what a device crash loses under POP3 (delete after download) and under IMAP, and "
        "how the age of the last backup changes it.",
        "Follow a message deleted by mistake on the phone under IMAP and under two POP3 set-ups, "
        "and explain why IMAP is not a backup: the delete reaches every device and the server.",
        "Read a Monte Carlo of whole simulated years: messages lost per year to crashes and to "
        "deletes by mistake, and how much one year differs from the next.",
        "Say what server replicas protect against, and what they do not.",
    ),
    claim_en=(
        "The local machine or device may crash or lose its data, while in IMAP the emails are "
        "stored on servers with high availability and redundancy."
    ),
    claim_bg=(
        "Има възможности локалната машина или устройство да се срине или да загуби своите данни, "
        "докато в IMAP имейлите те ще се съхраняват в сървъри с висока наличност и излишък."
    ),
    predict=PredictPrompt(
        kind=PredictKind.CHOICE,
        question=(
            "The family's phone crashes on day 5 of a 7-day run (“device that crashes”: phone, "
            "“crash on day”: 5) and its local storage is wiped; there is no backup (“restore a "
            "backup”: no backup). Every POP3 client deletes mail after download. Which protocol "
            "loses more mail in that crash?"
        ),
        result_key="more_lost",
        options=(
            Choice("pop3", "POP3 (delete after download)"),
            Choice("imap", "IMAP"),
            Choice("same", "The same"),
        ),
    ),
    notice=(
        "The crash panel: under POP3 with delete after download the crash takes every message "
        "whose only copy was on the crashed device; IMAP loses none, because the server still "
        "has them all. Crash each device in turn: the device that had downloaded the most mail "
        "loses the most.",
        "Restore a backup and make it older or newer: POP3 then loses only mail downloaded since "
        "the backup was taken; IMAP still loses no messages.",
        "The delete by mistake, a day before the crash, of a message the phone had downloaded "
        "first: under IMAP it reaches every device and the server, so no copy is left. Under POP3 "
        "a delete removes only the phone's own copy. With delete after download that was the only "
        "copy; with the desktop archive (the phone and the laptop leave mail on the server for 14 "
        "days, the desktop downloads every message and keeps it) the desktop still holds it — "
        "unless you make the desktop crash after the delete.",
        "The yearly Monte Carlo simulates whole years (365 days) of the same family with random "
        "crashes (*crashes per device per year*) and deletes by mistake on the phone (*deletes by "
        "mistake per year*). Each dot is one simulated year: look at the spread, not only the "
        "mean.",
        "In those years delete after download loses mail mostly in crashes; IMAP loses none in "
        "crashes but every message deleted by mistake; the desktop archive keeps the messages "
        "deleted by mistake but still loses, in crashes, mail whose only copy was on the crashed "
        "device (the desktop alone holds the mail the phone and the laptop never fetched). "
        "Restore a backup: the crash losses shrink, the deletes lost under IMAP do not (in this "
        "model a backup is restored only after a crash).",
    ),
    nuance=(
        NuanceBox(
            title="IMAP is not a backup",
            text=(
                "IMAP synchronises. A delete, a mistaken move or a malicious client on one device "
                "is copied to every device. Redundant servers keep the *current* state safe from "
                "disk failure; a backup keeps an *old* state safe from you."
            ),
            source="the model (this lesson); RFC 9051 §6.4.3 (EXPUNGE)",
            spoiler=True,
        ),
        NuanceBox(
            title="POP3's local copy can be the backup",
            text=(
                "With the desktop archive, a delete by mistake on the phone removes only the "
                "phone's copy; the desktop's own copy survives it. The archive is still a single "
                "copy of the mail no other device fetched, so a desktop crash without a backup "
                "takes that mail. What protects you is having two independent copies, whichever "
                "protocol made them."
            ),
            source="the model (this lesson); RFC 1939 (no POP3 command tells other clients of a delete)",
            spoiler=True,
        ),
        NuanceBox(
            title='"High availability and redundancy" is the provider, not IMAP',
            text=(
                "Replicas are a property of the server's operator. A single-disk IMAP server with "
                "no backup can lose everything at once; the protocol promises nothing about it."
            ),
            source="RFC 9051 (no durability requirement)",
        ),
    ),
    quiz=(
        MultipleChoice(
            prompt=(
                "You delete a message by mistake on your IMAP phone, and the client expunges it. "
                "Where is it after the next sync?"
            ),
            options=(
                "Still on the laptop, which has its own copy.",
                "On the server's replicas, for you to restore with IMAP.",
                "Gone from every device and from the mailbox on the server.",
                "In the phone's local cache only.",
            ),
            answer="sealed:IZEvrQ==",
            explanations=(
                "The laptop syncs with the server and removes its copy too.",
                "Replicas mirror the current state, so they delete it too; IMAP has no restore "
                "command.",
                "An expunge is synchronised like any other change: that is why IMAP is not a "
                "backup.",
                "The phone expunged it itself.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "A desktop uses POP3 with delete-after-download; its last backup is 7 days old. "
                "It crashes. Which mail is lost?"
            ),
            options=(
                "Mail downloaded since the backup.",
                "None: the server still keeps copies of it.",
                "All mail ever received, backup or not.",
                "Only messages with attachments.",
            ),
            answer="sealed:_c8s5g==",
            explanations=(
                "Older mail is in the backup; newer mail was deleted from the server after "
                "download, so its only copy was on the crashed disk.",
                "With delete-after-download the server kept nothing.",
                "The backup restores everything up to its date.",
                "Size does not matter; where the copies are does.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "In the lesson's desktop-archive set-up (the phone and the laptop leave mail on the "
                "server for 14 days, the desktop downloads every message and keeps it) you delete a "
                "message by mistake on the phone. Where is it at the end of the run?"
            ),
            options=(
                "Gone from every device, as under IMAP.",
                "On the desktop, which had downloaded it and keeps its own copy.",
                "Back on the phone: it downloads the message again at its next poll.",
                "Only in the server's Trash folder.",
            ),
            answer="sealed:L--bwA==",
            explanations=(
                "A POP3 client's delete changes only its own store; nothing tells the other "
                "devices about it.",
                "The delete removed the phone's copy only; the desktop's copy is independent of it.",
                "With UIDL the phone remembers what it has already downloaded, and the desktop has "
                "taken the message off the server anyway.",
                "POP3 sees one maildrop with no folders such as Trash, and the phone's delete "
                "changed only the phone's own store.",
            ),
        ),
        Numeric(
            prompt=(
                "Keep the phone crashing on day 5 and restore a backup 2 days old (tick *restore "
                "a backup*, set it to 2); other controls at their defaults. How many messages "
                "does POP3 with delete after download lose for good?"
            ),
            answer="sealed:LacIXMc=",
            tolerance=0,
            unit="messages",
            explanation=(
                "The backup brings back everything the phone held when it was taken; what the "
                "phone downloaded after that, and deleted from the server, had its only copy on "
                "the wiped phone. An older backup loses more, a newer one less; IMAP loses no "
                "message either way."
            ),
        ),
    ),
    next_lesson=10,
    results={
        "lost_messages_pop3": number_result(
            "messages lost when the device crashes, POP3 (delete after download)", "messages"
        ),
        "lost_messages_imap": number_result(
            "messages lost when the device crashes, IMAP", "messages"
        ),
        "deleted_kept_devices_pop3": number_result(
            "devices still holding the message deleted by mistake on the "
            "phone, POP3 (delete after download)",
            "devices",
        ),
        "deleted_kept_devices_pop3_archive": number_result(
            "devices still holding the message deleted by mistake "
            "on the phone, POP3 with a desktop archive",
            "devices",
        ),
        "deleted_kept_devices_imap": number_result(
            "devices still holding the message deleted by mistake on the phone, IMAP", "devices"
        ),
        "yearly_loss_pop3": number_result(
            "Monte Carlo mean received messages lost per year (crashes and deletes "
            "by mistake), POP3 (delete after download)",
            "messages/year",
        ),
        "yearly_loss_pop3_archive": number_result(
            "Monte Carlo mean received messages lost per year, POP3 with a desktop archive",
            "messages/year",
        ),
        "yearly_loss_imap": number_result(
            "Monte Carlo mean received messages lost per year, IMAP", "messages/year"
        ),
        "more_lost": choice_result("which protocol loses more mail in the crash", *WHICH),
    },
)
