"""The two mail access protocols the lab compares, named once for the model, the CLI and the course.

A ``StrEnum`` so that a :class:`~sim.outputs.results.Result` or a transcript serialises to the plain
``"pop3"`` / ``"imap"`` strings the JSON output has always carried; ``label`` is the upper-case
name shown to learners."""

from __future__ import annotations

import enum


class Protocol(enum.StrEnum):
    """The mail access protocol a run, a device or a transcript uses (RFC 1939 or RFC 9051)."""

    POP3 = "pop3"
    IMAP = "imap"

    @property
    def label(self) -> str:
        """The name as learners read it: ``"POP3"`` or ``"IMAP"``."""
        return self.name
