"""Command line of the teaching layer: seal and unseal quiz answers, export each lesson's figures
for slides, and time the dashboards. Bad arguments are reported in one line with exit status 2,
as python -m sim reports them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.main import OneLineParser, int_in_range

EXIT_USAGE = 2


def _out_folder(text: str) -> Path:
    """``--out``: a folder to write into (created if missing), not an existing file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(
            f"--out={text!r}: is a file; allowed a folder (created if missing)"
        )
    return path


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run one subcommand; returns the exit status."""
    parser = OneLineParser(prog="python -m course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    p_seal = sub.add_parser("seal", help="print the sealed token for a quiz answer")
    p_seal.add_argument("text", help="the answer: an option index (0, 1, ...) or a number")
    p_unseal = sub.add_parser("unseal", help="print the answer inside a sealed token")
    p_unseal.add_argument("token")
    p_fig = sub.add_parser("figures", help="write each lesson's key figures as PNG and SVG")
    p_fig.add_argument(
        "--out", required=True, type=_out_folder, help="output folder (created if missing)"
    )
    p_fig.add_argument(
        "--lessons", default="", help="comma-separated lesson numbers (default: all)"
    )
    p_fig.add_argument(
        "--dpi",
        type=int_in_range("--dpi", 50, 600),
        default=160,
        help="PNG resolution, 50..600 (default 160)",
    )
    p_bench = sub.add_parser("bench", help="time each dashboard's update against an empty figure's")
    p_bench.add_argument(
        "--repeat",
        type=int_in_range("--repeat", 1, 1000),
        default=7,
        help="updates per dashboard, 1..1000 (default 7)",
    )
    p_bench.add_argument(
        "--no-worst",
        dest="worst",
        action="store_false",
        help="skip timing each dashboard at the edges of its control ranges",
    )
    args = parser.parse_args(argv)

    if args.command == "seal":
        from .quiz import seal

        print(seal(args.text))
        return 0
    if args.command == "unseal":
        from .quiz import unseal

        try:
            print(unseal(args.token))
        except ValueError as exc:
            return _usage(f"{exc}")
        return 0
    if args.command == "figures":
        from .export import export_figures, parse_lessons

        try:
            lessons = parse_lessons(args.lessons)
            for path in export_figures(args.out, lessons=lessons, dpi=args.dpi):
                print(path)
        except ValueError as exc:
            return _usage(f"{exc}")
        except OSError as exc:  # a folder that cannot be made or written
            return _usage(f"--out={str(args.out)!r}: {exc.strerror or exc}")
        return 0
    if args.command == "bench":
        from .bench import run_bench

        return run_bench(repeat=args.repeat, worst=args.worst)
    return EXIT_USAGE  # unreachable: argparse requires a command


def _usage(message: str) -> int:
    print(f"python -m course: error: {message}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
