"""``python -m sim transcript``: exact byte totals, annotations, JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main as cli
from sim.live.transcript import Direction, Example, Protocol, build

ROOT = Path(__file__).resolve().parents[2]

# The default transcripts' totals, pinned: a change in any engine's framing shows up here.  (IMAP's
# SELECT answers an IMAP4rev1 client with "* 0 RECENT" and "* OK [UNSEEN 1] First unseen.", RFC
# 3501 §6.3.1: 12 + 31 octets more than the 2,792 of the rev2-style reply.)
POP3_TYPICAL = {"client_bytes": 107, "server_bytes": 2476}
IMAP_TYPICAL = {"client_bytes": 349, "server_bytes": 2835}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert cli.main(["transcript", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_rfc1939_json_reports_95_and_620_from_the_real_command() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "transcript", "pop3", "--example", "rfc1939", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["client_bytes"] == 95
    assert data["server_bytes"] == 620
    assert data["server_counts"] == {"framing": 300, "header": 162, "body": 158, "attachment": 0}
    texts = [(ln["direction"], ln["text"]) for ln in data["lines"]]
    assert texts[0] == ("S", "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>")
    assert texts[1] == ("C", "APOP mrose c4c9334bac560ecc979e58001b3e22fb")
    assert ("C", "DELE 1") in texts and texts[-1][0] == "S"
    # client bytes are exactly the client lines plus CRLF each
    assert sum(len(t) + 2 for d, t in texts if d == "C") == 95
    assert sum(len(t) + 2 for d, t in texts if d == "S") == 620


def test_pop3_typical_totals_are_stable(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "pop3")
    assert {k: data[k] for k in POP3_TYPICAL} == POP3_TYPICAL
    lines = data["lines"]
    assert all(set(ln) >= {"direction", "text", "annotation"} for ln in lines)
    assert sum(len(ln["text"]) + 2 for ln in lines if ln["direction"] == "C") == 107
    assert sum(len(ln["text"]) + 2 for ln in lines if ln["direction"] == "S") == 2476


def test_pop3_annotations_explain_the_steps() -> None:
    transcript = build(Protocol.POP3, Example.TYPICAL)
    notes = {
        ln.text.split(" ")[0]: ln.annotation
        for ln in transcript.lines
        if ln.direction is Direction.CLIENT
    }
    assert notes["DELE"] == "DELE only marks; removal happens at QUIT"
    assert "UPDATE" in notes["QUIT"]
    assert "cleartext" in notes["PASS"]
    ends = [ln for ln in transcript.lines if ln.text == "." and ln.direction is Direction.SERVER]
    assert len(ends) == 6  # CAPA, LIST, UIDL and three RETR
    assert "ends the multi-line reply" in ends[0].annotation
    assert all(ln.annotation == "" for ln in ends[1:])  # a server note is given once
    assert not any(ln.payload for ln in transcript.lines if ln.direction is Direction.CLIENT)


def test_text_form_has_totals_and_elides_long_payloads(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["transcript", "pop3"]) == 0
    text = capsys.readouterr().out
    assert "client sent 107 bytes; server sent 2476 bytes" in text
    assert "more lines of message content" in text
    assert "C: DELE 1" in text
    assert cli.main(["transcript", "pop3", "--full"]) == 0
    full = capsys.readouterr().out
    assert "more lines of message content" not in full
    assert len(full.splitlines()) > len(text.splitlines())


def test_imap_typical_totals_are_stable(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "imap")
    assert {k: data[k] for k in IMAP_TYPICAL} == IMAP_TYPICAL
    assert data["server_counts"]["attachment"] > 0  # the attachment fetched on demand
    lines = data["lines"]
    assert sum(len(ln["text"]) + 2 for ln in lines if ln["direction"] == "C") == 349
    assert sum(len(ln["text"]) + 2 for ln in lines if ln["direction"] == "S") == 2835
    assert data["round_trips"] == sum(e["round_trips"] for e in data["exchanges"])


def test_imap_annotations_explain_idle_and_partial_fetch() -> None:
    transcript = build(Protocol.IMAP, Example.TYPICAL)
    by_text = {ln.text: ln for ln in transcript.lines}
    assert by_text["DONE"].direction is Direction.CLIENT
    assert "ends IDLE" in by_text["DONE"].annotation
    pushed = [ln for ln in transcript.lines if ln.annotation.startswith("pushed while idling")]
    assert len(pushed) == 1 and pushed[0].text.endswith(" EXISTS")
    assert "notice" in pushed[0].annotation
    fetches = [
        ln for ln in transcript.lines if ln.direction is Direction.CLIENT and "FETCH" in ln.text
    ]
    assert any("attachment" in ln.annotation for ln in fetches)
    assert any("\\Seen" in ln.annotation for ln in fetches)
    literal_lines = [ln for ln in transcript.lines if ln.payload]
    assert literal_lines and all(ln.direction is Direction.SERVER for ln in literal_lines)


@pytest.mark.parametrize("protocol", ["pop3", "imap"])
def test_transcripts_are_deterministic(protocol: str) -> None:
    first = build(Protocol(protocol)).to_json()
    second = build(Protocol(protocol)).to_json()
    assert first == second


def test_rfc9051_sample_session_exchanges_match_facts(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "imap", "--example", "rfc9051")
    sizes = {
        e["client"].split(" ", 1)[-1].strip(): (e["client_bytes"], e["server_bytes"])
        for e in data["exchanges"]
        if e["client"]
    }
    assert sizes["fetch 12 body[header]"] == (28, 60 + 342)  # FACTS.md: RFC 9051 §8
    assert sizes["fetch 12 full"] == (20, 585)
    assert sizes["store 12 +flags \\deleted"] == (31, 37 + 26)
    assert (data["client_bytes"], data["server_bytes"]) == (134, 1468)


def test_leave_on_server_downloads_only_the_new_message(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "pop3", "--example", "leave-on-server")
    assert (data["client_bytes"], data["server_bytes"]) == (61, 728)
    commands = [e["client"].strip() for e in data["exchanges"] if e["client"]]
    assert [c for c in commands if c.startswith(("RETR", "DELE"))] == ["RETR 4"]
    notes = {ln["text"]: ln["annotation"] for ln in data["lines"] if ln["direction"] == "S"}
    assert notes["4 1.4"].startswith("new since the last poll")
    assert notes["1 1.1"].startswith("already downloaded")


def test_headers_first_tops_everything_and_retrieves_the_small(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = run_json(capsys, "pop3", "--example", "headers-first")
    assert (data["client_bytes"], data["server_bytes"]) == (96, 2054)
    commands = [e["client"].strip() for e in data["exchanges"] if e["client"]]
    assert [c for c in commands if c.startswith(("TOP", "RETR"))] == [
        "TOP 1 0",
        "RETR 1",
        "TOP 2 0",
        "TOP 3 0",
        "RETR 3",
    ]
    assert data["server_counts"]["attachment"] == 0  # the photo never crossed the wire
