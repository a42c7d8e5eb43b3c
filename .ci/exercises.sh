#!/usr/bin/env bash
# The coursework check (CI stage `exercises`). Three parts, all by default, or the ones named:
#
#   .ci/exercises.sh [formulas] [answers] [grading] [kit]
#
#   formulas  no stub.cpp or task header contains a snippet of its exercise's forbidden.txt (the
#             answer's closed form, as code and as a formula), nor does exercises/README.md or the
#             kit's README, and every exercise has a forbidden.txt
#   answers   in the main build (KNOB_BUILD_DIR, built by knob_setup, so stage test's build is
#             reused): every grader linked with the untouched stub, with the reference solution
#             and with each wrong/*.cpp; the stub and every wrong solution must be rejected, the
#             solution accepted (exercises/check_answers.sh run); the graders' cases include
#             square and degenerate shapes (N = C, one row, one element)
#   grading   exercises/grade_class.sh grades two made-up students' submissions into the
#             expected CSV (in the main build)
#   kit       a clean clone of the committed tree (HEAD) writes the student kit
#             (scripts/student_kit.sh); the kit must hold no solution text: no instructor file,
#             no distinctive line of any solution.cpp (a line of 20+ characters found neither in
#             its stub or header, nor in knob's library, lessons or graders, which are handed
#             out), no forbidden.txt snippet in the kit's task headers and stubs; then the kit is
#             configured and its graders built on their own, every one of them must
#             fail every test on the stubs, and the kit's runner (`exercises/run check`) must
#             build and report a failing exercise
#
# Environment: KNOB_BUILD_DIR (scripts/common.sh), KNOB_JOBS (default 2), KNOB_KIT_CI_DIR (where
# the kit and its build go; default: a temporary folder, removed at the end).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/common.sh
source scripts/common.sh

EXERCISES="$KNOB_ROOT/exercises"
JOBS="${KNOB_JOBS:-2}"
MIN_LINE=20  # shorter solution lines (braces, includes, `return out;`) are not distinctive

say() { printf '[exercises] %s\n' "$*"; }
fail() { printf '[exercises] FAIL: %s\n' "$*" >&2; exit 1; }
ids() { awk '/^ex[0-9]/ { print $1 }' "$EXERCISES/manifest.txt"; }

# The task header of an exercise: the one .h in its folder.
header_of() { find "$EXERCISES/$1" -maxdepth 1 -name '*.h' | head -n 1; }

# ------------------------------------------------------------------------------- formulas ----

# Prints "file: snippet" for every snippet of the list $1 (a forbidden.txt) found in the files
# $2...; returns 0 if there was any, 1 if none.
find_snippets() {
  local list="$1" snippet found=0
  shift
  while IFS= read -r snippet; do
    [[ -n "$snippet" ]] || continue
    while IFS= read -r file; do
      printf '%s: contains the forbidden snippet %s\n' "$file" "$snippet"
      found=1
    done < <(grep -lF -- "$snippet" "$@" 2>/dev/null || true)
  done <"$list"
  return $((!found))
}

part_formulas() {
  local id list count=0 snippets=0 bad=0
  while IFS= read -r id; do
    list="$EXERCISES/$id/forbidden.txt"
    if [[ ! -s "$list" ]]; then echo "$id: no forbidden.txt" >&2; bad=1; continue; fi
    if find_snippets "$list" "$EXERCISES/$id/stub.cpp" "$(header_of "$id")" \
      "$EXERCISES/README.md" "$EXERCISES/kit/README.md" >&2; then bad=1; fi
    count=$((count + 1))
    snippets=$((snippets + $(grep -c . "$list")))
  done < <(ids)
  ((bad == 0)) || fail "a stub, task header or README gives an answer away (see above)"
  say "formulas: no stub or header of $count exercises, and neither README, contains any of" \
      "their $snippets forbidden snippets"
}

# -------------------------------------------------------------------------------- answers ----

part_answers() {
  local variants="$KNOB_BUILD_DIR/exercise-variants.txt" t0=$SECONDS
  knob_setup  # a no-op after stage test: its build is reused
  exercises/check_answers.sh variants "$EXERCISES" >"$variants.new"
  mv "$variants.new" "$variants"
  cmake --log-level=WARNING -B "$KNOB_BUILD_DIR" -DKNOB_EXERCISE_VARIANTS_FILE="$variants" >/dev/null
  cmake --build "$KNOB_BUILD_DIR" -j "$JOBS" --target exercise_variants >"$KNOB_BUILD_DIR/variants.log" ||
    { tail -n 60 "$KNOB_BUILD_DIR/variants.log" >&2; fail "the graders' variants do not build"; }
  say "answers: built $(wc -l <"$variants") grader variants in $((SECONDS - t0))s"
  exercises/check_answers.sh run "$KNOB_BUILD_DIR" "$EXERCISES"
  say "answers: done in $((SECONDS - t0))s"
}

