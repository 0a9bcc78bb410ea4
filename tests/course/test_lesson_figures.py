"""The mechanism panels of lessons 1, 3, 5 and 9 are in the dashboards' own figures at default
settings, and draw the numbers of the run behind them (checked against the plain definitions,
or against the experiment run again), not some other run's."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from matplotlib.axes import Axes

from course.dashboards import make
from course.style import EventKind

UNITS = {"B": 1.0, "kB": 1e3, "MB": 1e6, "GB": 1e9}


def panel(board: Any, title_start: str) -> Axes:
    """The one axes of ``board``'s figure whose left title starts with ``title_start``."""
    found = [ax for ax in board.figure.axes if ax.get_title(loc="left").startswith(title_start)]
    titles = [ax.get_title(loc="left") for ax in board.figure.axes]
    assert len(found) == 1, f"no single panel titled {title_start!r}; titles: {titles}"
    return found[0]


def test_lesson1_shows_each_devices_bytes_on_the_wire_by_kind() -> None:
    from course.figures import TRAFFIC_KINDS

    board = make(1)
    for proto, result in (("POP3", board.data.pop3), ("IMAP", board.data.imap)):
        ax = panel(board, f"{proto}: what the bytes on the wire carried")
        scale = UNITS[ax.get_xlabel().rsplit("(", 1)[1].rstrip(")")]
        devices = result.devices
        (bars,) = ax.collections  # one rectangle per device, kind after kind
        widths = [np.ptp(path.vertices[:, 0]) for path in bars.get_paths()]
        assert len(widths) == len(TRAFFIC_KINDS) * len(devices)
        for k, kind in enumerate(TRAFFIC_KINDS):
            for j, d in enumerate(devices):
                expected = getattr(d.up, kind) + getattr(d.down, kind)
                assert widths[k * len(devices) + j] * scale == pytest.approx(expected)
        for j, d in enumerate(devices):  # the kinds add up to everything the device sent and got
            drawn = sum(widths[k * len(devices) + j] for k in range(len(TRAFFIC_KINDS)))
            assert drawn * scale == pytest.approx(d.up.total + d.down.total)
        assert devices[0].up.total + devices[0].down.total > 0  # the phone's bar is not empty


def test_lesson3_shows_a_one_day_timeline_of_its_own_run() -> None:
    board = make(3)
    data = board.data
    for proto, day in (("POP3", data.day_pop3), ("IMAP", data.day_imap)):
        ax = panel(board, f"{proto}: mail held per device in one day (a separate 1-day run")
        assert day.duration_s == 86400.0
        marks = sum(
            len(c.get_offsets())
            for c in ax.collections
            if c.get_offsets().size and type(c).__name__ == "PathCollection"
        )
        assert marks == len(day.events) > 0
        polls_or_pushes = [e for e in day.events if e.kind in (EventKind.POLL, EventKind.PUSH)]
        assert polls_or_pushes  # the mechanism: the phone asks (POP3) or is told (IMAP)
    assert any(e.kind is EventKind.PUSH for e in data.day_imap.events)
    assert not any(e.kind is EventKind.PUSH for e in data.day_pop3.events)


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"poll_interval_min": 30.0, "idle": False, "seed": 4},
        {"nat_timeout_min": 5, "keepalive_min": 2, "tls_resumption": True},
    ],
)
def test_lesson3_one_day_scenario_is_the_experiments(values: dict[str, Any]) -> None:
    """The timeline's run builds its scenario in the course (sim does not hand it out): at one day
    it must run to the same numbers as the lesson's experiment."""
    from course.dashboards.lesson03 import Lesson3Dashboard, one_day_scenario
    from sim.inputs.workload import generate
    from sim.lessons.experiments import lesson3_notification
    from sim.model import Protocol, simulate

    v = {c.name: c.default for c in Lesson3Dashboard.controls} | values | {"days": 1}
    scenario = one_day_scenario(v)
    trace = generate(scenario)
    expected = lesson3_notification(**v)
    for proto, result in ((Protocol.POP3, expected.pop3), (Protocol.IMAP, expected.imap)):
        mine = simulate(scenario, proto, trace)
        assert mine.summary == result.summary
        assert mine.devices == result.devices


