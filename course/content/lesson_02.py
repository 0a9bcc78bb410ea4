"""Lesson 2 text: ports, TLS, and what an eavesdropper can read."""

from course.content.schema import (
    LessonContent,
    NuanceBox,
    PredictKind,
    PredictPrompt,
    choice_result,
    number_result,
)
from course.quiz import MultipleChoice, Numeric

CONTENT = LessonContent(
    number=2,
    title="Ports, TLS and the eavesdropper",
    summary="Ports and TLS: 110/995 and 143/993, STLS and STARTTLS, what an eavesdropper sees",
    notebook="02_ports_and_tls.ipynb",
    objectives=(
        "Name the four ports: 110 (POP3), 995 (POP3 over TLS), 143 (IMAP), 993 (IMAP over TLS), "
        "and say which start TLS at once and which upgrade with `STLS` / `STARTTLS`.",
        "Count the round trips each way needs before the client can log in, and see how the "
        "round-trip time turns them into waiting.",
        "Explain what an eavesdropper reads without TLS: the password, for POP3 *and* IMAP.",
        "Correct the article: POP3 runs over TCP only.",
    ),
    claim_en=(
        "POP uses port number 110, and IMAP uses port number 143. — Elsewhere the article says "
        'that POP clients download the mail "and then break the connection, which is established '
        'by TCP and UDP", and that secure mail services connect "via the STLS command or POP3S '
        '(port no. 995)".'
    ),
    claim_bg="POP използва номер на порт 110, а IMAP използва номер на порт 143",
    predict=PredictPrompt(
        kind=PredictKind.NUMBER,
        question=(
            "Compared with port 993 (TLS from the first byte), how many extra round trips does "
            "an IMAP client on port 143 need before it can log in, if it upgrades with STARTTLS?"
        ),
        result_key="starttls_extra_round_trips",
        unit="round trips",
        min_value=0,
        max_value=6,
        step=1,
    ),
    notice=(
        "Each bar is one way to connect. Count the round trips up to the first command after "
        "login: TCP handshake, TLS handshake, greeting, and — for the upgrade ports — the "
        "`STLS`/`STARTTLS` dialogue before TLS can even begin.",
        "The server sends Dovecot 2.3's texts, as in every lesson's model: its IMAP greeting "
        "already lists the capabilities, so the client asks for them only after `STARTTLS`, "
        "which requires asking again (RFC 9051 §6.2.1).",
        "Raise the round-trip time: every extra round trip costs one more RTT of waiting, which is "
        "what a phone on a slow link feels.",
        "The bars marked *password in clear*: on 110 and 143 without TLS, `PASS` and `LOGIN` both "
        "cross the wire in clear text. POP3 is not the only protocol with that problem.",
    ),
    nuance=(
        NuanceBox(
            title="POP3 is TCP only",
            text=(
                'The article says POP\'s connection "is established by TCP and UDP". RFC 1939 '
                "starts a POP3 session with a TCP connection to port 110; there is no POP3 over "
                "UDP. IANA also lists 110/udp, but only as a reserved number."
            ),
            source="RFC 1939 §3",
            spoiler=True,
        ),
        NuanceBox(
            title="Implicit TLS is now the recommended way",
            text=(
                "RFC 8314 (2018) recommends that mail clients use implicit TLS — POP3 on 995, IMAP "
                "on 993 — rather than upgrading a clear-text connection with `STLS` or "
                "`STARTTLS`, reversing the 1999 advice of RFC 2595 §7. It also saves the round "
                "trips of the upgrade dialogue. The article never mentions 993."
            ),
            source="RFC 8314; RFC 2595 §7",
            spoiler=True,
        ),
        NuanceBox(
            title="IMAP's LOGIN is clear text too",
            text=(
                "Without TLS, IMAP `LOGIN` carries the password as readably as POP3's `PASS`. "
                "RFC 9051 does not make every server refuse it. It says that clients MUST NOT "
                'use `LOGIN` on "unsecure networks"; that a server MUST implement a '
                "configuration which advertises `LOGINDISABLED` and refuses `LOGIN` until TLS (or another "
                "protection) is in place; and that server sites SHOULD NOT allow `LOGIN` "
                "without such protection. A server that allows it is discouraged, not "
                "forbidden."
            ),
            source="RFC 9051 §6.2.3",
            spoiler=True,
        ),
        NuanceBox(
            title="Why the lab's own server accepts cleartext LOGIN",
            text=(
                "The live server of lesson 11 offers no TLS and accepts `LOGIN` and `PASS` in "
                "clear text, so that Python's `poplib` and `imaplib` can log in and you can read "
                "every byte. The course starts it on the loopback address of your own computer "
                "only, so the password never crosses a network. Do not copy that setting to a "
                "server that other machines can reach."
            ),
            source="RFC 9051 §6.2.3; the lab's server (lesson 11)",
        ),
    ),
    quiz=(
        MultipleChoice(
            prompt="Which transport protocol carries POP3?",
            options=(
                "TCP and UDP, as the article says.",
                "UDP only.",
                "TCP for commands, UDP for message bodies.",
                "TCP only.",
            ),
            answer="sealed:Fs5uEw==",
            explanations=(
                'The article\'s "TCP and UDP" is wrong: RFC 1939 §3 only describes a TCP '
                "connection.",
                "POP3 needs a reliable byte stream (multi-line replies end with a lone `.` line); "
                "UDP gives none.",
                "POP3 uses one connection for everything: commands, replies and message contents.",
                "RFC 1939 §3: the client opens a TCP connection to port 110. The 110/udp entry at "
                "IANA is only a reserved number.",
            ),
        ),
        MultipleChoice(
            prompt="Which way of connecting does RFC 8314 recommend for an IMAP mail client?",
            options=(
                "Port 143, then STARTTLS.",
                "Port 993, TLS from the first byte.",
                "Port 143 without TLS, on a trusted network.",
                "Port 995.",
            ),
            answer="sealed:itp_lw==",
            explanations=(
                "STARTTLS works, but RFC 8314 prefers implicit TLS: no clear-text phase that an "
                "attacker could tamper with, and fewer round trips.",
                "RFC 8314 (2018) recommends implicit TLS: IMAP on 993, POP3 on 995.",
                "RFC 8314 recommends TLS for all traffic between a mail client and its server; "
                "without it the password crosses the network in clear text, and RFC 9051 §6.2.3 "
                'says clients MUST NOT use `LOGIN` on "unsecure networks".',
                "995 is POP3 over TLS, not IMAP.",
            ),
        ),
        MultipleChoice(
            prompt=(
                "An IMAP client is about to log in on port 143 over a network it does not "
                "trust, and TLS has not started. What does RFC 9051 §6.2.3 say about `LOGIN`?"
            ),
            options=(
                "It is safe there: IMAP hashes the password itself.",
                "Clients MUST NOT send it; sites SHOULD NOT allow it.",
                "Every server refuses it, so the password cannot leak.",
                "It is fine: only POP3 sends passwords in clear text.",
            ),
            answer="sealed:oo4cLQ==",
            explanations=(
                "`LOGIN` sends the user name and password as plain strings; IMAP does not hash "
                "them, so without TLS anyone on the path can read them.",
                'Clients MUST NOT use `LOGIN` on "unsecure networks", and server sites SHOULD '
                "NOT allow it without TLS or another protection. A server MUST also implement a "
                "configuration that advertises `LOGINDISABLED` and refuses `LOGIN`, but nothing "
                "forces a site to switch it on.",
                "The RFC requires servers to *offer* a configuration that advertises "
                "`LOGINDISABLED` and refuses `LOGIN`, not to run with it: a server may still "
                "accept a cleartext `LOGIN` (the lab's loopback server does). Keeping the password "
                "off an insecure network is also the client's duty.",
                "A common misconception: without TLS, IMAP `LOGIN` is as readable as POP3's "
                "`PASS`.",
            ),
        ),
        Numeric(
            prompt=(
                "Set the round-trip time to 100 ms (keep the bandwidth). How many milliseconds "
                "pass before POP3 on port 110, upgrading with STLS, can send its first command "
                "after login? (Answer to within 10 ms.)"
            ),
            answer="sealed:9nUW8N_o",
            tolerance=10,
            unit="ms",
            explanation=(
                "Each round trip now costs 100 ms, and the STLS path needs the most of them: the "
                "TCP handshake, the greeting, `CAPA`, `STLS`, the TLS handshake, `CAPA` again "
                "(RFC 2595 §4), `USER` and `PASS`. The few milliseconds beyond the round trips "
                "are the time to send the bytes."
            ),
        ),
    ),
    next_lesson=3,
    results={
        "round_trips_pop3_110_stls": number_result(
            "round trips before POP3 can log in, port 110 + STLS", "round trips"
        ),
        "round_trips_pop3_995": number_result(
            "round trips before POP3 can log in, port 995 (implicit TLS)", "round trips"
        ),
        "round_trips_imap_143_starttls": number_result(
            "round trips before IMAP can log in, port 143 + STARTTLS", "round trips"
        ),
        "round_trips_imap_993": number_result(
            "round trips before IMAP can log in, port 993 (implicit TLS)", "round trips"
        ),
        "starttls_extra_round_trips": number_result(
            "extra round trips of 143+STARTTLS over 993", "round trips"
        ),
        "cleartext_password": choice_result(
            "without TLS, whose password an eavesdropper reads", "pop3", "imap", "both", "neither"
        ),
    },
)
