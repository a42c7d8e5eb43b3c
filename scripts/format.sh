#!/usr/bin/env bash
# Layout of the C++ sources: clang-format 14 with the repository's .clang-format.
#
#   scripts/format.sh            rewrite every tracked .cpp and .h file in place
#   scripts/format.sh --check    change nothing; list the files whose layout differs and exit 1
#                                if there is any (CI's stage `format`)
#
# Installs clang-format-14 with apt when run as root and it is missing; otherwise prints the
# command. Only files tracked by git are touched (build trees and kits are left alone).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FORMAT=clang-format-14

need_clang_format() {
  command -v "$FORMAT" >/dev/null 2>&1 && return 0
  if [[ "$(id -u)" -eq 0 ]]; then
    knob_log "installing $FORMAT"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$FORMAT"
  else
    echo "knob: $FORMAT is missing; install it with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends $FORMAT" >&2
    exit 1
  fi
}

mode="${1:-fix}"
case "$mode" in
  fix | --check) ;;
  *) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
need_clang_format
cd "$KNOB_ROOT"
mapfile -t files < <(git ls-files -- '*.cpp' '*.h')
[[ ${#files[@]} -gt 0 ]] || { echo "format: no tracked C++ file (not a git checkout?)" >&2; exit 1; }

if [[ "$mode" == fix ]]; then
  "$FORMAT" -i "${files[@]}"
  echo "format: ${#files[@]} files laid out by $FORMAT"
  exit 0
fi
# --dry-run prints one "warning: code should be clang-formatted" per difference, file first.
drift="$("$FORMAT" --dry-run "${files[@]}" 2>&1 | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: warning: .*/\1/p' | sort -u)"
if [[ -n "$drift" ]]; then
  echo "format: these files differ from $FORMAT's layout (run scripts/format.sh):" >&2
  printf '  %s\n' $drift >&2
  exit 1
fi
echo "format: all ${#files[@]} C++ files match $FORMAT's layout"
