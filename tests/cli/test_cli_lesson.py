"""``python -m sim lesson N``: options read from the experiments' signatures, every number out,
one-line errors with status 2, and the instructor guide's table of expected values."""

from __future__ import annotations

import importlib.util
import inspect
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cli_support import run_main

from sim.cli import lesson as cli_lesson
from sim.inputs.scenario import FetchMode
from sim.lessons import experiments
from sim.outputs.results import Result

ROOT = Path(__file__).resolve().parents[2]


def _keywords(fn: Callable[..., Any]) -> list[str]:
    """The keywords a command-line option can set (a ``progress`` callback is not one)."""
    return [name for name in inspect.signature(fn).parameters if name != "progress"]


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    status, out, err = run_main(capsys, "lesson", *argv, "--json")
    assert status == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


# -- every lesson at its defaults ------------------------------------------------------------------


@pytest.fixture(scope="module")
def defaults() -> dict[int, dict[str, Any]]:
    """Each lesson's JSON at the experiment's defaults (one in-process run per lesson)."""
    out = {}
    for n in cli_lesson.LESSONS:
        obj = cli_lesson.run_lesson(n)
        json.dumps(obj, allow_nan=False)  # plain JSON, no NaN
        out[n] = obj
    return out


@pytest.mark.parametrize("n", list(cli_lesson.LESSONS))
def test_each_lesson_runs_at_defaults_and_returns_its_keys(defaults: dict, n: int) -> None:
    obj = defaults[n]
    assert set(obj) == {"lesson", "parameters", "values"} and obj["lesson"] == n
    fn = cli_lesson.lesson_function(n)
    names = _keywords(fn)
    assert list(obj["parameters"])[: len(names)] == names  # every keyword, in signature order
    record = fn()
    fields = record.__dataclass_fields__.values()
    assert list(obj["values"]) != [] and set(obj["values"]) == {
        f.name for f in fields if f.metadata.get("values", True)
    }
    if n == 0:  # the workload trace is no number: left out
        assert "trace" in {f.name for f in fields} and "trace" not in obj["values"]
    if n == 2:
        assert {r["port"] for r in obj["values"]["rows"]} == {110, 995, 143, 993}
        return
    for proto in ("pop3", "imap"):  # the compact summary of each run
        s = obj["values"][proto]
        for key in (
            "wire_bytes",
            "server_storage_bytes",
            "device_storage_bytes",
            "notification_delay_s",
            "missed_messages",
            "connection_time_s",
            "tls_bytes",
            "sessions",
        ):
            assert key in s, (proto, key)
        assert {"median", "p95"} <= set(s["notification_delay_s"])
    runs = [
        f.name
        for f in record.__dataclass_fields__.values()
        if isinstance(getattr(record, f.name), Result)
    ]
    assert {"pop3", "imap"} <= set(runs)
    assert list(obj["values"])[-len(runs) :] == runs  # the runs' summaries come last


def test_the_json_values_are_the_records_numbers(defaults: dict) -> None:
    r = experiments.lesson3_notification()
    v = defaults[3]["values"]
    assert v["pop3_delay"]["median_s"] == r.pop3_delay.median_s
    assert v["imap_delay"]["p95_s"] == r.imap_delay.p95_s
    assert v["pop3"]["wire_bytes"] == {d.device: d.wire_bytes for d in r.pop3.devices}
    # (name, value) pairs become objects
    r6 = experiments.lesson6_leave_on_server()
    assert defaults[6]["values"]["missed_pop3"] == dict(r6.missed_pop3)


