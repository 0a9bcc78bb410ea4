"""Message sizes straight from a trace's size parameters, without building ``Message`` objects.

Theory of operation
-------------------
:func:`sim.model.state.mail_of` builds each message with :func:`sim.inputs.workload.build_message` and
reads its sizes from the MIME tree: exact, but about 20 µs a message, and ``campus`` has half a
million.  Every size of a generated message follows arithmetically from its spec: the header
fields are fixed templates around the user's name, the message id, the keywords and a few
hash-derived numbers (the RFC 5322 date always has 31 characters, the boundary 22); the text body
is a TEXT filler of ``max(text_size, len(lead) + 2)`` octets; an attachment is a base64 filler
(RFC 2045: 4 characters per 3 octets, CRLF after every 76).  :func:`fast_mail` evaluates those
formulas; the BODYSTRUCTURE length comes from the same shape memo as
:func:`~sim.model.state.fast_structure_len`, with the shape key computed arithmetically too (a new
shape is measured once on the real message).  ``tests/sim/test_fast_paths_equal_definitions.py`` checks on
random specs that every field equals :func:`~sim.model.state.mail_of` and that the shape key equals
the one taken from the built message.
"""

from __future__ import annotations

from ..inputs.workload import MessageSpec, Trace, build_message, content_seed
from ..protocol.message import B64_LINE, TEXT_LINE
from .state import Mail, MailId, structure_len_by_shape

# header field templates of sim.inputs.workload.build_message / sim.protocol.message.synthesize
_DATE = len("Date: ") + len("Mon, 05 Jan 2026 00:00:00 +0000")  # fixed width (4-digit years)
_MIME = len("MIME-Version: 1.0")
_TEXT_FIELDS = (
    len("Content-Type: text/plain; charset=us-ascii"),
    len("Content-Transfer-Encoding: 7bit"),
)
_BOUNDARY = len("=_lab_") + 16  # "=_lab_" + 16 hex digits of a SHA-256
_MULTI_CT = len('Content-Type: multipart/mixed; boundary=""') + _BOUNDARY
_ATT_CT = len('Content-Type: application/octet-stream; name=""')
_ATT_CTE = len("Content-Transfer-Encoding: base64")
_ATT_CD = len('Content-Disposition: attachment; filename=""')
_TEXT_HEADER = sum(n + 2 for n in _TEXT_FIELDS) + 2
_TEXT_FIELDS_LEN = sum(n + 2 for n in _TEXT_FIELDS)  # a plain message's own content fields
_FROM = len("From: ")
_TO = len("To: ")
_OTHER = len("sender <s@example.org>")  # plus twice the digits of the sender number
_SUBJECT = len("Subject: ") + len(" #")  # "Subject: " [Re: ] keywords-or-note " #" id
_NOTE = len("note")
_MESSAGE_ID = len("Message-ID: ") + len("<m@lab.example>")  # plus the id's digits
_IN_REPLY_TO = len("In-Reply-To: ") + len("<m@lab.example>")  # plus the replied id's digits
_FILE = len("file.bin")  # "file{id}.bin"
_DELIM = _BOUNDARY + 4  # "--" boundary CRLF


def _utf8_len(s: str) -> int:
    return len(s.encode("utf-8", "surrogateescape"))


def _text_lines(size: int, lead: int) -> int:
    """Lines of a TEXT filler of ``size`` octets whose lead line has ``lead`` characters (0:
    none): the closed form of ``Filler.line_sizes`` (as ``state._text_lines``)."""
    first = 1 if lead else 0
    rest = size - (lead + 2 if lead else 0)
    if rest <= 1:  # one octet left is a full stop on the lead line (Filler._lead_bytes)
        return first
    if rest == 2:
        return first + 1
    full, rem = divmod(rest, TEXT_LINE + 2)
    return first + full + (1 if rem else 0)


