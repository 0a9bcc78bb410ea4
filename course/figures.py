"""The lessons' key figures, drawn on a given ``Figure`` in the course style (``course.style``).

Every function clears ``fig`` and draws one complete figure: POP3 and IMAP side by side (or in
their fixed colours on one axis when a direct comparison reads better), axes labelled with units.
Inputs are :class:`sim.outputs.results.Result` objects (duck-typed: only the documented fields are read)
or plain numbers, so the same functions serve dashboards, the figure export and tests.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import (
    AutoLocator,
    FuncFormatter,
    MaxNLocator,
    NullLocator,
    PercentFormatter,
)

from course import style
from course.predict import format_value
from course.style import KIND_COLOURS, PROTOCOL_COLOURS, Protocol
from course.timeline import TimelineData, timeline_figure

__all__ = [
    "bandwidth_by_kind",
    "connection_setup",
    "consistency_over_time",
    "crash_loss",
    "delay_distribution",
    "draw_bandwidth",
    "draw_connection_timeline",
    "draw_consistency",
    "draw_crash_loss",
    "draw_delay_cdf",
    "draw_flag_agreement",
    "draw_scorecard",
    "draw_search_recall",
    "draw_storage",
    "draw_two_clients",
    "draw_virus_copies",
    "draw_year_losses",  # lesson 9
    "flag_agreement",
    "grouped_bars",
    "protocol_handles",
    "protocol_pair",
    "rectangles",
    "search_recall",
    "setup_bars",
    "storage_over_time",
    "timeline",
    "traffic_by_kind",
    "two_clients_and_lock",
    "two_clients_axes",
    "virus_axes",
    "virus_copies",
    "yearly_loss_by_setup",
]

POP3, IMAP = Protocol.POP3, Protocol.IMAP
TRAFFIC_KINDS = ("tcp", "tls", "framing", "header", "body", "attachment")
KIND_LABELS = {
    "tcp": "TCP/IP",
    "tls": "TLS",
    "framing": "protocol framing",
    "header": "headers",
    "body": "bodies",
    "attachment": "attachments",
}


def _empty(ax: Axes, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=style.GREY,
        fontsize=10,
    )


# -- storage and consistency over time --------------------------------------------------------------


def protocol_pair(
    fig: Figure, left_spec: Any, right_spec: Any, what: str = "", sharey: bool = True
) -> tuple[Axes, Axes]:
    """Two panels, POP3 left and IMAP right, on given grid cells of a larger figure, titled in the
    protocols' colours (``what`` after the name: ``"POP3: bytes on the wire"``).  The grid-cell
    counterpart of :func:`course.style.pair_axes`, for a dashboard showing several pairs."""
    left = fig.add_subplot(left_spec)
    right = fig.add_subplot(right_spec, sharey=left if sharey else None)
    if sharey:
        right.tick_params(labelleft=False)
    for ax, proto in ((left, POP3), (right, IMAP)):
        ax.set_title(
            f"{proto.label}: {what}" if what else proto.label,
            color=PROTOCOL_COLOURS[proto],
            loc="left",
        )
    return left, right


def draw_storage(left: Axes, right: Axes, pop3: Any, imap: Any) -> None:
    """Bytes on the server and on each device over time on ``left`` (POP3) and ``right`` (IMAP),
    on one scale."""
    peak = max(
        [max(r.server_logical_bytes, default=0) for r in (pop3, imap)]
        + [max(s.storage_bytes, default=0) for r in (pop3, imap) for s in r.series]
        + [1]
    )
    unit, scale = style.bytes_unit(peak)
    for ax, result in ((left, pop3), (right, imap)):
        grid = result.grid_s
        ax.plot(
            grid,
            [b / scale for b in result.server_logical_bytes],
            color=style.BLACK,
            linewidth=2.6,
            label="server",
        )
        for s in result.series:
            ax.plot(
                grid,
                [b / scale for b in s.storage_bytes],
                color=style.device_colour(s.device),
                label=style.device_label(s.device),
            )
        style.set_days_axis(ax, result.duration_s)
    left.set_ylabel(f"mail stored ({unit})")
    left.set_ylim(bottom=0)
    right.legend(loc="upper left")


def storage_over_time(
    fig: Figure, pop3: Any, imap: Any, title: str = "Where the mail is"
) -> Figure:
    """Bytes on the server and on each device over time, POP3 | IMAP (shared scale)."""
    left, right = style.pair_axes(fig)
    draw_storage(left, right, pop3, imap)
    fig.suptitle(title, x=0.01, ha="left", fontsize=12.5, fontweight="bold")
    return fig


def draw_consistency(left: Axes, right: Axes, pop3: Any, imap: Any) -> None:
    """Share of consistent (message, device) pairs over time, per device, on ``left`` (POP3) and
    ``right`` (IMAP)."""
    for ax, result in ((left, pop3), (right, imap)):
        grid = result.grid_s
        for s in result.series:
            ax.plot(
                grid,
                [100 * x for x in s.consistency_share],
                color=style.device_colour(s.device),
                linewidth=1.4,
                label=style.device_label(s.device),
            )
        ax.plot(
            grid,
            [100 * x for x in result.consistency_share],
            color=style.BLACK,
            linewidth=2.6,
            label="all devices",
        )
        ax.plot(
            grid,
            [100 * x for x in result.state_agreement_share],
            color=style.BLACK,
            linewidth=1.4,
            linestyle="--",
            label="state agreement",
        )
        style.set_days_axis(ax, result.duration_s)
    left.set_ylabel("consistent (message, device) pairs (%)")
    left.set_ylim(0, 103)
    left.yaxis.set_major_formatter(PercentFormatter())
    right.legend(loc="lower right")


def consistency_over_time(fig: Figure, pop3: Any, imap: Any) -> Figure:
    """Share of consistent (message, device) pairs over time, per device, POP3 | IMAP."""
    left, right = style.pair_axes(fig)
    draw_consistency(left, right, pop3, imap)
    return fig


# -- notification delay -----------------------------------------------------------------------------


def _delays(result: Any, device: str | None = None) -> list[float]:
    """Sorted notification delays of ``device`` (``"alex/phone"``), or of every device."""
    return sorted(x for name, xs in result.delays if device in (None, name) for x in xs)


def _delay_of(result: Any, device: str | None) -> Any:
    """The :class:`sim.outputs.results.Delay` the curve of :func:`draw_delay_cdf` shows."""
    return (
        result.summary.notification_delay
        if device is None
        else result.device(device).notification_delay
    )


def _fmt_seconds(x: float, _pos: object = None) -> str:
    """Seconds in the unit a person would say: ``0.28 s``, ``42 s``, ``4.2 min``, ``3 h``, ``2 d``."""
    if math.isnan(x):
        return "n/a"
    for unit, scale in (("d", 86400.0), ("h", 3600.0), ("min", 60.0)):
        if x >= scale:
            v = x / scale
            return f"{v:.0f} {unit}" if v >= 10 or v == int(v) else f"{v:.1f} {unit}"
    return f"{x:.2g} s" if x < 10 else f"{x:.0f} s"


DELAY_TICKS = (0.1, 1.0, 10.0, 60.0, 600.0, 3600.0, 36000.0, 86400.0, 864000.0)


def draw_delay_cdf(ax: Axes, pop3: Any, imap: Any, device: str | None = None) -> None:
    """Cumulative share of (message, device) pairs shown within a delay, both protocols,
    log-time axis: of ``device`` (``"alex/phone"``) or pooled over all devices (None).  The share
    is of *all* pairs, so a curve ends below 100 % by the pairs never shown."""
    any_data = False
    for proto, result in ((POP3, pop3), (IMAP, imap)):
        xs = _delays(result, device)
        delay = _delay_of(result, device)
        if not xs:
            continue
        any_data = True
        xs_plot = [max(x, 0.1) for x in xs]
        pairs = max(delay.pairs, len(xs))
        ys = [100 * (i + 1) / pairs for i in range(len(xs))]
        ax.step(
            xs_plot,
            ys,
            where="post",
            color=PROTOCOL_COLOURS[proto],
            label=f"{proto.label}: median {_fmt_seconds(delay.median_s)} of those shown, "
            f"never {100 * delay.never / pairs:.0f} %",
        )
        if not math.isnan(delay.median_s):
            ax.vlines(
                max(delay.median_s, 0.1),
                0,
                100,
                color=PROTOCOL_COLOURS[proto],
                linestyle=":",
                linewidth=1.3,
            )  # up to 100 %: the legend band stays clear
    if not any_data:
        _empty(ax, "no message reached a device in this run")
    ax.set_xscale("log")
    hi = max([x for r in (pop3, imap) for x in _delays(r, device)] + [10.0])
    ax.set_xticks([t for t in DELAY_TICKS if t <= hi])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(_fmt_seconds))
    where = "all devices, pooled" if device is None else device.split("/")[-1]
    ax.set_xlabel(f"delay from arrival on the server to shown ({where}; log scale)")
    ax.set_ylabel("(message, device) pairs shown\nwithin that delay (%)")
    ax.set_ylim(0, 128)  # a band above 100 % for the legend: it never hides a curve
    ax.set_yticks(range(0, 101, 20))
    ax.yaxis.set_major_formatter(PercentFormatter())
    ax.set_title("How long until new mail shows up", loc="left")
    if any_data:
        ax.legend(loc="upper left")


def delay_distribution(fig: Figure, pop3: Any, imap: Any) -> Figure:
    """:func:`draw_delay_cdf` as a whole figure."""
    fig.clear()
    draw_delay_cdf(fig.subplots(), pop3, imap)
    return fig


# -- bandwidth ------------------------------------------------------------------------------------


def traffic_by_kind(device: Any) -> dict[str, int]:
    """Octets a device's connections carried, both directions, by kind (``TRAFFIC_KINDS``)."""
    return {k: getattr(device.up, k) + getattr(device.down, k) for k in TRAFFIC_KINDS}


