"""Records of a client session driven in-process against a server engine.

Theory of operation
-------------------
Client operations (a POP3 poll, an IMAP sync...) are written as the command stream a real client
sends.  A driver feeds each command to a server engine, drains the engine's outbox and records one
:class:`Exchange` per command: the exact client bytes, the server's octets split by kind, the round
trips it cost, and -- when ``render=True`` -- the server's exact bytes for a transcript.  The simulation
reads the counts; the transcript command and the tests read the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .outbox import Counts, Outbox


@dataclass(frozen=True)
class Exchange:
    """One client command (or the greeting, with ``client == b''``) and the server's answer."""

    client: bytes
    server_counts: Counts
    server: bytes | None = None  # exact server bytes when rendered, else None
    note: str = ""
    round_trips: int = 1

    @property
    def client_bytes(self) -> int:
        return len(self.client)

    @property
    def server_bytes(self) -> int:
        return self.server_counts.total


@dataclass
class SessionRecord:
    """Everything one session put on the wire, in order."""

    protocol: str
    exchanges: list[Exchange] = field(default_factory=list)

    @property
    def client_bytes(self) -> int:
        return sum(e.client_bytes for e in self.exchanges)

    @property
    def server_bytes(self) -> int:
        return sum(e.server_bytes for e in self.exchanges)

    @property
    def round_trips(self) -> int:
        return sum(e.round_trips for e in self.exchanges)

    @property
    def server_counts(self) -> Counts:
        total = Counts()
        for e in self.exchanges:
            total += e.server_counts
        return total

    def lines(self) -> list[tuple[str, str]]:
        """(direction, text) pairs for a transcript: 'C' client, 'S' server; needs rendered bytes."""
        out: list[tuple[str, str]] = []
        for e in self.exchanges:
            for ln in _split_lines(e.client):
                out.append(("C", ln))
            if e.server is not None:
                for ln in _split_lines(e.server):
                    out.append(("S", ln))
        return out


def drain(outbox: Outbox, render: bool) -> tuple[Counts, bytes | None]:
    """Take the engine's pending output as counts, plus exact bytes when ``render`` is set."""
    if not render:
        return outbox.take_counts(), None
    counts = outbox.peek_counts()
    return counts, outbox.data_to_send()


def _split_lines(data: bytes) -> list[str]:
    if not data:
        return []
    parts = data.split(b"\r\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return [p.decode("utf-8", "backslashreplace") for p in parts]
