#!/usr/bin/env bash
# Grade a class's submissions in batch and write one CSV row per student and exercise.
#
# Usage: exercises/grade_class.sh SUBMISSIONS OUT.csv [--build DIR] [--hidden DIR] [ID...]
#   SUBMISSIONS  one folder per student, named by the student (letters, digits, . _ -), holding
#                the student's kit (<student>/exercises/<id>/stub.cpp) or just the exercise
#                folders (<student>/<id>/stub.cpp)
#   OUT.csv      written at the end (atomically): student,exercise,result,passed,tests,score
#                result: pass | fail | does_not_compile | crashed | timed_out | missing
#                score:  passed / tests, 0 unless the grader ran to its end
#   --build DIR  the build folder to use (default: build-grading/ in the repository); an existing
#                one keeps its configuration, only the two variables below are set
#   --hidden DIR hidden tests: DIR/<id>/*.cpp are compiled into <id>'s grader
#                (-DKNOB_EXERCISE_HIDDEN_DIR, see exercises/INSTRUCTORS.md)
#   ID...        grade only these exercises (default: all of manifest.txt)
#
# Every submission is linked with the instructor's grader (the graders, lessons and library come
# from this repository, never from the submission) as its own executable, and run with a time
# limit (KNOB_GRADER_TIME_LIMIT seconds, default 120). It runs the students' code: run it as an
# unprivileged user in a container or virtual machine without network.
set -euo pipefail

EXERCISES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$EXERCISES_DIR")"
TIME_LIMIT="${KNOB_GRADER_TIME_LIMIT:-120}"

usage() { sed -n '4,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { printf 'grade_class: %s\n' "$*" >&2; exit 2; }

# The student's stub.cpp for one exercise, or nothing.
submission_of() {
  local folder="$1" id="$2" candidate
  for candidate in "$folder/exercises/$id/stub.cpp" "$folder/$id/stub.cpp"; do
    if [[ -f "$candidate" ]]; then echo "$candidate"; return 0; fi
  done
}

# Writes the variants file: one line "<id> <student> <stub.cpp>" per submitted exercise.
write_variants() {
  local submissions="$1" out="$2" folder student id file
  shift 2
  : >"$out"
  for folder in "$submissions"/*/; do
    student="$(basename "$folder")"
    [[ "$student" =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "skipping folder '$student': bad name" >&2; continue; }
    for id in "$@"; do
      file="$(submission_of "$folder" "$id")"
      [[ -n "$file" ]] || continue
      file="$(cd "$(dirname "$file")" && pwd)/stub.cpp"
      [[ "$file" != *[[:space:]]* ]] || die "$file: a path with spaces (move SUBMISSIONS)"
      echo "$id $student $file" >>"$out"
    done
  done
}

configure_and_build() {
  local build="$1" variants="$2" hidden="$3" generator=()
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
    generator+=(-DCMAKE_BUILD_TYPE=Release -DKNOB_BUILD_TOOLS=OFF)
  fi
  cmake --log-level=WARNING -S "$ROOT" -B "$build" "${generator[@]}" \
    -DKNOB_EXERCISE_VARIANTS_FILE="$variants" -DKNOB_EXERCISE_HIDDEN_DIR="$hidden" >/dev/null
  # Old executables must not stand in for submissions that no longer compile.
  rm -rf "$build/exercise-variants"
  # Keep going past submissions that do not compile; they are reported as such.
  local keep_going=(-k)
  if [[ -f "$build/build.ninja" ]]; then keep_going=(-k 0); fi
  cmake --build "$build" -j "${KNOB_JOBS:-2}" --target exercise_variants -- "${keep_going[@]}" \
    >"$build/grading-build.log" 2>&1 || true
}

# Runs one grader; prints "result,passed,tests,score".
grade_one() {
  local exe="$1" log status=0 tests passed
  [[ -x "$exe" ]] || { echo "does_not_compile,0,0,0"; return 0; }
  tests="$("$exe" --gtest_list_tests | grep -c '^  ' || true)"
  log="$(mktemp)"
  KNOB_EXERCISE_HINTS=off timeout "$TIME_LIMIT" "$exe" --gtest_brief=1 >"$log" 2>&1 || status=$?
  passed="$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)"
  rm -f "$log"
  case "$status" in
    0) echo "pass,$tests,$tests,1" ;;
    1) awk -v p="${passed:-0}" -v t="$tests" 'BEGIN { printf "fail,%d,%d,%.4f\n", p, t, t ? p / t : 0 }' ;;
    124) echo "timed_out,0,$tests,0" ;;
    *) echo "crashed,0,$tests,0" ;;
  esac
}

main() {
  local submissions="" out="" build="$ROOT/build-grading" hidden="" ids=() arg
  while [[ $# -gt 0 ]]; do
    arg="$1"; shift
    case "$arg" in
      --build) build="${1:?--build needs a folder}"; shift ;;
      --hidden) hidden="$(cd "${1:?--hidden needs a folder}" && pwd)"; shift ;;
      -h | --help) usage ;;
      -*) usage ;;
      *) if [[ -z "$submissions" ]]; then submissions="$arg"
         elif [[ -z "$out" ]]; then out="$arg"
         else ids+=("$arg"); fi ;;
    esac
  done
  [[ -n "$submissions" && -n "$out" ]] || usage
  [[ -d "$submissions" ]] || die "$submissions is not a folder"
  if [[ ${#ids[@]} -eq 0 ]]; then mapfile -t ids < <(awk '/^ex[0-9]/ { print $1 }' "$EXERCISES_DIR/manifest.txt"); fi
  for arg in "${ids[@]}"; do
    grep -q "^$arg[[:space:]]" "$EXERCISES_DIR/manifest.txt" || die "no exercise '$arg' in manifest.txt"
  done
  mkdir -p "$build"
  build="$(cd "$build" && pwd)"
  write_variants "$submissions" "$build/grading-variants.txt" "${ids[@]}"
  echo "grading $(wc -l <"$build/grading-variants.txt") submitted exercises (build: $build)"
  configure_and_build "$build" "$build/grading-variants.txt" "$hidden"

  local csv folder student id
  csv="$(mktemp "$(dirname "$out")/.grades.XXXXXX")"
  echo "student,exercise,result,passed,tests,score" >"$csv"
  for folder in "$submissions"/*/; do
    student="$(basename "$folder")"
    [[ "$student" =~ ^[A-Za-z0-9_.-]+$ ]] || continue
    for id in "${ids[@]}"; do
      if [[ -z "$(submission_of "$folder" "$id")" ]]; then echo "$student,$id,missing,0,0,0" >>"$csv"
      else echo "$student,$id,$(grade_one "$build/exercise-variants/${id}__$student")" >>"$csv"; fi
    done
  done
  mv "$csv" "$out"
  echo "wrote $out ($(($(wc -l <"$out") - 1)) rows); compiler messages: $build/grading-build.log"
}

main "$@"
