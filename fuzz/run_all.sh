#!/usr/bin/env bash
# Run every libFuzzer target of a fuzz build for SECONDS each, under ASan + UBSan, starting from
# the committed seed corpus (fuzz/corpus/<target>/, never modified: new inputs go to a scratch
# directory). Runs KNOB_FUZZ_JOBS targets at a time (default 1; each target is one process on
# one core). Prints the executions per target; exits non-zero if any target has a finding,
# leaving the crashing input in BUILD_DIR/fuzz-findings/.
#
#   fuzz/run_all.sh BUILD_DIR SECONDS
#   KNOB_FUZZ_JOBS=2 fuzz/run_all.sh BUILD_DIR SECONDS   (two targets at a time)
#
# BUILD_DIR is a build configured with -DKNOB_FUZZ=ON (see cmake/Sanitizers.cmake). A finding is
# a crash, a sanitizer report, a leak, an input that runs longer than 25 s, or a single
# allocation of MALLOC_LIMIT_MB or more: the inputs are at most 1 MiB, so nothing knob does
# with them can justify a single allocation of tens of megabytes (a header claiming 10^12
# elements must be rejected, not attempted).
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
# The file readers get inputs up to 1 MiB: a nesting depth of 10^5, a header of 10^4 entries
# or a name of a megabyte only fit in inputs that long (the seed corpus has such files, so the
# fuzzer starts from them rather than growing inputs byte by byte).
targets=(
  "fuzz_safetensors 1048576 safetensors.dict"
  "fuzz_config      1048576 config.dict"
  "fuzz_state_dict  1048576 state_dict.dict"
  "fuzz_adapter     1048576 adapter.dict"
  "fuzz_patterns    16384   patterns.dict"
  "fuzz_cli         1024    cli.dict         -close_fd_mask=3"
  "fuzz_commands    4096    commands.dict    -close_fd_mask=3"
)

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

jobs_max="${KNOB_FUZZ_JOBS:-1}"

# Fuzz one target (an entry of `targets`). Its log goes to $scratch/NAME.log; a finding leaves
# $scratch/NAME.finding behind.
run_target() {
  local name max_len dict extra
  read -r name max_len dict extra <<<"$1"
  local binary="$build/fuzz/$name"
  local corpus="$scratch/$name"
  mkdir -p "$corpus" "$scratch/artifacts-$name"
  # shellcheck disable=SC2086  # $extra is a (possibly empty) list of flags
  if ! "$binary" "$corpus" "$here/corpus/$name" \
      -max_total_time="$seconds" -max_len="$max_len" -dict="$here/dict/$dict" \
      -rss_limit_mb="$RSS_LIMIT_MB" -malloc_limit_mb="$MALLOC_LIMIT_MB" -timeout=25 \
      -print_final_stats=1 -artifact_prefix="$scratch/artifacts-$name/" $extra \
      >"$scratch/$name.log" 2>&1; then
    touch "$scratch/$name.finding"
  fi
}

names=()
for entry in "${targets[@]}"; do
  read -r name _ <<<"$entry"
  if [[ ! -x "$build/fuzz/$name" ]]; then
    echo "$name: not built ($build/fuzz/$name missing; configure with -DKNOB_FUZZ=ON)" >&2
    exit 1
  fi
  names+=("$name")
done
for entry in "${targets[@]}"; do
  while (( $(jobs -rp | wc -l) >= jobs_max )); do wait -n || true; done
  run_target "$entry" &
done
wait

printf '%-18s %12s %10s %8s %8s\n' target executions "exec/s" corpus "rss MB"
found=0
for name in "${names[@]}"; do
  log="$scratch/$name.log"
  if [[ -e "$scratch/$name.finding" ]]; then
    echo "==> $name: FINDING after $(grep -c . "$log") log lines; the end of its log:" >&2
    tail -n 60 "$log" >&2
    mkdir -p "$findings"
    cp -r "$scratch/artifacts-$name/." "$findings/" 2>/dev/null || true
    echo "==> crashing input(s) copied to $findings; reproduce with: $build/fuzz/$name <file>" >&2
    found=1
    continue
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rss="$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)"
  units="$(find "$scratch/$name" -type f | wc -l)"
  seeds="$(find "$here/corpus/$name" -type f | wc -l)"
  printf '%-18s %12s %10s %8s %8s\n' "$name" "${runs:-?}" "$(( ${runs:-0} / (seconds > 0 ? seconds : 1) ))" \
    "$((units + seeds))" "${rss:-?}"
done
if (( found )); then exit 1; fi
echo "all fuzz targets ran ${seconds}s each without a finding"
