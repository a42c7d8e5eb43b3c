#!/bin/sh
# knob demo --task markov --quick --ablation --json: the Markov demo's JSON has the task, the
# floor (G2's entropy rate) and one row per method (frozen, ia3, full; then the three ablation
# rows), each with a finite cross-entropy, excess, gain recovered, parameter count and time.
# nlohmann::json writes NaN and infinities as null, so "finite" means "a number, never null".
# (Few steps: this checks the plumbing, not the numbers.)
# Usage: cli_demo_markov_quick.sh KNOB
set -eu
knob=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "cli_demo_markov_quick: $*" >&2; exit 1; }

"$knob" demo --task markov --quick --ablation --json --out "$work/out" >"$work/demo.json"
json="$work/demo.json"
number='-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?'

grep -q '"task": "markov"' "$json" || fail "no task: $(cat "$json")"
grep -Eq "^  \"floor\": $number,?\$" "$json" || fail "no finite floor: $(cat "$json")"
! grep -q 'null' "$json" || fail "a value is not finite: $(cat "$json")"
for method in frozen ia3 full; do
  grep -q "\"method\": \"$method\"" "$json" || fail "no $method row"
done
# 3 results + 3 ablation rows (the array elements, indented by 6), each field a number.
for field in cross_entropy excess gain_recovered trainable_params seconds; do
  count=$(grep -Ec "^      \"$field\": $number,?\$" "$json")
  [ "$count" -eq 6 ] || fail "$field: $count finite values, expected 6"
done
grep -q '"trainable_params": 768' "$json" || fail "IA3 should train 768 values"
grep -q '"vectors": "l_ff"' "$json" || fail "no l_ff-only ablation row"
grep -q '"vectors": "l_k,l_v"' "$json" || fail "no l_k,l_v-only ablation row"
[ -f "$work/out/markov_loss_curves.svg" ] || fail "no loss-curve picture"
echo "demo --task markov --quick: ok"
