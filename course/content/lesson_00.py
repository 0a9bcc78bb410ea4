"""Lesson 0 text: how the course works, the model in five minutes, the article's nine claims."""

from course.content.schema import LessonContent, NuanceBox
from course.quiz import MultipleChoice

HOW_TO_USE = """\
### How to use this course

Every lesson has the same rhythm, and the order matters:

1. **Predict.** Before the model runs, commit a guess (a choice or a number). It locks, so you
   cannot quietly change it afterwards.
2. **Run.** Move the controls of the dashboard. POP3 and IMAP run on *the same* workload (the same
   messages arriving at the same moments, the same user actions), side by side.
3. **Notice.** Compare your prediction with the model's result, then read *What to notice*.
4. **Nuance.** Quoted boxes say where the article oversimplifies or is wrong, with the RFC or other
   source so you can check it yourself.
5. **Check yourself.** A short quiz; every answer, right or wrong, explains *why*.
"""

HOW_TO_RUN = """\
Run the cells from top to bottom (**Shift+Enter**). If a widget looks stuck, use
*Kernel → Restart Kernel and Run All Cells*. Nothing you do here touches a real mailbox.
"""

MODEL_IN_FIVE_MINUTES = """\
### The model in five minutes

* **A mail server** keeps, per user, folders of messages with unique ids (UIDs), flags and
  keywords. Like many providers' servers it scans incoming mail for viruses (a provider's policy,
  not part of POP3 or IMAP), keeps replicas of its disks, and enforces POP3's *exclusive lock* on
  the maildrop.
* **Devices** (phone, laptop, desktop) each run a mail client over their own network link
  (bandwidth, round-trip time, online and offline periods) and keep a local store that a crash can
  wipe.
* **Clients** speak the real protocols. A POP3 client polls: connect, log in, list, download what
  is new, perhaps delete, quit. An IMAP client stays in sync with the server: it may wait in IDLE
  for a push, fetches headers, bodies or attachments as its policy says, and uploads flags, moves
  and deletions (queued while offline).
* **Every byte is counted** by the same protocol engines that the lab's live server uses to talk
  to real clients such as Python's `poplib` and `imaplib` (lesson 11). Framing is exact to the
  byte; message contents are counted by size.
* **Same trace, two protocols.** A seeded generator first writes the *workload trace*: which
  messages arrive when, what the user does on which device, when devices go offline or crash. The
  POP3 run and the IMAP run replay that identical trace, so every difference you see is caused by
  the protocol (and the client settings you chose), not by luck.
* **Metrics**: storage on the server and on each device; *consistency* (does each device show each
  message in the folder and with the flags the user last chose?); messages lost in a crash; bytes
  on the wire, split into framing, headers, bodies and attachments; notification delay; missed
  messages; search recall; virus exposure.
"""

CLAIMS = """\
### The article and its nine claims

The course starts from a Bulgarian article, *"Difference between the email protocols POP and
IMAP"*. It lists nine differences; here they are in English, with the verdict this course reaches.

| # | The article says (translated) | Verdict | Lesson |
|---|---|---|---|
| 1 | "POP downloads the emails to the local device, while IMAP stores the emails on the server and provides a view from several places at the same time." | **Oversimplified.** The usual defaults, but POP3 can leave copies on the server and IMAP clients keep local copies too. | 1 |
| 2 | "POP uses port number 110, and IMAP uses port number 143." (Elsewhere: POP's connection "is established by TCP and UDP"; secure POP uses STLS or POP3S on port 995.) | **Ports right, transport wrong.** POP3 runs over TCP only; 993 is missing; implicit TLS is now preferred. | 2 |
| 3 | "POP downloads and disconnects from the server, while the IMAP client is always connected and sends notifications as and when new mail arrives." | **Oversimplified.** IDLE is optional, and clients are advised to re-issue it at least every 29 minutes; it is the *server* that pushes, and it pushes a notice, not the message. | 3 |
| 4 | "All mail folders are on the server in IMAP, while in POP they are on the local device, local to the device itself." | **Right**, with nuance: POP3 sees one maildrop; its folders are a client feature. | 4 |
| 5 | "In IMAP, if you mark an email as read or forwarded, the status is visible from every IMAP client, while in POP, once you download the emails to your local device, there is no further access from other devices." | **Right for IMAP**, after a sync (offline changes wait); the POP half is too strong. | 5 |
| 6 | "There is an option in the POP mail client to leave the emails on the server for a certain period of time and then delete them. If you use 2 clients, set the second client to download the emails from the server and not leave copies on the server." | **The option is real; the advice is wrong.** The other client then misses every message the second one takes first. | 6 |
| 7 | "Virus scanning and vulnerability checks are easy in IMAP, because the emails are stored on the server and the scanning is done on the server itself, whereas in POP, if you download the emails to your local device, you have to scan all the emails." | **Misleading.** Where the provider scans at delivery (a policy, not part of either protocol), it does so for both protocols alike; IMAP's real edge is that mail kept on the server can be rescanned later, in one place. | 7 |
| 8 | "Search is performed on the server in IMAP, while in POP search is performed on the local device." | **Right, oversimplified.** IMAP clients also search their local copies, and server search costs server work. | 8 |
| 9 | "The local machine or device may crash or lose its data, while in IMAP the emails are stored on servers with high availability and redundancy." | **Half true and dangerous.** Redundancy protects against disk failure, not against your own delete, which IMAP copies to every device: IMAP is not a backup. | 9 |

One more slip: the article compares IMAP to *"a remote desktop connection to a server where email
clients like Outlook run on the same machine where the POP server also runs"*. It means the IMAP
server, and IMAP does not stream a screen: it synchronises data (messages, flags, folders) that the
client on your device shows.
"""

