"""Lesson 4 text: folders -- on the server (IMAP) or only on the device that made them (POP3)."""

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
    number=4,
    title="Folders: on the server or on one device?",
    summary="Folders: on the server with IMAP, only on the device with POP",
    notebook="04_folders.ipynb",
    objectives=(
        "Explain why a folder made on one device appears on the others under IMAP and not under "
        "POP3.",
        "Name the IMAP commands behind folders: `CREATE`, `RENAME`, `DELETE`, `LIST`, `MOVE`.",
        "Say what POP3 offers instead: one maildrop, with folders as a feature of each client.",
    ),
    claim_en=(
        "All mail folders are on the server in IMAP, while in POP they are on the local device, "
        "local to the device itself. — And among IMAP's features: \"IMAP clients can create, "
        "delete and rename mailboxes on the server, and even deleted letters will be moved to a "
        'deleted folder on the server itself."'
    ),
    claim_bg=(
        "Всички пощенски папки са в сървъра в IMAP, а в POP са в локалното устройство и което е "
        "локално за самото устройство."
    ),
    predict=PredictPrompt(
        kind=PredictKind.CHOICE,
        question=(
            "During the week the user files messages into folders (Work, Family, Receipts) on "
            "whichever device they are reading. With which protocol do the filed messages show up "
            "in the same folders on the other devices, including a brand-new one?"
        ),
        result_key="folders_everywhere",
        options=(
            Choice("pop3", "POP3"),
            Choice("imap", "IMAP"),
            Choice("same", "Both equally"),
        ),
    ),
    notice=(
        "Under IMAP, filing is a `MOVE` on the server: the phone and the new device show the "
        "message in its folder as soon as they next sync.",
        "Under POP3 a folder exists only in the local store of the device where the user made "
        "it. A message filed on the phone is in that folder on the phone and nowhere else; the "
        "brand-new device sees no folders at all.",
        "Raise the filing rate: the gap grows in proportion, because every filed message is one "
        "more inconsistency under POP3.",
    ),
    nuance=(
        NuanceBox(
            title="POP3 has one maildrop; folders are a client feature",
            text=(
                "POP3 has no command to name, create or select a folder: a session sees one "
                "maildrop, numbered 1..N. Local folders are how a POP3 *client* organises what it "
                "downloaded, so they cannot be shared through the protocol."
            ),
            source="RFC 1939 §5–7",
            spoiler=True,
        ),
        NuanceBox(
            title='"Deleted letters go to a deleted folder" is the client',
            text=(
                "IMAP's own deletion is two steps: set `\\Deleted`, then `EXPUNGE` (or `CLOSE`). A "
                "Trash folder exists because the client *moves* the message there first (`MOVE`, "
                "RFC 6851, now part of IMAP4rev2). The server MUST NOT create a missing target "
                "folder for `COPY` or `MOVE`: it answers `NO`, normally with `[TRYCREATE]` as a "
                "hint to `CREATE` it first."
            ),
            source="RFC 9051 §6.4.3, §6.4.7, §6.4.8; RFC 6851",
            spoiler=True,
        ),
    ),
    quiz=(
        MultipleChoice(
            prompt="Which POP3 command opens a folder other than the inbox?",
            options=(
                "SELECT Work, followed by STAT",
                "LIST Work, then RETR for each message",
                "CWD Work, then LIST",
                "None: POP3 sees one maildrop.",
            ),
            answer="sealed:w3cO1g==",
            explanations=(
                "`SELECT` is IMAP; POP3 has no such command.",
                "POP3's `LIST` takes a message *number* and returns sizes; it knows no folders.",
                "`CWD` is an FTP command; POP3 has nothing like it.",
                "RFC 1939 gives POP3 a single maildrop; anything that looks like folders in a POP3 "
                "client lives only on that device.",
            ),
        ),
        MultipleChoice(
            prompt="You press *Delete* in an IMAP client and the message appears in Trash. What "
            "happened on the wire?",
            options=(
                "The client moved it there (MOVE).",
                "The server moves every deleted message to Trash by itself.",
                "The client sent IMAP DELETE for that one message.",
                "Nothing on the wire: Trash is only a local view in the client.",
            ),
            answer="sealed:3zeBTg==",
            explanations=(
                "Trash is an ordinary mailbox; the client moves the message into it (`MOVE`, or "
                "`COPY` + `\\Deleted` + `EXPUNGE` on older servers), which removes it from the "
                "inbox.",
                "The protocol's deletion removes the message; putting it in Trash is the client's "
                "choice.",
                "IMAP `DELETE` deletes a whole *mailbox*, not a message.",
                "Under IMAP the Trash folder is on the server, so other devices see it too.",
            ),
        ),
        Numeric(
            prompt=(
                "Run the dashboard at its defaults (messages filed per day: 5, over 7 days). Of "
                "the messages the user filed, how many does the phone show in the intended folder "
                "under POP3?"
            ),
            answer="sealed:PVwzr9I=",
            tolerance=0,
            unit="messages",
            explanation=(
                "Under POP3 a folder exists only in the local store of the device where the user "
                "made it, so only messages filed on the phone itself can be in a phone folder; "
                "what was filed on the laptop or the desktop stays there, and the new device "
                "shows none. Under IMAP the filing is a `MOVE` on the server, and every device "
                "shows all of them."
            ),
        ),
    ),
    next_lesson=5,
    results={
        "filed": number_result(
            "messages the user filed into folders (on whichever device they used)", "messages"
        ),
        "phone_filed_pop3": number_result(
            "of those, messages the phone shows in the intended folder, POP3", "messages"
        ),
        "phone_filed_imap": number_result(
            "of those, messages the phone shows in the intended folder, IMAP", "messages"
        ),
        "new_device_filed_pop3": number_result(
            "of those, messages a new device shows in the intended folder, POP3", "messages"
        ),
        "new_device_filed_imap": number_result(
            "of those, messages a new device shows in the intended folder, IMAP", "messages"
        ),
        "folders_everywhere": choice_result(
            "with which protocol do filed messages appear in their folder on every device", *WHICH
        ),
    },
)
