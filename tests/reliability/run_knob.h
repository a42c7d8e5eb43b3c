/// @file
/// @brief Running the real `knob` program (KNOB_PROGRAM) in a child process and checking the
/// command line's failure contract: a non-zero exit status (never a signal), exactly one line on
/// standard error starting with "knob: ", naming what was wrong, never "internal error".
#pragma once

#include <fcntl.h>
#include <spawn.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "reliability_helpers.h"

extern char** environ;

namespace knob::reliability {

/// @brief What a run of knob did.
struct KnobOutcome {
  bool exited = false;  ///< false: killed by a signal
  int status = -1;      ///< exit status, or the signal number
  std::string out;      ///< standard output
  std::string err;      ///< standard error
};

/// @brief The whole content of a file ("" when it cannot be read).
inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// @brief Run `knob args...` with standard output and error captured in files under `scratch`.
/// @param scratch a directory for the two capture files.
/// @param args the arguments after the program name.
/// @return the outcome (a failed start is reported as a test failure).
inline KnobOutcome run_knob([[maybe_unused]] const std::string& scratch,
                            [[maybe_unused]] const std::vector<std::string>& args) {
  KnobOutcome outcome;
#ifdef KNOB_PROGRAM
  const std::string out_path = scratch + "/knob_stdout.txt";
  const std::string err_path = scratch + "/knob_stderr.txt";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<std::string> storage = {KNOB_PROGRAM};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, KNOB_PROGRAM, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(spawned, 0) << "cannot start " << KNOB_PROGRAM;
  if (spawned != 0) return outcome;
  int wait_status = 0;
  EXPECT_EQ(waitpid(pid, &wait_status, 0), pid);
  outcome.exited = WIFEXITED(wait_status);
  outcome.status = outcome.exited ? WEXITSTATUS(wait_status) : WTERMSIG(wait_status);
  outcome.out = read_whole_file(out_path);
  outcome.err = read_whole_file(err_path);
#endif
  return outcome;
}

/// @brief Check the failure contract of one run; every part of `must_mention` must appear.
/// @param o the outcome. @param expected_status the exit status expected (1: a knob::Error,
/// 2: a usage error). @param must_mention texts the message must contain.
inline void expect_one_line_failure(const KnobOutcome& o, int expected_status,
                                    const std::vector<std::string>& must_mention) {
  EXPECT_TRUE(o.exited) << "knob was killed by signal " << o.status << "; stderr:\n" << o.err;
  EXPECT_EQ(o.status, expected_status) << "stdout:\n" << o.out << "\nstderr:\n" << o.err;
  EXPECT_EQ(std::count(o.err.begin(), o.err.end(), '\n'), 1) << "stderr:\n" << o.err;
  EXPECT_EQ(o.err.rfind("knob: ", 0), 0u) << o.err;
  EXPECT_LT(o.err.size(), 400u) << "an error line must stay short:\n" << o.err.substr(0, 400);
  EXPECT_FALSE(contains(o.err, "internal error")) << o.err;
  for (const std::string& part : must_mention) {
    EXPECT_TRUE(contains(o.err, part)) << "expected '" << part << "' in:\n" << o.err;
  }
}

}  // namespace knob::reliability
