"""``python -m course``: bad arguments give one line naming the argument, with exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from course.__main__ import main


@pytest.mark.parametrize(
    "args, message",
    [
        (["figures", "--out", "OUT", "--dpi", "0"], "--dpi=0: allowed 50..600"),
        (["figures", "--out", "FILE"], "is a file; allowed a folder"),
        (
            ["figures", "--out", "OUT", "--lessons", "99"],
            "--lessons: 99 is outside the allowed range",
        ),
        (["bench", "--repeat", "0"], "--repeat=0: allowed 1..1000"),
        (["unseal", "not-a-token"], "token must be a str starting with 'sealed:'"),
        (["nope"], "invalid choice"),
    ],
)
def test_bad_arguments_give_one_line_and_status_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "FILE").write_text("not a folder")
    args = [str(tmp_path / a) if a in ("OUT", "FILE") else a for a in args]
    try:
        status = main(args)
    except SystemExit as exc:  # argparse's errors
        status = int(exc.code or 0)
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in err
    assert not (tmp_path / "OUT").exists()  # nothing was written


def test_help_reads_as_plain_text() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "course", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "``" not in done.stdout and "figures" in done.stdout
