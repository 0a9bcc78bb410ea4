"""``--workers`` and ``--dask`` on ``compare`` and ``lesson``: same output whatever the sharding."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cli_support import run_main


@pytest.mark.parametrize("command", [("compare", "--preset", "campus"), ("lesson", "10")])
@pytest.mark.parametrize("bad", ["0", "513", "two"])
def test_workers_out_of_range_is_one_line_naming_the_option(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...], bad: str
) -> None:
    status, out, err = run_main(capsys, *command, "--workers", bad)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "--workers" in err and "1..512" in err


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_compare_json_is_the_same_on_one_two_workers_and_dask(
    capsys: pytest.CaptureFixture[str], worker_processes: Callable[[], list[Any]]
) -> None:
    """campus (500 users), a crash: one process, two processes, a local Dask cluster."""
    args = ("compare", "--preset", "campus", "--days", "1", "--crash", "u001/phone@0.5", "--json")
    runs = [("--workers", "1"), ("--workers", "2")]
    try:
        import distributed  # noqa: F401

        runs.append(("--workers", "2", "--dask", "local"))
    except ImportError:  # the optional 'dask' extra: `run.py test` installs it
        pass
    outs = []
    for extra in runs:
        status, out, _ = run_main(capsys, *args, *extra)
        assert status == 0
        outs.append(out)
    assert len(set(outs)) == 1
    one = json.loads(outs[0])
    assert one["scenario"]["users"] == 500 and one["pop3"]["crash_lost_messages"] >= 0
    assert worker_processes() == []
