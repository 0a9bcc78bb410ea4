"""The discrete-event model (DESIGN.md §3): server, devices, POP3 and IMAP clients on SimPy.

``run(scenario, Protocol.POP3 | Protocol.IMAP, trace=None) -> sim.results.Result``.
"""

from .. import native

# before any submodule is imported: the compiled build of the hot modules, when it is current
native.activate(__path__)

from .run import Protocol, run  # noqa: E402 (after the choice of build)

__all__ = ["Protocol", "run"]