def test_lesson3_one_day_controls_are_all_its_scenario_reads() -> None:
    """The dashboard keeps a one-day timeline for every setting with the same
    ``ONE_DAY_CONTROLS``: :func:`one_day_scenario` must read no other control."""
    from course.dashboards.lesson03 import ONE_DAY_CONTROLS, Lesson3Dashboard, one_day_scenario

    class Reads(dict):  # type: ignore[type-arg]
        def __init__(self, values: dict[str, Any]) -> None:
            super().__init__(values)
            self.read: set[str] = set()

        def __getitem__(self, key: str) -> Any:
            self.read.add(key)
            return super().__getitem__(key)

        def get(self, key: str, default: Any = None) -> Any:
            self.read.add(key)
            return super().get(key, default)

    for values in ({}, {"keepalive_min": 2, "nat_timeout_min": 5}):
        v = Reads({c.name: c.default for c in Lesson3Dashboard.controls} | values)
        one_day_scenario(v)
        assert v.read == set(ONE_DAY_CONTROLS)


def test_lesson3_switching_device_or_days_equals_a_fresh_dashboard() -> None:
    """A change of ``device`` reuses the runs and one of ``days`` the one-day timelines (no
    simulation): the results, summary and figure data equal a dashboard made at that setting."""
    from course.dashboards.lesson03 import Lesson3Dashboard

    board = Lesson3Dashboard(seed=3, poll_interval_min=20.0)
    day = (board.data.day_pop3, board.data.day_imap)
    for change in ({"device": "all"}, {"device": "laptop"}, {"days": 2}, {"device": "phone"}):
        runs = board.data.run
        board.set(**change)
        fresh = Lesson3Dashboard(**board.values)
        assert board.results == fresh.results
        assert board.summary_text == fresh.summary_text
        assert repr(board.data) == repr(fresh.data)
        if "device" in change:  # the very runs, seen from another device
            assert board.data.run.pop3 is runs.pop3 and board.data.run.imap is runs.imap
        assert board.data.day_pop3 is day[0]  # the one-day run: never run again
    board.clear_cache()
    assert not board._runs and not board._days


@pytest.mark.parametrize("device", ["phone", "laptop", "desktop", "all"])
def test_lesson3_for_device_equals_the_experiment_at_that_device(device: str) -> None:
    from sim.lessons.experiments import lesson3_for_device, lesson3_notification

    settings: dict[str, Any] = {"days": 2, "seed": 5, "idle": False, "poll_interval_min": 15.0}
    seen = lesson3_for_device(lesson3_notification(device="desktop", **settings), device)
    assert repr(seen) == repr(lesson3_notification(device=device, **settings))


def test_lesson3_for_device_names_a_device_it_does_not_know() -> None:
    from sim.inputs.scenario import ScenarioError
    from sim.lessons.experiments import lesson3_for_device, lesson3_notification

    with pytest.raises(ScenarioError, match="device"):
        lesson3_for_device(lesson3_notification(days=1), "tablet")


@pytest.mark.parametrize("seed", [1, 6])
def test_timeline_runs_without_progress_equal_runs_that_report_it(seed: int) -> None:
    """run_both cuts its runs into progress steps only when asked for progress: the timelines'
    runs (lesson 3's day, lesson 0's overview) are the same either way."""
    from course.dashboards.lesson03 import Lesson3Dashboard, one_day_scenario
    from course.dashboards.overview import run_both
    from sim.inputs.presets import preset
    from sim.lessons.experiments import TIMELINE_GRID_S

    v = {c.name: c.default for c in Lesson3Dashboard.controls} | {"seed": seed, "idle": False}
    for scenario in (one_day_scenario(v), preset("traveller", days=2, seed=seed)):
        reported: list[float] = []
        told = run_both(scenario, reported.append, TIMELINE_GRID_S, record_events=True)
        quiet = run_both(scenario, None, TIMELINE_GRID_S, record_events=True)
        assert repr(told[1:]) == repr(quiet[1:])
        assert len(reported) == 200 and reported[-1] == 1.0
        assert quiet[1].records  # (the timeline's marks are there to compare)


def test_lesson5_shows_each_flags_agreement_from_its_run() -> None:
    board = make(5)
    ax = panel(board, "Flags on every device at the end of the run")
    pop3, imap = board.data.flag_agreement_pop3, board.data.flag_agreement_imap
    names = [f for f, _ in pop3]
    assert [t.get_text() for t in ax.get_xticklabels()] == names
    # the bars are one collection of rectangles, POP3's then IMAP's; a NaN share has no bar
    (bars,) = ax.collections
    heights = [float(np.ptp(path.vertices[:, 1])) for path in bars.get_paths()]
    expected = [100 * s for _, s in pop3] + [100 * dict(imap)[n] for n in names]
    assert len(expected) == 2 * len(names)
    assert heights == pytest.approx([e for e in expected if not math.isnan(e)])
    assert max(heights) > 0


