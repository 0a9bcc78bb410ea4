"""Every lesson dashboard, driven without a browser: results, summaries and figures follow the model.

For each dashboard: the default run provides every result key the lesson content may predict;
changing a control changes the summary and the figure, and the numbers equal what the lesson's
experiment function returns for those values (called directly here); hypothesis sets random
control combinations across the full ranges and nothing raises.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course.content import lesson
from course.dashboards import DASHBOARD_LESSONS, dashboard_class, make
from course.dashboards.base import Control, ControlKind, Dashboard
from sim.inputs.scenario import FetchMode, TlsMode


def close(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@pytest.mark.parametrize("n", DASHBOARD_LESSONS)
def test_default_run_provides_every_result_key(n: int) -> None:
    d = make(n)
    for key, spec in lesson(n).results.items():
        assert key in d.results, f"lesson {n} dashboard gives no {key!r}"
        value = d.results[key]
        if spec.choices:
            assert value in spec.choices, f"{key}={value!r} not in {spec.choices}"
        else:
            assert isinstance(value, float), f"{key}={value!r} is not a float"
    assert d.summary_text and d.figure.axes


@pytest.mark.parametrize("n", DASHBOARD_LESSONS)
def test_controls_use_the_models_ranges(n: int) -> None:
    from sim.lessons.experiments import RANGES

    for c in dashboard_class(n).controls:
        if c.kind in (ControlKind.TOGGLE, ControlKind.CHOICE):
            continue
        if c.name in RANGES:
            lo, hi = RANGES[c.name]
            assert lo <= c.low < c.high <= hi, (
                f"lesson {n} {c.name}: {c.low}..{c.high} vs {lo}..{hi}"
            )
        assert c.low <= (c.default if c.default is not None else c.low) <= c.high


# -- one concrete change per lesson, checked against the experiment function --------------------


def _exp(name: str, **kwargs: Any) -> Any:
    import sim.lessons.experiments as e

    return getattr(e, name)(**kwargs)


def check_0(d: Dashboard) -> None:
    d.set(days=3, profile="traveller")
    r = _exp("lesson0_overview", **d.values)
    assert d.results["delivered"] == r.delivered == r.imap.conservation.delivered
    assert close(d.results["server_mb_imap"], r.imap.summary.server_storage_bytes / 1e6)
    assert f"{r.delivered} messages arrived in 3 days." in d.summary_text


def check_1(d: Dashboard) -> None:
    d.set(days=14, leave_on_server_days=7)
    r = _exp("lesson1_where_mail_lives", **d.values)
    assert d.results["new_device_messages_pop3"] == r.new_device_pop3
    assert d.results["new_device_messages_imap"] == r.new_device_imap
    assert close(d.results["server_mb_imap"], r.imap.summary.server_storage_bytes / 1e6)
    assert f"{r.delivered} messages had arrived" in d.summary_text


def check_2(d: Dashboard) -> None:
    d.set(rtt_ms=200.0)
    r = _exp("lesson2_ports_and_tls", **d.values)
    imap993 = next(x for x in r.rows if x.protocol == "imap" and x.port == 993)
    assert d.results["round_trips_imap_993"] == imap993.round_trips
    assert f"{1000 * imap993.setup_s:.0f} ms" in d.summary_text
    # the timeline figure's rows end exactly at the experiment's set-up times
    ends = sorted(round(row["steps"][-1][1], 9) for row in d.data.steps)
    assert ends == sorted(round(x.setup_s, 9) for x in r.rows)


def check_3(d: Dashboard) -> None:
    d.set(poll_interval_min=30.0)
    r = _exp("lesson3_notification", **d.values)
    assert close(d.results["median_delay_s_pop3"], r.pop3_delay.median_s)
    assert close(d.results["overhead_kb_day_imap"], r.overhead_bytes_per_day_imap / 1e3)
    assert d.results["median_delay_s_pop3"] > 5 * 60  # half of a 30-minute interval, roughly


def check_4(d: Dashboard) -> None:
    d.set(file_per_day=12.0)
    r = _exp("lesson4_folders", **d.values)
    assert d.results["filed"] == r.filed
    phone_imap = {k.rsplit("/", 1)[-1]: v for k, v in r.filed_seen_elsewhere_imap}["phone"]
    assert d.results["phone_filed_imap"] == phone_imap
    assert f"filed {r.filed} messages into folders" in d.summary_text


def check_5(d: Dashboard) -> None:
    d.set(phone_offline_h=24.0)
    r = _exp("lesson5_flags", **d.values)
    assert close(d.results["consistency_pct_imap"], 100 * r.imap.summary.consistency_mean_share)
    assert close(
        d.results["state_agreement_pct_pop3"], 100 * r.pop3.summary.state_agreement_mean_share
    )


def check_6(d: Dashboard) -> None:
    d.set(uidl=False)
    r = _exp("lesson6_leave_on_server", **d.values)
    assert d.results["missed_messages_pop3"] == sum(v for _, v in r.missed_pop3)
    assert close(d.results["duplicate_mb_pop3"], r.duplicate_bytes_pop3 / 1e6)
    assert str(r.lock_refusals_pop3) in d.summary_text


def check_7(d: Dashboard) -> None:
    d.set(infected_share=0.2, signature_delay_h=24.0)
    r = _exp("lesson7_virus", **d.values)
    assert d.results["exposed_pop3"] == r.virus_pop3.reached_devices
    assert d.results["exposed_imap"] == r.virus_imap.reached_devices
    assert f"{r.virus_pop3.infected_delivered} infected messages arrived" in d.summary_text


def check_8(d: Dashboard) -> None:
    d.set(days=14)
    r = _exp("lesson8_search", **d.values)
    assert close(d.results["recall_pct_new_device_imap"], 100 * r.new_device_recall_imap)
    assert close(d.results["recall_pct_phone_pop3"], 100 * r.phone_recall_pop3)


def check_9(d: Dashboard) -> None:
    d.set(crash_device="phone", crash_day=3.0, backup_age_days=2)
    v = d.values
    r = _exp(
        "lesson9_crash",
        days=v["days"],
        seed=v["seed"],
        crash_day=3.0,
        crash_device="phone",
        backup_age_days=2,
        accidental_delete=v["accidental_delete"],
    )
    assert d.results["lost_messages_pop3"] == r.crash_pop3.lost_messages
    assert d.results["lost_messages_imap"] == r.crash_imap.lost_messages
    n = len(r.pop3.devices)
    assert d.results["deleted_kept_devices_pop3_archive"] == n - len(
        r.accidental_delete_gone_pop3_archive
    )
    assert d.results["deleted_kept_devices_imap"] == n - len(r.accidental_delete_gone_imap)
    assert math.isnan(d.results["yearly_loss_pop3"])  # Monte Carlo off by default
    d.set(monte_carlo=True, trials=1, crashes_per_year=2.0)  # one whole simulated year
    y = _exp(
        "lesson9_yearly_loss",
        trials=1,
        crashes_per_year=2.0,
        backup_age_days=2,
        accidental_deletes_per_year=v["accidental_deletes_per_year"],
        seed=v["seed"],
    )
    assert close(d.results["yearly_loss_pop3"], y.pop3.mean)
    assert close(d.results["yearly_loss_pop3_archive"], y.pop3_archive.mean)
    assert close(d.results["yearly_loss_imap"], y.imap.mean)
    assert "Over 1 simulated year of 365 days" in d.summary_text
    kept = d.data.yearly
    d.set(crash_day=2.0)  # a control of the crash panel: the year is not simulated again
    assert d.data.yearly is kept
    top = int(d.control("seed").high)  # trial seeds seed+k may pass the top of the seed range
    d.set(seed=top, trials=2)
    assert d.data.yearly.seeds == (top, top + 1)
    assert close(d.results["yearly_loss_imap"], d.data.yearly.imap.mean)


def check_10(d: Dashboard) -> None:
    d.set(profile="traveller", imap_idle=False, crash_day=3)
    pop3 = _exp("capstone", **{k: v for k, v in d.values.items() if k != "delay_device"}).pop3
    assert close(d.results["wire_mb_pop3"], pop3.summary.wire_bytes / 1e6)
    from course.predict import format_value

    assert f"POP3 {format_value(pop3.summary.wire_bytes / 1e6, 'MB')}" in d.summary_text
    lost = f"Lost in crashes: POP3 {format_value(pop3.summary.crash_lost_messages, 'messages')}"
    assert lost in d.summary_text


CHECKS = {
    0: check_0,
    1: check_1,
    2: check_2,
    3: check_3,
    4: check_4,
    5: check_5,
    6: check_6,
    7: check_7,
    8: check_8,
    9: check_9,
    10: check_10,
}


# lesson 9's change reruns its crash sweep and yearly Monte Carlo: more than a minute
@pytest.mark.parametrize(
    "n", [pytest.param(n, marks=pytest.mark.slow) if n == 9 else n for n in DASHBOARD_LESSONS]
)
def test_a_change_updates_summary_and_figure_to_the_models_numbers(n: int) -> None:
    d = make(n)
    before_summary, before_png = d.summary_text, d.png()
    CHECKS[n](d)
    assert d.summary_text != before_summary
    assert d.png() != before_png


# -- every control combination in range: nothing raises ------------------------------------------


def control_strategy(c: Control) -> st.SearchStrategy[Any]:
    """Every value the control accepts (the widget offers exactly these)."""
    if c.kind is ControlKind.TOGGLE:
        return st.booleans()
    if c.kind is ControlKind.CHOICE:
        return st.sampled_from([v for _, v in c.options])
    if c.kind in (ControlKind.INT, ControlKind.SEED):
        return st.integers(int(c.low), int(c.high))
    if c.kind is ControlKind.OPTIONAL_INT:
        return st.none() | st.integers(int(c.low), int(c.high))
    return st.floats(c.low, c.high, allow_nan=False)


@st.composite
def control_values(draw: st.DrawFn, n: int) -> dict[str, Any]:
    values = {c.name: draw(control_strategy(c)) for c in dashboard_class(n).controls}
    if (
        n == 9
    ):  # the crash must fall inside the run; keep the Monte Carlo small (its cost is linear)
        values["crash_day"] = draw(st.floats(0.0, float(values["days"]), allow_nan=False))
        values["trials"] = 1  # a whole simulated year costs seconds
    if n == 10 and values["profile"] == "campus":  # ~10 s per simulated day: one day is enough
        values["days"] = 1
    if n == 10 and values["crash_day"] is not None:  # the crash must fall inside the run
        values["crash_day"] = draw(st.integers(0, values["days"]))
    if (
        n == 3
        and not values["idle"]
        and values["nat_timeout_min"] is not None
        and values["nat_timeout_min"] < values["poll_interval_min"]
    ):
        values["nat_timeout_min"] = None  # refused with a message (see the test below)
    return values


def test_lesson3_refuses_a_polling_client_behind_a_faster_router_with_a_clear_message() -> None:
    d = make(3)
    before = d.results
    with pytest.raises(ValueError, match=r"nat_timeout_min: .*5 min.*polling every 10 min"):
        d.set(idle=False, nat_timeout_min=5)
    assert d.results == before  # nothing half-applied
    d.set(idle=False, nat_timeout_min=15)  # a router slower than the polls is fine
    d.set(idle=True, nat_timeout_min=5, keepalive_min=2)
    assert "stayed up" in d.summary_text


@pytest.mark.long_property
@pytest.mark.parametrize("n", DASHBOARD_LESSONS)
def test_any_control_combination_in_range_runs(n: int) -> None:
    d = make(n)

    @given(control_values(n))
    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    def run(values: dict[str, Any]) -> None:
        d.set(**values)
        assert d.summary_text
        for key in lesson(n).results:
            assert key in d.results

    run()


# -- lesson 0: the overview timeline -------------------------------------------------------------


def test_overview_dashboard_runs_both_protocols_on_one_trace() -> None:
    from course.dashboards.overview import OverviewDashboard

    d = OverviewDashboard(days=1, seed=2)
    assert d.data.pop3.conservation.delivered == d.data.imap.conservation.delivered
    assert f"{d.data.pop3.conservation.delivered} messages arrived in 1 day." in d.summary_text
    titles = [ax.get_title(loc="left") for ax in d.figure.axes]
    assert titles == ["POP3: mail held per device", "IMAP: mail held per device"]
    before = d.png()
    d.set(profile="traveller")
    assert d.png() != before and "The phone showed" in d.summary_text


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_capstone_campus_reports_progress_to_the_end() -> None:
    d = make(10)
    seen: list[float] = []
    d.set(profile="campus", days=1)  # the learner's path goes through the widget's bar; here direct
    d.clear_cache()
    d.update(progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    assert d.summary_text.startswith("Campus: every number is a total over 500 users")


@pytest.mark.parametrize("n", DASHBOARD_LESSONS)
def test_every_panel_is_titled_and_labelled(n: int) -> None:
    d = make(n)
    for ax in d.figure.axes:
        if not ax.axison:
            continue  # a placeholder panel (e.g. the Monte Carlo before it runs)
        assert ax.get_title(loc="left") or ax.get_title(), f"lesson {n}: a panel without a title"
        # a timeline's panel: lanes named by tick labels, its x axis shared with one labelled
        lanes = [t.get_text() for t in ax.get_yticklabels() if t.get_text()] and any(
            other.get_xlabel() for other in ax.get_shared_x_axes().get_siblings(ax)
        )
        assert ax.get_xlabel() or ax.get_ylabel() or lanes, (
            f"lesson {n}: {ax.get_title(loc='left')!r} unlabelled"
        )


def _pixels(png: bytes) -> Any:
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_frozen_layout_draws_what_a_fresh_constrained_layout_draws() -> None:
    """Same layout key (labels and tick-label widths unchanged): the reused positions give the
    image a dashboard laying the figure out afresh gives."""
    import numpy as np
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    d = make(2)
    d.png()
    key = d._layout_key
    d.set(rtt_ms=60.0)
    assert d._layout_key == key and d.figure.get_layout_engine() is not None
    assert not isinstance(d.figure.get_layout_engine(), ConstrainedLayoutEngine)  # reused
    assert np.array_equal(_pixels(d.png()), _pixels(make(2, rtt_ms=60.0).png()))


def test_a_title_changing_only_its_number_keeps_the_layout() -> None:
    """Lesson 6's title counts the delivered messages ("Missed (of 217 delivered)"), which every
    seed changes: the digits have one width, so the layout is reused, and the image is the one a
    dashboard laying the figure out afresh draws."""
    import numpy as np
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    d = make(6, seed=1000)
    d.png()
    title = d.figure.axes[0].get_title("left")
    d.set(seed=1001)
    assert d.figure.axes[0].get_title("left") != title  # only the count differs
    assert not isinstance(d.figure.get_layout_engine(), ConstrainedLayoutEngine)  # reused
    assert np.array_equal(_pixels(d.png()), _pixels(make(6, seed=1001).png()))


def test_wider_tick_labels_get_a_fresh_layout() -> None:
    """Lesson 7 at 60 days counts hundreds where 7 days counts tens: its layout is redone (the
    reused one let tick labels overlap), and equals a fresh dashboard's."""
    import numpy as np

    d = make(7)
    d.png()
    key = d._layout_key
    d.set(days=60)
    assert d._layout_key != key and d._layout_key not in d._layouts
    assert np.array_equal(_pixels(d.png()), _pixels(make(7, days=60).png()))
    assert d._layout_key in d._layouts  # recorded: the next update at this shape reuses it


