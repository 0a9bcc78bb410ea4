"""The timeline figure: record validation, lanes and marks, and the adapter from a model run."""

from __future__ import annotations

from typing import Any

import pytest

from course.style import EventKind, Protocol
from course.timeline import TimelineData, TimelineEvent, timeline_figure

LANES = ("server", "u/phone", "u/desktop")


def small(proto: Protocol) -> TimelineData:
    events = (
        TimelineEvent(100.0, "server", EventKind.ARRIVAL),
        TimelineEvent(400.0, "u/phone", EventKind.POLL),
        TimelineEvent(420.0, "u/phone", EventKind.READ),
        TimelineEvent(500.0, "u/desktop", EventKind.CRASH),
    )
    held = (
        ("server", ((0.0, 0), (100.0, 1))),
        ("u/phone", ((0.0, 0), (400.0, 1))),
        ("u/desktop", ((0.0, 1), (500.0, 0))),
    )
    return TimelineData(proto, 600.0, LANES, held, events)


def test_timeline_record_validates_lanes() -> None:
    with pytest.raises(ValueError, match="device 'u/laptop' is not in lanes"):
        TimelineData(
            Protocol.POP3, 10.0, LANES, (), (TimelineEvent(1.0, "u/laptop", EventKind.READ),)
        )
    with pytest.raises(ValueError, match="duration_s"):
        TimelineData(Protocol.POP3, 0.0, LANES, (), ())


def test_timeline_figure_has_a_panel_per_protocol_and_every_mark() -> None:
    fig = timeline_figure([small(Protocol.POP3), small(Protocol.IMAP)])
    top, bottom = fig.axes
    assert top.get_title(loc="left") == "POP3: messages held per device"
    assert bottom.get_title(loc="left") == "IMAP: messages held per device"
    assert [t.get_text() for t in top.get_yticklabels()] == ["desktop", "phone", "server"]
    # one scatter collection per event kind present (arrival, poll, read, crash)
    assert len(top.collections) - 3 == 4  # minus the three lanes' filled areas
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    for kind in EventKind:
        assert kind.value in legend


def test_timeline_adapter_marks_what_the_run_recorded() -> None:
    """Marks come from the run's event records: POP3 polls at the ticks the model polled,
    IMAP pushes where it pushed; nothing is re-derived, so a figure matches its run."""
    from course.adapters import timeline_data
    from sim.inputs.presets import preset
    from sim.inputs.workload import generate
    from sim.model import Protocol as ModelProtocol
    from sim.model import simulate
    from sim.outputs.records import RecordKind

    scenario = preset("family", days=1, seed=3)
    trace = generate(scenario)
    pop3 = simulate(scenario, ModelProtocol.POP3, trace, record_events=True)
    data = timeline_data(trace, pop3, Protocol.POP3)
    arrivals = [e for e in data.events if e.kind is EventKind.ARRIVAL]
    assert len(arrivals) == sum(1 for m in trace.messages if m.user == 0 and m.time < 86400)
    polls = sorted((e.time_s, e.device) for e in data.events if e.kind is EventKind.POLL)
    recorded = sorted(
        (r.time_s, r.device)
        for r in pop3.records
        if r.kind in (RecordKind.POLL, RecordKind.EMPTY_POLL)
    )
    assert polls == recorded and len(polls) > 100
    assert not any(e.kind in (EventKind.PUSH, EventKind.FLAG_SYNC) for e in data.events)
    assert data.lanes[0] == "server" and len(data.lanes) == 4
    imap = simulate(scenario, ModelProtocol.IMAP, trace, record_events=True)
    imap_view = timeline_data(trace, imap, Protocol.IMAP)
    pushes = sorted(e.time_s for e in imap_view.events if e.kind is EventKind.PUSH)
    assert pushes == sorted(r.time_s for r in imap.records if r.kind is RecordKind.PUSH)
    assert pushes and any(e.kind is EventKind.FLAG_SYNC for e in imap_view.events)
    with pytest.raises(ValueError, match="record_events=True"):
        timeline_data(trace, simulate(scenario, ModelProtocol.POP3, trace), Protocol.POP3)


def _png_pixels(fig: Any) -> Any:
    import io

    import numpy as np
    from PIL import Image

    from course import style

    return np.asarray(Image.open(io.BytesIO(style.encode_png(fig))).convert("RGB"))


def test_a_redraw_on_emptied_axes_reuses_the_artists_and_draws_a_fresh_draws_pixels() -> None:
    """After ``empty_axes``, the same lanes and kinds of events take the last draw's artists with
    the new data (the same objects), and the image is a fresh draw's; other lanes, or axes not
    emptied, get new artists."""
    import dataclasses

    import numpy as np
    from matplotlib.figure import Figure

    from course import style
    from course.timeline import draw_timeline

    def drawn(data: TimelineData, ax: Any = None) -> tuple[Figure, Any]:
        with style.context():
            if ax is None:
                fig = Figure(figsize=(6, 3), dpi=100)
                ax = fig.add_subplot()
            else:
                style.empty_axes(ax)
            draw_timeline(ax, data)
        return ax.get_figure(), ax

    first = small(Protocol.POP3)
    fig, ax = drawn(first)
    before = {id(a) for a in (*ax.collections, *ax.lines)}
    later = dataclasses.replace(
        first,
        held=(("server", ((0.0, 0), (50.0, 2))), *first.held[1:]),
        events=tuple(dataclasses.replace(e, time_s=e.time_s / 2) for e in first.events),
    )
    fig, ax = drawn(later, ax)
    assert {id(a) for a in (*ax.collections, *ax.lines)} == before
    fresh, _ = drawn(later)
    assert np.array_equal(_png_pixels(fig), _png_pixels(fresh))

    fewer = dataclasses.replace(later, events=later.events[:1])  # other kinds of events
    fig, ax = drawn(fewer, ax)
    assert not {id(a) for a in ax.collections} & before
    assert np.array_equal(_png_pixels(fig), _png_pixels(drawn(fewer)[0]))
    with style.context():
        draw_timeline(ax, fewer)  # not emptied: drawn over, anew
    assert len(ax.collections) == 2 * (3 + 1)
