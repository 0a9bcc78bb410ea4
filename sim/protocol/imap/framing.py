"""Turns the client's byte stream into whole IMAP commands, literals included (RFC 9051 §4.3, §7.5).

Theory of operation
-------------------
An IMAP command is a line that may be interrupted by literals: ``a1 LOGIN {5}`` CRLF, five octets,
then the rest of the line.  The :class:`CommandFramer` buffers bytes and yields, in order:

* :class:`Framed` -- a complete command.  Its ``text`` is the command with each literal replaced by
  one NUL octet (NUL cannot occur in IMAP text, lines containing one are refused), and ``literals``
  holds the literal payloads in order; the command parser reads the two together.  A literal8
  (``~{n}``, RFC 9051 §4.3) is framed like a literal and listed in ``binary``.
* :class:`ContinuationNeeded` -- a synchronising literal ``{n}`` was announced and accepted: the engine
  must answer ``+`` before the client sends the octets.
* :class:`Refused` -- a line longer than ``max_line`` or a literal larger than the limit (which the
  engine may decide per command and session state through ``literal_limit``).  The framer
  recovers by itself: it drops the rest of the line (and, for a non-synchronising literal the client
  sends anyway, the literal's octets) so the next command parses cleanly.

The framer is pull-based (``feed`` then ``next_item`` until None) so that the engine can stop reading
after STARTTLS or LOGOUT and drop whatever was pipelined behind them.  Items never depend on how the
input was split into chunks: every decision looks at complete lines or at counted octets only.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

LITERAL_MARK = 0  # NUL stands in for a literal inside Framed.text
_LITERAL_AT_END = re.compile(rb"(~?)\{(\d{1,20})(\+?)\}$")  # literal8 "~{n}" too (RFC 9051 §4.3)
MAX_TAG = 64


@dataclass(frozen=True)
class Framed:
    """A whole command: text with NUL octets where literals were, and the literals."""

    text: bytes
    literals: tuple[bytes, ...]
    #: indexes of the literals sent as literal8 (``~{n}``), which only APPEND accepts
    binary: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ContinuationNeeded:
    """The client waits for ``+`` before sending ``size`` literal octets."""

    size: int


class RefusalKind(enum.Enum):
    LINE_TOO_LONG = "line too long"
    LITERAL_TOO_LARGE = "literal too large"
    COMMAND_TOO_LARGE = "command too large"
    NUL_OCTET = "NUL octet"
    PREAUTH_LITERAL = "literal too large before authentication"
    OVER_QUOTA = "over quota"


@dataclass(frozen=True)
class Refused:
    """Input the framer would not buffer; ``tag`` is the command's tag if one was readable.
    ``sync`` is False when the refused literal was non-synchronising: its octets were sent anyway."""

    tag: str | None
    kind: RefusalKind
    detail: str
    sync: bool = True


@dataclass(frozen=True)
class LiteralLimit:
    """The most literal octets the command so far may carry, and how to refuse more."""

    octets: int
    kind: RefusalKind = RefusalKind.LITERAL_TOO_LARGE
    detail: str = "per command"
    #: the engine closes the connection on this refusal: report it at once, even for a
    #: non-synchronising literal, instead of reading (and skipping) octets nobody will use
    fatal: bool = False


FramerItem = Framed | ContinuationNeeded | Refused


class _Mode(enum.Enum):
    LINE = "line"
    LITERAL = "literal"
    SKIP_LITERAL = "skip literal"
    DISCARD_LINE = "discard line"


def tag_of(line: bytes) -> str | None:
    """The tag at the start of a (possibly partial) command line, if it looks like one."""
    head = line[: MAX_TAG + 1]
    space = head.find(b" ")
    if space >= 0:
        head = head[:space]
    elif len(line) > MAX_TAG:
        return None
    if not head or any(c < 0x21 or c > 0x7E or c in b'+*(){%\\"' for c in head):
        return None
    return head.decode("ascii")


class CommandFramer:
    """Splits input into commands with their literals; bounded memory whatever the input."""

    def __init__(
        self,
        *,
        max_line: int,
        max_literal: int,
        max_append_literal: int,
        literal_limit: Callable[[bytes], LiteralLimit] | None = None,
    ) -> None:
        for name, value in (
            ("max_line", max_line),
            ("max_literal", max_literal),
            ("max_append_literal", max_append_literal),
        ):
            if value < 1:
                raise ValueError(f"{name}={value}: allowed >= 1")
        self.max_line = max_line
        self.max_literal = max_literal
        self.max_append_literal = max_append_literal
        #: decides the limit from the command text so far (the engine knows the session state);
        #: asked when the ``{n}`` arrives, i.e. after every earlier command has been executed
        self.literal_limit = literal_limit
        self._buf = bytearray()
        self._mode = _Mode.LINE
        self._text = bytearray()  # the command so far (completed segments)
        self._literals: list[bytes] = []
        self._binary: set[int] = set()
        self._literal_left = 0
        self._literal = bytearray()
        self._pending: list[FramerItem] = []
        self._discard_refusal: Refused | None = None

    def feed(self, data: bytes) -> None:
        self._buf += data

    def clear(self) -> None:
        """Forget everything buffered (after STARTTLS: plaintext pipelined behind it is dropped)."""
        self._buf.clear()
        self._reset_command()
        self._mode = _Mode.LINE
        self._pending.clear()
        self._discard_refusal = None

    @property
    def buffered(self) -> int:
        return len(self._buf) + len(self._text) + len(self._literal)

    @property
    def partial(self) -> bytes:
        """The command text received so far (literals as NUL), before it is complete."""
        return bytes(self._text)

    def _reset_command(self) -> None:
        self._text = bytearray()
        self._literals = []
        self._binary = set()
        self._literal = bytearray()
        self._literal_left = 0

    def _limit(self) -> LiteralLimit:
        if self.literal_limit is not None:
            return self.literal_limit(bytes(self._text))
        head = bytes(self._text[:64]).split(b" ")
        if len(head) > 1 and head[1].upper() == b"APPEND":
            return LiteralLimit(self.max_append_literal)
        return LiteralLimit(self.max_literal)

    def next_item(self) -> FramerItem | None:
        """The next complete item, or None when more input is needed."""
        while True:
            if self._pending:
                return self._pending.pop(0)
            if not self._step():
                return None

    def _step(self) -> bool:
        """Advance by one decision; False when the buffer holds too little to decide."""
        if self._mode is _Mode.LITERAL:
            take = min(self._literal_left, len(self._buf))
            if take == 0 and self._literal_left:
                return False
            self._literal += self._buf[:take]
            del self._buf[:take]
            self._literal_left -= take
            if self._literal_left:
                return False
            self._literals.append(bytes(self._literal))
            self._literal = bytearray()
            self._text.append(LITERAL_MARK)
            self._mode = _Mode.LINE
            return True
        if self._mode is _Mode.SKIP_LITERAL:
            take = min(self._literal_left, len(self._buf))
            if take == 0 and self._literal_left:
                return False
            del self._buf[:take]
            self._literal_left -= take
            if self._literal_left:
                return False
            self._mode = _Mode.DISCARD_LINE
            return True
        if self._mode is _Mode.DISCARD_LINE:
            end = self._buf.find(b"\n")
            if end < 0:
                self._buf.clear()
                return False
            del self._buf[: end + 1]
            self._mode = _Mode.LINE
            refusal = self._discard_refusal
            self._discard_refusal = None
            self._reset_command()
            if refusal is not None:
                self._pending.append(refusal)
            return True
        # LINE mode
        end = self._buf.find(b"\n")
        if end < 0:
            if len(self._buf) > self.max_line + 1:
                self._start_discard(
                    RefusalKind.LINE_TOO_LONG, f"line longer than {self.max_line} octets"
                )
                return True
            return False
        line = bytes(self._buf[:end])
        del self._buf[: end + 1]
        if line.endswith(b"\r"):
            line = line[:-1]
        if len(line) > self.max_line:
            tag = tag_of(bytes(self._text) + line)
            self._reset_command()
            self._pending.append(
                Refused(tag, RefusalKind.LINE_TOO_LONG, f"line longer than {self.max_line} octets")
            )
            return True
        if b"\x00" in line:  # NUL marks literals in Framed.text and is never valid IMAP text
            tag = tag_of(bytes(self._text) + line)
            self._reset_command()
            self._pending.append(
                Refused(tag, RefusalKind.NUL_OCTET, "NUL is not allowed in a command")
            )
            return True
        m = _LITERAL_AT_END.search(line)
        if m is None:
            self._text += line
            item = Framed(bytes(self._text), tuple(self._literals), frozenset(self._binary))
            self._reset_command()
            self._pending.append(item)
            return True
        size = int(m.group(2))
        sync = not m.group(3)
        if m.group(1):
            self._binary.add(len(self._literals))
        self._text += line[: m.start()]
        limit = self._limit()
        total = sum(len(x) for x in self._literals) + size
        if size > limit.octets or total > limit.octets:
            kind = limit.kind
            if size <= limit.octets and kind is RefusalKind.LITERAL_TOO_LARGE:
                kind = RefusalKind.COMMAND_TOO_LARGE
            refusal = Refused(
                tag_of(bytes(self._text)),
                kind,
                f"literal of {size} octets; allowed at most {limit.octets} {limit.detail}",
                sync,
            )
            if sync or limit.fatal:  # the client will not send it (or nobody reads it): end here
                self._reset_command()
                self._pending.append(refusal)
            else:  # the client sends it anyway: skip its octets and the rest of the line
                self._literal_left = size
                self._discard_refusal = refusal
                self._mode = _Mode.SKIP_LITERAL
            return True
        if len(self._text) > 4 * self.max_line:
            refusal = Refused(
                tag_of(bytes(self._text)),
                RefusalKind.COMMAND_TOO_LARGE,
                f"command text longer than {4 * self.max_line} octets",
                sync,
            )
            if sync:
                self._reset_command()
                self._pending.append(refusal)
            else:
                self._literal_left = size
                self._discard_refusal = refusal
                self._mode = _Mode.SKIP_LITERAL
            return True
        self._literal_left = size
        self._mode = _Mode.LITERAL
        if sync:
            self._pending.append(ContinuationNeeded(size))
        return True

    def _start_discard(self, kind: RefusalKind, detail: str) -> None:
        tag = tag_of(bytes(self._text) + bytes(self._buf[: MAX_TAG + 1]))
        self._buf.clear()
        self._discard_refusal = Refused(tag, kind, detail)
        self._mode = _Mode.DISCARD_LINE
