"""Every scenario parameter changes something, and every result field is documented.

A parameter the model never reads is a silent promise (a learner moves it and nothing happens), so
the model's sources are scanned for each field; the parameters wired in recently also get a run
that shows their effect."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

import sim.outputs.results as R
from sim.inputs.presets import preset
from sim.inputs.scenario import ImapPolicy, Scenario, UserSpec
from sim.inputs.workload import generate
from sim.model import Protocol, simulate

ROOT = Path(__file__).resolve().parents[2]
SPEC_MODULE = ROOT / "sim" / "scenario.py"


def _spec_classes() -> list[type]:
    """Scenario and every dataclass it is built from (recursively, through field types)."""
    import sim.inputs.scenario as S

    return [
        obj
        for obj in vars(S).values()
        if isinstance(obj, type)
        and dataclasses.is_dataclass(obj)
        and obj.__module__ == S.__name__
        and obj.__name__ != "Range"
    ]


def _names_read_by_the_model() -> set[str]:
    """Attribute *reads* in ``sim/`` outside the modules that define or build scenarios and the
    protocol engines, plus field names spelt as strings in tuples or ``getattr`` calls (the
    workload's table of per-day action rates).  Keyword arguments are writes and do not count."""
    skip = {SPEC_MODULE, ROOT / "sim" / "presets.py", ROOT / "sim" / "defaults.py"}
    names: set[str] = set()
    for path in (ROOT / "sim").rglob("*.py"):
        if path in skip or "protocol" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                names.add(node.attr)
            elif isinstance(node, ast.Tuple) or (
                isinstance(node, ast.Call) and getattr(node.func, "id", "") == "getattr"
            ):
                elts = node.elts if isinstance(node, ast.Tuple) else node.args
                names.update(
                    e.value
                    for e in elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)
                )
    return names


def test_every_scenario_parameter_is_read_by_the_model() -> None:
    classes = _spec_classes()
    assert Scenario in classes and UserSpec in classes and ImapPolicy in classes
    read = _names_read_by_the_model()
    unread = [
        f"{cls.__name__}.{f.name}"
        for cls in classes
        for f in dataclasses.fields(cls)
        if f.name not in read
    ]
    assert unread == []


def test_the_scan_notices_an_unread_name() -> None:
    """The check above can fail: a made-up field name is not among the names read."""
    assert "surely_not_a_field_name_here" not in _names_read_by_the_model()
    assert "chunk_bytes" in _names_read_by_the_model()


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## `?(\w+)`?.*$", text, flags=re.M)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_results_reference_documents_every_field() -> None:
    sections = _sections((ROOT / "docs" / "results.md").read_text())
    classes = [
        obj
        for obj in vars(R).values()
        if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == R.__name__
    ]
    assert R.Summary in classes and R.DeviceSummary in classes
    missing = [
        f"{cls.__name__}.{f.name}"
        for cls in classes
        for f in dataclasses.fields(cls)
        if f"`{f.name}`" not in sections.get(cls.__name__, "")
    ]
    assert missing == []


def _with_chunk(sc: Scenario, chunk: int) -> Scenario:
    users = tuple(
        dataclasses.replace(
            u,
            devices=tuple(
                dataclasses.replace(d, imap=dataclasses.replace(d.imap, chunk_bytes=chunk))
                for d in u.devices
            ),
        )
        for u in sc.users
    )
    return dataclasses.replace(sc, users=users)


def test_smaller_imap_chunks_cost_more_commands_for_the_same_attachment_octets() -> None:
    base = preset("family", days=14, seed=3)
    small = _with_chunk(base, 4096)
    a, b = simulate(base, Protocol.IMAP), simulate(small, Protocol.IMAP, generate(small))
    up_a = sum(d.up.framing for d in a.devices)
    up_b = sum(d.up.framing for d in b.devices)
    att_a = sum(d.down.attachment for d in a.devices)
    att_b = sum(d.down.attachment for d in b.devices)
    assert att_a == att_b > 0
    assert up_b > up_a  # one "UID FETCH uid (BODY.PEEK[2]<origin.4096>)" per 4 KiB
    assert b.summary.connection_time_s == pytest.approx(a.summary.connection_time_s, rel=0.05)
    # POP3 has no partial fetch: the parameter leaves its run alone
    assert simulate(base, Protocol.POP3) == simulate(small, Protocol.POP3, generate(small))


def test_storage_capacity_and_metered_bytes_come_from_the_device_specs() -> None:
    sc = preset("traveller", days=7, seed=2)
    specs = {f"{u.name}/{d.name}": d for u in sc.users for d in u.devices}
    metered = {name for name, d in specs.items() if d.link.metered}
    assert metered and len(metered) < len(specs)  # the phone, not the laptop
    for proto in Protocol:
        r = simulate(sc, proto)
        for d in r.devices:
            assert d.storage_capacity_bytes == specs[d.device].storage_bytes
            assert d.metered == (d.device in metered)
            assert d.storage_peak_share == d.storage_peak_bytes / d.storage_capacity_bytes
            assert 0 < d.storage_peak_share < 1
        assert r.summary.metered_wire_bytes == sum(
            d.wire_bytes for d in r.devices if d.device in metered
        )
        assert 0 < r.summary.metered_wire_bytes < r.summary.wire_bytes
