#!/usr/bin/env bash
# `knob grads --trace` and `knob compare --first` on the tiny golden model, without Python:
#  - a trace agrees with itself;
#  - an IA3 adapter changes l_k first, so the first forward value that differs is blocks.0.attn.k;
#  - IA3 vectors left at 1 change no value and no activation gradient, only which parameters
#    get a gradient: the first difference is the last parameter's gradient, missing.
# usage: trace_first.sh KNOB GOLDEN_DIR
set -euo pipefail
knob="$1" model="$2"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
grads() { "$knob" grads --trace --model "$model" --batch "$model/batch.safetensors" "$@" >/dev/null; }
grads --out "$dir/full.st"
grads --out "$dir/adapted.st" --trainable ia3 --adapter "$model/adapter.safetensors"
grads --out "$dir/ones.st" --trainable ia3

# A second run gives the same file (compare refuses to compare one path with itself).
grads --out "$dir/again.st"
"$knob" compare --first "$dir/again.st" "$dir/full.st" | tail -1 | grep -q "in computation order"
# expect_first ACTUAL NAME: compare --first must fail and name NAME first.
expect_first() {
  if "$knob" compare --first "$dir/$1" "$dir/full.st" >"$dir/out.txt" 2>&1; then
    echo "FAILED: $1 should differ from full.st"
    exit 1
  fi
  if ! grep -q "^first difference: $2 " "$dir/out.txt"; then
    echo "FAILED: $1 should first differ at $2; knob compare --first said:"
    cat "$dir/out.txt"
    exit 1
  fi
  grep "^first difference" "$dir/out.txt"
}
expect_first adapted.st blocks.0.attn.k
expect_first ones.st grad.head.bias
echo "compare --first finds the first difference in computation order"