# -------------------------------------------------------------------------------- grading ----

# exercises/grade_class.sh on two made-up students in the main build: alice hands in ex05's
# solution and one of ex01's wrong solutions, bob ex05's stub and an ex01 that does not compile.
part_grading() {
  local dir csv expected
  dir="$(mktemp -d "${TMPDIR:-/tmp}/knob-grading.XXXXXX")"
  # An interrupted run may have left the build pointing at submissions that are gone.
  if [[ -f "$KNOB_BUILD_DIR/CMakeCache.txt" ]]; then
    cmake --log-level=WARNING -B "$KNOB_BUILD_DIR" -DKNOB_EXERCISE_VARIANTS_FILE= >/dev/null
  fi
  knob_setup
  mkdir -p "$dir"/alice/exercises/{ex01_broadcast_shapes,ex05_softmax_backward} \
    "$dir"/bob/{ex01_broadcast_shapes,ex05_softmax_backward}
  cp "$EXERCISES/ex05_softmax_backward/solution.cpp" "$dir/alice/exercises/ex05_softmax_backward/stub.cpp"
  cp "$EXERCISES/ex01_broadcast_shapes/wrong/larger_extent_wins.cpp" \
    "$dir/alice/exercises/ex01_broadcast_shapes/stub.cpp"
  cp "$EXERCISES/ex05_softmax_backward/stub.cpp" "$dir/bob/ex05_softmax_backward/stub.cpp"
  { cat "$EXERCISES/ex01_broadcast_shapes/stub.cpp"; echo 'int not C++;'; } \
    >"$dir/bob/ex01_broadcast_shapes/stub.cpp"
  exercises/grade_class.sh "$dir" "$dir/grades.csv" --build "$KNOB_BUILD_DIR" \
    ex01_broadcast_shapes ex05_softmax_backward ex24_unlikelihood_loss
  csv="$(cut -d, -f1-3 "$dir/grades.csv" | tr '\n' ' ')"
  expected="student,exercise,result alice,ex01_broadcast_shapes,fail alice,ex05_softmax_backward,pass"
  expected+=" alice,ex24_unlikelihood_loss,missing bob,ex01_broadcast_shapes,does_not_compile"
  expected+=" bob,ex05_softmax_backward,fail bob,ex24_unlikelihood_loss,missing "
  if [[ "$csv" != "$expected" ]]; then
    cat "$dir/grades.csv" >&2
    fail "grade_class.sh: expected the rows: $expected"
  fi
  grep -q '^alice,ex05_softmax_backward,pass,\([0-9]*\),\1,1$' "$dir/grades.csv" ||
    fail "grade_class.sh: alice's ex05 is not scored 1: $(cat "$dir/grades.csv")"
  # The build must not keep pointing at the submissions about to be removed.
  cmake --log-level=WARNING -B "$KNOB_BUILD_DIR" -DKNOB_EXERCISE_VARIANTS_FILE= >/dev/null
  rm -rf "$dir"
  say "grading: grade_class.sh graded two made-up students as expected"
}

# ------------------------------------------------------------------------------------ kit ----

# The distinctive lines of every solution (see the header), one per line, trimmed; a kit file
# gives one away when one of its lines, trimmed, is one of them.
distinctive_solution_lines() {
  local id known
  known="$(mktemp)"
  find "$KNOB_ROOT"/{autograd,nn,tasks,ia3,tutorials} "$EXERCISES"/common "$EXERCISES"/*/grader.cpp \
    -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.md' \) -exec sed 's/^[[:space:]]*//; s/[[:space:]]*$//' {} + | sort -u >"$known"
  while IFS= read -r id; do
    sed 's/^[[:space:]]*//; s/[[:space:]]*$//' "$EXERCISES/$id/stub.cpp" "$(header_of "$id")" |
      sort -u >"$known.$id"
    sed 's/^[[:space:]]*//; s/[[:space:]]*$//' "$EXERCISES/$id/solution.cpp" | sort -u |
      awk -v min="$MIN_LINE" 'length($0) >= min' | comm -23 - "$known.$id" | comm -23 - "$known"
    rm -f "$known.$id"
  done < <(ids)
  rm -f "$known"
}

