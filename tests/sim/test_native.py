"""The compiled build of the model (sim/native.py): same results as the sources, never stale."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sim.model
from sim import native

HERE = Path(__file__).resolve().parent
REQUIRED = os.environ.get("POPIMAP_REQUIRE_NATIVE", "") == "1"  # .ci/run sets it


def _corpus():  # type: ignore[no-untyped-def]
    """tests/sim/native_corpus.py, which also runs as a script (so it is not imported by name)."""
    spec = importlib.util.spec_from_file_location("native_corpus", HERE / "native_corpus.py")
    assert spec is not None and spec.loader is not None
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    return corpus


def _pure(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **{native.PURE_ENV: "1"})
    return subprocess.run([sys.executable, *args], cwd=native.ROOT, env=env, text=True,
                          capture_output=True, timeout=600)


def test_the_compiled_build_is_in_use_where_it_is_required() -> None:
    """CI builds it (python3 run.py test) and must then run every test on it."""
    if not REQUIRED:
        pytest.skip(f"POPIMAP_REQUIRE_NATIVE is not set; this process runs {native.STATUS}")
    assert native.active(), native.STATUS
    assert Path(sim.model.world.__file__).is_relative_to(native.BUILD)  # type: ignore[attr-defined]


def test_compiled_and_pure_runs_give_bit_identical_results() -> None:
    """78 runs (every preset, QRESYNC and polling, NAT and keepalives, crashes, 24 random
    scenarios, both protocols): the repr of each Result, every float included, is the same."""
    if not native.active():
        pytest.skip(f"no compiled build to compare: {native.STATUS}")
    compiled = _corpus().digests()
    done = _pure(str(HERE / "native_corpus.py"))
    assert done.returncode == 0, done.stderr[-4000:]
    pure = json.loads(done.stdout)
    assert pure["status"].startswith("pure Python")
    assert len(compiled) == 78 and compiled.keys() == pure["digests"].keys()
    differ = [k for k in compiled if compiled[k] != pure["digests"][k]]
    assert not differ, f"compiled and pure results differ in {differ}"


def test_the_pure_switch_loads_the_sources() -> None:
    done = _pure("-c", "import sim.model.world as w, sim.native as n; print(n.STATUS); "
                       "print(w.__file__)")
    assert done.returncode == 0, done.stderr
    status, path = done.stdout.splitlines()
    assert status == f"pure Python ({native.PURE_ENV} is set)"
    assert path.endswith(os.path.join("sim", "model", "world.py"))


def _fake_build(tmp_path: Path) -> Path:
    """A build directory whose manifest matches the sources and which holds empty files in
    place of the compiled modules."""
    import sysconfig
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    build = tmp_path / "native"
    (build / "sim" / "model").mkdir(parents=True)
    for name in native.COMPILED:
        (build / "sim" / "model" / f"{name}{suffix}").write_bytes(b"")
    (build / f"{native.GROUP}__mypyc{suffix}").write_bytes(b"")
    (build / native.MANIFEST_NAME).write_text(json.dumps(native.fingerprint()))
    return build


def test_a_build_is_used_only_for_exactly_the_sources_it_was_made_from(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(native.PURE_ENV, raising=False)  # (the switch would decide first)
    build = _fake_build(tmp_path)
    assert native.check(build) == (True, "compiled (mypyc)")
    manifest = json.loads((build / native.MANIFEST_NAME).read_text())
    manifest["sources"]["sim/model/wire.py"] = "0" * 64  # wire.py edited after the build
    (build / native.MANIFEST_NAME).write_text(json.dumps(manifest))
    usable, why = native.check(build)
    assert not usable and why.startswith("stale: sim/model/wire.py changed")
    path = ["sources"]
    saved = native.STATUS
    try:
        assert native.activate(path, build) is False
        assert path == ["sources"]  # the sources stay first: nothing stale is imported
        assert native.STATUS.startswith("pure Python (compiled build stale")
    finally:
        native.STATUS = saved


@pytest.mark.parametrize("damage,reason", [
    ("no manifest", "not built"),
    ("other python", "built for another python"),
    ("module missing", "incomplete build (missing world)"),
    ("garbled", "unreadable manifest"),
    ("another module set", "stale: built from another set of modules"),
])
def test_a_missing_foreign_or_partial_build_is_not_used(tmp_path: Path, damage: str,
                                                         reason: str) -> None:
    build = _fake_build(tmp_path)
    manifest_path = build / native.MANIFEST_NAME
    if damage == "no manifest":
        manifest_path.unlink()
    elif damage == "other python":
        manifest = json.loads(manifest_path.read_text())
        manifest["python"] = "2.7.18"
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "another module set":  # built with one more module compiled in
        manifest = json.loads(manifest_path.read_text())
        manifest["sources"]["sim/metrics.py"] = "0" * 64
        manifest_path.write_text(json.dumps(manifest))
    elif damage == "module missing":
        next((build / "sim" / "model").glob("world*")).unlink()
    else:
        manifest_path.write_text("{not json")
    usable, why = native.check(build)
    assert not usable and why.startswith(reason), why


def test_the_build_tool_reports_a_stale_build(tmp_path: Path) -> None:
    """``tools/build_native.py --check`` exits 1 and says why when the build does not match."""
    if not native.BUILD.exists():
        pytest.skip("no build to look at")
    copy = tmp_path / "repo"
    shutil.copytree(native.ROOT / "sim", copy / "sim",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(native.ROOT / "tools", copy / "tools",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(native.BUILD, copy / "build" / "native")
    tool = [sys.executable, str(copy / "tools" / "build_native.py"), "--check"]
    fresh = subprocess.run(tool, text=True, stdout=subprocess.PIPE, timeout=60)
    assert (fresh.returncode, fresh.stdout.strip()) == (0, "build_native: compiled (mypyc)")
    with (copy / "sim" / "model" / "timeline.py").open("a") as f:
        f.write("\n# edited\n")
    stale = subprocess.run(tool, text=True, stdout=subprocess.PIPE, timeout=60)
    assert stale.returncode == 1
    assert "stale: sim/model/timeline.py changed since the build" in stale.stdout


@pytest.mark.parametrize("protocol", ["pop3", "imap"])
def test_a_finished_run_leaves_no_model_state_for_the_cyclic_collector(protocol: str) -> None:
    """run() releases its world so that reference counting frees it at once: a campus run's
    state left in cycles cost a second-long collection after the run (and held its memory)."""
    import gc

    from sim.model import Protocol, run
    from sim.presets import preset
    from sim.workload import generate
    # with a NAT: the IMAP clients' Silence is armed
    sc = _corpus().with_silence(preset("family", days=3, seed=2), 300.0, None)
    trace = generate(sc)
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run(sc, Protocol(protocol), trace)
        gc.collect()
        left = {type(o).__name__ for o in gc.garbage}
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert not left & {"World", "ImapClient", "Pop3Client", "Device", "ServerUser", "Silence",
                       "Timeline", "LocalCopy"}, sorted(left)