def test_layout_key_follows_labels_and_tick_label_widths() -> None:
    from course import style
    from course.dashboards.base import layout_key

    fig = style.figure()
    ax = fig.subplots()
    ax.set_ylim(0, 10)
    key = layout_key(fig)
    ax.set_ylim(0, 30)  # ticks "0", "5", .., "30": as wide as "0", "2", .., "10"
    assert layout_key(fig) == key
    ax.set_ylim(0, 1000)
    assert layout_key(fig) != key
    ax.set_ylim(0, 10)
    ax.set_ylabel("messages")
    assert layout_key(fig) != key
    key = layout_key(fig)
    ax.set_title("Missed (of 214 delivered)")
    key = layout_key(fig)
    ax.set_title("Missed (of 197 delivered)")  # digits have one width: same room
    assert layout_key(fig) == key
    ax.set_title("Missed (of 1970 delivered)")
    assert layout_key(fig) != key


def test_settings_text_reads_numbers_as_a_learner_does() -> None:
    d = make(2)
    high = d.control("bandwidth_kbps").high
    d.set(bandwidth_kbps=high)
    text = d.settings_text()
    assert "e+" not in text and f"{int(high):,} kbit/s" in text
    assert "e+" not in make(7, seed=12345678).settings_text()
    assert "random trace (seed): 12345678" in make(7, seed=12345678).settings_text()


