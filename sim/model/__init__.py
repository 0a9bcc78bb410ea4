"""The discrete-event model (DESIGN.md §3): server, devices, POP3 and IMAP clients on SimPy.

``simulate(scenario, Protocol.POP3 | Protocol.IMAP, trace=None) -> sim.outputs.results.Result``.
"""

from ..inputs.access import Protocol
from .simulation import simulate

__all__ = ["Protocol", "simulate"]
