#!/usr/bin/env python3
"""Turn bench_matmul_threads' JSON output into a table: median GFLOP/s (wall clock) with 1 and
2 threads per product and their ratio (2 threads / 1 thread; >= 1 means 2 threads are not
slower).

    python3 bench/threads_table.py threads.json
"""
import json
import statistics
import sys
from collections import defaultdict


def main(path):
    with open(path) as f:
        report = json.load(f)
    runs = defaultdict(list)  # (product, threads) -> GFLOP/s per repetition
    order = {}
    for b in report["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        # "matmul/f32/1024x64x256/threads:2/real_time"
        _, dtype, product, threads = b["run_name"].split("/")[:4]
        key = f"{dtype}/{product}"
        order.setdefault(key, b.get("family_index", len(order)))
        runs[(key, threads)].append(b["GFLOPS"])
    print("| product (dtype/MxNxK) | 1 thread | 2 threads | 2 / 1 |")
    print("|---|---:|---:|---:|")
    for key in sorted(order, key=order.get):
        one = statistics.median(runs[(key, "threads:1")])
        two = statistics.median(runs[(key, "threads:2")])
        print(f"| {key} | {one:.1f} | {two:.1f} | {two / one:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