@pytest.mark.parametrize(
    ("n", "values"),
    [
        (1, {}),  # stacked bars by kind
        (2, {"rtt_ms": 200.0}),  # hatched steps with white edges, in runs
        (4, {}),
        (5, {}),
        (6, {"first_leave_days": None}),  # three panels of grouped bars
        (8, {}),
        (10, {"profile": "traveller"}),  # a row of bars per metric
    ],
)
def test_bars_as_collections_draw_what_a_patch_per_bar_draws(
    n: int, values: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lessons' bars are collections of rectangles (:func:`course.figures.rectangles`); the
    plain way, a patch per bar as ``bar``/``barh`` make them, in the same order, gives the same
    pixels."""
    import itertools

    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.patches import Rectangle

    from course import figures

    d = make(n, **values)
    collections = _pixels(d.png())
    made = 0

    def patches(
        ax: Axes,
        lefts: list,
        bottoms: list,
        widths: list,
        heights: list,
        colours: list,
        hatches: list = (),  # type: ignore[assignment]
        edgecolors: Any = "none",
        linewidths: Any = None,
    ) -> list:
        nonlocal made
        sizes = zip(lefts, bottoms, widths, heights, colours, hatches or itertools.repeat(None))
        for x, y, w, h, colour, hatch in sizes:
            ax.add_patch(
                Rectangle(
                    (x, y),
                    w,
                    h,
                    facecolor=colour,
                    edgecolor=edgecolors,
                    linewidth=linewidths,
                    hatch=hatch,
                )
            )
            made += 1
        return []

    monkeypatch.setattr(figures, "rectangles", patches)
    d.redraw()
    assert made > 0 and not any(ax.collections for ax in d.figure.axes if ax.patches)
    assert np.array_equal(collections, _pixels(d.png()))


def test_a_figure_legend_keeps_the_layout_and_no_end_label_is_cut() -> None:
    """Lesson 0's timeline has a legend under the figure and labels past the end of each lane:
    a new seed reuses the layout when its labels are no wider than the ones it was made for, and
    every label lies inside the image."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    d = make(0)
    d.png()
    reused = 0
    for seed in (1000, 1001, 1002):
        d.set(seed=seed)
        reused += not isinstance(d.figure.get_layout_engine(), ConstrainedLayoutEngine)
        d.png()
        renderer = d.figure.canvas.get_renderer()
        width, height = d.figure.canvas.get_width_height()
        for ax in d.figure.axes:
            for text in ax.texts:
                box = text.get_window_extent(renderer)
                assert box.x0 >= 0 and box.y0 >= 0
                assert box.x1 <= width and box.y1 <= height
    assert reused >= 1


def test_a_wider_label_beside_the_axes_gets_a_fresh_layout() -> None:
    """A frozen layout made room for end-of-lane labels up to some width; a wider one (here: the
    room recorded is shrunk to nothing) is laid out afresh rather than cut at the edge."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from course.dashboards.base import overhang

    d = make(0)
    d.png()
    assert any(after > 0 for _, after in (overhang(ax) for ax in d.figure.axes))
    d.redraw()
    assert not isinstance(d.figure.get_layout_engine(), ConstrainedLayoutEngine)  # reused
    positions, room = d._layouts[d._layout_key]
    d._layouts[d._layout_key] = (positions, tuple((0.0, 0.0) for _ in room))
    d.redraw()
    assert isinstance(d.figure.get_layout_engine(), ConstrainedLayoutEngine)


def test_overhang_measures_only_texts_beside_the_x_range() -> None:
    from course import style
    from course.dashboards.base import overhang

    ax = style.figure().subplots()
    ax.set_xlim(0, 10)
    ax.text(5, 0.5, "inside, not counted")
    assert overhang(ax) == (0.0, 0.0)
    ax.text(10.5, 0.5, "1.4 MB")
    short = overhang(ax)[1]
    ax.text(10.5, 0.2, "12.3 MB")
    assert 0 < short < overhang(ax)[1] and overhang(ax)[0] == 0.0
    ax.text(-1, 0.5, "x", transform=ax.transAxes)  # axes coordinates: not a data-range text
    assert overhang(ax)[0] == 0.0


# settings a learner moves through, extremes and back included: the converted lessons'
# redraws on the axes of the last draw must give the pixels of a draw from scratch
INPLACE_PATHS: list[Any] = [
    pytest.param(
        0,
        [
            {"seed": 1000},
            {"profile": "single", "days": 1},  # one lane, not three
            {"profile": "traveller", "days": 7},
            {"profile": "two_clients", "seed": 5},
            {},  # back to the defaults
        ],
        id="0",
    ),
    pytest.param(
        1,
        [
            {"seed": 1000},
            {"leave_on_server_days": 1, "headers_first": True},
            {"days": 60, "fetch": FetchMode.HEADERS_ONLY, "attachments_opened_pct": 0.0},
            {"days": 1, "fetch": FetchMode.FULL_OFFLINE, "attachments_eager": True},
            {"attachments_opened_pct": 100.0, "leave_on_server_days": 60, "seed": 3},
            {},
        ],
        id="1",
    ),
    pytest.param(
        2,
        [
            {"rtt_ms": 0.1},
            {"rtt_ms": 2000.0, "bandwidth_kbps": 8.0},  # the slowest link: longest bars
            {"bandwidth_kbps": 10000000.0},
            {"rtt_ms": 5.0, "bandwidth_kbps": 56.0},
            {},
        ],
        id="2",
    ),
    pytest.param(
        3,
        [
            {"seed": 1000},
            {"poll_interval_min": 1.0},
            {"poll_interval_min": 240.0, "device": "all"},
            {"idle": False, "device": "laptop"},
            {"idle": True, "nat_timeout_min": 1, "keepalive_min": 30, "device": "desktop"},
            {"tls_resumption": True, "days": 1, "keepalive_min": None},
            {"days": 60, "seed": 7},
            {},
        ],
        id="3",
    ),
    pytest.param(
        4,
        [
            {"seed": 1000},
            {"file_per_day": 0.0},  # nothing filed: an empty chart
            {"file_per_day": 50.0, "days": 60},
            {"days": 1, "seed": 3},
            {},
        ],
        id="4",
    ),
    pytest.param(
        5,
        [
            {"seed": 1000},
            {"phone_offline_h": 72.0, "days": 60},
            {"phone_offline_h": 0.0, "days": 1, "seed": 3},
            {},
        ],
        id="5",
    ),
    pytest.param(
        6,
        [
            {"seed": 1000},  # no duplicates, no refusal: notes instead of bars
            {"first_leave_days": None, "uidl": False},  # duplicates: a scale of megabytes
            {"second_leaves": True, "desktop_evenings": True, "first_leave_days": 60},
            {"bandwidth_kbps": 56.0, "poll_interval_min": 1.0},  # the lock refuses logins
            {"poll_interval_min": 240.0, "days": 60, "bandwidth_kbps": None},
            {"days": 1, "seed": 4},
            {},  # duplicates gone again: the integer scale of the note comes back
        ],
        id="6",
    ),
    pytest.param(
        7,
        [
            {"seed": 1000},
            {"infected_share": 0.5, "signature_delay_h": 72.0, "imap_offline": True},
            {"infected_share": 0.0, "signature_delay_h": 0.0, "leave_on_server_days": None},
            {"days": 60, "leave_on_server_days": 60, "infected_share": 0.05},
            {"days": 1, "seed": 4},
            {},
        ],
        id="7",
    ),
    pytest.param(
        8,
        [
            {"seed": 1000},
            {"leave_on_server_days": 1},
            {"leave_on_server_days": 60, "days": 60},
            {"days": 1, "seed": 3},
            {},
        ],
        id="8",
    ),
    pytest.param(
        9,
        [
            {"seed": 1000},
            {"crash_device": "laptop", "crash_day": 0.0, "backup_age_days": 0},
            {"crash_device": "desktop", "crash_day": 60.0, "days": 60, "backup_age_days": 60},
            {"accidental_delete": False},  # the delete panel a note: new axes
            {"seed": 3, "crash_day": 1.0, "days": 1},
            {},
        ],
        id="9",
    ),
    pytest.param(
        9,
        [
            {"monte_carlo": True, "trials": 1},  # a row for the year: new axes
            {"crashes_per_year": 12.0, "accidental_deletes_per_year": 0.0},
            {"crashes_per_year": 0.0, "accidental_deletes_per_year": 52.0, "seed": 4},
        ],
        id="9-year",
        marks=pytest.mark.slow,
    ),
    pytest.param(
        10,
        [
            {"seed": 1000},
            {"profile": "traveller", "tls": TlsMode.NONE},  # a row for metered links
            {"profile": "single", "imap_fetch": FetchMode.HEADERS_ONLY, "delay_device": "laptop"},
            {"crash_day": 0, "leave_on_server_days": 60, "poll_interval_min": 240.0},
            {"imap_idle": False, "imap_qresync": True, "delay_device": "all", "days": 1},
            {},
        ],
        id="10",
    ),
]


@pytest.mark.parametrize(("n", "path"), INPLACE_PATHS)
def test_a_redraw_on_the_same_axes_draws_what_a_fresh_draw_draws(
    n: int, path: list[dict[str, Any]]
) -> None:
    """Every setting of the path gives the pixels of a twin dashboard that redraws on new axes
    along the same path (same layouts, live or frozen), and, where the layout was worked out
    afresh, of a new dashboard at that setting; the axes are reused unless the panels change."""
    import numpy as np
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    d, twin = make(n), make(n)
    twin.reuse_axes = False
    twin._cache = d._cache  # one run per setting for both (the model is deterministic)
    d.png()
    twin.png()
    axes, key = list(d.figure.axes), d.axes_key(d.data)
    defaults = dict(d.values)
    live = reused = 0
    for step in path:
        d.set(**(step or defaults))
        twin.set(**(step or defaults))
        same_panels = d.axes_key(d.data) == key
        assert (d.figure.axes == axes) == same_panels, f"lesson {n} at {d.values}"
        reused += same_panels
        assert not set(twin.figure.axes) & set(d.figure.axes)
        moved = _pixels(d.png())
        new = _pixels(twin.png())
        assert moved.shape == new.shape and np.array_equal(moved, new), (
            f"lesson {n} at {d.values}: {(moved != new).any(axis=2).sum()} pixels differ "
            "from a redraw on new axes"
        )
        if isinstance(d.figure.get_layout_engine(), ConstrainedLayoutEngine):
            live += 1
            assert np.array_equal(moved, _pixels(make(n, **d.values).png())), d.values
        axes, key = list(d.figure.axes), d.axes_key(d.data)
    assert live >= 1 and reused >= 2  # a fresh layout compared with a new dashboard; reuse seen
