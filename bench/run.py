"""Run every benchmark in order and print each one's figures.

    python -m bench.run            # full sizes: 20 s of ingest, 10 million events searched
    python -m bench.run --quick    # small sizes, to check that everything works

Exits 1 if a benchmark reports failure. Ingest, search, console and alarm_cues fail only
on a correctness check (events lost or rejected, a wrong search or console answer, a cue
that never came) and print a missed performance target as MISSED; privacy and alerts
also fail on a missed target.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench import (
    alarm_cues,
    alerts,
    audit_chain,
    console,
    faces,
    ingest,
    mqtt,
    plates,
    postgres,
    privacy,
    search,
    security,
)


@dataclass(frozen=True)
class Benchmark:
    name: str
    main: Callable[[Sequence[str]], int]
    quick_args: tuple[str, ...]


BENCHMARKS = (
    Benchmark("ingest", ingest.main, ("--quick",)),
    Benchmark("search", search.main, ("--quick",)),
    Benchmark("console", console.main, ("--quick",)),
    Benchmark("alarm_cues", alarm_cues.main, ("--alarms", "5")),
    Benchmark("privacy", privacy.main, ("--events", "200000", "--vehicles", "5000")),
    Benchmark("alerts", alerts.main, ("--load", "2000", "--alarms", "30")),
    Benchmark("audit_chain", audit_chain.main, ("--entries", "20000")),
    Benchmark("security", security.main, ("--requests", "2000")),
    Benchmark("plates", plates.main, ("--quick",)),
    Benchmark("faces", faces.main, ("--quick",)),
    Benchmark("postgres", postgres.main, ("--quick",)),
    Benchmark("mqtt", mqtt.main, ("--quick",)),
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes for a quick check")
    parser.add_argument("--only", choices=[b.name for b in BENCHMARKS], help="one benchmark")
    args = parser.parse_args(argv)
    failed = []
    for benchmark in BENCHMARKS:
        if args.only and benchmark.name != args.only:
            continue
        print(f"\n=== {benchmark.name} ===", flush=True)
        if benchmark.main(list(benchmark.quick_args) if args.quick else []) != 0:
            failed.append(benchmark.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
