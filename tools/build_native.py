#!/usr/bin/env python3
"""Compile the model's hot modules with mypyc into build/native/ (see sim/native.py).

    python tools/build_native.py            # build unless the current build is up to date
    python tools/build_native.py --force    # build again
    python tools/build_native.py --check    # exit 1 unless the build matches the sources

Needs mypy (which brings mypyc), setuptools and a C compiler: ``pip install -e .[native]``.
The build is made in a scratch directory and moved into place only when it is complete, with a
manifest of the sources it was made from; a failed build leaves the previous state unchanged.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim import native  # noqa: E402 (after the path)


@contextlib.contextmanager
def _output_to(path: Path) -> Iterator[None]:
    """Send this process's stdout and stderr (the C compiler's too) to ``path`` meanwhile."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with path.open("wb") as f:
        os.dup2(f.fileno(), 1)
        os.dup2(f.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def build(jobs: int) -> None:
    """Compile into a scratch directory, then replace build/native/ with it."""
    from mypyc.build import mypycify
    from setuptools import Distribution

    native.BUILD.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="native-", dir=native.BUILD.parent))
    try:
        os.chdir(ROOT)  # mypyc names the modules by their paths relative to here
        fingerprint = native.fingerprint()  # taken first: an edit during the build is stale
        sources = [p.relative_to(ROOT).as_posix() for p in native.source_paths()]
        log = native.BUILD.parent / "native-build.log"
        with _output_to(log):  # mypyc's notes, the compiler's lines: shown only on a failure
            try:
                extensions = mypycify(sources, opt_level="3", group_name=native.GROUP,
                                      target_dir=str(scratch / "c"))
                # a bare Distribution: pyproject.toml is not read (nothing is being packaged)
                dist = Distribution({"name": "popimap-native", "ext_modules": extensions})
                command = dist.get_command_obj("build_ext")
                command.build_lib = str(scratch / "lib")
                command.build_temp = str(scratch / "obj")
                command.parallel = jobs
                dist.run_command("build_ext")
            except BaseException:  # SystemExit from a type error, CompileError, ...
                failed = True
            else:
                failed = False
        if failed:
            tail = log.read_text(errors="replace").splitlines()[-40:]
            raise SystemExit("build_native: compiling failed; the end of " +
                             f"{log.relative_to(ROOT)}:\n" + "\n".join(tail))
        lib = scratch / "lib"
        (lib / native.MANIFEST_NAME).write_text(json.dumps(fingerprint, indent=1) + "\n")
        usable, why = native.check(lib)
        if not usable:
            raise SystemExit(f"build_native: the new build is not usable: {why}")
        if native.BUILD.exists():
            shutil.rmtree(native.BUILD)
        lib.rename(native.BUILD)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="build even when up to date")
    parser.add_argument("--check", action="store_true",
                        help="only say whether the build matches the sources (exit 1 if not)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="C compiler processes (default: one per core)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    usable, why = native.check()
    if args.check:
        print(f"build_native: {why}")
        return 0 if usable else 1
    if usable and not args.force:
        print("build_native: up to date")
        return 0
    started = time.monotonic()
    print(f"build_native: compiling {len(native.COMPILED)} modules of sim/model with mypyc "
          f"(about a minute)", flush=True)
    build(args.jobs)
    print(f"build_native: done in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
