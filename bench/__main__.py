"""``python -m bench``: every benchmark against a fresh payserv, one table of the figures.

    python -m bench              # default sizes (under a minute on 2 cores)
    python -m bench --quick      # small N, one run of each
    python -m bench --n 500 --json

Runs on ``DATABASE_URL``'s server when set (on fresh databases, dropped afterwards),
else on an embedded PostgreSQL in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.jobs import SETTINGS
from bench.report import Sizes, collect, render
from payserv.logs import configure_logging

QUICK_N = 100


def sizes_from(args: argparse.Namespace) -> Sizes:
    """The benchmark sizes the options ask for."""
    sizes = Sizes()
    n = QUICK_N if args.quick and args.n is None else args.n
    if n is not None:
        sizes = replace(sizes, bank_n=n, gateway_n=n, jobs_n=n, pool_n=n)
    repeat = args.repeat if args.repeat is not None else (1 if args.quick else sizes.jobs_repeat)
    return replace(sizes, jobs_repeat=repeat)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Every benchmark against a fresh payserv: one table of the figures.",
    )
    parser.add_argument("--n", type=int, help="requests, payments and jobs per benchmark")
    parser.add_argument("--quick", action="store_true", help=f"N = {QUICK_N}, one job run")
    parser.add_argument("--repeat", type=int, help="job benchmark runs (the median is shown)")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    if args.n is not None and args.n < 1:
        parser.error("--n must be at least 1")
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging(replace(SETTINGS, log_level="WARNING"))  # stdout is for the table
    results = asyncio.run(collect(sizes_from(args)))
    print(render(results))
    if args.json:
        print()
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
