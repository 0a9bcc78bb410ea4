"""``python -m sim compare``: JSON keys, the table, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim.cli.main import main

KEYS = {
    "server_storage_bytes",
    "device_storage_bytes",
    "consistency_mean",
    "coverage_mean",
    "state_agreement_mean",
    "crash_lost_messages",
    "wire_bytes",
    "duplicate_download_bytes",
    "notification_delay_s",
    "missed_messages",
}


def test_json_has_the_keys_of_issue_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "compare",
                "--preset",
                "family",
                "--days",
                "2",
                "--seed",
                "3",
                "--crash",
                "phone@1.5",
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"scenario", "pop3", "imap"}
    devices = {"alex/phone", "alex/laptop", "alex/desktop"}
    for proto in ("pop3", "imap"):
        obj = out[proto]
        assert set(obj) >= KEYS
        assert set(obj["device_storage_bytes"]) == devices == set(obj["wire_bytes"])
        assert set(obj["missed_messages"]) == devices
        delay = obj["notification_delay_s"]
        assert set(delay) == {"median", "p95", "samples", "never", "by_device"}
        assert set(delay["by_device"]) == devices
        for each in delay["by_device"].values():
            assert set(each) == {"median", "p95", "samples", "never"}
        # pooled over the same pairs as the devices: every device's pairs, shown or not
        assert delay["samples"] == sum(d["samples"] for d in delay["by_device"].values())
        assert delay["never"] == sum(d["never"] for d in delay["by_device"].values())
        assert obj["missed_distinct_messages"] <= min(
            obj["delivered_messages"], sum(obj["missed_messages"].values())
        )
    # one definition for both protocols: the same pairs (shown + never) in both runs
    pairs = [
        out[p]["notification_delay_s"]["samples"] + out[p]["notification_delay_s"]["never"]
        for p in ("pop3", "imap")
    ]
    assert pairs[0] == pairs[1] > 0
    assert out["pop3"]["crash_lost_messages"] > 0 and out["imap"]["crash_lost_messages"] == 0
    assert out["scenario"]["crashes"] == [["phone", 1.5]]


def test_table_lists_both_protocols(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--preset", "single", "--days", "1"]) == 0
    text = capsys.readouterr().out
    assert "POP3" in text and "IMAP" in text and "server_storage_bytes" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--preset", "nope"], "--preset='nope': allowed one of single, family"),
        (["--preset", "family", "--days", "0"], "--days=0: allowed 1..400"),
        (["--preset", "family", "--seed", "x"], "--seed='x': not an integer"),
        (["--preset", "family", "--crash", "phone"], "--crash='phone': allowed DEVICE@DAY"),
        (["--preset", "family", "--crash", "tablet@1"], "--crash='tablet': allowed one of"),
        (["--preset", "family", "--days", "2", "--crash", "phone@3"], "allowed DAY 0..2"),
    ],
)
def test_bad_arguments_give_one_line_and_status_2(args: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "compare", *args], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_json_reports_the_metered_phones_bytes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--preset", "traveller", "--days", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for proto in ("pop3", "imap"):
        obj = out[proto]
        assert obj["metered_wire_bytes"] == obj["wire_bytes"]["sam/phone"]  # the metered link
    assert out["imap"]["metered_wire_bytes"] < out["pop3"]["metered_wire_bytes"]


def test_a_big_preset_is_summarised_per_kind_of_device() -> None:
    """Campus has 1,500 devices: the table shows one row per kind (means, and the delay's pairs
    summed), not a row per device; the JSON and --by-device keep every device."""
    from sim.cli.compare import table

    devices = [f"u{k:03d}/{kind}" for k in range(10) for kind in ("phone", "laptop")]
    delay = {d: {"median": 1.0, "p95": 2.0, "samples": 3, "never": 1} for d in devices}
    side = {
        "wire_bytes": {d: 100 * (1 + d.endswith("phone")) for d in devices},
        "notification_delay_s": {"median": 1.0, "by_device": delay},
    }
    out = {
        "scenario": {"preset": "campus", "days": 1, "seed": 1, "users": 10, "devices": devices},
        "pop3": side,
        "imap": side,
    }
    short = table(out, by_device=False)
    assert "u003" not in short and "per kind of device" in short
    assert "wire_bytes[phone (mean of 10)]" in short and "wire_bytes[laptop (mean of 10)]" in short
    phone_line = next(line for line in short.splitlines() if "[phone (10)][samples]" in line)
    assert phone_line.split()[-2:] == ["30", "30"]  # 10 phones x 3 pairs shown
    assert len(short.splitlines()) < 12
    full = table(out, by_device=True)
    assert "wire_bytes[u003/phone]" in full and len(full.splitlines()) > 80


def test_by_device_is_an_option(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--preset", "single", "--days", "1", "--by-device"]) == 0
    assert "desktop" in capsys.readouterr().out
