"""``python -m sim compare``: POP3 and IMAP side by side on the same workload trace.

Example::

    python -m sim compare --preset family --days 7 --seed 1 --crash phone@3 --json

Prints a table of the headline metrics (or, with ``--json``, one JSON object with keys
``scenario``, ``pop3`` and ``imap``).  Runs that take more than a second report progress on stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from typing import Any

from ..inputs.presets import preset, preset_names
from ..inputs.scenario import DAY, Scenario, ScenarioError
from ..model import Protocol
from ..model.processes import default_workers
from ..model.shards import MAX_WORKERS, run_many
from ..outputs.results import Delay, Result
from .main import UsageError, float_in_range, int_in_range

MAX_DAYS = 400
BY_KIND_ABOVE = 12  # more devices than this: the table summarises them per kind of device


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "compare",
        help="POP3 vs IMAP on one preset: headline metrics side by side",
        description="Simulate a preset under POP3 and under IMAP on the same workload trace "
        "and print the headline metrics side by side.",
    )
    p.add_argument(
        "--preset",
        required=True,
        type=_preset_name,
        metavar="NAME",
        help="one of: " + ", ".join(preset_names()),
    )
    p.add_argument(
        "--days",
        type=int_in_range("--days", 1, MAX_DAYS),
        default=7,
        help=f"simulated days, 1..{MAX_DAYS} (default 7)",
    )
    p.add_argument(
        "--seed",
        type=int_in_range("--seed", 0, 2**63 - 1),
        default=1,
        help="seed of the workload trace (default 1)",
    )
    p.add_argument(
        "--crash",
        action="append",
        default=[],
        type=_crash,
        metavar="DEVICE@DAY",
        help="crash DEVICE (e.g. phone or alex/phone) at DAY (may repeat)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    add_shard_options(p)
    p.add_argument(
        "--by-device",
        action="store_true",
        help=f"the table lists every device even when there are more than "
        f"{BY_KIND_ABOVE} (default: then one row per kind of device)",
    )
    p.set_defaults(run=main)


def add_shard_options(p: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--dask`` (sim.model.shards): where the shards of users run."""
    p.add_argument(
        "--workers",
        type=int_in_range("--workers", 1, MAX_WORKERS),
        default=default_workers(),
        metavar="N",
        help=f"local processes, one shard of users each, 1..{MAX_WORKERS} (default: "
        f"the cores, {default_workers()}; 1 runs in this process); the results "
        "are the same whatever the number",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        default=None,
        help="run --workers shards on the Dask cluster at ADDRESS (its workers "
        "need this project installed; 'local': start a LocalCluster of "
        "--workers processes here); needs the 'dask' extra",
    )


def _preset_name(text: str) -> str:
    if text not in preset_names():
        raise argparse.ArgumentTypeError(
            f"--preset={text!r}: allowed one of {', '.join(preset_names())}"
        )
    return text


def _crash(text: str) -> tuple[str, float]:
    name, sep, day = text.rpartition("@")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"--crash={text!r}: allowed DEVICE@DAY, e.g. phone@3.5")
    value = float_in_range("--crash DAY", 0.0, float(MAX_DAYS))(day)
    return name, value


def build(args: argparse.Namespace) -> Scenario:
    """The scenario the arguments describe (raises UsageError naming the bad argument)."""
    try:
        sc = preset(args.preset, days=args.days, seed=args.seed)
        if args.crash:
            for name, day in args.crash:
                if day > args.days:
                    raise UsageError(
                        f"--crash={name}@{day:g}: allowed DAY 0..{args.days} (the --days simulated)"
                    )
            at = tuple((name, day * DAY) for name, day in args.crash)
            sc = dataclasses.replace(sc, crashes=dataclasses.replace(sc.crashes, at=at))
    except ScenarioError as exc:
        flag = "--crash" if exc.field == "crashes.at" else f"--{exc.field}"
        raise UsageError(f"{flag}={exc.value!r}: allowed {exc.allowed}") from None
    return sc


