"""Server profiles: the texts a server sends around the data, which set a session's fixed cost.

What a session costs before any message moves is decided by server-specific text -- greetings,
capability lists (in the greeting, after login, on request), the words after ``+OK`` and in tagged
OKs, the UIDL ids.  The engines' logic is one; a profile is only data that picks those texts:

* ``rfc``: the texts of the RFC examples (RFC 1939, RFC 2449, RFC 9051 §8).  The RFC sessions
  replay to the byte under it, and ``serve`` uses it unless told otherwise: it advertises only
  what the engines implement.
* ``dovecot``: Dovecot 2.3's texts as Debian's ``dovecot-imapd``/``dovecot-pop3d`` 2.3.19 send
  them (recorded in ``tests/protocol/data/dovecot-2.3.json``): capabilities in the greeting and in
  LOGIN's OK, ``+OK Logged in.``, UIDL ids ``%08Xu%08Xv`` (16 hex digits), tagged OKs such as
  ``Fetch completed (0.001 + 0.000 secs).``.  The model measures its costs under this profile
  unless a scenario says otherwise.  Dovecot's timing text varies with the load; the profile
  fixes it (:data:`DOVECOT_TIMING`).  Not copied: Dovecot's UIDVALIDITY is a timestamp (10
  digits), the store numbers its mailboxes from 1, so a SELECT is 9 octets shorter than Dovecot's.
  Its capability lists are Dovecot's, so they name extensions this engine lacks (SORT, THREAD,
  ID, NOTIFY, ...): they are there for their octets, and such commands get BAD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .imap.config import ImapConfig
from .imap.events import ImapCommand
from .pop3_config import Pop3Config, Pop3Texts

__all__ = [
    "DEFAULT_PROFILE",
    "DOVECOT",
    "DOVECOT_TIMING",
    "DOVECOT_TIMING_LOCKED",
    "PROFILES",
    "RFC",
    "SERVE_DEFAULT_PROFILE",
    "ServerProfile",
    "get_profile",
    "imap_config",
    "pop3_config",
]

#: Dovecot 2.3 appends the command's time to a tagged OK ending in "." -- fixed here, at what a
#: lightly loaded server sends: "(<run> + <wait for the client>)" seconds, and for the commands
#: that open or search a mailbox's index (SELECT, EXAMINE, SEARCH) a third figure, the time spent
#: waiting for the index lock, which those showed in 3 of the 4 recorded cases.
DOVECOT_TIMING = " (0.001 + 0.000 secs)."
DOVECOT_TIMING_LOCKED = " (0.001 + 0.000 + 0.001 secs)."
_LOCKING = frozenset({"SELECT", "EXAMINE", "SEARCH"})


@dataclass(frozen=True)
class ServerProfile:
    """One server's texts, as keyword arguments of :class:`Pop3Config` and :class:`ImapConfig`
    (the fields that only say how the server presents itself, never what it stores)."""

    name: str
    description: str
    pop3: dict[str, Any] = field(default_factory=dict)
    imap: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.name)


def pop3_config(profile: ServerProfile | str, **overrides: Any) -> Pop3Config:
    """A POP3 engine config under ``profile``; ``overrides`` (TLS, ...) win over the profile."""
    return Pop3Config(**{**get_profile(profile).pop3, **overrides})


def imap_config(profile: ServerProfile | str, **overrides: Any) -> ImapConfig:
    """An IMAP engine config under ``profile``; ``overrides`` win over the profile."""
    return ImapConfig(**{**get_profile(profile).imap, **overrides})


RFC = ServerProfile("rfc", "the texts of the RFC examples (RFC 1939, RFC 2449, RFC 9051 §8)")

_DOVECOT_WORDS = {"NOOP": "NOOP completed", "ENABLE": "Enabled"}  # else "<Command> completed"


def _dovecot_ok_texts() -> tuple[tuple[str, str], ...]:
    """Tagged OK texts by command: Dovecot's "<Command> completed." with the timing put before
    the final period; LOGIN and AUTHENTICATE say "Logged in" (no period, so no timing)."""
    texts: list[tuple[str, str]] = [("LOGIN", "Logged in"), ("AUTHENTICATE", "Logged in")]
    for command in ImapCommand:
        if command in (ImapCommand.LOGIN, ImapCommand.AUTHENTICATE, ImapCommand.UID):
            continue
        text = _DOVECOT_WORDS.get(command.value, f"{command.value.capitalize()} completed")
        timing = DOVECOT_TIMING_LOCKED if command.value in _LOCKING else DOVECOT_TIMING
        texts.append((command.value, text + timing))
        texts.append((f"UID {command.value}", text + timing))
    return tuple(texts)


_DOVECOT_BEFORE_LOGIN = (
    "IMAP4rev1",
    "SASL-IR",
    "LOGIN-REFERRALS",
    "ID",
    "ENABLE",
    "IDLE",
    "LITERAL+",
)
_DOVECOT_AFTER_LOGIN = (
    "IMAP4rev1",
    "SASL-IR",
    "LOGIN-REFERRALS",
    "ID",
    "ENABLE",
    "IDLE",
    "SORT",
    "SORT=DISPLAY",
    "THREAD=REFERENCES",
    "THREAD=REFS",
    "THREAD=ORDEREDSUBJECT",
    "MULTIAPPEND",
    "URL-PARTIAL",
    "CATENATE",
    "UNSELECT",
    "CHILDREN",
    "NAMESPACE",
    "UIDPLUS",
    "LIST-EXTENDED",
    "I18NLEVEL=1",
    "CONDSTORE",
    "QRESYNC",
    "ESEARCH",
    "ESORT",
    "SEARCHRES",
    "WITHIN",
    "CONTEXT=SEARCH",
    "LIST-STATUS",
    "BINARY",
    "MOVE",
    "SNIPPET=FUZZY",
    "PREVIEW=FUZZY",
    "PREVIEW",
    "STATUS=SIZE",
    "SAVEDATE",
    "LITERAL+",
    "NOTIFY",
)

DOVECOT_POP3_TEXTS = Pop3Texts(
    user_ok="",
    pass_ok="Logged in.",
    stat_ok="{count} {octets}",
    list_ok="{count} messages:",
    uidl_ok="",
    retr_ok="{octets} octets",
    top_ok="",
    dele_ok="Marked to be deleted.",
    rset_ok="",
    capa_ok="",
    quit_unauthenticated="Logging out",
    quit_left="Logging out.",
    quit_empty="Logging out.",
    quit_deleted_left="Logging out, messages deleted.",
    quit_deleted_empty="Logging out, messages deleted.",
    uidl_id="{uid:08x}{uidvalidity:08x}",
)

DOVECOT = ServerProfile(
    "dovecot",
    "Dovecot 2.3's texts, capability lists and UIDL ids (Debian 2.3.19)",
    pop3={
        "greeting": "Dovecot (Debian) ready.",
        "apop": False,
        "expire": None,
        "implementation": None,
        "extra_capabilities": ("CAPA", "AUTH-RESP-CODE"),
        "sasl_plain": True,
        "texts": DOVECOT_POP3_TEXTS,
    },
    imap={
        "greeting": "Dovecot (Debian) ready.",
        "greeting_capability": True,
        "login_capability": True,
        "auth_plain": True,
        "condstore": True,
        "capability_lists": (_DOVECOT_BEFORE_LOGIN, _DOVECOT_AFTER_LOGIN),
        "bye_text": "Logging out",
        "starttls_text": "Begin TLS negotiation now.",
        "flags_permitted_text": "Flags permitted.",
        "read_only_text": "Read-only mailbox.",
        "ok_texts": _dovecot_ok_texts(),
    },
)

PROFILES: dict[str, ServerProfile] = {p.name: p for p in (DOVECOT, RFC)}
DEFAULT_PROFILE = DOVECOT.name  # what the model measures its costs under
SERVE_DEFAULT_PROFILE = RFC.name  # what ``serve`` presents: only what the engines implement


def get_profile(profile: ServerProfile | str) -> ServerProfile:
    """The profile named ``profile`` (a profile passes through); a clear error otherwise."""
    if isinstance(profile, ServerProfile):
        return profile
    found = PROFILES.get(profile) if isinstance(profile, str) else None
    if found is None:
        raise ValueError(f"server_profile={profile!r}: allowed {', '.join(sorted(PROFILES))}")
    return found