def draw_bandwidth(left: Axes, right: Axes, pop3: Any, imap: Any) -> None:
    """Bytes on the wire per device, stacked by what they carry, on ``left`` (POP3) and ``right``
    (IMAP) on one scale; :func:`kind_legend_handles` explains the colours.

    The stacked bars of a panel are :func:`rectangles`, not a ``barh`` per kind: the same
    pixels (``tests/course/test_lesson_figures.py``) without a patch object per bar, which cost a
    third of a lesson 1 redraw."""
    devices = [d.device for d in pop3.devices]
    peak = max([sum(traffic_by_kind(d).values()) for r in (pop3, imap) for d in r.devices] + [1])
    unit, scale = style.bytes_unit(peak)
    height = 0.6  # centred on the device's row
    for ax, result in ((left, pop3), (right, imap)):
        ys = range(len(devices))
        ends = [0.0] * len(devices)
        bars: dict[str, list[Any]] = {"bottom": [], "left": [], "width": [], "colour": []}
        for kind in TRAFFIC_KINDS:
            widths = [traffic_by_kind(result.device(name))[kind] / scale for name in devices]
            bars["bottom"] += [y - height / 2 for y in ys]
            bars["left"] += ends
            bars["width"] += widths
            bars["colour"] += [KIND_COLOURS[kind]] * len(devices)
            ends = [a + b for a, b in zip(ends, widths)]
        heights = [height] * len(bars["bottom"])
        rectangles(ax, bars["left"], bars["bottom"], bars["width"], heights, bars["colour"])
        ax.set_yticks(list(ys))
        ax.set_yticklabels([style.device_label(n) for n in devices])
        ax.invert_yaxis()
        ax.set_xlim(0, peak / scale * 1.05)
        ax.set_xlabel(f"bytes on the wire, both directions ({unit})")
        ax.grid(axis="y", visible=False)
    right.set_yticklabels([])


