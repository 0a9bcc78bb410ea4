"""`sim/` shows its parts in folders, each importing only the folders below it.

From the bottom: the sans-IO engines (`protocol`), what a run is asked (`inputs`), what it gives
back (`outputs`), the model itself (`model`), the lessons' experiments (`lessons`), the command
line (`cli`) and the live server (`live`, which registers its commands with the command line's
dispatcher). The check reads every file's syntax tree (imports inside functions count too).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from test_layers import ROOT, _module_of, imports_in

ORDER = ("protocol", "inputs", "outputs", "model", "lessons", "cli", "live")


def upward_imports(source: str, current: str, is_package: bool = False) -> list[str]:
    """Modules of `sim` that `source` (the module `current`) imports from a folder above its own."""
    here = ORDER.index(current.split(".")[1])
    bad: list[str] = []
    for site in imports_in(source, current, is_package):
        top, _, rest = site.module.partition(".")
        folder = rest.split(".")[0]
        if top == "sim" and folder in ORDER and ORDER.index(folder) > here:
            bad.append(site.module)
    return bad


def _sim_files() -> list[Path]:
    return sorted(p for p in (ROOT / "sim").rglob("*.py") if p.parent != ROOT / "sim")


def test_sim_has_only_folders_at_the_top() -> None:
    top = sorted(p.name for p in (ROOT / "sim").glob("*.py"))
    assert top == ["__init__.py", "__main__.py"]
    folders = sorted(p.name for p in (ROOT / "sim").iterdir() if (p / "__init__.py").exists())
    assert folders == sorted(ORDER)


@pytest.mark.parametrize("path", _sim_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_folder_imports_only_those_below_it(path: Path) -> None:
    bad = upward_imports(
        path.read_text(encoding="utf-8"), _module_of(path), path.name == "__init__.py"
    )
    assert not bad, f"{path.relative_to(ROOT)} imports {bad} from a folder above its own"


@pytest.mark.parametrize(
    "source, current, bad",
    [
        (
            "from ..model import simulate",
            "sim.inputs.workload",
            ["sim.model", "sim.model.simulate"],
        ),
        (
            "from sim.cli.main import UsageError",
            "sim.model.world",
            ["sim.cli.main", "sim.cli.main.UsageError"],
        ),
        (
            "def f():\n    from ..live import demo",
            "sim.outputs.results",
            ["sim.live", "sim.live.demo"],
        ),
        ("from ..inputs.scenario import Scenario", "sim.model.world", []),
        ("from ..cli.main import int_in_range", "sim.live.loopback", []),
        ("from .world import World", "sim.model.simulation", []),
    ],
)
def test_the_folder_check_can_fail(source: str, current: str, bad: list[str]) -> None:
    assert upward_imports(source, current) == bad


def test_module_names_are_unique() -> None:
    """One name for each thing: no two modules of `sim` and `course` share a file name."""
    names = Counter(
        p.name
        for folder in ("sim", "course")
        for p in (ROOT / folder).rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    )
    assert [n for n, k in names.items() if k > 1] == []
