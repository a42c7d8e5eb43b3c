# shellcheck shell=bash
# CI stages for reliability: the whole test suite in a Debug build with assertions under ASan +
# UBSan, and every fuzz target for a minute, both from one clang build tree.
# Sourced by .ci/run after scripts/common.sh (it uses KNOB_ROOT, knob_log, knob_check_packages,
# knob_check_cmake_version); each stage_* function is one stage.
#
# Environment knobs (all optional):
#   KNOB_ASAN_BUILD_DIR   the instrumented clang tree (default <repo>/build-asan)
#   KNOB_FUZZ_SECONDS     seconds per fuzz target (default 60)
#   KNOB_JOBS             parallel build and test jobs (default 2)

# Configure (Ninja for a new directory when available) and build one extra build tree.
# Usage: reliability_build DIR CMAKE_ARGS...
reliability_build() {
  local dir="$1"
  shift
  local args=(-S "$KNOB_ROOT" -B "$dir" "$@")
  if [[ ! -f "$dir/CMakeCache.txt" ]] && command -v ninja >/dev/null 2>&1; then
    args+=(-G Ninja)
  fi
  knob_log "configuring $dir"
  cmake --log-level=WARNING "${args[@]}"
  knob_log "building $dir with ${KNOB_JOBS:-2} jobs"
  cmake --build "$dir" -j "${KNOB_JOBS:-2}"
}

# Run the CTest suite of a build tree, all but the lessons' full runs (label lesson_full: the
# same code as their quick runs, which stay in, only trained for longer; under the sanitizers
# they would take most of the stage); prints CTest's summary.
reliability_ctest() {
  ctest --test-dir "$1" --output-on-failure --no-tests=error -j "${KNOB_JOBS:-2}" -LE lesson_full
}

# One clang-14 build tree serves both stages below: the suite and the libFuzzer targets,
# all built with
#   - AddressSanitizer + UndefinedBehaviorSanitizer (-fsanitize=address,undefined; the first
#     finding aborts the process, so zero findings means every test passes; leaks are findings);
#   - assert() on (-UNDEBUG) and the standard library's own checks (-D_GLIBCXX_ASSERTIONS:
#     bounds-checked operator[], front() of an empty vector, ...);
#   - libFuzzer's coverage instrumentation (-fsanitize=fuzzer-no-link; only the fuzz targets
#     link libFuzzer itself).
# -O1 keeps the numerical tests and the fuzzers fast enough under instrumentation; -g1 (line
# tables, no local variables) gives reports with file:line at a fraction of -g's build time.
# Warnings are enforced by the GCC builds; clang's extra ones must not stop these stages.
# Sets RELIABILITY_TREE to the tree's directory.
reliability_instrumented_tree() {
  local dir="${KNOB_ASAN_BUILD_DIR:-$KNOB_ROOT/build-asan}"
  knob_check_packages
  knob_check_cmake_version
  reliability_need_libfuzzer
  reliability_build "$dir" -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
    "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1 -UNDEBUG -D_GLIBCXX_ASSERTIONS" \
    -DKNOB_SANITIZE=address,undefined -DKNOB_FUZZ=ON -DKNOB_WERROR=OFF
  RELIABILITY_TREE="$dir"
}

# Does clang++-14 link a libFuzzer program? (It needs the compiler-rt runtime.)
reliability_have_libfuzzer() {
  local probe
  probe="$(mktemp -d "${TMPDIR:-/tmp}/knob-libfuzzer.XXXXXX")"
  printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
    'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' >"$probe/p.cpp"
  local ok=0
  clang++-14 -fsanitize=fuzzer,address "$probe/p.cpp" -o "$probe/p" >/dev/null 2>&1 || ok=1
  rm -rf "$probe"
  return "$ok"
}

# Install clang-14 and its libFuzzer runtime when missing (as root), else print the command.
reliability_need_libfuzzer() {
  if command -v clang++-14 >/dev/null 2>&1 && reliability_have_libfuzzer; then return 0; fi
  if [[ "$(id -u)" -eq 0 ]]; then
    knob_log "installing clang-14 and its libFuzzer runtime"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      clang-14 libclang-rt-14-dev
  else
    echo "knob: the sanitizer and fuzz stages need clang-14 with libFuzzer; install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends clang-14 libclang-rt-14-dev" >&2
    return 1
  fi
}

# The suite (without the lessons' full runs) in the instrumented tree.
stage_sanitizers() {
  reliability_instrumented_tree
  ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    reliability_ctest "$RELIABILITY_TREE"
}

# Every libFuzzer target for KNOB_FUZZ_SECONDS from the committed seed corpus, KNOB_JOBS targets
# at a time (see fuzz/run_all.sh for what counts as a finding). Reuses the instrumented tree.
stage_fuzz() {
  reliability_instrumented_tree
  KNOB_FUZZ_JOBS="${KNOB_JOBS:-2}" "$KNOB_ROOT/fuzz/run_all.sh" "$RELIABILITY_TREE" \
    "${KNOB_FUZZ_SECONDS:-60}"
}
