# shellcheck shell=bash
# Shared set-up for scripts/demo.sh, scripts/test.sh and .ci/run. Source it, then call knob_setup.
#
# knob_setup does, in order (every step is idempotent, so running it twice is cheap):
#   1. checks that the Debian packages knob needs are installed; installs the missing ones with
#      apt-get when running as root, otherwise prints the exact apt-get command and exits 1;
#   2. configures a Release build with CMake (Ninja if it is installed, else Makefiles);
#   3. builds it with one job per CPU.
#
# Environment knobs (all optional):
#   KNOB_BUILD_DIR    build directory (default: <repo>/build; a relative path is taken from the
#                     directory you ran the script in)
#   KNOB_BUILD_TYPE   CMake build type (default: Release)
#   KNOB_WITH_DOCS=1  also require doxygen, graphviz and libjs-mathjax (for the `docs` target)
#   KNOB_WERROR=ON    build with -Werror (CI sets this)
#   KNOB_CMAKE_ARGS   extra arguments for the configure step, split on spaces
#   KNOB_JOBS         parallel build jobs (default: number of CPUs)

# The repository root, wherever the clone is and wherever the script was called from.
KNOB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "${KNOB_BUILD_DIR:-}" in
  "") KNOB_BUILD_DIR="$KNOB_ROOT/build" ;;
  /*) ;;
  *) KNOB_BUILD_DIR="$PWD/$KNOB_BUILD_DIR" ;;
esac
export KNOB_ROOT KNOB_BUILD_DIR

knob_log() { printf '%s\n' "[knob] $*" >&2; }

# The Debian packages knob needs to build and test. Tools found on PATH count as present even if
# they were not installed with apt (a newer cmake from elsewhere, clang instead of g++).
knob_required_packages() {
  local pkgs=()
  if ! command -v cmake >/dev/null 2>&1; then pkgs+=(cmake); fi
  if ! { command -v c++ >/dev/null 2>&1 || command -v g++ >/dev/null 2>&1; } ||
     ! { command -v make >/dev/null 2>&1 || command -v ninja >/dev/null 2>&1; }; then
    pkgs+=(build-essential)
  fi
  pkgs+=(libxsimd-dev libfmt-dev libgtest-dev nlohmann-json3-dev libcli11-dev libre2-dev)
  pkgs+=(python3-numpy)  # tools/python and its tests (which report themselves skipped without it)
  if [[ "${KNOB_WITH_DOCS:-0}" == 1 ]]; then pkgs+=(doxygen graphviz libjs-mathjax); fi
  printf '%s\n' "${pkgs[@]}"
}

knob_package_installed() {
  local status
  status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" || return 1
  [[ "$status" == *" ok installed" ]]
}

knob_check_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    knob_log "not a Debian/Ubuntu system: skipping the package check; CMake will say what is missing"
    knob_log "(knob needs CMake >= 3.25, a C++20 compiler, xsimd, fmt, GoogleTest, nlohmann-json and RE2)"
    return 0
  fi
  local missing=() pkg
  while IFS= read -r pkg; do
    knob_package_installed "$pkg" || missing+=("$pkg")
  done < <(knob_required_packages)
  [[ ${#missing[@]} -eq 0 ]] && return 0

  if [[ "$(id -u)" -eq 0 ]]; then
    knob_log "installing missing packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    {
      echo "knob: missing packages: ${missing[*]}"
      echo "Install them with:"
      echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
      echo "then run this script again."
    } >&2
    exit 1
  fi
}

# CMake >= 3.25 is needed; older distributions (Ubuntu 22.04) ship an older one with apt.
knob_check_cmake_version() {
  local version
  version="$(cmake --version | head -n 1 | awk '{print $3}')"
  if [[ "$(printf '%s\n%s\n' 3.25 "$version" | sort -V | head -n 1)" != 3.25 ]]; then
    knob_log "CMake $version is too old: knob needs 3.25 or newer"
    knob_log "(e.g. 'python3 -m pip install --user cmake', or Kitware's APT repository)"
    exit 1
  fi
}

knob_configure() {
  local args=(-S "$KNOB_ROOT" -B "$KNOB_BUILD_DIR" -DCMAKE_BUILD_TYPE="${KNOB_BUILD_TYPE:-Release}")
  # Choose a generator only for a new build directory: CMake refuses to switch it later.
  if [[ ! -f "$KNOB_BUILD_DIR/CMakeCache.txt" ]] && command -v ninja >/dev/null 2>&1; then
    args+=(-G Ninja)
  fi
  if [[ -n "${KNOB_WERROR:-}" ]]; then args+=(-DKNOB_WERROR="$KNOB_WERROR"); fi
  if [[ -n "${KNOB_CMAKE_ARGS:-}" ]]; then
    local extra
    read -r -a extra <<<"$KNOB_CMAKE_ARGS"
    args+=("${extra[@]}")
  fi
  knob_log "configuring $KNOB_BUILD_DIR (${KNOB_BUILD_TYPE:-Release})"
  # --log-level=WARNING keeps the configure step quiet but still shows warnings and errors.
  cmake --log-level=WARNING "${args[@]}"
}

knob_build() {
  local jobs="${KNOB_JOBS:-$(nproc 2>/dev/null || echo 2)}"
  knob_log "building with $jobs jobs"
  cmake --build "$KNOB_BUILD_DIR" -j "$jobs"
}

knob_setup() {
  knob_check_packages
  knob_check_cmake_version
  knob_configure
  knob_build
}
