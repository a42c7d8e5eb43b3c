#!/usr/bin/env bash
# Build knob (installing missing Debian packages first, see scripts/common.sh) and run every test
# with CTest. The last lines are CTest's summary, e.g. "100% tests passed, 0 tests failed out of N".
# Extra arguments go to ctest, e.g. `scripts/test.sh -R gradcheck` or `scripts/test.sh -L kernels`.
# Exits non-zero if any test fails (or if no test was found).
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

knob_setup

exec ctest --test-dir "$KNOB_BUILD_DIR" --output-on-failure --no-tests=error -j "${KNOB_TEST_JOBS:-2}" "$@"
