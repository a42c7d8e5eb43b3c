#!/usr/bin/env bash
# `knob grads` on a golden model must reproduce PyTorch's file (checked with `knob compare`).
# usage: grads_matches_golden.sh KNOB GOLDEN_DIR full|ia3 f64|f32
set -euo pipefail
knob="$1" dir="$2" mode="$3" dtype="$4"
out="$(mktemp --suffix=.safetensors)"
trap 'rm -f "$out"' EXIT
adapter=()
if [[ "$mode" == ia3 ]]; then adapter=(--adapter "$dir/adapter.safetensors"); fi
rtol=1e-9
if [[ "$dtype" == f32 ]]; then rtol=1e-4; fi
"$knob" grads --model "$dir" --batch "$dir/batch.safetensors" --out "$out" \
  --trainable "$mode" --dtype "$dtype" "${adapter[@]}"
"$knob" compare "$out" "$dir/expected_$mode.safetensors" --rtol "$rtol" | tail -1
