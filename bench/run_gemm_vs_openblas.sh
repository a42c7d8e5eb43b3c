#!/usr/bin/env bash
# knob's GEMM kernel against OpenBLAS, both single-threaded, side by side (bench_gemm runs each
# knob product right before the OpenBLAS one), medians of repetitions, as a Markdown table.
#
#   bench/run_gemm_vs_openblas.sh BUILD_DIR [REPEATS] [FILTER]
#
# BUILD_DIR must have been configured with -DKNOB_BUILD_BENCH=ON (and libopenblas-dev installed
# for the comparison). OpenBLAS picks its best kernel for this CPU: OPENBLAS_CORETYPE and
# OPENBLAS_L2_SIZE are removed from the environment of this command only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:?usage: run_gemm_vs_openblas.sh BUILD_DIR [REPEATS] [FILTER]}"
repeats="${2:-5}"
filter="${3:-.}"
out="$(mktemp --suffix=.json)"
trap 'rm -f "${out}"' EXIT
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 KNOB_THREADS=1 \
  "${build}/bench/bench_gemm" --benchmark_filter="${filter}" \
  --benchmark_repetitions="${repeats}" --benchmark_enable_random_interleaving=true \
  --benchmark_min_time=0.1 \
  --benchmark_format=json --benchmark_out="${out}" --benchmark_out_format=json >/dev/null 2>&1
python3 "${here}/gemm_table.py" "${out}"
