#!/usr/bin/env bash
# `knob compare` must not wave a difference through: NaN matches only NaN, +Inf and -Inf only
# themselves (an Inf in the expected file must not make the tolerance infinite), integer
# tensors are compared exactly (not as doubles, which cannot tell 2^53 from 2^53 + 1), and an
# expected file with no tensors is an error, not a vacuous pass. The files are written here
# byte by byte (8-byte header length, JSON header, little-endian data).
# usage: compare_exact.sh KNOB
set -euo pipefail
knob="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

# 8 little-endian bytes of a float64 or int64, as printf escapes.
ONE='\x00\x00\x00\x00\x00\x00\xf0\x3f'     # 1.0
TWO='\x00\x00\x00\x00\x00\x00\x00\x40'     # 2.0
FIVE='\x00\x00\x00\x00\x00\x00\x14\x40'    # 5.0
ZERO='\x00\x00\x00\x00\x00\x00\x00\x00'    # 0.0 (and int64 0)
NAN='\x00\x00\x00\x00\x00\x00\xf8\x7f'     # quiet NaN
PINF='\x00\x00\x00\x00\x00\x00\xf0\x7f'    # +Inf
NINF='\x00\x00\x00\x00\x00\x00\xf0\xff'    # -Inf
I2P53='\x00\x00\x00\x00\x00\x00\x20\x00'   # int64 2^53
I2P53P1='\x01\x00\x00\x00\x00\x00\x20\x00' # int64 2^53 + 1

# file NAME DTYPE COUNT DATA: one tensor "t" of shape [COUNT].
file() {
  local path="$dir/$1" dtype="$2" count="$3" data="$4"
  local header="{\"t\":{\"dtype\":\"$dtype\",\"shape\":[$count],\"data_offsets\":[0,$((8 * count))]}}"
  while (( ${#header} % 8 )); do header+=" "; done
  write "$path" "$header" "$data"
}
# write PATH HEADER DATA: the 8-byte length, the header, the data.
write() {
  local n=${#2}
  printf "\\x$(printf %02x $((n & 255)))\\x$(printf %02x $((n >> 8)))\\x00\\x00\\x00\\x00\\x00\\x00" >"$1"
  printf '%s' "$2" >>"$1"
  printf "$3" >>"$1"
}

failures=0
# expect pass|fail ACTUAL EXPECTED WHY [TEXT the output must contain]
expect() {
  local want="$1" actual="$dir/$2" expected="$dir/$3" why="$4" text="${5:-}" got=pass
  "$knob" compare "$actual" "$expected" >"$dir/out.txt" 2>&1 || got=fail
  if [[ -n "$text" ]] && ! grep -qF "$text" "$dir/out.txt"; then got="$got without '$text'"; fi
  if [[ "$got" != "$want" ]]; then
    echo "FAILED: $why: expected $want, got $got"
    sed 's/^/    /' "$dir/out.txt"
    failures=$((failures + 1))
  else
    echo "ok: $why ($got)"
  fi
}

file nan_1.st F64 2 "$ONE$NAN"
file nan_2.st F64 2 "$ONE$NAN"
file two_2.st F64 2 "$ONE$TWO"
file inf_0.st F64 2 "$PINF$ZERO"
file one_5.st F64 2 "$ONE$FIVE"
file pinf.st F64 1 "$PINF"
file pinf_b.st F64 1 "$PINF"
file ninf.st F64 1 "$NINF"
file int_big.st I64 1 "$I2P53P1"
file int_big_b.st I64 1 "$I2P53P1"
file int_other.st I64 1 "$I2P53"
write "$dir/empty.st" '{}      ' ''

expect pass nan_2.st nan_1.st "NaN matches NaN"
expect fail two_2.st nan_1.st "2 does not match NaN"
expect fail nan_1.st two_2.st "NaN does not match 2"
expect pass pinf_b.st pinf.st "+Inf matches +Inf"
expect fail ninf.st pinf.st "-Inf does not match +Inf" "exact mismatches"
expect fail one_5.st inf_0.st "an Inf expected does not make the tolerance infinite"
expect pass int_big_b.st int_big.st "equal integers match"
expect fail int_other.st int_big.st "2^53 does not match 2^53 + 1"
expect fail nan_1.st empty.st "an expected file with no tensors is refused" "holds no tensors"

if (( failures > 0 )); then
  echo "$failures case(s) failed"
  exit 1
fi
echo "all cases behave"
