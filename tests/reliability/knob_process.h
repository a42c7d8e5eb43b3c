/// @file
/// @brief Running the real knob program (KNOB_PROGRAM) from a test: its arguments, extra
/// environment variables, a file-size limit, and what it printed and how it ended.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

extern char** environ;

namespace knob::reliability {

/// @brief How a knob process ended and what it printed.
struct KnobRun {
  bool exited = false;  ///< false: killed by a signal
  int status = -1;      ///< exit status, or the signal number
  std::string out;      ///< standard output
  std::string err;      ///< standard error
};

/// @brief What a knob process gets besides its arguments.
struct KnobOptions {
  std::vector<std::string> env;           ///< extra "NAME=value" entries
  std::int64_t file_size_limit = -1;      ///< RLIMIT_FSIZE in bytes (-1: unchanged)
  std::int64_t address_space_limit = -1;  ///< RLIMIT_AS in bytes (-1: unchanged)
};

/// @brief config.json of a model for the digit tasks (19 tokens, 8 digits) small enough for many
/// quick training runs, even under the sanitizers: one block of width 16.
inline constexpr const char* kSmallTrainingConfig =
    R"({"vocab_size": 19, "d_model": 16, "n_heads": 2, "n_layers": 1, "d_ff": 32,
        "max_seq_len": 17, "activation": "gelu", "layer_norm_eps": 1e-5})";

/// @brief The whole content of a file ("" when it cannot be read).
inline std::string file_content(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// @brief Start `knob args...` with standard output and error going to `<log_prefix>.out` and
/// `<log_prefix>.err`. @return the child's pid (-1 when it cannot start).
inline pid_t start_knob(const std::vector<std::string>& args, const std::string& log_prefix,
                        const KnobOptions& options = {}) {
#ifndef KNOB_PROGRAM
  (void)args, (void)log_prefix, (void)options;
  return -1;
#else
  // Everything the child needs is built before fork(): it then only calls async-signal-safe
  // functions.
  std::vector<std::string> storage = {KNOB_PROGRAM};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage(options.env);
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  for (std::string& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string out_path = log_prefix + ".out";
  const std::string err_path = log_prefix + ".err";
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int in = ::open("/dev/null", O_RDONLY);
  const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (in < 0 || out < 0 || err < 0) ::_exit(126);
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  for (const auto& [resource, bytes] : {std::pair{RLIMIT_FSIZE, options.file_size_limit},
                                        std::pair{RLIMIT_AS, options.address_space_limit}}) {
    if (bytes < 0) continue;
    const rlimit limit{static_cast<rlim_t>(bytes), static_cast<rlim_t>(bytes)};
    ::setrlimit(resource, &limit);
  }
  ::execve(KNOB_PROGRAM, argv.data(), envp.data());
  ::_exit(127);
#endif
}

/// @brief Wait for a process started by start_knob() and collect what it printed.
inline KnobRun finish_knob(pid_t pid, const std::string& log_prefix) {
  KnobRun run;
  if (pid <= 0) return run;
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  run.exited = WIFEXITED(wait_status);
  run.status = run.exited ? WEXITSTATUS(wait_status) : WTERMSIG(wait_status);
  run.out = file_content(log_prefix + ".out");
  run.err = file_content(log_prefix + ".err");
  return run;
}

/// @brief Run `knob args...` to its end (logs next to `log_prefix`).
inline KnobRun run_knob(const std::vector<std::string>& args, const std::string& log_prefix,
                        const KnobOptions& options = {}) {
  return finish_knob(start_knob(args, log_prefix, options), log_prefix);
}

/// @brief knob's exit status for a knob::Error (a bad file, value or path).
inline constexpr int kFailure = 1;
/// @brief knob's exit status for a usage error (an unknown option, a malformed number).
inline constexpr int kUsageError = 2;

/// @brief Did knob fail the way every failure must? A normal exit with `expected_status`, exactly
/// one line on standard error, starting "knob: ", containing `must_mention`, and not calling
/// itself an internal error.
inline ::testing::AssertionResult failed_cleanly(const KnobRun& run,
                                                 const std::string& must_mention,
                                                 int expected_status = kFailure) {
  auto failure = [&](const std::string& why) {
    return ::testing::AssertionFailure()
           << why << " (exited " << run.exited << ", status " << run.status << ")\nstderr:\n"
           << run.err.substr(0, 2000) << "\nstdout:\n"
           << run.out.substr(0, 2000);
  };
  if (!run.exited) return failure("killed by a signal");
  if (run.status != expected_status) {
    return failure("exit status is not " + std::to_string(expected_status));
  }
  if (std::count(run.err.begin(), run.err.end(), '\n') != 1) return failure("not one line");
  if (run.err.rfind("knob: ", 0) != 0) return failure("does not start with 'knob: '");
  if (run.err.find("internal error") != std::string::npos) return failure("an internal error");
  if (run.err.find(must_mention) == std::string::npos) {
    return failure("does not mention '" + must_mention + "'");
  }
  return ::testing::AssertionSuccess();
}

/// @brief Did knob succeed (status 0, not killed)?
inline ::testing::AssertionResult succeeded(const KnobRun& run) {
  if (run.exited && run.status == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "exited " << run.exited << ", status " << run.status << "\nstderr:\n"
         << run.err;
}

}  // namespace knob::reliability
