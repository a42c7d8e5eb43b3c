#!/usr/bin/env bash
# Prove that every grader tells right answers from wrong ones.
#
#   exercises/check_answers.sh variants EXERCISES_DIR
#       print a variants file (for -DKNOB_EXERCISE_VARIANTS_FILE): for every exercise of the
#       manifest its stub.cpp ("stub"), solution.cpp ("solution") and each wrong/<name>.cpp
#       ("wrong_<name>")
#   exercises/check_answers.sh run BUILD_DIR EXERCISES_DIR [ID...]
#       BUILD_DIR is any build of knob (solutions or stubs) configured with that variants file,
#       with target exercise_variants built. For each exercise (all, or the IDs given) it checks
#         - the grader built with the untouched stub fails every one of its tests;
#         - the grader built with solution.cpp passes;
#         - the grader built with each wrong/<name>.cpp fails (exit status 1, not a crash);
#       prints one line per exercise and exits 1 if anything is off.
#   exercises/check_answers.sh stubs BUILD_DIR EXERCISES_DIR
#       BUILD_DIR is a stub build (the student kit's, or -DKNOB_EXERCISE_SOLUTIONS=OFF) with every
#       exercise built: checks that each grader there fails every one of its tests.
# Graders run with KNOB_EXERCISE_HINTS=off (no failure counts, no hints) and a time limit.
set -euo pipefail

TIME_LIMIT="${KNOB_GRADER_TIME_LIMIT:-300}"

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

manifest_ids() { awk '/^ex[0-9]/ { print $1 }' "$1/manifest.txt"; }

cmd_variants() {
  local dir="$1" id wrong
  [[ -f "$dir/manifest.txt" ]] || { echo "check_answers: no $dir/manifest.txt" >&2; exit 2; }
  dir="$(cd "$dir" && pwd)"
  while IFS= read -r id; do
    [[ -f "$dir/$id/solution.cpp" ]] || { echo "check_answers: $id has no solution.cpp" >&2; exit 1; }
    echo "$id stub $dir/$id/stub.cpp"
    echo "$id solution $dir/$id/solution.cpp"
    for wrong in "$dir/$id"/wrong/*.cpp; do
      [[ -e "$wrong" ]] || continue
      echo "$id wrong_$(basename "$wrong" .cpp) $wrong"
    done
  done < <(manifest_ids "$dir")
}

# Run one grader executable; sets RUN_STATUS, RUN_PASSED (tests passed) and RUN_LOG.
run_grader() {
  RUN_LOG="$(mktemp)"
  RUN_STATUS=0
  KNOB_EXERCISE_HINTS=off timeout "$TIME_LIMIT" "$1" --gtest_brief=1 >"$RUN_LOG" 2>&1 ||
    RUN_STATUS=$?
  RUN_PASSED="$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$RUN_LOG" | tail -n 1)"
  RUN_PASSED="${RUN_PASSED:-?}"
}

# The first line of a grader's output that explains a failure (for the report).
first_reason() {
  sed 's/^  Actual: false (//' "$1" |
    grep -m 1 -vE '^\[|^$|: Failure$|^Failed$|^Value of:|^  Actual:|^Expected|^  [a-z_.()]+$|^    Which is:' |
    cut -c1-110
}

# Exit status 1 (tests failed, no crash) and not one test passed; else explains and returns 1.
check_stub_fails() {
  local id="$1" exe="$2" status=0
  run_grader "$exe"
  if [[ ! -x "$exe" ]]; then
    echo "  $id: no grader $exe (not built?)" >&2
    status=1
  elif [[ $RUN_STATUS -ne 1 || "$RUN_PASSED" != 0 ]]; then
    echo "  $id: the stub is not failing every test (exit $RUN_STATUS, $RUN_PASSED passed):" >&2
    grep -E '^\[       OK \]|^\[  PASSED' "$RUN_LOG" >&2 || true
    status=1
  fi
  rm -f "$RUN_LOG"
  return "$status"
}

check_exercise() {
  local build="$1" dir="$2" id="$3" problems=0 wrong name rejected=0 total=0
  local variants="$build/exercise-variants" stub="fails" solution="passes"
  check_stub_fails "$id" "$variants/${id}__stub" || { problems=1; stub="DOES NOT FAIL"; }
  run_grader "$variants/${id}__solution"
  if [[ $RUN_STATUS -ne 0 ]]; then
    echo "  $id: the solution fails its grader (exit $RUN_STATUS):" >&2
    head -n 40 "$RUN_LOG" >&2
    problems=1
    solution="FAILS"
  fi
  rm -f "$RUN_LOG"
  for wrong in "$dir/$id"/wrong/*.cpp; do
    [[ -e "$wrong" ]] || continue
    name="$(basename "$wrong" .cpp)"
    total=$((total + 1))
    run_grader "$variants/${id}__wrong_$name"
    if [[ $RUN_STATUS -eq 1 ]]; then
      rejected=$((rejected + 1))
      echo "      wrong/$name.cpp rejected: $(first_reason "$RUN_LOG")"
    elif [[ $RUN_STATUS -eq 0 ]]; then
      echo "  $id: wrong/$name.cpp PASSES the grader: the grader misses this mistake" >&2
      problems=1
    else
      echo "  $id: wrong/$name.cpp made the grader crash or time out (exit $RUN_STATUS)" \
           "instead of explaining the mistake:" >&2
      tail -n 20 "$RUN_LOG" >&2
      problems=1
    fi
    rm -f "$RUN_LOG"
  done
  if ((total < 3)); then
    echo "  $id: only $total wrong solutions (at least 3 expected)" >&2
    problems=1
  fi
  printf '%-32s stub %s, solution %s, %d of %d wrong solutions rejected\n' "$id" "$stub" \
    "$solution" "$rejected" "$total"
  return "$problems"
}

cmd_run() {
  local build="$1" dir="$2" id status=0 ids=()
  shift 2
  [[ -f "$build/CMakeCache.txt" ]] || { echo "check_answers: $build is not a build folder" >&2; exit 2; }
  if [[ $# -gt 0 ]]; then ids=("$@"); else mapfile -t ids < <(manifest_ids "$dir"); fi
  for id in "${ids[@]}"; do
    check_exercise "$build" "$dir" "$id" || status=1
  done
  if ((status)); then echo "check_answers: FAILED (see above)" >&2; else
    echo "check_answers: OK: ${#ids[@]} exercises; every stub fails, every solution passes," \
         "every wrong solution is rejected"
  fi
  return "$status"
}

cmd_stubs() {
  local build="$1" dir="$2" id status=0 count=0
  [[ -f "$build/CMakeCache.txt" ]] || { echo "check_answers: $build is not a build folder" >&2; exit 2; }
  while IFS= read -r id; do
    count=$((count + 1))
    check_stub_fails "$id" "$build/exercises/$id" || status=1
  done < <(manifest_ids "$dir")
  if ((status)); then echo "check_answers: FAILED (see above)" >&2; else
    echo "check_answers: OK: the graders of all $count exercises fail every test on the stubs"
  fi
  return "$status"
}

case "${1:-}" in
  stubs) [[ $# -eq 3 ]] || usage; cmd_stubs "$2" "$3" ;;
  variants) [[ $# -eq 2 ]] || usage; cmd_variants "$2" ;;
  run) [[ $# -ge 3 ]] || usage; shift; cmd_run "$@" ;;
  *) usage ;;
esac
