#!/usr/bin/env bash
# The worked example of docs/gradient_trace.md, run as a test: the NumPy transformer
# (transformer_numpy.py) must agree with `knob grads --trace` on every activation and gradient,
# and `knob compare --first` must name the first tensor each planted bug touches.
# usage: check_trace_example.sh KNOB PYTHON MODEL_DIR
# Exits 77 (ctest's SKIP_RETURN_CODE) when PYTHON has no NumPy.
set -euo pipefail
knob="$1" python="$2" model="$3"
if ! "$python" -c 'import numpy' 2>/dev/null; then
  echo "SKIPPED: $python cannot import numpy (install python3-numpy, or configure with"
  echo "  -DKNOB_NUMPY_PYTHON=/path/to/a/python3/with/numpy)"
  exit 77
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
layers="$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["n_layers"])' \
  "$model/config.json")"

"$knob" grads --trace --model "$model" --batch "$model/batch.safetensors" --out "$dir/knob.st"
"$python" "$here/transformer_numpy.py" --model "$model" --batch "$model/batch.safetensors" \
  --out "$dir/numpy.st"
"$python" "$here/test_knob_safetensors.py" "$dir/knob.st" | tail -3
"$knob" compare --first "$dir/numpy.st" "$dir/knob.st" | tail -1

# variant, then the first tensor it must be found at
check_broken() {
  local variant="$1" first="$2"
  "$python" "$here/transformer_numpy.py" --model "$model" --batch "$model/batch.safetensors" \
    --out "$dir/broken.st" --broken "$variant" >/dev/null
  if "$knob" compare --first "$dir/broken.st" "$dir/knob.st" >"$dir/out.txt" 2>&1; then
    echo "FAILED: the $variant bug was not found"
    exit 1
  fi
  if ! grep -q "^first difference: $first " "$dir/out.txt"; then
    echo "FAILED: the $variant bug should first show in $first; knob compare --first said:"
    sed 's/^/    /' "$dir/out.txt"
    exit 1
  fi
  grep -A6 "^first difference" "$dir/out.txt"
}
check_broken forward "blocks.0.ln2.out"
check_broken backward "grad.blocks.$((layers - 1)).attn.scores"
echo "the NumPy transformer matches knob, and both planted bugs are found where they are"