def kind_legend_handles() -> list[Patch]:
    """One swatch per kind of bytes (``KIND_LABELS``), in :func:`draw_bandwidth`'s colours."""
    return [Patch(facecolor=KIND_COLOURS[k], label=KIND_LABELS[k]) for k in TRAFFIC_KINDS]


def bandwidth_by_kind(fig: Figure, pop3: Any, imap: Any) -> Figure:
    """Bytes on the wire per device split by what they carry, POP3 | IMAP (shared scale)."""
    left, right = style.pair_axes(fig, sharey=False)
    draw_bandwidth(left, right, pop3, imap)
    fig.legend(handles=kind_legend_handles(), loc="outside lower center", ncols=6)
    return fig


# -- generic grouped bars ---------------------------------------------------------------------------


def rectangles(
    ax: Axes,
    lefts: Sequence[float],
    bottoms: Sequence[float],
    widths: Sequence[float],
    heights: Sequence[float],
    colours: Sequence[Any],
    hatches: Sequence[str | None] = (),
    **kwargs: Any,
) -> list[PolyCollection]:
    """Rectangles on ``ax`` (one colour and hatch each) as collections, drawn in the given order:
    the pixels of ``bar``/``barh``, which make a patch object per bar, in a fraction of the time
    to add and to draw them.  A collection has one hatch, so each run of rectangles alike in
    hatching is one.  A NaN size is left out, as a bar of NaN draws nothing; the data limits
    take in the rest, but do not stop at the bars' base as a bar's do (callers set that limit).
    ``kwargs`` go to :class:`~matplotlib.collections.PolyCollection` (``edgecolors``,
    ``linewidths``); edges default to none, as a bar's, and are joined as a patch's."""
    kwargs = {"edgecolors": "none", "joinstyle": "miter", "capstyle": "butt", **kwargs}
    shown = [
        (x, y, w, h, colour, hatch)
        for x, y, w, h, colour, hatch in zip(
            lefts, bottoms, widths, heights, colours, hatches or itertools.repeat(None)
        )
        if not (math.isnan(w) or math.isnan(h))
    ]
    made = []
    for hatch, run in itertools.groupby(shown, key=lambda box: box[5]):
        boxes, faces = [], []
        for x, y, w, h, colour, _ in run:
            boxes.append([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])
            faces.append(colour)
        collection = PolyCollection(boxes, facecolors=faces, hatch=hatch, **kwargs)
        ax.add_collection(collection, autolim=False)
        made.append(collection)
    if shown:  # one autoscaling for all, not one per collection
        ax.update_datalim(
            [(x, y) for x, y, *_ in shown] + [(x + w, y + h) for x, y, w, h, *_ in shown]
        )
        ax.autoscale_view()
    return made


def protocol_handles() -> list[Patch]:
    """Legend swatches of POP3 and IMAP, as a bar in the protocol's colour shows them."""
    return [Patch(facecolor=PROTOCOL_COLOURS[p], label=p.label) for p in (POP3, IMAP)]


