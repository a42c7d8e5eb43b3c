#!/usr/bin/env bash
# Every repository path that the documentation or a comment cites must exist in the repository.
#
# Usage: tests/repo/check_citations.sh [REPO_ROOT]   (default: the repository holding this script)
#
# Scans the tracked Markdown files (all their text) and the comments of the tracked sources
# (C++ `//` and `/* */`, `#` comments of shell, Python, CMake and Doxyfile, Python docstrings),
# and prints `file:line: ...` for every citation of a path that is not in the repository. Exit
# status 0 when there is none, 1 otherwise, 2 on a usage error. The rules (what counts as a
# citation, what does not) are at the top of tests/repo/citations.awk.
#
# "In the repository" means tracked by git (or, outside a git checkout, present in the source
# tree): a build directory or a file you created but did not add does not count.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${1:-$here/../..}" && pwd)"
cd "$root"

tracked="$(mktemp)"
trap 'rm -f "$tracked"' EXIT

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked files that are still on disk (a deletion not yet committed no longer counts).
  git ls-files --cached --deleted | sort | uniq -u >"$tracked"
else
  find . -path ./.git -prune -o -path './build*' -prune -o -type f -print | sed 's#^\./##' \
    >"$tracked"
fi

awk -v tracked_list="$tracked" -f "$here/citations.awk"
