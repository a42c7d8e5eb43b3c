/// @file tutorials/transcripts/run_program.h
/// @brief Runs a lesson's program and captures what it prints on standard output.
#pragma once

#include <string>
#include <vector>

namespace knob::transcripts {

/// @brief What a program printed and how it ended.
struct ProgramRun {
  std::string output;   ///< everything written to standard output
  int exit_status = 0;  ///< the exit status, or 128 + the signal's number if a signal ended it
};

/// @brief Runs a program with standard input from /dev/null, standard error passed through, and
/// standard output captured; waits for it to end.
/// @param command The program's path, then its arguments (no shell: nothing is interpreted).
/// @return Its output and exit status.
/// @throws std::runtime_error if the program cannot be started.
ProgramRun run_program(const std::vector<std::string>& command);

}  // namespace knob::transcripts