def summary(sc: Scenario, r: Result) -> dict[str, Any]:
    """The JSON object of one protocol's run (keys of issue 3, plus a few more)."""
    s = r.summary

    def f(x: float) -> float | None:
        return None if math.isnan(x) else round(x, 6)

    def delay(d: Delay) -> dict[str, Any]:
        """Quantiles over the pairs shown; ``samples + never`` are all the pairs."""
        return {"median": f(d.median_s), "p95": f(d.p95_s), "samples": d.count, "never": d.never}

    return {
        "server_storage_bytes": s.server_storage_bytes,
        "server_physical_bytes": s.server_physical_bytes,
        "device_storage_bytes": r.by_device("storage_bytes"),
        "consistency_mean": f(s.consistency_mean_share),
        "coverage_mean": f(s.coverage_mean_share),
        "state_agreement_mean": f(s.state_agreement_mean_share),
        "crash_lost_messages": s.crash_lost_messages,
        "crash_lost_bytes": s.crash_lost_bytes,
        "wire_bytes": {d.device: d.wire_bytes for d in r.devices},
        "metered_wire_bytes": s.metered_wire_bytes,
        "duplicate_download_bytes": s.duplicate_download_bytes,
        "notification_delay_s": {
            **delay(s.notification_delay),
            "by_device": {d.device: delay(d.notification_delay) for d in r.devices},
        },
        "missed_messages": r.by_device("missed_messages"),
        "missed_distinct_messages": s.missed_messages,
        "radio_wakeups": r.by_device("radio_wakeups"),
        "search_recall": f(s.search_recall_share),
        "connection_time_s": round(s.connection_time_s, 3),
        "delivered_messages": r.conservation.delivered,
    }


def main(args: argparse.Namespace) -> int:
    sc = build(args)
    start = time.perf_counter()
    shown = [False]

    def progress(label: str):  # type: ignore[no-untyped-def]
        def report(frac: float) -> None:
            if time.perf_counter() - start > 1.0:
                shown[0] = True
                print(f"\rcompare: {label} {frac:4.0%}", end="", file=sys.stderr, flush=True)

        return report

    try:
        pop3, imap = run_many(
            sc,
            (Protocol.POP3, Protocol.IMAP),
            workers=args.workers,
            dask=args.dask,
            progress=progress("pop3+imap"),
        )
    except ScenarioError as exc:  # --dask without the extra installed
        raise UsageError(f"--{exc.field}={exc.value!r}: allowed {exc.allowed}") from None
    if shown[0]:
        print(f"\rcompare: done in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    out = {
        "scenario": {
            "preset": args.preset,
            "days": args.days,
            "seed": args.seed,
            "users": len(sc.users),
            "devices": [d.name for d in sc.devices],
            "crashes": [[n, t / DAY] for n, t in sc.crashes.at],
        },
        "pop3": summary(sc, pop3),
        "imap": summary(sc, imap),
    }
    if args.json:
        print(json.dumps(out, indent=2, sort_keys=False))
    else:
        print(table(out, by_device=args.by_device or len(sc.devices) <= BY_KIND_ABOVE))
    return 0


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _kind(device: str) -> str:
    """``"u017/phone"`` -> ``"phone"``."""
    return device.rsplit("/", 1)[-1]


def by_kind(values: dict[str, Any]) -> dict[str, Any]:
    """A ``{device: value}`` entry summarised per kind of device: the mean of a number (``"phone
    (mean of 500)"``), or for notification delays the pairs shown and never shown, summed
    (quantiles of many devices cannot be combined from theirs: the pooled ones are above)."""
    groups: dict[str, list[Any]] = {}
    for device, value in values.items():
        groups.setdefault(_kind(device), []).append(value)
    out: dict[str, Any] = {}
    for kind, vals in groups.items():
        if all(isinstance(v, dict) for v in vals):
            out[f"{kind} ({len(vals)})"] = {
                "samples": sum(v["samples"] for v in vals),
                "never": sum(v["never"] for v in vals),
            }
        else:
            nums = [v for v in vals if v is not None]
            out[f"{kind} (mean of {len(vals)})"] = sum(nums) / len(nums) if nums else None
    return out


def _per_device(value: Any, devices: set[str]) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= devices


def table(out: dict[str, Any], by_device: bool = True) -> str:
    """A plain-text side-by-side table (per-device values on their own rows; with
    ``by_device=False`` one row per kind of device instead, see :func:`by_kind`)."""
    p, i = out["pop3"], out["imap"]
    devices = set(out["scenario"]["devices"])
    rows: list[tuple[str, Any, Any]] = []

    def add(key: str, a: Any, b: Any) -> None:
        if not by_device and _per_device(a, devices):
            a, b = by_kind(a), by_kind(b)
        if isinstance(a, dict):  # nested: one row per leaf, e.g. delay[by_device][alex/phone][p95]
            for sub in a:
                add(f"{key}[{sub}]", a[sub], b.get(sub) if isinstance(b, dict) else None)
        else:
            rows.append((key, a, b))

    for key in p:
        add(key, p[key], i[key])
    width = max(len(r[0]) for r in rows)
    sc = out["scenario"]
    lines = [
        f"preset {sc['preset']}, {sc['days']} days, seed {sc['seed']}, "
        f"{sc['users']} user(s), {len(sc['devices'])} device(s)"
        + ("" if by_device else "; per kind of device (--by-device: every device)"),
        f"{'metric':<{width}}  {'POP3':>16}  {'IMAP':>16}",
    ]
    for name, a, b in rows:
        lines.append(f"{name:<{width}}  {_fmt(a):>16}  {_fmt(b):>16}")
    return "\n".join(lines)
