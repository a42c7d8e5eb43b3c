#!/bin/sh
# knob train, stopped and resumed from its checkpoint, ends with the same model bit for bit as
# an uninterrupted run (weights, AdamW state, step and data stream all restored); a checkpoint
# of another model is refused with one line.
# Usage: train_resume.sh KNOB
set -eu
knob=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "train_resume: $*" >&2; exit 1; }
train() { "$knob" train --steps 30 --warmup 5 --batch 16 --eval-rows 32 -q "$@" >"$work/log"; }

train --out "$work/straight"
train --out "$work/sliced" --checkpoint-every 7 --stop-after 12
grep -q "stopped after step 12 of 30" "$work/log" || fail "no stop: $(cat "$work/log")"
[ ! -f "$work/sliced/model.safetensors" ] || fail "a stopped run wrote a model"
train --out "$work/sliced" --resume --stop-after 10
grep -q "stopped after step 22 of 30" "$work/log" || fail "second slice: $(cat "$work/log")"
train --out "$work/sliced" --resume
grep -q "resumed from .* at step 22" "$work/log" || fail "not resumed: $(cat "$work/log")"
"$knob" compare --rtol 0 --atol 0 "$work/sliced/model.safetensors" \
  "$work/straight/model.safetensors" >"$work/compare" ||
  fail "resumed model differs: $(cat "$work/compare")"

# A checkpoint for another config is an error naming the file, not a crash.
printf '{"vocab_size": 32, "d_model": 32, "n_heads": 4, "n_layers": 2, "d_ff": 64,
 "max_seq_len": 32, "activation": "gelu", "layer_norm_eps": 1e-5}\n' >"$work/small.json"
if train --out "$work/sliced" --resume --config "$work/small.json" 2>"$work/err"; then
  fail "a checkpoint of another model was accepted"
fi
[ "$(wc -l <"$work/err")" -eq 1 ] && grep -q "checkpoint.safetensors: checkpoint: " "$work/err" ||
  fail "unclear error: $(cat "$work/err")"
echo "train --stop-after / --resume: bit-identical to the uninterrupted run"