CONTENT = LessonContent(
    number=0,
    title="Welcome: POP vs IMAP, seen happening",
    summary="How to use the course, the model in five minutes, and the article's nine claims",
    notebook="00_welcome.ipynb",
    objectives=(
        "Use a lesson: predict, run the dashboard, notice, read the nuance, check yourself.",
        "Describe what the model simulates: a server, devices with their own links, clients "
        "speaking the real protocols, and one workload trace replayed for POP3 and IMAP.",
        "List the article's nine claims and say which the course finds right, oversimplified "
        "or wrong.",
    ),
    claim_en=(
        "Email has become critical in today's life. ... SMTP (Simple Mail Transfer Protocol) is "
        "the protocol used to send emails, while POP (Post Office Protocol) and IMAP (Internet "
        "Message Access Protocol) are used to receive emails from a mail server."
    ),
    claim_bg=(
        "SMTP (Simple Mail Transfer Protocol) е протоколът, използван за изпращане на имейли, а "
        "POP (Post Office Protocol) и IMAP (Internet Message Access Protocol) се използват за "
        "получаване на имейли от пощенски сървър."
    ),
    predict=None,
    notice=(
        "POP3 and IMAP are both *access* protocols: they read a mailbox that mail delivery (SMTP) "
        "has already filled. Sending is out of scope for both, and for this course.",
        "Most of the article's claims describe *typical client settings*, not what the protocols "
        "can do. Lessons 1, 3 and 6 change those settings and watch the difference move.",
        "Where the article's advice is plainly wrong (the two-client setup, IMAP as a safe place "
        "for your mail) the model shows the consequence rather than just saying so; where it "
        "gets a fact wrong (TCP *and UDP*), the lesson cites the RFC.",
    ),
    nuance=(
        NuanceBox(
            title="The article mixes protocol and client",
            text=(
                '"POP deletes mail on the server" is what many POP3 *clients* do by default. '
                "Through the protocol, a message is removed only when the client has marked it "
                "with `DELE` and the session ends with `QUIT`; a server may also expire old mail "
                "by its own policy, which it can announce with `EXPIRE` in its `CAPA` reply. Keep "
                "asking: is this the protocol, the server's policy, or a client's setting?"
            ),
            source="RFC 1939 §5–6; RFC 2449 §6.7",
        ),
    ),
    quiz=(
        MultipleChoice(
            prompt=(
                "Before either protocol runs, a seeded generator writes the workload trace. Which "
                "of these does the trace fix?"
            ),
            options=(
                "Which device downloads each message first.",
                "How many bytes each poll and each IDLE round will cost.",
                "When messages arrive and what the user does where.",
                "Which messages a crash wipes from the store of each device.",
            ),
            answer="sealed:NafxYg==",
            explanations=(
                "Under POP3 that depends on which device polls first, so it differs between the "
                "two runs: it is a result of the run, not part of the trace.",
                "The protocol engines count the bytes as each run goes; POP3 and IMAP spend "
                "different amounts, so bytes cannot be part of the shared trace.",
                "The trace holds arrivals, the user's actions on each device, and when devices go "
                "offline or crash. Both runs replay it, so only the protocol and its settings "
                "differ.",
                "The trace says *when* a device crashes; what the crash takes depends on what the "
                "device held, and that the protocol decided.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "Why does the lab replay *one* workload trace for both the POP3 and the IMAP run?"
            ),
            options=(
                "To halve the run time, since one trace serves both runs.",
                "So that any difference in results comes from the protocol.",
                "Because the IMAP run starts from the mailbox the POP3 run leaves.",
                "So that each run draws fresh arrivals and averages are fairer.",
            ),
            answer="sealed:vRrq2g==",
            explanations=(
                "Speed is not the reason: each protocol is still simulated separately.",
                "With the same arrivals, user actions and crashes (common random numbers), the "
                "only thing that differs between the two runs is the protocol and its client "
                "settings.",
                "The two runs are independent; they only share the trace.",
                "The opposite: the same seed gives identical results, which is what lets a test "
                "pin them.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "Read the verdicts in this lesson's table of the article's nine claims. Which "
                "claim does the course find right, needing only a nuance?"
            ),
            options=(
                "POP's connection is established over both TCP and UDP.",
                "The IMAP client is always connected and sends notifications.",
                "Redundant IMAP servers keep your mail safe from loss.",
                "IMAP keeps folders on the server, POP on the device.",
            ),
            answer="sealed:TffJIA==",
            explanations=(
                "Claim 2: the ports are right, but RFC 1939 §3 runs POP3 over TCP only; IANA's "
                "110/udp entry is just a reserved number.",
                "Claim 3 is oversimplified: IDLE is optional, clients are advised to re-issue it "
                "at least every 29 minutes, and it is the server that pushes a notice.",
                "Claim 9 is half true and dangerous: redundancy protects against a failed disk, "
                "not against your own delete, which IMAP copies to every device.",
                "Claim 4 holds: IMAP folders live on the server, while POP3 sees a single "
                "maildrop and its folders are a feature of each client.",
            ),
        ),
    ),
    next_lesson=1,
    extra={
        "how_to_use": HOW_TO_USE,
        "how_to_run": HOW_TO_RUN,
        "model_in_five_minutes": MODEL_IN_FIVE_MINUTES,
        "claims": CLAIMS,
    },
)
