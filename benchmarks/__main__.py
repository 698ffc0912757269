"""`python -m benchmarks [--quick] [--only NAME ...] [--json PATH]`: run and print."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable

from benchmarks._common import Row
from benchmarks.bench_concurrency import bench_concurrency
from benchmarks.bench_connections import bench_connections
from benchmarks.bench_import import bench_import
from benchmarks.bench_latency import bench_invoke, bench_stream
from benchmarks.bench_media_loop import bench_media_loop
from benchmarks.bench_memory import bench_memory

BENCHMARKS: dict[str, Callable[[bool], list[Row]]] = {
    "invoke": bench_invoke,
    "stream": bench_stream,
    "connections": bench_connections,
    "concurrency": bench_concurrency,
    "memory": bench_memory,
    "media_loop": bench_media_loop,
    "import": bench_import,
}


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.platform()}"
    )


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


def render(rows: list[Row]) -> str:
    lines = [
        "| benchmark | package | raw SDK | unit | ratio | target | met | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        met = {True: "yes", False: "**NO**", None: "-"}[r.ok]
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        lines.append(
            f"| {r.name} | {_fmt(r.package)} | {_fmt(r.raw)} | {r.unit} | "
            f"{ratio} | {r.target} | {met} | {r.note} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--only", nargs="*", choices=sorted(BENCHMARKS))
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)
    print(machine(), flush=True)
    rows: list[Row] = []
    for name, bench in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        start = time.perf_counter()
        got = bench(args.quick)
        rows += got
        print(f"\n## {name} ({time.perf_counter() - start:.1f} s)", flush=True)
        print(render(got), flush=True)
    print("\n## all\n" + render(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{**vars(r), "ratio": r.ratio} for r in rows], f, indent=2)
    return 0 if all(r.ok is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
