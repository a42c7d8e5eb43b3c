#!/bin/sh
# knob import-peft / export-peft on the PyTorch golden: PEFT → knob → PEFT → knob gives the
# same vectors bit for bit, and a PEFT directory that does not fit the model is refused.
# Usage: cli_peft_round_trip.sh KNOB GOLDEN_DIR
set -eu
knob=$1
golden=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$knob" import-peft --in "$golden/peft/spec_default" --out "$work/a.safetensors" --model "$golden/tiny"
"$knob" export-peft --adapter "$work/a.safetensors" --out "$work/peft"
"$knob" import-peft --in "$work/peft" --out "$work/b.safetensors"
"$knob" compare --rtol 0 --atol 0 "$work/b.safetensors" "$work/a.safetensors"
if "$knob" import-peft --in "$golden/peft/spec_default" --out "$work/c.safetensors" \
     --model "$golden/odd" 2>"$work/err"; then
  echo "import-peft accepted an adapter for another model" >&2
  exit 1
fi
grep -q "does not fit" "$work/err"
