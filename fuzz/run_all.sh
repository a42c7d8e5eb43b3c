#!/usr/bin/env bash
# Run every libFuzzer target of a fuzz build for SECONDS each, under ASan + UBSan, starting from
# the committed seed corpus (fuzz/corpus/<target>/, never modified: new inputs go to a scratch
# directory). Prints the executions per target; exits non-zero at the first finding, leaving the
# crashing input in BUILD_DIR/fuzz-findings/.
#
#   fuzz/run_all.sh BUILD_DIR SECONDS
#
# BUILD_DIR is a build configured with -DKNOB_FUZZ=ON (see cmake/Sanitizers.cmake). A finding is
# a crash, a sanitizer report, a leak, an input that runs longer than 25 s, or a single
# allocation of MALLOC_LIMIT_MB or more: the inputs are at most a few KB, so nothing knob does
# with them can justify tens of megabytes (a header claiming 10^12 elements must be rejected,
# not attempted).
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR SECONDS" >&2
  exit 2
fi
build="$(cd "$1" && pwd)"
seconds="$2"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
findings="$build/fuzz-findings"
scratch="$(mktemp -d "${TMPDIR:-/tmp}/knob-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

MALLOC_LIMIT_MB="${MALLOC_LIMIT_MB:-32}"
RSS_LIMIT_MB=2048

# target  max input length  dictionary       extra libFuzzer flags
targets=(
  "fuzz_safetensors 16384 safetensors.dict"
  "fuzz_config      4096  config.dict"
  "fuzz_state_dict  16384 state_dict.dict"
  "fuzz_adapter     16384 adapter.dict"
  "fuzz_cli         1024  cli.dict         -close_fd_mask=3"
)

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

printf '%-18s %12s %10s %8s %8s\n' target executions "exec/s" corpus "rss MB"
for entry in "${targets[@]}"; do
  read -r name max_len dict extra <<<"$entry"
  binary="$build/fuzz/$name"
  if [[ ! -x "$binary" ]]; then
    echo "$name: not built ($binary missing; configure with -DKNOB_FUZZ=ON)" >&2
    exit 1
  fi
  corpus="$scratch/$name"
  mkdir -p "$corpus" "$scratch/artifacts-$name"
  log="$scratch/$name.log"
  # shellcheck disable=SC2086  # $extra is a (possibly empty) list of flags
  if ! "$binary" "$corpus" "$here/corpus/$name" \
      -max_total_time="$seconds" -max_len="$max_len" -dict="$here/dict/$dict" \
      -rss_limit_mb="$RSS_LIMIT_MB" -malloc_limit_mb="$MALLOC_LIMIT_MB" -timeout=25 \
      -print_final_stats=1 -artifact_prefix="$scratch/artifacts-$name/" $extra \
      >"$log" 2>&1; then
    echo "==> $name: FINDING after $(grep -c . "$log") log lines; the end of its log:" >&2
    tail -n 60 "$log" >&2
    mkdir -p "$findings"
    cp -r "$scratch/artifacts-$name/." "$findings/" 2>/dev/null || true
    echo "==> crashing input(s) copied to $findings; reproduce with: $binary <file>" >&2
    exit 1
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)"
  units="$(find "$corpus" -type f | wc -l)"
  seeds="$(find "$here/corpus/$name" -type f | wc -l)"
  printf '%-18s %12s %10s %8s %8s\n' "$name" "${runs:-?}" "$(( ${runs:-0} / (seconds > 0 ? seconds : 1) ))" \
    "$((units + seeds))" "${rss:-?}"
done
echo "all fuzz targets ran ${seconds}s each without a finding"
