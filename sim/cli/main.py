"""The ``python -m sim`` command line: one dispatcher, subcommands registered by their own modules.

Theory of operation
-------------------
Each subcommand lives in the module that owns its logic and exposes one function::

    def register(subparsers: argparse._SubParsersAction) -> None:
        parser = subparsers.add_parser("NAME", help="...", description="...")
        parser.add_argument("--days", type=int_in_range("--days", 1, 3650), default=30)
        parser.set_defaults(run=my_run)           # my_run(args: argparse.Namespace) -> int

:data:`SUBCOMMANDS` maps each command name to its module, in the order ``--help`` shows them.
Only the chosen command's module is imported (``python -m sim serve`` does not load the simulation);
``--help`` and unknown commands load them all.  A listed module that does not exist (yet) is
skipped, so a module can be added here before it lands; an import error *inside* an existing module
is not hidden.

Bad arguments never show a traceback: the parser prints one line (``python -m sim serve: error:
--users=0: allowed 1..200``) and exits with status 2.  Use :func:`int_in_range` /
:func:`float_in_range` as argparse ``type=`` so the message names the parameter and its range, and
raise :class:`UsageError` from a ``run`` function for checks that need several arguments at once
(it is reported the same way, with status 2).
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import NoReturn

PROG = "python -m sim"

#: Command name -> the module whose ``register()`` adds it, in ``--help`` order.
SUBCOMMANDS: dict[str, str] = {
    "serve": "sim.live.loopback",
    "transcript": "sim.live.transcript",
    "compare": "sim.cli.compare",  # simulation
    "bench": "sim.cli.model_bench",  # simulation
    "lesson": "sim.cli.lesson",  # simulation: a lesson's experiment, every number it shows
}

EXIT_USAGE = 2
_REDUNDANT_PREFIX = re.compile(r"^argument [^:]*: (?=-)")


class UsageError(Exception):
    """A bad argument found after parsing; reported as one line with exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a single line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        # "argument --users: --users=0: allowed 1..200" -> "--users=0: allowed 1..200"
        message = _REDUNDANT_PREFIX.sub("", message)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def int_in_range(name: str, low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` accepting integers in ``low..high`` (``high=None``: no upper bound)."""
    allowed = f"{low}..{high}" if high is not None else f">= {low}"

    def parse(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name}={text!r}: not an integer; allowed {allowed}"
            ) from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{name}={value}: allowed {allowed}")
        return value

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def float_in_range(
    name: str, low: float, high: float | None = None, *, low_open: bool = False
) -> Callable[[str], float]:
    """An argparse ``type`` accepting finite numbers in ``low..high`` (``low_open``: ``> low``)."""
    lower = f"> {low:g}" if low_open else f">= {low:g}"
    allowed = f"{lower} and <= {high:g}" if high is not None else lower

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name}={text!r}: not a number; allowed {allowed}"
            ) from None
        too_low = value <= low if low_open else value < low
        if value != value or too_low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"{name}={text}: allowed {allowed}")
        return value

    parse.__name__ = name
    return parse


def build_parser(command: str | None = None) -> OneLineParser:
    """The top-level parser; with a known ``command`` only that one is registered (fast start),
    otherwise every available subcommand."""
    parser = OneLineParser(
        prog=PROG,
        description="POP vs IMAP Lab: simulation, wire transcripts and a live loopback "
        "mail server.",
    )
    subparsers = parser.add_subparsers(
        title="commands", dest="command", metavar="COMMAND", parser_class=OneLineParser
    )
    names = [SUBCOMMANDS[command]] if command in SUBCOMMANDS else list(SUBCOMMANDS.values())
    for name in dict.fromkeys(names):
        module = _import_optional(name)
        if module is not None:
            module.register(subparsers)
    return parser


def _import_optional(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:  # the module itself is absent; its own imports must not fail silently
            return None
        raise


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen subcommand; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv else None)
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(run(args) or 0)
    except UsageError as exc:
        sub = f"{PROG} {args.command}" if args.command else PROG
        print(f"{sub}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `python -m sim transcript imap --full | head`
        # Python would complain again when it flushes stdout at exit; point stdout at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
