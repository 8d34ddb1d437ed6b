"""Run every benchmark in order and print each one's figures.

    python -m bench.run            # full sizes: 20 s of ingest, 10 million events searched
    python -m bench.run --quick    # small sizes, to check that everything works

Exits 1 if a correctness check failed (events lost or rejected, a wrong search answer);
a missed performance target is printed as MISSED but does not fail the run.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from bench import ingest, search

BENCHMARKS: tuple[tuple[str, Callable[[Sequence[str]], int]], ...] = (
    ("ingest", ingest.main),
    ("search", search.main),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes for a quick check")
    args = parser.parse_args(argv)
    failed = []
    for name, bench_main in BENCHMARKS:
        print(f"\n=== {name} ===")
        if bench_main(["--quick"] if args.quick else []) != 0:
            failed.append(name)
    if failed:
        print(f"\ncorrectness checks failed in: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
