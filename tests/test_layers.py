"""Dependencies point one way: notebooks -> course -> sim -> sim/protocol (DESIGN.md section 2).

The protocol engines are sans-IO, so `sim/protocol` may not import I/O, clock or randomness
modules; the model in `sim/` may not import the teaching layer's widget and plotting libraries.
The check reads every .py file's syntax tree, so it sees imports inside functions too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SANS_IO_FORBIDDEN = frozenset({"simpy", "socket", "asyncio", "time", "random"})
MODEL_FORBIDDEN = frozenset({"ipywidgets", "matplotlib", "IPython", "course"})


@dataclass(frozen=True)
class ImportSite:
    """One import found in a source file: the absolute module name and where it is."""

    module: str
    line: int


def _module_of(path: Path) -> str:
    """Dotted module name of a file under the repository root (package __init__ -> package)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(module: str | None, level: int, current: str, is_package: bool) -> str:
    """Turn `from ..x import y` inside module `current` into an absolute module name."""
    package = current.split(".") if is_package else current.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, module] if module else base)


def imports_in(source: str, current: str = "", is_package: bool = False) -> list[ImportSite]:
    """Every module a source imports: `import a.b`, `from a import b`, relative forms,
    and `__import__("a")` / `importlib.import_module("a")` with a literal name."""
    sites: list[ImportSite] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            sites += [ImportSite(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (
                _resolve_relative(node.module, node.level, current, is_package)
                if node.level
                else node.module or ""
            )
            sites.append(ImportSite(base, node.lineno))
            # `from sim import protocol` imports the submodule sim.protocol, if it is one
            sites += [
                ImportSite(f"{base}.{alias.name}", node.lineno)
                for alias in node.names
                if alias.name != "*"
            ]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in {"__import__", "import_module"} and isinstance(node.args[0].value, str):
                sites.append(ImportSite(node.args[0].value, node.lineno))
    return sites


def _within(module: str, prefix: str) -> bool:
    """``module`` is the package ``prefix`` or inside it."""
    return module == prefix or module.startswith(prefix + ".")


def violations(
    source: str,
    forbidden: frozenset[str],
    current: str = "",
    is_package: bool = False,
    allowed_prefix: str | None = None,
    banned_prefix: str | None = None,
) -> list[ImportSite]:
    """Imports whose top-level package is forbidden, or that reach into `banned_prefix`
    (a higher layer) other than through `allowed_prefix`."""
    bad = []
    for site in imports_in(source, current, is_package):
        top = site.module.split(".")[0]
        if top in forbidden or (
            banned_prefix
            and _within(site.module, banned_prefix)
            and not (allowed_prefix and _within(site.module, allowed_prefix))
        ):
            bad.append(site)
    return bad


def _python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _report(path: Path, sites: list[ImportSite]) -> str:
    return ", ".join(f"{path.relative_to(ROOT)}:{s.line} imports {s.module}" for s in sites)


def test_the_layers_have_source_files() -> None:
    """Guard against a vacuous pass: the folders the checks walk exist and hold Python."""
    assert _python_files("sim/protocol"), "no .py files under sim/protocol"
    assert _python_files("sim"), "no .py files under sim"


@pytest.mark.parametrize(
    "path", _python_files("sim/protocol"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_protocol_is_sans_io(path: Path) -> None:
    """No socket, clock, randomness or SimPy, and nothing from the model above it."""
    bad = violations(
        path.read_text(encoding="utf-8"),
        SANS_IO_FORBIDDEN | MODEL_FORBIDDEN,
        current=_module_of(path),
        is_package=path.name == "__init__.py",
        allowed_prefix="sim.protocol",
        banned_prefix="sim",
    )
    assert not bad, _report(path, bad)


@pytest.mark.parametrize("path", _python_files("sim"), ids=lambda p: str(p.relative_to(ROOT)))
def test_model_has_no_widgets_or_plots(path: Path) -> None:
    """The model stays usable from a terminal: no ipywidgets, matplotlib, IPython or course."""
    bad = violations(
        path.read_text(encoding="utf-8"),
        MODEL_FORBIDDEN,
        current=_module_of(path),
        is_package=path.name == "__init__.py",
    )
    assert not bad, _report(path, bad)


BAD_PROTOCOL_SOURCES = {
    "import socket": "socket",
    "import time as clock": "time",
    "import asyncio.streams": "asyncio.streams",
    "from random import Random": "random",
    "from simpy.core import Environment": "simpy.core",
    "def f():\n    import time\n    return time.time()": "time",
    "import importlib\nrng = importlib.import_module('random')": "random",
    "sock = __import__('socket')": "socket",
    "from .. import model": "sim.model",
    "from ..inputs.network import Link": "sim.inputs.network",
    "import hashlib, socket": "socket",
}


@pytest.mark.parametrize("source, module", BAD_PROTOCOL_SOURCES.items())
def test_checker_flags_a_bad_protocol_module(source: str, module: str) -> None:
    bad = violations(
        source,
        SANS_IO_FORBIDDEN | MODEL_FORBIDDEN,
        current="sim.protocol.pop3",
        allowed_prefix="sim.protocol",
        banned_prefix="sim",
    )
    assert module in [site.module for site in bad]


@pytest.mark.parametrize(
    "source",
    [
        "import hashlib\nimport datetime\nfrom dataclasses import dataclass",
        "from .message import Message\nfrom . import store",
        "from sim.protocol.outbox import Outbox",
        "import timeit_is_not_time",
        "from typing import TYPE_CHECKING",
    ],
)
def test_checker_accepts_a_clean_protocol_module(source: str) -> None:
    assert (
        violations(
            source,
            SANS_IO_FORBIDDEN | MODEL_FORBIDDEN,
            current="sim.protocol.pop3",
            allowed_prefix="sim.protocol",
            banned_prefix="sim",
        )
        == []
    )


@pytest.mark.parametrize(
    "source, module",
    [
        ("import matplotlib.pyplot as plt", "matplotlib.pyplot"),
        ("from ipywidgets import IntSlider", "ipywidgets"),
        ("from IPython.display import display", "IPython.display"),
        ("from course.dashboards import lesson1", "course.dashboards"),
    ],
)
def test_checker_flags_a_model_module_that_draws(source: str, module: str) -> None:
    assert module in [
        site.module for site in violations(source, MODEL_FORBIDDEN, "sim.outputs.metrics")
    ]


def test_relative_imports_resolve_against_the_package() -> None:
    assert [s.module for s in imports_in("from . import x", "sim.protocol", is_package=True)] == [
        "sim.protocol",
        "sim.protocol.x",
    ]
    assert [s.module for s in imports_in("from .. import y", "sim.protocol.imap")] == [
        "sim",
        "sim.y",
    ]
