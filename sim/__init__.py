"""POP vs IMAP Lab: the discrete-event model of mail access (SimPy), over sans-IO protocol engines."""

from . import native

# before any submodule is imported: the compiled build of the hot modules, when it is current
native.activate(__name__, __path__)
