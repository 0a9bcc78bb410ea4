"""The discrete-event model (DESIGN.md §3): server, devices, POP3 and IMAP clients on SimPy.

``run(scenario, Protocol.POP3 | Protocol.IMAP, trace=None) -> sim.results.Result``.
"""

from ..access import Protocol
from .run import run

__all__ = ["Protocol", "run"]
