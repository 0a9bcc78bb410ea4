"""``python -m sim``: see :mod:`sim.cli.main` for the subcommands and how modules register them."""

import sys

from sim.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
