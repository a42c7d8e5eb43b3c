#!/usr/bin/env bash
# Mutation testing: apply each seeded bug in tests/mutants/*.patch to the source tree, rebuild
# incrementally, run the autograd, kernels, nn and ia3 suites (ctest labels; not the CLI tests,
# lessons or exercise graders) and check that some test fails. Prints one line per mutant (the
# first failing test, or SURVIVED) and the score; exits 1 if any mutant survived or did not build.
#
# usage: tests/mutants/run.sh [--best-path-only] [--all-failures] [MUTANT.patch ...]
#   (default: every patch)
#   A mutant that touches autograd/kernels/ (a SIMD kernel) must be killed on the best path and
#   again under KNOB_SIMD=<path> for every path this CPU has, since CI runs the suites on each;
#   --best-path-only skips those extra runs.
#   --all-failures runs the whole suites for each mutant (slower) and names every failing test,
#   not only the first.
#   KNOB_BUILD_DIR  the configured build directory (default: build)
#
# The tree is restored even on failure or Ctrl-C (git apply -R), and the touched files must have
# no uncommitted changes beforehand (so that restoring cannot lose work). The build directory is
# rebuilt for the restored tree at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
build="${KNOB_BUILD_DIR:-build}"
labels='autograd|kernels|nn|ia3'
simd_paths=1
stop=(--stop-on-failure)
while [[ "${1:-}" == --* ]]; do
  case "$1" in
    --best-path-only) simd_paths=0 ;;
    --all-failures) stop=() ;;
    *) echo "unknown option $1"; exit 2 ;;
  esac
  shift
done
mutants=("$@")
if ((${#mutants[@]} == 0)); then mutants=(tests/mutants/*.patch); fi
[[ -f "$build/CMakeCache.txt" ]] || { echo "no configured build in $build (set KNOB_BUILD_DIR)"; exit 2; }

applied=""
restore() {
  if [[ -n "$applied" ]]; then
    git apply -R "$applied" && echo "restored the tree (reverted $applied)" >&2
    applied=""
  fi
}
trap 'restore' EXIT
trap 'restore; exit 130' INT TERM

# The test executables behind the labels (everything else stays unbuilt).
targets="$(ctest --test-dir "$build" -N -V -L "$labels" -LE cli 2>/dev/null |
  sed -n 's|^[0-9]*: Test command: \([^ ]*\).*|\1|p' | xargs -n1 basename | sort -u | tr '\n' ' ')"
[[ -n "$targets" ]] || { echo "no tests labelled $labels in $build"; exit 2; }
paths=""
if ((simd_paths)); then
  paths="$("$build/tools/knob/knob" info | sed -n 's/^SIMD available: *//p' | tr -d ',')"
fi

# The first failing test of a run of the suites (empty when everything passed); with
# --all-failures, how many failed and their names.
first_failure() {
  local log="$build/Testing/Temporary/LastTestsFailed.log"
  rm -f "$log"
  env "$@" ctest --test-dir "$build" -L "$labels" -LE cli -j2 "${stop[@]}" \
    --timeout 600 >"$build/mutant_ctest.log" 2>&1 || true
  [[ -f "$log" ]] || return 0
  if ((${#stop[@]})); then
    head -1 "$log" | cut -d: -f2- | sed 's/  *#.*//'
  else
    echo "$(wc -l <"$log") failed: $(cut -d: -f2- "$log" | sed 's/  *#.*//' | tr '\n' ' ')"
  fi
}

start=$SECONDS
killed=0 survived=() broken=()
for patch in "${mutants[@]}"; do
  name="$(basename "$patch" .patch)"
  files="$(git apply --numstat "$patch" | cut -f3)"
  # shellcheck disable=SC2086  # one file per word
  if ! git diff --quiet HEAD -- $files; then
    echo "refusing: $files have uncommitted changes (commit or stash them first)"
    exit 2
  fi
  if ! git apply "$patch" 2>"$build/mutant_apply.log"; then  # the code it edits has moved on
    echo "$name: DOES NOT APPLY to this tree (rewrite the patch; see $build/mutant_apply.log)"
    broken+=("$name")
    continue
  fi
  applied="$patch"
  t0=$SECONDS
  # shellcheck disable=SC2086  # one target per word
  if ! cmake --build "$build" -j2 --target $targets >"$build/mutant_build.log" 2>&1; then
    echo "$name: DOES NOT BUILD (see $build/mutant_build.log)"
    broken+=("$name")
    restore
    continue
  fi
  verdict="$(first_failure)"
  lived=$((${#verdict} == 0))
  if ((lived)); then
    survived+=("$name")
    verdict="SURVIVED"
  elif [[ "$files" == *autograd/kernels/* ]]; then
    for path in $paths; do  # a SIMD mutant must be killed on every path, not only the best one
      on_path="$(first_failure KNOB_SIMD="$path")"
      verdict+=" | KNOB_SIMD=$path: ${on_path:-SURVIVED}"
      [[ -n "$on_path" ]] || { survived+=("$name (KNOB_SIMD=$path)"); lived=1; }
    done
  fi
  ((lived)) || killed=$((killed + 1))  # killed only when killed on every path
  printf '%-48s %4ds  %s\n' "$name" $((SECONDS - t0)) "$verdict"
  restore
done

total=${#mutants[@]}
echo "mutation score: $killed/$total killed in $((SECONDS - start)) s"
((${#survived[@]} == 0)) || echo "survivors: ${survived[*]}"
((${#broken[@]} == 0)) || echo "did not apply or build: ${broken[*]}"
echo "rebuilding the restored tree ..."
# shellcheck disable=SC2086
cmake --build "$build" -j2 --target $targets >"$build/mutant_build.log" 2>&1
((${#survived[@]} == 0 && ${#broken[@]} == 0))
