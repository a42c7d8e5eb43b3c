#!/usr/bin/env bash
# Build knob (installing missing Debian packages first, see scripts/common.sh) and run its main
# program: `knob demo` (the capstone) once it exists, until then `knob tour` (a short tour of the
# autograd). Arguments are passed on, e.g. `scripts/demo.sh --seed 3`.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

knob_setup

knob="$KNOB_BUILD_DIR/tools/knob/knob"
if [[ ! -x "$knob" ]]; then
  knob_log "the build did not produce $knob"
  exit 1
fi
if "$knob" demo --help >/dev/null 2>&1; then
  exec "$knob" demo "$@"
else
  exec "$knob" tour "$@"
fi
