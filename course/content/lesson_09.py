"""Lesson 9 text: crashes, backups, and why IMAP is not a backup."""

from course.content.schema import Choice, LessonContent, NuanceBox, PredictKind, PredictPrompt
from course.quiz import MultipleChoice

CONTENT = LessonContent(
    number=9,
    title="Crashes, redundancy and backups",
    notebook="09_crashes_and_backups.ipynb",
    objectives=(
        "Count what a device crash loses under POP3 (delete after download) and under IMAP, and "
        "how the age of the last backup changes it.",
        "Read a Monte Carlo estimate of messages lost per year.",
        "Explain why IMAP is not a backup: a delete on one device reaches every device.",
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
            "On day 5 one of the family's devices crashes and its local storage is wiped; there "
            "is no backup. Which protocol loses more mail in that crash?"
        ),
        result_key="more_lost",
        options=(
            Choice("pop3", "POP3 (delete after download)"),
            Choice("imap", "IMAP"),
            Choice("same", "The same"),
        ),
    ),
    notice=(
        "Under POP3 with delete-after-download, the crash takes every message that only the "
        "crashed device held; IMAP loses none of them, because the server still has them all. "
        "Try crashing each device in turn.",
        "Add a backup and make it older or newer: POP3 then loses only what arrived after the "
        "backup.",
        "The accidental delete: the user deletes a message on the phone by mistake. Under IMAP "
        "the delete reaches every device at the next sync. Under POP3 it can only remove the "
        "phone's own copy; whether the mail survives depends on whether another copy exists "
        "(with delete-after-download there usually is none).",
        "The Monte Carlo panel repeats the year many times: look at the spread, not only the "
        "mean.",
    ),
    nuance=(
        NuanceBox(
            title="IMAP is not a backup",
            text=(
                "IMAP synchronises. A delete, a mistaken move or a malicious client on one device "
                "is copied to every device. Redundant servers keep the *current* state safe from "
                "disk failure; a backup keeps an *old* state safe from you."
            ),
            source="follows from the model; RFC 9051 §6.4.3",
        ),
        NuanceBox(
            title="POP3's local copy can be the backup",
            text=(
                "A POP3 archive on a desktop, or a POP3 client that leaves copies on the server, "
                "keeps mail that an IMAP-wide delete would take. What protects you is having two "
                "independent copies, whichever protocol made them."
            ),
            source="the model (this lesson)",
        ),
        NuanceBox(
            title="\"High availability and redundancy\" is the provider, not IMAP",
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
            prompt="What do server replicas protect your IMAP mail against?",
            options=(
                "Your own mistaken delete.",
                "A disk failure on one server.",
                "A virus on your laptop deleting mail through IMAP.",
                "A wrong setting in one of your clients.",
            ),
            answer="sealed:2chgIw==",
            explanations=(
                "Replicas copy the delete like any other change.",
                "If one disk fails, another replica still holds the current mailbox.",
                "A delete made through IMAP, by anyone, is replicated.",
                "Whatever a client does through IMAP, the replicas mirror.",
            ),
        ),
    ),
    next_lesson=10,
)
