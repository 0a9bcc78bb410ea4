"""The benchmark runs and reports sane fields (no wall-clock assertions)."""

from __future__ import annotations

from course.bench import bench_dashboard, extremes



def test_bench_line_for_one_dashboard() -> None:
    line = bench_dashboard(2, repeat=1)
    assert line.lesson == 2
    assert 0 < line.simulate_median_s and 0 < line.update_median_s <= line.update_max_s
    assert line.total_median_s == line.update_median_s + line.png_median_s


def test_extremes_cover_both_ends_of_every_numeric_control() -> None:
    settings = extremes(3)
    assert {"poll_interval_min": 1.0} in settings and {"poll_interval_min": 240.0} in settings
    assert {"idle": False} in settings
    assert settings[-1] == {"poll_interval_min": 240.0, "nat_timeout_min": 60,
                            "keepalive_min": 30, "days": 60}
