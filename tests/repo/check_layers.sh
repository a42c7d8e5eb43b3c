#!/usr/bin/env bash
# The include graph only looks down. Each folder below may include (with #include "dir/...")
# only itself and the folders listed after it on its line; tools/, tests/, the lessons, the
# exercises and the benchmarks sit on top and may include anything.
#
#   folder        may also include
#   ia3           nn/train nn/io nn/optim nn/layers nn/base autograd
#   nn/train      nn/io nn/optim nn/layers nn/base autograd
#   nn/io         nn/optim nn/layers nn/base autograd
#   nn/optim      nn/layers nn/base autograd
#   nn/layers     nn/base autograd
#   nn/base       autograd
#   tasks         autograd
#   autograd      (itself only; its kernels/ and ops/ are part of it)
#
# It also checks that no library file sits outside these folders (a new room under nn/ must be
# given its line here) and that every folder is on the map of docs/design.md.
#
# Usage: check_layers.sh REPOSITORY_ROOT. Prints every include that looks up or sideways, every
# file outside the rooms and every room missing from the map, and exits 1 if there is one.
# Needs only bash, grep and git.
set -euo pipefail
cd "$1"

declare -A allowed=(
  [ia3]="ia3 nn/train nn/io nn/optim nn/layers nn/base autograd"
  [nn/train]="nn/train nn/io nn/optim nn/layers nn/base autograd"
  [nn/io]="nn/io nn/optim nn/layers nn/base autograd"
  [nn/optim]="nn/optim nn/layers nn/base autograd"
  [nn/layers]="nn/layers nn/base autograd"
  [nn/base]="nn/base autograd"
  [tasks]="tasks autograd"
  [autograd]="autograd"
)

# The folder a path belongs to: nn/<room> inside nn/, else its first component.
folder_of() {
  case "$1" in
    nn/*/*) echo "${1%%/*}/$(cut -d/ -f2 <<<"$1")" ;;
    *) echo "${1%%/*}" ;;
  esac
}

bad=0
checked=0
while IFS= read -r file; do
  from="$(folder_of "$file")"
  if [[ -z "${allowed[$from]:-}" ]]; then
    if [[ "$file" == nn/* ]]; then
      echo "check_layers: $file is in no room of nn/ (give $from a line in check_layers.sh)"
      bad=1
    fi
    continue
  fi
  checked=$((checked + 1))
  while IFS= read -r target; do
    to="$(folder_of "$target")"
    if [[ " ${allowed[$from]} " != *" $to "* ]]; then
      echo "check_layers: $file includes \"$target\": $from may include only ${allowed[$from]}"
      bad=1
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z0-9_]*\/[^"]*\)".*/\1/p' "$file")
done < <(git ls-files -- '*.h' '*.cpp')

# The map is the code block under "## The map" in docs/design.md; a room of nn/ appears there
# as "<room>/" on an indented line, the other folders by their full path.
map="$(sed -n '/^## The map/,/^## /p' docs/design.md)"
for room in "${!allowed[@]}"; do
  case "$room" in
    nn/*) pattern="^[[:space:]|]*${room#nn/}/[[:space:]]" ;;
    *) pattern="^[[:space:]|]*${room}/[[:space:]]" ;;
  esac
  if ! grep -q "$pattern" <<<"$map"; then
    echo "check_layers: $room is not on the map of docs/design.md"
    bad=1
  fi
done

if [[ "$bad" -ne 0 ]]; then exit 1; fi
echo "check_layers: $checked files, every include looks down, every room on the map"