def test_text_output_has_one_line_per_number(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_main(capsys, "lesson", "3")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "lesson 3: lesson3_notification"
    assert any(line.startswith("pop3_delay.median_s ") for line in lines)
    assert any(line.startswith("pop3.wire_bytes.alex/phone ") for line in lines)


# -- options ---------------------------------------------------------------------------------------


def test_an_option_changes_the_value(capsys: pytest.CaptureFixture[str], defaults: dict) -> None:
    slow = run_json(capsys, "3", "--poll-interval-min", "60")
    assert slow["parameters"]["poll_interval_min"] == 60.0
    assert (
        slow["values"]["pop3_delay"]["median_s"]
        > 2 * defaults[3]["values"]["pop3_delay"]["median_s"]
    )


def test_enum_values_in_kebab_case_and_boolean_flags(capsys: pytest.CaptureFixture[str]) -> None:
    obj = run_json(capsys, "1", "--fetch", "full-offline", "--attachments-eager")
    assert obj["parameters"]["fetch"] == "full-offline"
    assert obj["parameters"]["attachments_eager"] is True
    opt = next(o for o in cli_lesson.lesson_options(1) if o.name == "fetch")
    parse = cli_lesson._value_parser(opt)
    assert parse("headers-only") is parse("HEADERS_ONLY") is FetchMode.HEADERS_ONLY
    obj = run_json(capsys, "3", "--no-idle", "--days", "2")
    assert obj["parameters"]["idle"] is False and obj["parameters"]["days"] == 2


def test_optional_parameters_accept_none(capsys: pytest.CaptureFixture[str]) -> None:
    obj = run_json(capsys, "6", "--first-leave-days", "none", "--days", "2")
    assert obj["parameters"]["first_leave_days"] is None
    obj = run_json(capsys, "8", "--leave-on-server-days", "3", "--days", "2")
    assert obj["parameters"]["leave_on_server_days"] == 3.0


def test_lesson_9_runs_the_yearly_monte_carlo_on_request(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--yearly`` adds lesson9_yearly_loss (the real one simulates whole years: a stand-in
    here): lesson 9's --seed and --backup-age-days are shared, its own keywords are options, a
    keyword lesson 9 already has is prefixed, and a progress callback is no option."""
    assert "--progress" not in {o.flag for o in cli_lesson.lesson_options(9)}
    seen: dict[str, Any] = {}

    @dataclass(frozen=True)
    class Loss:
        trials: int
        lost: tuple[tuple[str, float], ...]

    def lesson9_yearly_loss(
        *,
        trials: int = 5,
        backup_age_days: float | None = None,
        seed: int = 1,
        crash_day: float = 3.0,
        progress: Callable[[float], None] | None = None,
    ) -> Loss:
        seen.update(
            trials=trials,
            backup_age_days=backup_age_days,
            seed=seed,
            crash_day=crash_day,
            progress=progress is not None,
        )
        return Loss(trials, (("pop3", 1.5), ("imap", 0.0)))

    monkeypatch.setattr(experiments, "lesson9_yearly_loss", lesson9_yearly_loss)
    obj = run_json(
        capsys,
        "9",
        "--days",
        "2",
        "--crash-day",
        "1",
        "--yearly",
        "--trials",
        "2",
        "--yearly-crash-day",
        "4",
        "--backup-age-days",
        "1",
        "--seed",
        "5",
    )
    assert seen == {
        "trials": 2,
        "backup_age_days": 1.0,
        "seed": 5,
        "crash_day": 4.0,
        "progress": True,
    }
    p = obj["parameters"]
    assert p["yearly"] is True and p["trials"] == 2 and p["yearly_crash_day"] == 4.0
    assert p["crash_day"] == 1.0 and p["seed"] == 5
    assert obj["values"]["yearly"] == {"trials": 2, "lost": {"pop3": 1.5, "imap": 0.0}}
    assert run_json(capsys, "9", "--days", "6")["parameters"]["yearly"] is False


def test_options_follow_the_experiment_signatures(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A parameter added to an experiment becomes an option without an edit here."""
    for n in cli_lesson.LESSONS:
        fn = cli_lesson.lesson_function(n)
        names = [o.name for o in cli_lesson.lesson_options(n) if not o.extra]
        assert names == _keywords(fn)

    seen: dict[str, Any] = {}

    def lesson4_folders(
        *,
        days: int = 7,
        new_knob: float | None = None,
        mode: FetchMode = FetchMode.BODIES_ON_OPEN,
        fancy: bool = False,
    ) -> Any:
        """A stand-in with new parameters."""
        seen.update(days=days, new_knob=new_knob, mode=mode, fancy=fancy)
        return experiments.Lesson2Result(())

    monkeypatch.setitem(experiments.EXPERIMENTS, 4, lesson4_folders)
    obj = run_json(capsys, "4", "--new-knob", "2.5", "--mode", "headers-only", "--fancy")
    assert seen == {"days": 7, "new_knob": 2.5, "mode": FetchMode.HEADERS_ONLY, "fancy": True}
    assert obj["parameters"] == {"days": 7, "new_knob": 2.5, "mode": "headers-only", "fancy": True}


def test_command_line_names_the_settings_that_differ() -> None:
    assert (
        cli_lesson.command_line(
            3, {"poll_interval_min": 30.0, "idle": False, "days": 7, "not_a_parameter": 1}
        )
        == "python -m sim lesson 3 --poll-interval-min 30 --no-idle"
    )
    assert (
        cli_lesson.command_line(1, {"fetch": FetchMode.FULL_OFFLINE, "leave_on_server_days": 0})
        == "python -m sim lesson 1 --leave-on-server-days 0 --fetch full-offline"
    )
    assert cli_lesson.command_line(8, {"leave_on_server_days": None}) == "python -m sim lesson 8"


@pytest.mark.parametrize("n", [0, 10])
def test_the_command_runs_the_dashboards_experiment(n: int) -> None:
    """Lessons 0 and 10's dashboards and ``python -m sim lesson N`` run the same function."""
    from course.dashboards import make

    board = make(n, days=2)
    data = board.data
    fn = cli_lesson.lesson_function(n)
    names = inspect.signature(fn).parameters
    ours = fn(**{k: v for k, v in board.values.items() if k in names})
    assert repr(ours.pop3) == repr(data.pop3) and repr(ours.imap) == repr(data.imap)


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["lesson", "11"], "invalid choice: '11'"),
        (
            ["lesson", "3", "--bogus", "1"],
            "python -m sim lesson 3: error: unrecognized arguments: --bogus 1",
        ),
        (
            ["lesson", "3", "--poll-interval-min", "0.5"],
            "python -m sim lesson 3: error: --poll-interval-min=0.5: allowed number 1 <= x <= 240",
        ),
        (
            ["lesson", "3", "--poll-interval-min", "soon"],
            "--poll-interval-min='soon': not a number",
        ),
        (
            ["lesson", "1", "--fetch", "everything"],
            "--fetch='everything': allowed one of headers-only, bodies-on-open, full-offline",
        ),
        (["lesson", "1", "--leave-on-server-days", "61"], "--leave-on-server-days=61: allowed"),
        (["lesson", "3", "--nat-timeout-min", "5", "--no-idle"], "--nat-timeout-min: 5 is "),
        (["lesson", "9", "--crash-device", "tablet"], "--crash-device='tablet': allowed one of"),
        (["lesson", "9", "--trials", "3"], "--trials: allowed only with --yearly"),
        (["lesson", "10", "--crash-day", "9"], "--crash-day=9: allowed integer 0 <= x <= 7"),
        (["lesson", "10", "--profile", "moon"], "--profile='moon': allowed one of family"),
    ],
)
def test_bad_argument_is_one_line_naming_it_with_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    status, out, err = run_main(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("python -m sim lesson")
    assert expected in err
    assert "Traceback" not in err


def test_subprocess_out_of_range_value_exits_2_without_traceback() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "lesson", "3", "--days", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == (
        "python -m sim lesson 3: error: --days=0: allowed integer 1 <= x <= 60\n"
    )


# -- the instructor guide's table ------------------------------------------------------------------


def _table_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "instructor_table", ROOT / "tools" / "instructor_table.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_instructor_table_is_current() -> None:
    tool = _table_tool()
    current = tool.GUIDE.read_text(encoding="utf-8")
    assert tool.START in current and tool.END in current
    section = tool.table()
    from course.content import lesson
    from course.lessons import LESSONS

    asked = [x.number for x in LESSONS if x.experiment and lesson(x.number).predict is not None]
    assert asked  # the table must not pass by being empty
    for n in asked:
        assert f"`python -m sim lesson {n}" in section
    assert tool.guide_text(current, section) == current, (
        "the table of expected values in course/INSTRUCTOR.md is out of date; "
        "run: python tools/instructor_table.py"
    )


def test_instructor_table_touches_only_its_section() -> None:
    tool = _table_tool()
    text = "intro\n\n" + tool.START + "\nold\n" + tool.END + "\n\noutro\n"
    assert tool.guide_text(text, "NEW") == "intro\n\nNEW\n\noutro\n"
    fresh = "head\n\n" + tool.ANCHOR + " -->\nkey\n"
    assert tool.guide_text(fresh, "NEW") == "head\n\nNEW\n\n" + tool.ANCHOR + " -->\nkey\n"
