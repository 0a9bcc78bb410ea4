"""The ``serve`` fixture (see live_support.py); helpers live there under a name no other test
folder uses, so test modules never import an ambiguous ``conftest``."""

from live_support import serve

__all__ = ["serve"]
