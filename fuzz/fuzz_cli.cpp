// Fuzz target: the `knob` command line, knob::cli::run_cli().
//
// The input is the argument list, one argument per line ("grads\n--model\nmodel\n..."). The
// target runs in a private scratch directory holding small valid files (see fixtures.h:
// `model/`, `batch.safetensors`, `adapter.safetensors`, `config.json`, `garbage.safetensors`,
// `empty`), so commands that read and write files really do. Arguments that could reach
// outside that directory (an absolute path, "..") are skipped.
//
// Findings: run_cli() returning kExitInternalError (an exception that is not a knob::Error),
// a crash, a sanitizer report, a leak or an oversized allocation. Any other exit status, 0 or
// not, is an expected outcome.
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cli_main.h"
#include "fixtures.h"

namespace {

// Subcommands that compute for more than a moment (training, evaluating, touring, checking
// every op). For these the fuzzer exercises the option parsing only: "--help" is appended,
// which CLI11 handles after converting and checking every option but before running the
// command. Keep this list in step with tools/knob/cli_main.cpp's registration list.
constexpr std::array<std::string_view, 7> kLongRunningCommands = {
    "tour", "gradcheck", "train", "eval", "finetune", "demo", "bench"};

constexpr std::size_t kMaxArguments = 64;

std::filesystem::path scratch_dir;

void remove_scratch_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(scratch_dir, ignored);
}

bool stays_in_scratch_dir(std::string_view arg) {
  return !arg.starts_with('/') && !arg.starts_with('~') && arg.find("..") == std::string_view::npos;
}

bool is_long_running(std::string_view arg) {
  for (std::string_view name : kLongRunningCommands) {
    if (arg == name) return true;
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "knob-fuzz-cli.XXXXXX").string();
  if (::mkdtemp(dir_template.data()) == nullptr) {
    std::perror("fuzz_cli: mkdtemp");
    std::abort();
  }
  scratch_dir = dir_template;
  std::atexit(remove_scratch_dir);
  knob::fuzz::write_cli_fixtures(scratch_dir.string());
  std::filesystem::current_path(scratch_dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args = {"knob"};
  bool long_running = false;
  std::size_t start = 0;
  while (start <= input.size() && args.size() <= kMaxArguments) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view arg = input.substr(start, end - start);
    arg = arg.substr(0, arg.find('\0'));        // what a C string (argv) would hold
    if (!stays_in_scratch_dir(arg)) return -1;  // not worth keeping in the corpus
    long_running = long_running || is_long_running(arg);
    args.emplace_back(arg);
    start = end + 1;
  }
  if (input.empty()) args.pop_back();  // no input: no arguments at all ("knob")
  if (long_running) args.emplace_back("--help");

  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int status = knob::cli::run_cli(static_cast<int>(args.size()), argv.data());
  if (status == knob::cli::kExitInternalError) {
    std::fprintf(stderr, "fuzz_cli: run_cli reported an internal error (see the line above)\n");
    std::abort();
  }
  return 0;
}
