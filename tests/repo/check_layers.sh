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
# Usage: check_layers.sh REPOSITORY_ROOT. Prints every include that looks up or sideways and
# exits 1 if there is one. Needs only bash, grep and git.
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
  [[ -n "${allowed[$from]:-}" ]] || continue
  checked=$((checked + 1))
  while IFS= read -r target; do
    to="$(folder_of "$target")"
    if [[ " ${allowed[$from]} " != *" $to "* ]]; then
      echo "check_layers: $file includes \"$target\": $from may include only ${allowed[$from]}"
      bad=1
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([a-z0-9_]*\/[^"]*\)".*/\1/p' "$file")
done < <(git ls-files -- '*.h' '*.cpp')

if [[ "$bad" -ne 0 ]]; then exit 1; fi
echo "check_layers: $checked files, every include looks down"
