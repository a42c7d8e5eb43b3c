#!/bin/sh
# A warm training step of docs/spec.md's model (forward, cross-entropy, backward, AdamW) takes no
# tensor buffer from the system, and makes fewer heap allocations than its forward pass records
# ops (61 for the full model; the backward pass makes about twice as many tensors again): the
# buffer pool, the object pool, inline shapes and inline backward closures at work. Before them
# a step made about 4,900. Counts are exact, not timings. (Sanitizer builds do not count
# operator new; there only the buffers are checked.)
# Usage: bench_allocations.sh KNOB
set -eu
knob=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "bench_allocations: $*" >&2; exit 1; }
printf '{"vocab_size": 32, "d_model": 64, "n_heads": 4, "n_layers": 2, "d_ff": 256,
 "max_seq_len": 32, "activation": "gelu", "layer_norm_eps": 1e-5}\n' >"$work/tiny.json"

# The value of a top-level number (or null) in knob bench's one-line JSON.
field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$work/out.json"; }

for mode in full ia3; do
  "$knob" bench --config "$work/tiny.json" --batch 8 --seq 32 --trainable "$mode" --steps 4 \
    --warmup 3 --json >"$work/out.json"
  buffers=$(field tensor_buffer_allocs_per_step)
  allocs=$(field allocs_per_step)
  ops=$(field recorded_ops_per_step)
  [ -n "$buffers" ] && [ -n "$allocs" ] && [ -n "$ops" ] ||
    fail "$mode: unexpected output $(cat "$work/out.json")"
  awk -v b="$buffers" 'BEGIN { exit !(b == 0) }' ||
    fail "$mode: $buffers tensor buffers per step from the system (expected 0)"
  if [ "$allocs" != null ]; then
    awk -v a="$allocs" -v n="$ops" 'BEGIN { exit !(a < n) }' ||
      fail "$mode: $allocs heap allocations per step, not fewer than its $ops recorded ops"
  fi
  echo "$mode: $ops ops recorded, $allocs heap allocations, $buffers tensor buffers per step"
done