def _b64_size(decoded: int) -> int:
    chars = 4 * -(-decoded // 3)
    return chars + 2 * -(-chars // B64_LINE)


def _b64_lines(size: int) -> int:
    chars = size - 2 * (-(-size // (B64_LINE + 2)))
    return -(-chars // B64_LINE)


class _UserText:
    """Per-user constants: the lengths of ``From``/``To`` with the user's own address."""

    __slots__ = ("extra", "me", "me_chars")

    def __init__(self, name: str) -> None:
        me = f"{name} <{name}@lab.example>"
        self.me = _utf8_len(me)
        self.me_chars = len(me)
        self.extra = self.me - self.me_chars  # header octets beyond characters (non-ASCII name)


def fast_mail(
    spec: MessageSpec,
    trace: Trace,
    user: _UserText | None = None,
    leads: dict[tuple[str, ...], int] | None = None,
) -> Mail:
    """The :class:`Mail` of ``spec`` (equal to ``mail_of(spec, trace)``), computed arithmetically.

    ``user`` and ``leads`` are per-trace caches (user address lengths; keyword-tuple lengths)."""
    sc = trace.scenario
    if user is None:
        user = _UserText(sc.users[spec.user].name)
    kws = spec.keywords
    lead = leads.get(kws) if leads is not None else None
    if lead is None:
        lead = len(" ".join(kws))  # keywords are ASCII (a Filler lead must be)
        if leads is not None:
            leads[kws] = lead
    s97 = content_seed(sc.seed, spec) % 97
    other = (2 if s97 < 10 else 4) + _OTHER  # "sender{s97} <s{s97}@example.org>"
    mid = MailId(spec.id)
    id_digits = len(str(mid))
    # field lengths in characters (the shape key); only the user's name may be non-ASCII
    outgoing, reply_to = spec.outgoing, spec.reply_to
    if outgoing:
        f_from, f_to = _FROM + user.me_chars, _TO + other
        prefix = 0 if reply_to is None else 4  # "Re: "
    else:
        f_from, f_to, prefix = _FROM + other, _TO + user.me_chars, 0
    f_subject = _SUBJECT + prefix + (lead or _NOTE) + id_digits
    f_mid = _MESSAGE_ID + id_digits
    if reply_to is None:
        fields: tuple[int, ...] = (_DATE, f_from, f_to, f_subject, f_mid, _MIME)
        fixed = _DATE + _MIME
    else:
        f_reply = _IN_REPLY_TO + len(str(reply_to))
        fields = (_DATE, f_from, f_to, f_subject, f_mid, f_reply, _MIME)
        fixed = _DATE + _MIME + f_reply
    # sum of the field lengths, each plus CRLF, then the blank line (and the non-ASCII extra)
    head = fixed + f_from + f_to + f_subject + f_mid + 2 * len(fields) + 2 + user.extra
    text = max(spec.text_size, lead + 2 if lead else 0)  # at least the keyword lead line
    lines = _text_lines(text, lead)
    att_size = spec.attachment_size
    if not att_size:
        header = head + _TEXT_FIELDS_LEN
        size = header + text
        shape: tuple[object, ...] = (fields + _TEXT_FIELDS, len(str(text)), len(str(lines)))
        return Mail(
            mid,
            spec.user,
            spec.time,
            size,
            _shared(header),
            text,
            0,
            spec.infected,
            spec.detectable_at,
            kws,
            text,
            0,
            _structure(shape, spec, sc),
        )
    header = head + _MULTI_CT + 2
    name = _FILE + id_digits
    att_fields = (_ATT_CT + name, _ATT_CTE, _ATT_CD + name)
    att_header = _ATT_CT + _ATT_CTE + _ATT_CD + 2 * name + 2 * 3 + 2
    att_body = _b64_size(att_size)
    attachment = att_header + att_body
    body_total = _DELIM + (_TEXT_HEADER + text) + 2 + _DELIM + attachment + 2 + _DELIM + 2
    size = header + body_total
    shape = (
        fields + (_MULTI_CT,),
        _BOUNDARY,
        (
            (_TEXT_FIELDS, len(str(text)), len(str(lines))),
            (att_fields, len(str(att_body)), len(str(_b64_lines(att_body)))),
        ),
    )
    return Mail(
        mid,
        spec.user,
        spec.time,
        size,
        _shared(header),
        size - header - attachment,
        attachment,
        spec.infected,
        spec.detectable_at,
        kws,
        text,
        att_body,
        _structure(shape, spec, sc),
    )


_SHARED: dict[int, int] = {}


def _shared(n: int) -> int:
    """One int object per header size (a few hundred distinct values over 10^5 messages)."""
    return _SHARED.setdefault(n, n) if len(_SHARED) < 100_000 else n


def _structure(shape: tuple[object, ...], spec: MessageSpec, scenario: object) -> int:
    return structure_len_by_shape(shape, lambda: build_message(spec, scenario))  # type: ignore[arg-type]


def fast_mails(trace: Trace, specs: list[MessageSpec] | tuple[MessageSpec, ...]) -> list[Mail]:
    """:func:`fast_mail` of every spec of ``specs`` (all from ``trace``), with shared caches."""
    users = [_UserText(u.name) for u in trace.scenario.users]
    leads: dict[tuple[str, ...], int] = {}
    return [fast_mail(s, trace, users[s.user], leads) for s in specs]
