"""Bad arguments: one line naming the parameter and its range, status 2, no traceback."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import run_main

from sim.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["serve", "--users", "0"], "--users=0: allowed 1..100"),
        (["serve", "--users", "many"], "--users='many': not an integer; allowed 1..100"),
        (["serve", "--messages", "1001"], "--messages=1001: allowed 0..1000"),
        (["serve", "--pop3-port", "70000"], "--pop3-port=70000: allowed 0..65535"),
        (["serve", "--imap-port", "-1"], "--imap-port=-1: allowed 0..65535"),
        (["serve", "--seed", "-3"], "--seed=-3: allowed 0.."),
        (["serve", "--deliver-every", "0"], "--deliver-every=0: allowed > 0 and <= 86400"),
        (["serve", "--deliver-every", "nan"], "--deliver-every=nan: allowed > 0 and <= 86400"),
        (
            ["serve", "--pop3-port", "4100", "--imap-port", "4100"],
            "--pop3-port=4100 and --imap-port=4100: must differ",
        ),
        (
            ["serve", "--pop3s-port", "995"],
            "--pop3s-port=995: allowed only with --tls-cert/--tls-key",
        ),
        (
            [
                "serve",
                "--imap-port",
                "4100",
                "--imaps-port",
                "4100",
                "--tls-cert",
                "c",
                "--tls-key",
                "k",
            ],
            "--imap-port=4100 and --imaps-port=4100: must differ",
        ),
        (["serve", "--tls-key", "k.pem"], "--tls-key needs --tls-cert as well"),
        (["serve", "--profile", "exchange"], "--profile='exchange': allowed dovecot, rfc"),
        (["transcript", "smtp"], "invalid choice: 'smtp'"),
        (
            ["transcript", "imap", "--example", "rfc1939"],
            "--example=rfc1939: allowed only with pop3",
        ),
        (["transcript", "pop3", "--example", "rfc9999"], "invalid choice: 'rfc9999'"),
        (
            ["transcript", "pop3", "--example", "rfc9051"],
            "--example=rfc9051: allowed only with imap",
        ),
        (
            ["transcript", "imap", "--example", "headers-first"],
            "--example=headers-first: allowed only with pop3",
        ),
        (["no-such-command"], "invalid choice: 'no-such-command'"),
    ],
)
def test_bad_argument_is_one_line_with_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    status, out, err = run_main(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("python -m sim")
    assert expected in err
    assert "Traceback" not in err


def test_no_command_prints_help_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(capsys)
    assert status == 2
    assert "serve" in out and "transcript" in out


def test_subprocess_bad_argument_has_no_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "serve", "--users", "101"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == "python -m sim serve: error: --users=101: allowed 1..100\n"


def test_range_types_accept_bounds() -> None:
    parse_int = cli.int_in_range("--n", 1, 5)
    assert parse_int("1") == 1 and parse_int("5") == 5
    with pytest.raises(argparse.ArgumentTypeError, match=r"--n=6: allowed 1\.\.5"):
        parse_int("6")
    parse_float = cli.float_in_range("--x", 0.0, 2.0, low_open=True)
    assert parse_float("2") == 2.0
    with pytest.raises(argparse.ArgumentTypeError, match="--x=0: allowed > 0 and <= 2"):
        parse_float("0")


def test_registry_skips_absent_modules_but_not_broken_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        cli, "SUBCOMMANDS", {"serve": "sim.live.loopback", "later": "sim.no_such_module"}
    )
    parser = cli.build_parser()
    assert parser.parse_args(["serve"]).command == "serve"
    # a module that exists but fails inside its own imports is reported, not hidden
    monkeypatch.setattr(cli.importlib, "import_module", _broken_import)
    with pytest.raises(ModuleNotFoundError, match="junk_dependency"):
        cli.build_parser()


def _broken_import(name: str) -> object:
    raise ModuleNotFoundError("No module named 'junk_dependency'", name="junk_dependency")


def test_a_command_loads_only_its_own_module() -> None:
    code = (
        "import sys; from sim.cli import main as cli; cli.build_parser('serve'); "
        "print('sim.live.loopback' in sys.modules, 'sim.live.transcript' in sys.modules, "
        "'simpy' in sys.modules)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.split() == ["True", "False", "False"], proc.stderr
