"""Command line of the teaching layer: ``python -m course {seal,unseal,figures,bench}``."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run one subcommand; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m course", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_seal = sub.add_parser("seal", help="print the sealed token for a quiz answer")
    p_seal.add_argument("text", help="the answer: an option index (0, 1, ...) or a number")
    p_unseal = sub.add_parser("unseal", help="print the answer inside a sealed token")
    p_unseal.add_argument("token")
    p_fig = sub.add_parser("figures", help="write each lesson's key figures as PNG and SVG")
    p_fig.add_argument("--out", required=True, help="output directory (created if missing)")
    p_fig.add_argument("--lessons", default="", help="comma-separated lesson numbers (default: all)")
    p_fig.add_argument("--dpi", type=int, default=160, help="PNG resolution (default 160)")
    p_bench = sub.add_parser("bench", help="time each dashboard's default update")
    p_bench.add_argument("--repeat", type=int, default=7, help="updates per dashboard (default 7)")
    p_bench.add_argument("--worst", action="store_true",
                         help="also time each dashboard at the edges of its control ranges")
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
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "figures":
        from .export import export_figures, parse_lessons

        try:
            lessons = parse_lessons(args.lessons)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        for path in export_figures(args.out, lessons=lessons, dpi=args.dpi):
            print(path)
        return 0
    if args.command == "bench":
        from .bench import run_bench, run_worst

        status = run_bench(repeat=args.repeat)
        return run_worst() if args.worst else status
    return 2  # unreachable: argparse requires a command


if __name__ == "__main__":
    raise SystemExit(main())
