#!/usr/bin/env bash
# knob against PyTorch, one training step (forward, cross-entropy, backward, AdamW), one thread,
# for docs/spec.md's tiny config (full and IA³) and a medium one (full, with the share of the sgemm
# roof). Each line is the median of alternating repetitions (bench/compare_pytorch.py).
#
#   bench/run_side_by_side.sh [BUILD_DIR] [REPEATS]     (default: build, 5)
#   TORCH_BLAS=reference bench/run_side_by_side.sh ...  (PyTorch on the reference BLAS)
#
# Needs the knob program built in BUILD_DIR and Debian's PyTorch (python3-torch) at
# /usr/bin/python3. Debian's PyTorch does its matrix products with whatever libblas.so.3 the
# system provides: OpenBLAS once libopenblas is installed, else the (much slower) reference
# BLAS; each report names the one it loaded. TORCH_BLAS=reference forces the reference one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${1:-build}"
repeats="${2:-5}"
knob="${build}/tools/knob/knob"
[[ -x "${knob}" ]] || { echo "run_side_by_side.sh: no knob program at ${knob}" >&2; exit 1; }
python=/usr/bin/python3
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 KNOB_THREADS=1
medium=(--steps 5 --warmup 2 --repeats "${repeats}")
if [[ "${TORCH_BLAS:-system}" == reference ]]; then
  export LD_LIBRARY_PATH="/usr/lib/x86_64-linux-gnu/blas${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"
  medium=(--steps 2 --warmup 1 --repeats 1)  # PyTorch needs tens of seconds per medium step
fi

"${python}" "${here}/compare_pytorch.py" --knob "${knob}" --model tiny --trainable full \
  --steps 20 --repeats "${repeats}"
"${python}" "${here}/compare_pytorch.py" --knob "${knob}" --model tiny --trainable ia3 \
  --steps 20 --repeats "${repeats}"
"${python}" "${here}/compare_pytorch.py" --knob "${knob}" --model medium --trainable full \
  "${medium[@]}" --roof