def grouped_bars(
    ax: Axes,
    categories: Sequence[str],
    pop3: Sequence[float],
    imap: Sequence[float],
    ylabel: str,
    fmt: str | None = None,
    legend: bool = True,
) -> None:
    """Bars per category, POP3 then IMAP, in their colours, with the value on top of each bar.

    ``fmt`` is a ``str.format`` pattern for the value labels; by default numbers are written the
    way the summaries write them (``1,905``, ``2.2``, ``0.28``).  ``legend=False`` for a panel
    whose neighbour's legend already explains the colours.
    """
    n = len(categories)
    xs = list(range(n))
    width = 0.38
    finite = [v for v in list(pop3) + list(imap) if not math.isnan(v)]
    peak = max(finite + [0.0]) or 1.0  # all zero: a unit axis, not a 1e-9 one
    bars: dict[str, list[Any]] = {"left": [], "height": [], "colour": []}
    for offset, proto, values in ((-width / 2, POP3, pop3), (width / 2, IMAP, imap)):
        lefts = [(x + offset) - width / 2 for x in xs]  # where bar() puts a centred bar
        bars["left"] += lefts
        bars["height"] += values
        bars["colour"] += [PROTOCOL_COLOURS[proto]] * n
        for left, v in zip(lefts, values):
            ax.text(
                left + width / 2,
                v + peak * 0.015,
                format_value(v) if fmt is None else fmt.format(v),
                ha="center",
                va="bottom",
                fontsize=8.5,
            )
    lefts, heights = bars["left"], bars["height"]
    rectangles(ax, lefts, [0.0] * len(lefts), [width] * len(lefts), heights, bars["colour"])
    ax.set_xticks(xs)
    ax.set_xticklabels(categories)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, peak * 1.3)  # headroom for the value labels and a one-row legend above them
    ax.grid(axis="x", visible=False)
    if legend:
        ax.legend(handles=protocol_handles(), loc="upper right", ncols=2)


def search_recall(
    fig: Figure,
    where: Sequence[str],
    recall_pop3: Sequence[float],
    recall_imap: Sequence[float],
    cost_pop3: Sequence[float],
    cost_imap: Sequence[float],
) -> Figure:
    """Left: share of matching mail a search finds (%); right: bytes it cost on the wire."""
    fig.clear()
    left, right = fig.subplots(1, 2)
    draw_search_recall(left, right, where, recall_pop3, recall_imap, cost_pop3, cost_imap)
    return fig


def draw_search_recall(
    left: Axes,
    right: Axes,
    where: Sequence[str],
    recall_pop3: Sequence[float],
    recall_imap: Sequence[float],
    cost_pop3: Sequence[float],
    cost_imap: Sequence[float],
) -> None:
    """The two panels of :func:`search_recall` on given axes (new, or emptied for a redraw)."""

    def nan0(xs: list[float]) -> list[float]:
        return [0.0 if math.isnan(x) else x for x in xs]

    grouped_bars(
        left,
        where,
        nan0([100 * x for x in recall_pop3]),
        nan0([100 * x for x in recall_imap]),
        "matching messages found (%)",
        "{:.0f} %",
    )
    left.set_ylim(0, 130)
    left.set_title("Search recall", loc="left")
    peak = max(list(cost_pop3) + list(cost_imap) + [1])
    unit, scale = style.bytes_unit(peak)
    grouped_bars(
        right,
        where,
        [c / scale for c in cost_pop3],
        [c / scale for c in cost_imap],
        f"bytes on the wire per search ({unit})",
        None,
        legend=False,
    )
    right.set_title("Search cost", loc="left")


# -- crashes -------------------------------------------------------------------------------------


def draw_crash_loss(
    ax: Axes,
    ages_days: Sequence[float],
    lost_pop3: Sequence[float],
    lost_imap: Sequence[float],
    current_age: float | None = None,
    current: tuple[float, float] | None = None,
    no_backup: tuple[float, float] | None = None,
    title: str = "What a crash costs, by backup age",
) -> None:
    """Messages lost in one crash against the age of the restored backup (days), one point per
    simulated age; ``no_backup`` as dotted lines; the age as set as a dashed line and, when it is
    not one of ``ages_days``, its own run's losses (``current``) as open markers."""
    for proto, lost, marker in ((POP3, lost_pop3, "o"), (IMAP, lost_imap, "s")):
        ax.plot(
            ages_days,
            lost,
            color=PROTOCOL_COLOURS[proto],
            marker=marker,
            label=proto.label,
            clip_on=False,
        )
    if no_backup is not None:
        ax.axhline(
            no_backup[0],
            color=PROTOCOL_COLOURS[POP3],
            linestyle=":",
            linewidth=1.3,
            label="POP3, no backup",
        )
        ax.axhline(
            no_backup[1],
            color=PROTOCOL_COLOURS[IMAP],
            linestyle=":",
            linewidth=1.3,
            label="IMAP, no backup",
        )
    if current_age is not None:
        ax.axvline(
            current_age,
            color=style.GREY,
            linewidth=1,
            linestyle="--",
            label=f"as set: {format_value(current_age)} days",
        )
        if current is not None and current_age not in ages_days:
            for proto, lost_now, marker in ((POP3, current[0], "o"), (IMAP, current[1], "s")):
                ax.plot(
                    [current_age],
                    [lost_now],
                    linestyle="none",
                    marker=marker,
                    clip_on=False,
                    markerfacecolor="white",
                    markeredgecolor=PROTOCOL_COLOURS[proto],
                )
    top = max(
        list(lost_pop3) + list(lost_imap) + list(no_backup or ()) + list(current or ()) + [1.0]
    )
    ax.set_ylim(0, top * 1.35)  # room for the legend above the highest point
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("age of the restored backup (days)")
    ax.set_ylabel("messages lost in the crash")
    ax.set_title(title, loc="left")
    ax.legend(loc="upper left", fontsize=8, ncols=2)


