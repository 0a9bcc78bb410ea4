"""What the command-line tests share: run ``python -m sim`` in-process and capture its output."""

from __future__ import annotations

import pytest

from sim.cli import main as cli


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of ``python -m sim ARGV``, run in this process."""
    try:
        status = cli.main(list(argv))
    except SystemExit as exc:  # argparse exits on parse errors
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err