def _lost(record: Any) -> int:
    return 0 if record is None else record.lost_messages


def test_lesson9_shows_the_crash_at_each_backup_age() -> None:
    from course.dashboards.lesson09 import SWEEP_AGES
    from sim.lessons.experiments import lesson9_crash

    board = make(9)
    v = board.values
    base = {k: v[k] for k in ("days", "seed", "crash_day", "crash_device", "accidental_delete")}
    runs = [lesson9_crash(**base, backup_age_days=a) for a in SWEEP_AGES]
    ax = panel(board, "Lost, by backup age")
    assert "separate crash run per age" in ax.get_title(loc="left")
    pop3, imap = ax.lines[0], ax.lines[1]
    assert list(pop3.get_xdata()) == list(SWEEP_AGES) == list(imap.get_xdata())
    assert list(pop3.get_ydata()) == [_lost(r.crash_pop3) for r in runs]
    assert list(imap.get_ydata()) == [_lost(r.crash_imap) for r in runs]
    assert len(set(pop3.get_ydata())) > 1  # an older backup loses more: the curve is not flat
    # the default has no backup: the dotted "no backup" lines are the crash panel's own run
    no_backup = [line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == ":"]
    assert no_backup == [board.results["lost_messages_pop3"], board.results["lost_messages_imap"]]


def test_lesson9_moving_the_backup_age_runs_one_crash_and_marks_it() -> None:
    board = make(9)
    sweep = board.data.sweep
    board.set(backup_age_days=2)  # inside the sweep: the panel is the same, the setting marked
    assert board.data.sweep == sweep
    ax = panel(board, "Lost, by backup age")
    assert [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"] == [2]
    assert board.results["lost_messages_pop3"] == sweep.lost_pop3[sweep.ages.index(2)]


def test_lesson9_export_draws_the_dashboards_sweep() -> None:
    from course import style

    board = make(9)
    drawer = dict(board.key_figures())["loss_vs_backup_age"]
    fig = style.figure()
    drawer(fig)
    (ax,) = fig.axes
    assert list(ax.lines[0].get_ydata()) == list(board.data.sweep.lost_pop3)


def test_lesson1_bars_as_one_collection_draw_what_a_bar_per_rectangle_draws() -> None:
    """Each panel's stacked bars are one collection; the same rectangles as ``barh`` bars (the
    way matplotlib draws a bar chart) give the same pixels, legend included."""
    import io

    from PIL import Image

    from course.style import encode_png

    def pixels(board: Any) -> np.ndarray:
        return np.asarray(Image.open(io.BytesIO(encode_png(board.figure))))

    ours, bars = make(1, days=3), make(1, days=3)
    for title in ("POP3: what", "IMAP: what"):
        ax = panel(bars, title)
        (collection,) = ax.collections
        collection.remove()
        for path, colour in zip(collection.get_paths(), collection.get_facecolors()):
            (x0, y0), (x1, y1) = path.vertices.min(axis=0), path.vertices.max(axis=0)
            ax.barh((y0 + y1) / 2, x1 - x0, left=x0, height=y1 - y0, color=colour)
        assert len(ax.patches) == len(collection.get_paths()) > 0
    assert np.array_equal(pixels(ours), pixels(bars))


def test_protocol_swatches_are_what_a_bar_charts_own_legend_shows() -> None:
    """Bars drawn as collections carry no legend entry; :func:`course.figures.protocol_handles`
    gives the legend a ``bar`` call labelled POP3 and IMAP would, to the pixel."""
    from matplotlib.figure import Figure

    from course import style
    from course.figures import protocol_handles
    from course.style import PROTOCOL_COLOURS, Protocol, encode_png

    def pixels(own: bool) -> np.ndarray:
        import io

        from PIL import Image

        with style.context():
            fig = Figure(figsize=(4, 3))
            ax = fig.subplots()
            for x, proto in enumerate((Protocol.POP3, Protocol.IMAP)):
                ax.bar([x], [1.0], color=PROTOCOL_COLOURS[proto], label=proto.label)
            if own:
                ax.legend(loc="upper right", ncols=2)
            else:
                ax.legend(handles=protocol_handles(), loc="upper right", ncols=2)
            return np.asarray(Image.open(io.BytesIO(encode_png(fig))))

    assert np.array_equal(pixels(own=True), pixels(own=False))
