"""The optional compiled build of the model's hot modules, and whether this process uses it.

Why: a campus-sized run spends nearly all its time in a handful of modules of plain bookkeeping
(``sim/model/world.py``, the two clients, their cost tables).  Compiled ahead of time with mypyc
they take about 60 % of the time and give the very same results (``tests/sim/test_native.py``
compares the two builds run by run).  The sources stay the only truth:

* the build lives outside the source tree, in ``build/native/`` (``python3 run.py build`` or
  ``python tools/build_native.py`` makes it; ``python3 run.py test`` makes it when it can);
* it is used only when its manifest names exactly the sources present (by SHA-256), this
  Python and this platform -- an edited module never runs stale, it runs as pure Python;
* ``POPIMAP_PURE_PYTHON=1`` in the environment runs the pure-Python modules regardless.

Nothing here imports the compiled modules: ``sim/model/__init__.py`` calls :func:`activate`
before it imports its submodules, which then come from the build or from the sources.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import sysconfig
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "native"
MANIFEST_NAME = "manifest.json"
GROUP = "popimap_native"  # mypyc's shared library: <GROUP>__mypyc.<suffix>, at the build's top
PURE_ENV = "POPIMAP_PURE_PYTHON"
# the modules of sim/model compiled together (they call each other natively); run.py (the
# public entry, validation, results) and everything outside sim/model stay pure Python
COMPILED = ("world", "imap_client", "pop3_client", "imap_costs", "pop3_costs", "state",
            "wire", "timeline", "silence", "sizes", "modseq")


def source_paths() -> list[Path]:
    """The compiled modules' sources, in the build's order."""
    return [ROOT / "sim" / "model" / f"{name}.py" for name in COMPILED]


def fingerprint() -> dict[str, Any]:
    """What a build depends on: each source's SHA-256, the interpreter and the platform."""
    return {
        "python": sys.version,
        "platform": sysconfig.get_platform(),
        "sources": {p.relative_to(ROOT).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in source_paths()},
    }


def check(build: Path = BUILD) -> tuple[bool, str]:
    """(usable, why): whether the build in ``build`` may stand in for the sources."""
    try:
        recorded = json.loads((build / MANIFEST_NAME).read_text())
    except FileNotFoundError:
        return False, "not built (python3 run.py build)"
    except (OSError, ValueError) as exc:
        return False, f"unreadable manifest ({exc})"
    if not isinstance(recorded, dict):
        return False, "unreadable manifest (not an object)"
    now = fingerprint()
    for key in ("python", "platform"):
        if recorded.get(key) != now[key]:
            return False, f"built for another {key} ({recorded.get(key)!r}); rebuild"
    sources = recorded.get("sources")
    if not isinstance(sources, dict):
        return False, "unreadable manifest (no sources)"
    if set(sources) != set(now["sources"]):  # compiled together: the set must match too
        return False, "stale: built from another set of modules; rebuild"
    changed = sorted(p for p, digest in now["sources"].items() if sources.get(p) != digest)
    if changed:
        return False, f"stale: {', '.join(changed)} changed since the build; rebuild"
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    missing = [name for name in COMPILED
               if not (build / "sim" / "model" / f"{name}{suffix}").is_file()]
    if missing or not (build / f"{GROUP}__mypyc{suffix}").is_file():
        return False, f"incomplete build (missing {', '.join(missing) or 'the shared library'})"
    return True, "compiled (mypyc)"


# what this process runs, set once by activate(): "compiled (mypyc)" or "pure Python (why)"
STATUS = "pure Python (sim.model not imported yet)"


def activate(package_path: list[str], build: Path = BUILD) -> bool:
    """Put the build ahead of ``sim/model``'s sources on the package's path when it is usable
    (``package_path`` is ``sim.model.__path__``); True when the compiled modules will load."""
    global STATUS
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        STATUS = f"pure Python ({PURE_ENV} is set)"
        return False
    usable, why = check(build)
    if not usable:
        STATUS = f"pure Python (compiled build {why})"
        return False
    package_path.insert(0, str(build / "sim" / "model"))
    if str(build) not in sys.path:
        sys.path.append(str(build))  # where the modules find their shared library
    STATUS = why
    return True


def active() -> bool:
    """True when this process runs the compiled modules."""
    return STATUS.startswith("compiled")
