"""Settings of the IMAP server engine: limits, TLS policy and the human-readable reply texts.

The texts default to those of the RFC 9051 §8 sample session, so that session is reproduced to the
byte; a simulation may shorten or lengthen them to model a particular server.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ImapConfig:
    """How one IMAP server behaves.  All sizes are octets."""

    greeting: str = "IMAP4rev2 Service Ready"
    greeting_capability: bool = False  # put [CAPABILITY ...] into the greeting (saves a round trip)
    bye_text: str = "IMAP4rev2 server terminating connection"
    idle_text: str = "idling"
    continuation_text: str = "Ready for literal data"
    starttls_text: str = "Begin TLS negotiation now"
    keepalive_text: str = "Still here"  # "* OK Still here" while IDLE: 17 octets, as Dovecot
    #: Tagged OK texts by command ("FETCH", "UID FETCH", "STORE", ...); the default is
    #: "<COMMAND> completed", STORE says "<+FLAGS|-FLAGS|FLAGS> completed" and IDLE "IDLE terminated".
    ok_texts: tuple[tuple[str, str], ...] = ()
    #: LOGIN/AUTHENTICATE's OK carries ``[CAPABILITY ...]`` with the post-login list (RFC 9051
    #: §6.2.3 allows it; Dovecot does it, and clients then skip a CAPABILITY round trip).
    login_capability: bool = False
    #: Fixed CAPABILITY lists (before login, after login) instead of the list derived from the
    #: features below; STARTTLS, LOGINDISABLED and AUTH=PLAIN are still added before login as
    #: the TLS state and ``auth_plain`` say.  A profile that copies a real server's list also
    #: names extensions this engine does not implement (it answers their commands BAD).
    capability_lists: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    flags_permitted_text: str = "Flags permitted"  # SELECT's "* OK [PERMANENTFLAGS (...)] ..."
    read_only_text: str = "Read-only mailbox"  # EXAMINE's "* OK [PERMANENTFLAGS ()] ..."
    starttls: bool = False  # offer STARTTLS on a cleartext connection
    implicit_tls: bool = False  # the connection is TLS from the start (port 993)
    cleartext_login: bool = True  # False: LOGINDISABLED until TLS is active (RFC 9051 §6.2.3)
    #: SELECT also answers ``* LIST () "/" name``.  RFC 9051 §6.3.2 asks for it from IMAP4rev2
    #: sessions only (after ENABLE IMAP4rev2, Appendix E); this engine answers rev1-style, so it
    #: is off unless a scenario (the RFC 9051 §8 sample) wants the rev2 bytes.
    select_list: bool = False
    #: What RFC 3501 §6.3.1 requires of SELECT/EXAMINE in IMAP4rev1 sessions (no ENABLE IMAP4rev2):
    #: ``* n RECENT`` and ``* OK [UNSEEN n]``.  False reproduces the rev2-style bytes of before.
    rev1_select: bool = True
    uidplus: bool = True  # UIDPLUS: COPYUID/APPENDUID codes and UID EXPUNGE
    #: AUTHENTICATE PLAIN with SASL-IR (RFC 4616, RFC 4959), offered only where LOGIN is (not
    #: under LOGINDISABLED).  Off by default so the RFC sample sessions' CAPABILITY bytes hold;
    #: the live server turns it on.
    auth_plain: bool = False
    condstore: bool = False  # CONDSTORE + QRESYNC (RFC 7162): MODSEQ, CHANGEDSINCE, VANISHED
    max_line: int = 8192
    max_literal: int = 65536  # per command, once authenticated (APPEND has max_append)
    max_append: int = 64 * 1024 * 1024
    #: Literals before authentication: LOGIN/AUTHENTICATE need a few octets, so an anonymous peer
    #: cannot make the server buffer (or even be invited to send) more than this.
    max_preauth_literal: int = 4096
    #: Octets one account may hold in all its mailboxes; APPEND/COPY beyond it get NO [OVERQUOTA].
    quota: int = 16 * 1024 * 1024 * 1024
    #: Mailboxes one account may have; CREATE beyond it gets NO [LIMIT].
    max_mailboxes: int = 10_000

    def __post_init__(self) -> None:
        limits = (
            ("max_line", self.max_line, 256, 1 << 20),
            ("max_literal", self.max_literal, 1, 1 << 30),
            ("max_append", self.max_append, 1, 1 << 34),
            ("max_preauth_literal", self.max_preauth_literal, 1, 1 << 20),
            ("quota", self.quota, 0, 1 << 50),
            ("max_mailboxes", self.max_mailboxes, 1, 1 << 20),
        )
        for name, value, lo, hi in limits:
            if not lo <= value <= hi:
                raise ValueError(f"ImapConfig.{name}={value}: allowed {lo}..{hi}")
        for name in (
            "greeting",
            "bye_text",
            "idle_text",
            "continuation_text",
            "starttls_text",
            "keepalive_text",
            "flags_permitted_text",
            "read_only_text",
        ):
            value = getattr(self, name)
            if "\r" in value or "\n" in value:
                raise ValueError(f"ImapConfig.{name}={value!r}: must not contain CR or LF")
        if self.capability_lists is not None and (
            len(self.capability_lists) != 2
            or any(not c or any(not w or " " in w for w in c) for c in self.capability_lists)
        ):
            raise ValueError(
                f"ImapConfig.capability_lists={self.capability_lists!r}: allowed "
                "(before-login, after-login) tuples of words without spaces"
            )
        if self.implicit_tls and self.starttls:
            raise ValueError(
                "ImapConfig: starttls=True with implicit_tls=True; allowed: one of them"
            )

    def ok_text(self, command: str, default: str) -> str:
        for name, text in self.ok_texts:
            if name.upper() == command.upper():
                return text
        return default
