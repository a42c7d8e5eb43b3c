#!/usr/bin/env bash
# Prove that no exercise autograder passes on the untouched stubs.
#
# Usage: exercises/check_stubs_fail.sh BUILD_DIR
#   BUILD_DIR must be configured with -DKNOB_EXERCISE_SOLUTIONS=OFF and built.
# Runs `ctest -L exercise` there and exits 0 only if at least MIN_TESTS (6) exercise tests ran,
# they cover at least MIN_EXERCISES (6) exercises, and every one of them failed.
set -euo pipefail

MIN_TESTS=6
MIN_EXERCISES=6

if [[ $# -ne 1 || ! -d "$1" ]]; then
  echo "usage: $0 BUILD_DIR   (a build configured with -DKNOB_EXERCISE_SOLUTIONS=OFF)" >&2
  exit 2
fi
build_dir=$1

cache="$build_dir/CMakeCache.txt"
if [[ ! -f "$cache" ]]; then
  echo "check_stubs_fail: $build_dir has no CMakeCache.txt; configure and build it first" >&2
  exit 2
fi
if ! grep -qiE '^KNOB_EXERCISE_SOLUTIONS:[A-Z]+=(OFF|0|FALSE|NO|N)$' "$cache"; then
  echo "check_stubs_fail: $build_dir is not a stub build (configure it with" \
       "-DKNOB_EXERCISE_SOLUTIONS=OFF)" >&2
  exit 2
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# ctest exits non-zero when tests fail, which is what we expect here.
ctest --test-dir "$build_dir" -L exercise --output-on-failure --timeout 60 >"$log" 2>&1 || true

# ctest prints one line per test: "  n/N Test  #k: <name> ......   Passed|***Failed  ..."
passed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed ' "$log" || true)
failed=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*Failed|\*\*\*Exception|\*\*\*Timeout|Not Run)' "$log" || true)
ran=$((passed + failed))
exercises=$(grep -oE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: ex[0-9]+_[A-Za-z0-9_]+\.' "$log" |
            sed -E 's/.*: (ex[0-9]+_[A-Za-z0-9_]+)\./\1/' | sort -u | wc -l)

echo "check_stubs_fail: $ran exercise tests ran over $exercises exercises:" \
     "$failed failed, $passed passed"
status=0
if (( ran < MIN_TESTS )); then
  echo "check_stubs_fail: FAIL: only $ran exercise tests ran (need at least $MIN_TESTS)" >&2
  status=1
fi
if (( exercises < MIN_EXERCISES )); then
  echo "check_stubs_fail: FAIL: only $exercises exercises ran (need at least $MIN_EXERCISES)" >&2
  status=1
fi
if (( passed > 0 )); then
  echo "check_stubs_fail: FAIL: these autograder tests pass on the stubs (they test nothing):" >&2
  grep -E '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed ' "$log" >&2
  status=1
fi
if (( status == 0 )); then
  echo "check_stubs_fail: OK: every exercise test fails on the stubs"
fi
exit $status
