#!/bin/sh
# The docs/spec.md §5 workflow end to end, in seconds: knob train saves a model directory; knob
# finetune --method ia3 saves an adapter (768 trainable values, the base untouched) that knob
# eval accepts; --method full saves a model directory that knob eval loads; bad arguments fail
# with one line on standard error. (Few steps: this checks the plumbing, not the accuracy.)
# Usage: train_finetune_eval.sh KNOB
set -eu
knob=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "train_finetune_eval: $*" >&2; exit 1; }

"$knob" train --out "$work/base" --steps 20 --batch 16 --eval-rows 64 -q >/dev/null
[ -f "$work/base/config.json" ] && [ -f "$work/base/model.safetensors" ] || fail "no model dir"

"$knob" finetune --model "$work/base" --method ia3 --steps 10 --batch 16 --eval-rows 64 \
  --out "$work/adapter.safetensors" --json >"$work/ia3.json"
grep -q '"trainable_params": 768' "$work/ia3.json" || fail "ia3: $(cat "$work/ia3.json")"
grep -q '"base_unchanged": true' "$work/ia3.json" || fail "ia3 changed the base"
[ -f "$work/adapter.safetensors" ] || fail "no adapter file"
"$knob" eval --model "$work/base" --adapter "$work/adapter.safetensors" \
  --tasks reverse_increment@neutral --rows 64 --json | grep -q '"exact_match"' ||
  fail "eval with the adapter"

"$knob" finetune --model "$work/base" --method full --steps 5 --batch 16 --eval-rows 64 \
  --out "$work/full" --json >"$work/full.json"
grep -q '"trainable_params": 106272' "$work/full.json" || fail "full: $(cat "$work/full.json")"
"$knob" eval --model "$work/full" --rows 64 --json | grep -q '"exact_match"' ||
  fail "eval of the fully fine-tuned model"

if "$knob" finetune --model "$work/base" --method lora 2>"$work/err"; then
  fail "--method lora was accepted"
fi
[ "$(wc -l <"$work/err")" -eq 1 ] && grep -q "method must be ia3 or full" "$work/err" ||
  fail "unclear error: $(cat "$work/err")"
echo "train -> finetune (ia3, full) -> eval: ok"
