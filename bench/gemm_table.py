#!/usr/bin/env python3
"""Turn bench_gemm's JSON output into the GFLOP/s table of docs/performance.md.

    bench_gemm --benchmark_repetitions=5 --benchmark_format=json > gemm.json
    python3 bench/gemm_table.py gemm.json

For every product it prints the median GFLOP/s of knob and of OpenBLAS over the repetitions and
their ratio (knob / OpenBLAS), as a Markdown table.
"""
import json
import statistics
import sys
from collections import defaultdict


def main(path):
    with open(path) as f:
        report = json.load(f)
    runs = defaultdict(list)  # (library, product) -> GFLOP/s of each repetition
    order = {}  # product -> registration order (the runs themselves may be interleaved)
    for b in report["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        library, product = b["run_name"].split("/", 1)
        runs[(library, product)].append(b["GFLOPS"])
        if library != "naive":
            order[product] = min(order.get(product, 1 << 30), b.get("family_index", 0))
    products = sorted(order, key=order.get)
    context = report.get("context", {})
    print(f"knob ISA: {context.get('knob_isa', '?')}; "
          f"repetitions per product: {max(len(v) for v in runs.values())}; "
          f"medians in GFLOP/s")
    print()
    print("| product (dtype/layout/MxNxK) | knob | OpenBLAS | knob / OpenBLAS |")
    print("|---|---:|---:|---:|")
    for product in products:
        cells = []
        medians = {}
        for library in ("knob", "openblas"):
            values = runs.get((library, product))
            medians[library] = statistics.median(values) if values else None
            cells.append(f"{medians[library]:.1f}" if values else "–")
        ratio = "–"
        if medians["knob"] and medians["openblas"]:
            ratio = f"{medians['knob'] / medians['openblas']:.2f}"
        print(f"| {product} | {cells[0]} | {cells[1]} | {ratio} |")
    naive = [(p, statistics.median(v)) for (lib, p), v in runs.items() if lib == "naive"]
    for product, gflops in naive:
        print(f"| naive reference loop, {product} | {gflops:.2f} | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