check_kit_has_no_answers() {
  local kit="$1" lines found id leaks=0
  found="$(find "$kit" \( -name solution.cpp -o -name forbidden.txt -o -path '*/wrong/*' \
           -o -name INSTRUCTORS.md -o -path '*/exercises/check_*.sh' -o -name grade_class.sh \) -print)"
  [[ -z "$found" ]] || fail "instructor files in the kit: $found"
  lines="$(mktemp)"
  distinctive_solution_lines >"$lines"
  [[ -s "$lines" ]] || fail "no distinctive solution lines found: the check would test nothing"
  found="$(find "$kit" -type f -exec awk '
    NR == FNR { wanted[$0] = 1; next }
    { line = $0; gsub(/^[ \t]+|[ \t\r]+$/, "", line); if (line in wanted) print FILENAME ": " line }
    ' "$lines" {} +)"
  [[ -z "$found" ]] || { echo "$found" | head -n 40 >&2; fail "solution text in the kit (above)"; }
  while IFS= read -r id; do
    # The task and the stub must not give the answer (hints.md does, on demand, in hint 3).
    if find_snippets "$EXERCISES/$id/forbidden.txt" "$kit/exercises/$id"/{*.h,stub.cpp} >&2; then
      leaks=1
    fi
  done < <(ids)
  ((leaks == 0)) || fail "a forbidden snippet is in the kit's exercises (see above)"
  say "kit: no instructor file, none of $(wc -l <"$lines") distinctive solution lines anywhere," \
      "no forbidden snippet in its exercises' headers and stubs"
  rm -f "$lines"
}

part_kit() {
  local work="${KNOB_KIT_CI_DIR:-}" cleanup=0 t0=$SECONDS targets log status=0
  if [[ -z "$work" ]]; then work="$(mktemp -d "${TMPDIR:-/tmp}/knob-kit.XXXXXX")"; cleanup=1; fi
  mkdir -p "$work"
  if git -C "$KNOB_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    rm -rf "$work/clone" "$work/kit"
    git clone --quiet "$KNOB_ROOT" "$work/clone"
    say "kit: written from a clean clone of $(git -C "$work/clone" rev-parse --short HEAD)"
  else
    say "kit: not a git clone: writing the kit from the tree as it is"
    rm -rf "$work/kit"
    ln -sfn "$KNOB_ROOT" "$work/clone"
  fi
  "$work/clone/scripts/student_kit.sh" "$work/kit" >/dev/null
  check_kit_has_no_answers "$work/kit"

  # Configure the kit as its runner does, then build every grader against the stubs.
  cmake --log-level=WARNING --no-warn-unused-cli -S "$work/kit" -B "$work/kit-build" \
    "$(command -v ninja >/dev/null && echo -GNinja || echo -GUnix Makefiles)" \
    -DCMAKE_BUILD_TYPE=Release -DKNOB_WERROR="${KNOB_WERROR:-OFF}" >/dev/null
  targets="$(ids | tr '\n' ' ')"
  # shellcheck disable=SC2086  # one target per word
  cmake --build "$work/kit-build" -j "$JOBS" --target $targets >"$work/kit-build.log" ||
    { tail -n 60 "$work/kit-build.log" >&2; fail "the kit's graders do not build"; }
  say "kit: configured and built $(ids | wc -l) graders on their own in $((SECONDS - t0))s"
  exercises/check_answers.sh stubs "$work/kit-build" "$work/kit/exercises"

  # The kit's runner: `check` builds and grades one exercise, and reports the failing stub.
  log="$work/runner.log"
  KNOB_EXERCISE_BUILD_DIR="$work/kit-build" "$work/kit/exercises/run" check ex05 >"$log" 2>&1 ||
    status=$?
  if [[ $status -ne 1 ]] || ! grep -q 'TODO(ex05_softmax_backward)' "$log"; then
    cat "$log" >&2
    fail "the kit's 'exercises/run check ex05' did not report the stub's TODO (exit $status)"
  fi
  KNOB_EXERCISE_BUILD_DIR="$work/kit-build" "$work/kit/exercises/run" list | tail -n 1
  ((cleanup == 0)) || rm -rf "$work"
  say "kit: done in $((SECONDS - t0))s"
}

main() {
  local parts=("$@") part
  if [[ ${#parts[@]} -eq 0 ]]; then parts=(formulas answers grading kit); fi
  for part in "${parts[@]}"; do
    case "$part" in
      formulas | answers | grading | kit) "part_$part" ;;
      *) echo "usage: $0 [formulas] [answers] [grading] [kit]" >&2; exit 2 ;;
    esac
  done
}

main "$@"
