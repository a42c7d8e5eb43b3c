#!/usr/bin/env bash
# knob's matmul with 1 and 2 threads, wall clock, medians of interleaved repetitions, as a
# Markdown table (bench_matmul_threads + threads_table.py).
#
#   bench/run_threads.sh BUILD_DIR [REPEATS]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:?usage: run_threads.sh BUILD_DIR [REPEATS]}"
repeats="${2:-5}"
out="$(mktemp --suffix=.json)"
trap 'rm -f "${out}"' EXIT
"${build}/bench/bench_matmul_threads" --benchmark_repetitions="${repeats}" \
  --benchmark_enable_random_interleaving=true --benchmark_min_time=0.1 \
  --benchmark_out="${out}" --benchmark_out_format=json >/dev/null 2>&1
python3 "${here}/threads_table.py" "${out}"
