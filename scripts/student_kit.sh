#!/usr/bin/env bash
# Write the student kit: a stand-alone tree with knob's library, the lessons, the exercises'
# headers, stubs, graders and hints, and the exercise runner, and no solution.
#
# Usage: scripts/student_kit.sh OUT [--tar]
#   OUT    the folder to create (it must not exist yet); with --tar also OUT.tar.gz
#
# The kit builds and grades on its own (its own top-level CMakeLists.txt, from
# exercises/kit/): students run `exercises/run next` in it. What is left out: every
# exercises/*/solution.cpp, exercises/*/wrong/, exercises/*/forbidden.txt, the instructors' files
# (exercises/INSTRUCTORS.md, the batch grader and the CI checks), the command-line program, the
# unit tests and the benchmarks. In the Markdown files it copies, the blocks between
# `<!-- instructors only: begin -->` and `<!-- instructors only: end -->` lines are left out (they
# point at those files), and every relative Markdown link must lead to a file of the kit. The kit
# is written into a temporary folder beside OUT and moved into place at the end, so a failed run
# leaves nothing behind.
#
# Needs only coreutils, tar and (when run in a git clone) git; building the kit needs what
# scripts/common.sh installs, which the kit's exercises/run checks for on its first build.
set -euo pipefail

KNOB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

usage() { sed -n '5,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# Library folders and files copied as they are (the lessons link to docs/ and the sources).
KIT_PATHS=(autograd nn tasks ia3 tutorials docs scripts/common.sh exercises .clang-format LICENSE
           cmake/KnobDependencies.cmake cmake/FindKnobRE2.cmake)

# Files of exercises/ that never go into a kit (answers, and tools for instructors and CI).
is_instructor_only() {
  case "$1" in
    exercises/*/solution.cpp | exercises/*/wrong/* | exercises/*/forbidden.txt) return 0 ;;
    exercises/INSTRUCTORS.md | exercises/grade_class.sh | exercises/check_*.sh) return 0 ;;
    exercises/kit/*) return 0 ;;  # placed at the kit's root instead
  esac
  return 1
}

# The files to copy, relative to the repository root: in a git clone the files git knows or
# would add (so that ignored build folders stay out), every file otherwise.
list_files() {
  if command -v git >/dev/null 2>&1 && git -C "$KNOB_ROOT" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$KNOB_ROOT" ls-files --cached --others --exclude-standard -- "${KIT_PATHS[@]}"
  else
    (cd "$KNOB_ROOT" && for path in "${KIT_PATHS[@]}"; do
      if [[ -e "$path" ]]; then find "$path" -type f ! -path '*/build*'; fi
    done)
  fi
}

# Copy one Markdown file without its instructors-only blocks (the marker lines included).
copy_markdown_for_students() {
  local from="$1" to="$2"
  sed '/^<!-- instructors only: begin/,/^<!-- instructors only: end -->$/d' "$from" >"$to"
  touch -r "$from" "$to"
}

write_kit() {
  local staging="$1" file count=0
  while IFS= read -r file; do
    if is_instructor_only "$file" || [[ ! -f "$KNOB_ROOT/$file" ]]; then continue; fi
    mkdir -p "$staging/$(dirname "$file")"
    if [[ "$file" == *.md ]]; then
      copy_markdown_for_students "$KNOB_ROOT/$file" "$staging/$file"
    else
      cp -p "$KNOB_ROOT/$file" "$staging/$file"
    fi
    count=$((count + 1))
  done < <(list_files)
  cp "$KNOB_ROOT/exercises/kit/CMakeLists.txt" "$staging/CMakeLists.txt"
  cp "$KNOB_ROOT/exercises/kit/README.md" "$staging/README.md"
  chmod +x "$staging/exercises/run"
  echo "$count files copied" >&2
}

# Refuse to hand out a kit with an answer in it.
check_no_answers() {
  local staging="$1" found
  found="$(find "$staging" \( -name solution.cpp -o -name forbidden.txt -o -path '*/wrong/*' \
           -o -name INSTRUCTORS.md \) -print)"
  if [[ -n "$found" ]]; then
    echo "student_kit: instructor files ended up in the kit:" >&2
    echo "$found" >&2
    return 1
  fi
}

# Refuse to hand out a kit whose Markdown links lead nowhere: every relative link target
# `](path)` or `](path#anchor)` of a kit Markdown file must exist in the kit. (Targets with a
# space are C++ lambdas in code blocks, `[&](const Tensor& g)`, not links.)
check_links() {
  local staging="$1" file target dead=0
  while IFS= read -r file; do
    while IFS= read -r target; do
      target="${target%%#*}"
      case "$target" in "" | *" "* | http://* | https://* | mailto:*) continue ;; esac
      if [[ ! -e "$(dirname "$file")/$target" ]]; then
        echo "student_kit: ${file#"$staging"/} links to $target, which is not in the kit" >&2
        dead=1
      fi
    done < <(grep -o '](\([^)]*\))' "$file" | sed 's/^](//; s/)$//')
  done < <(find "$staging" -name '*.md' -type f)
  return "$dead"
}

main() {
  local out="" tar=0 arg
  for arg in "$@"; do
    case "$arg" in
      --tar) tar=1 ;;
      -h | --help) usage ;;
      -*) echo "student_kit: unknown option $arg" >&2; usage ;;
      *) [[ -z "$out" ]] || usage; out="$arg" ;;
    esac
  done
  [[ -n "$out" ]] || usage
  out="$(cd "$(dirname "$out")" 2>/dev/null && pwd)/$(basename "$out")" ||
    { echo "student_kit: the parent folder of $out does not exist" >&2; exit 1; }
  if [[ -e "$out" ]]; then
    echo "student_kit: $out exists; choose a new folder (nothing was written)" >&2
    exit 1
  fi

  STAGING="$(mktemp -d "$(dirname "$out")/.student-kit.XXXXXX")"
  trap 'rm -rf "$STAGING" "$STAGING.tar.gz"' EXIT
  write_kit "$STAGING"
  check_no_answers "$STAGING"
  check_links "$STAGING"
  if ((tar)); then
    tar -C "$STAGING" --transform "s,^\.,$(basename "$out")," -czf "$STAGING.tar.gz" .
    mv "$STAGING.tar.gz" "$out.tar.gz"
  fi
  chmod 755 "$STAGING"
  mv "$STAGING" "$out"
  trap - EXIT
  echo "student kit written to $out$( ((tar)) && echo " and $out.tar.gz")"
  echo "students start with: cd $out && exercises/run next"
}

main "$@"
