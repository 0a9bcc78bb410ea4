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


def record(
    session: SessionRecord,
    outbox: Outbox,
    client: bytes,
    *,
    render: bool,
    note: str = "",
    round_trips: int = 1,
) -> bytes:
    """Drain ``outbox`` into a new Exchange of ``session``; returns what the client may parse
    (exact bytes when rendering, else the framing without payloads)."""
    counts, data = outbox.drain(render)
    session.exchanges.append(Exchange(client, counts, data if render else None, note, round_trips))
    return data


def _split_lines(data: bytes) -> list[str]:
    if not data:
        return []
    parts = data.split(b"\r\n")
    if parts and parts[-1] == b"":
        parts.pop()
    return [p.decode("utf-8", "backslashreplace") for p in parts]