def crash_loss(
    fig: Figure,
    ages_days: Sequence[float],
    lost_pop3: Sequence[float],
    lost_imap: Sequence[float],
    current_age: float | None = None,
    no_backup: tuple[float, float] | None = None,
    current: tuple[float, float] | None = None,
) -> Figure:
    """:func:`draw_crash_loss` as a whole figure."""
    fig.clear()
    draw_crash_loss(
        fig.subplots(),
        ages_days,
        lost_pop3,
        lost_imap,
        current_age=current_age,
        current=current,
        no_backup=no_backup,
    )
    return fig


def setup_bars(
    ax: Axes,
    labels: Sequence[str],
    protocols: Sequence[Protocol],
    values: Sequence[float],
    ylabel: str,
    *,
    hatched: Sequence[bool] = (),
    per_trial: Sequence[Sequence[float]] | None = None,
    fmt: str | None = None,
    texts: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> None:
    """One bar per client set-up (lesson 9: two POP3 set-ups and IMAP) in its protocol's colour,
    hatched where ``hatched`` says, the value written on top (``texts[i]`` instead, if given) and
    ``notes[i]`` inside the bar's foot.
    ``per_trial`` adds each trial's value as a dot in the right half of its bar (the spread of a
    Monte Carlo); the value is then written over the bar's left half."""
    xs = list(range(len(labels)))
    tops = list(values) + [v for vs in (per_trial or ()) for v in vs]
    peak = max([v for v in tops if not math.isnan(v)] + [0.0]) or 1.0
    hatches = list(hatched) + [False] * len(xs)
    ax.bar(
        xs,
        values,
        width=0.62,
        color=[PROTOCOL_COLOURS[p] for p in protocols],
        edgecolor="white",
        hatch=["///" if h else None for h in hatches[: len(xs)]],
        linewidth=0.0,
    )
    if per_trial is not None:
        for x, vs in zip(xs, per_trial):
            n = len(vs)
            offsets = [0.17] if n == 1 else [0.06 + 0.22 * k / (n - 1) for k in range(n)]
            ax.scatter(
                [x + o for o in offsets],
                list(vs),
                s=14,
                color=style.BLACK,
                zorder=3,
                label="one simulated year" if x == 0 else None,
            )
    for x, v in zip(xs, values):
        text = texts[x] if x < len(texts) else format_value(v) if fmt is None else fmt.format(v)
        if per_trial is None:
            ax.text(x, v + peak * 0.03, text, ha="center", va="bottom", fontsize=8.5)
        else:
            ax.text(x - 0.3, v + peak * 0.02, f"mean {text}", ha="left", va="bottom", fontsize=8)
    for x, note in zip(xs, notes):
        if note:
            ax.text(
                x,
                peak * 0.02,
                note,
                ha="center",
                va="bottom",
                fontsize=7.5,
                color="white",
                fontweight="bold",
            )
    ax.set_xticks(xs)
    ax.set_xticklabels(labels, fontsize=8.5)
    ax.set_ylabel(ylabel)
    ax.set_ylim(0, peak * 1.25)
    ax.grid(axis="x", visible=False)
    if per_trial is not None:
        ax.legend(loc="upper right", fontsize=8)


def yearly_loss_by_setup(
    fig: Figure,
    labels: Sequence[str],
    protocols: Sequence[Protocol],
    hatched: Sequence[bool],
    crash: Sequence[Sequence[float]],
    delete: Sequence[Sequence[float]],
    deletes_made: float,
) -> Figure:
    """Lesson 9's Monte Carlo as a whole figure: per set-up, messages lost per simulated year in
    device crashes (left) and to deletes by mistake (right), mean bars and one dot per year."""
    fig.clear()
    left, right = fig.subplots(1, 2)
    draw_year_losses(left, right, labels, protocols, hatched, crash, delete, deletes_made)
    return fig


def draw_year_losses(
    crash_ax: Axes,
    delete_ax: Axes,
    labels: Sequence[str],
    protocols: Sequence[Protocol],
    hatched: Sequence[bool],
    crash: Sequence[Sequence[float]],
    delete: Sequence[Sequence[float]],
    deletes_made: float,
) -> None:
    """The two panels of :func:`yearly_loss_by_setup` on given axes (the dashboard's figure)."""
    mean = lambda xs: sum(xs) / len(xs) if xs else math.nan  # noqa: E731
    years = len(crash[0]) if crash else 0
    setup_bars(
        crash_ax,
        labels,
        protocols,
        [mean(xs) for xs in crash],
        "lost in crashes (messages per year)",
        hatched=hatched,
        per_trial=crash,
    )
    crash_ax.set_title(f"A year: lost in crashes (mean of {years} simulated)", loc="left")
    setup_bars(
        delete_ax,
        labels,
        protocols,
        [mean(xs) for xs in delete],
        "lost to deletes by mistake (messages per year)",
        hatched=hatched,
        per_trial=delete,
    )
    delete_ax.set_ylim(0, max(delete_ax.get_ylim()[1], deletes_made * 1.3, 1.0))
    delete_ax.axhline(
        deletes_made,
        color=style.GREY,
        linestyle="--",
        linewidth=1.0,
        label=f"deletes by mistake made ({format_value(deletes_made)} a year)",
    )
    delete_ax.set_title("A year: lost to deletes by mistake", loc="left")
    delete_ax.legend(loc="upper left", fontsize=8)


# -- connection set-up (lesson 2) -----------------------------------------------------------------


def connection_setup(fig: Figure, rows: Sequence[Mapping[str, Any]]) -> Figure:
    """Round trips until the first command after login, per (protocol, port, TLS) row.

    Each row: ``label``, ``protocol`` (Protocol), ``round_trips``, ``seconds`` and ``cleartext``
    (the password crossed the wire readable).
    """
    fig.clear()
    left, right = fig.subplots(1, 2, width_ratios=(1.3, 1))
    labels = [r["label"] for r in rows]
    ys = list(range(len(rows)))
    colours = [PROTOCOL_COLOURS[r["protocol"]] for r in rows]
    left.barh(ys, [r["round_trips"] for r in rows], color=colours, height=0.6)
    for y, r in zip(ys, rows):
        left.text(r["round_trips"] + 0.1, y, f"{r['round_trips']}", va="center", fontsize=9)
        if r["cleartext"]:
            left.text(
                0.15,
                y,
                "password in clear",
                va="center",
                fontsize=8.5,
                color="white",
                fontweight="bold",
            )
    left.set_yticks(ys)
    left.set_yticklabels(labels)
    left.invert_yaxis()
    left.set_xlabel("round trips until the first command after login")
    left.grid(axis="y", visible=False)
    left.set_title("Connection set-up", loc="left")
    right.barh(ys, [1000 * r["seconds"] for r in rows], color=colours, height=0.6)
    for y, r in zip(ys, rows):
        right.text(
            1000 * r["seconds"], y, f" {1000 * r['seconds']:.0f} ms", va="center", fontsize=9
        )
    right.set_yticks(ys)
    right.set_yticklabels([])
    right.invert_yaxis()
    right.set_xlabel("time until the first command (ms)")
    right.grid(axis="y", visible=False)
    right.set_title("…in time on this link", loc="left")
    return fig


def timeline(fig: Figure, pop3: TimelineData, imap: TimelineData) -> Figure:
    """The per-device timeline (see :mod:`course.timeline`), POP3 above IMAP."""
    return timeline_figure([pop3, imap], fig=fig)


def draw_flag_agreement(
    ax: Axes, pop3: Sequence[tuple[str, float]], imap: Sequence[tuple[str, float]]
) -> None:
    """Per flag, the share of (message, device) pairs showing it as the user intended (%), as
    grouped bars (NaN, no pair to judge: no bar)."""
    names = [f for f, _ in pop3]
    imap_d = dict(imap)
    grouped_bars(
        ax,
        names,
        [100 * v for _, v in pop3],
        [100 * imap_d.get(n, math.nan) for n in names],
        "pairs showing the flag as intended (%)",
        "{:.0f} %",
    )
    ax.set_ylim(0, 132)  # the band above 100 % holds the value labels and the legend
    ax.set_yticks(range(0, 101, 20))
    ax.set_title("Flags on every device at the end of the run", loc="left")


def flag_agreement(
    fig: Figure, pop3: Sequence[tuple[str, float]], imap: Sequence[tuple[str, float]]
) -> Figure:
    """:func:`draw_flag_agreement` as a whole figure."""
    fig.clear()
    draw_flag_agreement(fig.subplots(), pop3, imap)
    return fig


def scorecard(fig: Figure, metrics: Sequence[tuple[str, str, float, float, str]]) -> Figure:
    """One row per metric ``(title, unit, pop3, imap, better)``: two bars scaled to the larger value.

    ``better`` is ``"lower"``, ``"higher"`` or ``"trade-off"`` and is printed with the metric, so the
    reader knows which bar wins (or that neither simply does).  Values are written at the bar ends
    in their own units; one axis keeps the figure quick to redraw.
    """
    fig.clear()
    draw_scorecard(fig.subplots(), metrics)
    return fig


def draw_scorecard(ax: Axes, metrics: Sequence[tuple[str, str, float, float, str]]) -> None:
    """:func:`scorecard` on a given axes (new, or emptied for a redraw)."""
    labels = []
    bars: dict[Protocol, tuple[list[float], list[float]]] = {
        POP3: ([], []),
        IMAP: ([], []),
    }  # ys, widths
    for row, (title, unit, p, i, better) in enumerate(metrics):
        raw = (p, i)
        values = [0.0 if math.isnan(v) else v for v in raw]
        peak = max(values) or 1.0
        for k, (proto, v, r) in enumerate(zip((POP3, IMAP), values, raw)):
            y = row + (k - 0.5) * 0.38
            width = 100 * v / peak
            bars[proto][0].append(y)
            bars[proto][1].append(width)
            ax.text(width + 1.5, y, format_value(r, unit), va="center", fontsize=8.5)
        hint = {"lower": "lower is better", "higher": "higher is better"}.get(better, "a trade-off")
        labels.append(f"{title}\n({hint})")
    height = 0.36
    ys = bars[POP3][0] + bars[IMAP][0]  # POP3's bars, then IMAP's
    widths = bars[POP3][1] + bars[IMAP][1]
    colours = [PROTOCOL_COLOURS[p] for p in (POP3, IMAP) for _ in bars[p][0]]
    bottoms = [y - height / 2 for y in ys]  # where barh() puts a centred bar
    rectangles(ax, [0.0] * len(ys), bottoms, widths, [height] * len(ys), colours)
    ax.set_yticks(range(len(metrics)))
    ax.set_yticklabels(labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(0, 128)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("share of the larger of the two values (%)")
    ax.grid(axis="y", visible=False)
    ax.legend(handles=protocol_handles(), loc="lower right")
    ax.set_title("Every metric, POP3 beside IMAP", loc="left")


def connection_timeline(fig: Figure, rows: Sequence[Mapping[str, Any]]) -> Figure:
    """Each way of connecting as a row of steps in time: TCP, TLS, then every command to login.

    Each row: ``label``, ``protocol`` (Protocol) and ``steps``: ``(start_s, end_s, text, kind,
    readable)`` with ``kind`` one of ``"tcp"``, ``"tls"``, ``"command"``; ``readable`` commands
    (sent before TLS) are hatched: an eavesdropper reads them, password included.
    """
    fig.clear()
    draw_connection_timeline(fig.subplots(), rows)
    return fig


def draw_connection_timeline(ax: Axes, rows: Sequence[Mapping[str, Any]]) -> None:
    """:func:`connection_timeline` on a given axes (new, or emptied for a redraw)."""
    end = max([s[1] for r in rows for s in r["steps"]] + [1e-3])
    # every step a rectangle of one set of collections (a barh patch per step cost half the
    # redraw), in the steps' order: a step's white edge overlaps its neighbours'
    height = 0.62
    bars: dict[str, list[Any]] = {"bottom": [], "left": [], "width": [], "colour": [], "hatch": []}
    for y, row in enumerate(rows):
        for start, stop, _text, kind, readable in row["steps"]:
            bars["bottom"].append(y - height / 2)  # where barh() puts a centred bar
            bars["left"].append(start * 1000)
            bars["width"].append((stop - start) * 1000)
            bars["colour"].append(
                {"tcp": KIND_COLOURS["tcp"], "tls": style.GREY}.get(
                    kind, PROTOCOL_COLOURS[row["protocol"]]
                )
            )
            bars["hatch"].append("///" if readable else None)
    rectangles(
        ax,
        bars["left"],
        bars["bottom"],
        bars["width"],
        [height] * len(bars["left"]),
        bars["colour"],
        bars["hatch"],
        edgecolors="white",
        linewidths=1.2,
    )
    for y, row in enumerate(rows):
        for start, stop, text, kind, _readable in row["steps"]:
            if (stop - start) / end > 0.045:
                ax.text(
                    (start + stop) / 2 * 1000,
                    y,
                    text,
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="black" if kind == "tcp" else "white",
                    fontweight="bold",
                )
        ax.text(
            row["steps"][-1][1] * 1000 + end * 8,
            y,
            f"{row['steps'][-1][1] * 1000:.0f} ms",
            va="center",
            fontsize=9,
        )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r["label"] for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, end * 1000 * 1.1)
    ax.set_xlabel("time from the client's first packet (ms)")
    ax.grid(axis="y", visible=False)
    ax.legend(
        handles=[
            Patch(color=KIND_COLOURS["tcp"], label="TCP handshake"),
            Patch(color=style.GREY, label="TLS handshake"),
            Patch(
                facecolor="white",
                edgecolor=style.BLACK,
                hatch="///",
                label="readable by an eavesdropper",
            ),
        ],
        loc="lower right",
    )
    ax.set_title("From the first packet to logged in: every round trip", loc="left")


# -- lessons 6 and 7 ---------------------------------------------------------------------------------


def two_clients_and_lock(
    fig: Figure,
    devices: Sequence[str],
    missed_pop3: Sequence[float],
    missed_imap: Sequence[float],
    delivered: int,
    dup_pop3: float,
    dup_imap: float,
    refused_pop3: Sequence[float],
) -> Figure:
    """Lesson 6: messages each device never received, bytes downloaded more than once, and the
    POP3 logins the maildrop lock refused, per device (IMAP has no such lock: zero)."""
    fig.clear()
    draw_two_clients(
        two_clients_axes(fig),
        devices,
        missed_pop3,
        missed_imap,
        delivered,
        dup_pop3,
        dup_imap,
        refused_pop3,
    )
    return fig


def two_clients_axes(fig: Figure) -> list[Axes]:
    """The three panels of :func:`two_clients_and_lock`, side by side."""
    return list(fig.subplots(1, 3, width_ratios=(1.5, 0.8, 1.2)))


def draw_two_clients(
    axes: Sequence[Axes],
    devices: Sequence[str],
    missed_pop3: Sequence[float],
    missed_imap: Sequence[float],
    delivered: int,
    dup_pop3: float,
    dup_imap: float,
    refused_pop3: Sequence[float],
) -> None:
    """:func:`two_clients_and_lock` on :func:`two_clients_axes` (new, or emptied for a redraw)."""
    left, mid, right = axes
    labels = [style.device_label(d) for d in devices]
    grouped_bars(left, labels, missed_pop3, missed_imap, "messages never received", "{:.0f}")
    left.set_title(f"Missed (of {delivered} delivered)", loc="left")
    unit, scale = style.bytes_unit(max(dup_pop3, dup_imap, 1))
    grouped_bars(
        mid,
        ["both\ncomputers"],
        [dup_pop3 / scale],
        [dup_imap / scale],
        f"downloaded again ({unit})",
        None,
        legend=False,
    )
    mid.set_title("Duplicates", loc="left")
    grouped_bars(
        right,
        labels,
        refused_pop3,
        [0.0] * len(devices),
        "POP3 logins refused",
        "{:.0f}",
        legend=False,
    )
    right.set_title("Maildrop lock", loc="left")
    right.text(
        0.98,
        0.97,
        "IMAP has no such lock",
        transform=right.transAxes,
        ha="right",
        va="top",
        fontsize=8.5,
        color=style.GREY,
    )
    for ax in (left, right):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    # a panel of zeros reads as a panel that failed to draw: say what the zeros mean
    if max(dup_pop3, dup_imap) == 0:
        mid.yaxis.set_major_locator(MaxNLocator(integer=True))
        _empty(mid, "no message was\ndownloaded twice\nin this run")
    else:  # a reused axes keeps the integer locator of a redraw without duplicates
        mid.yaxis.set_major_locator(AutoLocator())
    if not any(refused_pop3):
        _empty(right, "no POP3 login\nwas refused\nin this run")


def virus_copies(
    fig: Figure,
    devices: Sequence[str],
    copies_pop3: Sequence[float],
    copies_imap: Sequence[float],
    virus_pop3: Any,
    virus_imap: Any,
) -> Figure:
    """Lesson 7: infected messages (arrived, stopped at delivery, caught by a server rescan);
    infected copies on each device before the signature update recognised them -- copies are
    (message, device) pairs; and the bytes scanned on the server and on the devices."""
    fig.clear()
    draw_virus_copies(virus_axes(fig), devices, copies_pop3, copies_imap, virus_pop3, virus_imap)
    return fig


def virus_axes(fig: Figure) -> list[Axes]:
    """The three panels of :func:`virus_copies`, side by side."""
    return list(fig.subplots(1, 3, width_ratios=(1.35, 1.2, 0.95)))


def draw_virus_copies(
    axes: Sequence[Axes],
    devices: Sequence[str],
    copies_pop3: Sequence[float],
    copies_imap: Sequence[float],
    virus_pop3: Any,
    virus_imap: Any,
) -> None:
    """:func:`virus_copies` on :func:`virus_axes` (new, or emptied for a redraw)."""
    left, mid, right = axes
    cats = ["arrived", "stopped at\ndelivery", "caught by\nrescan"]
    get = lambda v: [v.infected_delivered, v.caught_at_delivery, v.caught_by_rescan]  # noqa: E731
    grouped_bars(left, cats, get(virus_pop3), get(virus_imap), "infected messages", "{:.0f}")
    left.set_title("Infected messages", loc="left")
    grouped_bars(
        mid,
        [style.device_label(d) for d in devices],
        copies_pop3,
        copies_imap,
        "infected copies (message, device)",
        "{:.0f}",
        legend=False,
    )
    mid.set_title("Infected copies on devices", loc="left")
    mid.set_xlabel(f"all devices: POP3 {sum(copies_pop3):.0f}, IMAP {sum(copies_imap):.0f}")
    for ax in (left, mid):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    scans = [
        virus_pop3.server_scan_bytes,
        virus_pop3.device_scan_bytes,
        virus_imap.server_scan_bytes,
        virus_imap.device_scan_bytes,
    ]
    unit, scale = style.bytes_unit(max(scans + [1]))
    grouped_bars(
        right,
        ["server", "devices"],
        [scans[0] / scale, scans[1] / scale],
        [scans[2] / scale, scans[3] / scale],
        f"bytes scanned ({unit})",
        None,
        legend=False,
    )
    right.set_title("Scanning work", loc="left")
