"""The outgoing byte buffer shared by both engines: framing as bytes, payloads as lazy slices.

Theory of operation
-------------------
An engine writes protocol framing as real bytes and message payloads as *references*
(message, start, length, stuffed?).  A socket adapter calls :meth:`Outbox.data_to_send` and gets exact
bytes, materialised only then; the simulation calls :meth:`Outbox.take_counts` and gets the same
number of octets split into framing / header / body / attachment without building any payload.
Both drain the buffer, so each byte is counted exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass

from .message import ByteKind, Message, line_split


@dataclass(frozen=True)
class PayloadRef:
    """``length`` octets of ``message.render()`` from ``start``; ``stuffed`` applies POP3 dot-stuffing."""

    message: Message
    start: int
    length: int
    stuffed: bool = False

    @property
    def extra(self) -> int:
        """Octets POP3 framing adds on the wire (stuffing, CRLF for bare line ends, a final CRLF)."""
        if not self.stuffed or self.message.pop3_clean:
            return 0
        data = self.message.render()[self.start : self.start + self.length]
        return len(pop3_lines(data)) - len(data)

    def render(self) -> bytes:
        data = self.message.render()[self.start : self.start + self.length]
        if self.stuffed and not self.message.pop3_clean:
            data = pop3_lines(data)
        return data


def pop3_lines(data: bytes) -> bytes:
    """``data`` framed as a POP3 multi-line body (RFC 1939 §3), whatever its stored line ends:
    every line goes out ending CRLF and every line starting with '.' gets one more '.', so no
    stored line can end the reply early or pass for a server reply."""
    return b"".join((b"." + ln if ln[:1] == b"." else ln) + b"\r\n" for ln in line_split(data))


def stuffed_extra(data: bytes) -> int:
    """Octets that dot-stuffing adds to ``data`` (lines starting with '.')."""
    return int(data.startswith(b".")) + data.count(b"\r\n.")


@dataclass
class Counts:
    """Octets by kind; ``total`` is what went over the wire (excluding TLS, added by the model)."""

    framing: int = 0
    header: int = 0
    body: int = 0
    attachment: int = 0

    @property
    def total(self) -> int:
        return self.framing + self.header + self.body + self.attachment

    def add(self, kind: ByteKind, n: int) -> None:
        if kind is ByteKind.FRAMING:
            self.framing += n
        elif kind is ByteKind.HEADER:
            self.header += n
        elif kind is ByteKind.BODY:
            self.body += n
        else:
            self.attachment += n

    def __iadd__(self, other: Counts) -> Counts:
        self.framing += other.framing
        self.header += other.header
        self.body += other.body
        self.attachment += other.attachment
        return self


class Outbox:
    """Pending output of one engine: a list of bytes and payload references."""

    def __init__(self) -> None:
        self._items: list[bytes | PayloadRef] = []
        self._size = 0
        # the last message rendered: an IMAP client fetching a large attachment in 64 KiB chunks
        # sends one command per chunk, and each would otherwise render the whole message again
        self._rendered: tuple[Message, bytes] | None = None

    def write(self, data: bytes) -> None:
        """Queue framing bytes (status lines, tags, literal prefixes, terminators)."""
        if data:
            self._items.append(data)
            self._size += len(data)

    def write_payload(
        self, message: Message, start: int = 0, length: int | None = None, *, stuffed: bool = False
    ) -> int:
        """Queue a slice of a message; returns the octets it will occupy on the wire."""
        end = message.size if length is None else min(message.size, start + max(0, length))
        start = min(max(0, start), message.size)
        ref = PayloadRef(message, start, max(0, end - start), stuffed)
        self._items.append(ref)
        wire = ref.length + ref.extra
        self._size += wire
        return wire

    @property
    def pending(self) -> int:
        """Octets queued and not yet drained."""
        return self._size

    def data_to_send(self) -> bytes:
        """Exact bytes of everything queued (payloads rendered now); clears the buffer."""
        out = b"".join(i if isinstance(i, bytes) else self._render(i) for i in self._items)
        self._items.clear()
        self._size = 0
        return out

    def _render(self, ref: PayloadRef) -> bytes:
        if self._rendered is None or self._rendered[0] is not ref.message:
            self._rendered = (ref.message, ref.message.render())
        data = self._rendered[1][ref.start : ref.start + ref.length]
        return pop3_lines(data) if ref.stuffed and not ref.message.pop3_clean else data

    def drain(self, render: bool) -> tuple[Counts, bytes]:
        """Counts by kind plus bytes: exact bytes when ``render``, else the framing alone (payloads
        left out), which is all a client needs to parse status lines and listings. Clears."""
        counts = self.peek_counts()
        if render:
            return counts, self.data_to_send()
        data = b"".join(i for i in self._items if isinstance(i, bytes))
        self._items.clear()
        self._size = 0
        return counts, data

    def take_counts(self) -> Counts:
        """Octets of everything queued, split by kind, without rendering; clears the buffer."""
        counts = self.peek_counts()
        self._items.clear()
        self._size = 0
        return counts

    def peek_counts(self) -> Counts:
        """Octets of everything queued, split by kind, leaving the buffer as it is."""
        counts = Counts()
        for item in self._items:
            if isinstance(item, bytes):
                counts.framing += len(item)
                continue
            for kind, n in item.message.kind_sizes(item.start, item.length).items():
                counts.add(kind, n)
            counts.framing += item.extra
        return counts
