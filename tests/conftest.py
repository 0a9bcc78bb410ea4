"""Shared test settings for the whole suite (kept small: each area has its own conftest)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import sim.model  # noqa: F401 (chooses the build: compiled when it is current)
from sim import native

ROOT = Path(__file__).resolve().parents[1]

# The learner's journal (course.journal) of this test run: never the user's own file.  Set at
# import, before any kernel, JupyterLab or subprocess a test starts inherits the environment.
_JOURNAL_DIR = tempfile.mkdtemp(prefix="popimap-journal-")
os.environ["POPIMAP_JOURNAL"] = str(Path(_JOURNAL_DIR) / "journal.json")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder, wherever the tests are run from."""
    return ROOT


# -- tests that look inside the model --------------------------------------------------------------
# A few tests watch the model from within by patching its classes (World.charge, ModseqBook's
# methods, ...).  Compiled modules call each other directly, past such patches, so when this
# process runs the compiled build (sim/native.py) each of these tests runs in a pure-Python
# pytest of its own; tests/sim/test_native.py shows that the two builds give the same results.
PURE_MODEL_MARK = "pure_model"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{PURE_MODEL_MARK}: patches the model's classes, so it runs on the pure-Python "
                   "modules (in a pytest of its own when this process runs the compiled build)")


def _run_pure(nodeid: str, **_fixtures: object) -> None:
    env = dict(os.environ, **{native.PURE_ENV: "1"})
    done = subprocess.run(
        [sys.executable, "-m", "pytest", nodeid, "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "--no-header"],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=600)
    if done.returncode != 0:
        pytest.fail(f"on the pure-Python model, {nodeid} failed:\n{done.stdout[-6000:]}",
                    pytrace=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not native.active():
        return
    for item in items:
        if item.get_closest_marker(PURE_MODEL_MARK) and isinstance(item, pytest.Function):
            item.obj = functools.partial(_run_pure, item.nodeid)


@pytest.fixture(autouse=True)
def _compiled_classes_are_not_patched(request: pytest.FixtureRequest,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Under the compiled build a patch of a compiled class is accepted but never called (the
    compiled callers go past it): a test that patches one without the pure_model mark would
    pass or fail for the wrong reason, so it fails here and says what to do."""
    if not native.active() or request.node.get_closest_marker(PURE_MODEL_MARK):
        return
    compiled = {f"sim.model.{name}" for name in native.COMPILED}
    setattr_ = monkeypatch.setattr

    def guarded(target: object, *args: object, **kwargs: object) -> None:
        if isinstance(target, type) and target.__module__ in compiled:
            pytest.fail(f"{request.node.nodeid} patches {target.__qualname__}, a compiled class: "
                        f"mark it @pytest.mark.{PURE_MODEL_MARK}", pytrace=False)
        setattr_(target, *args, **kwargs)  # type: ignore[arg-type]
    monkeypatch.setattr(monkeypatch, "setattr", guarded)
