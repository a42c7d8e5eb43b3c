/// @file
/// @brief The whole `knob` command line as one function, so that tests and the argument fuzzer
/// can run it without starting a process.
#pragma once

namespace knob::cli {

/// @brief Exit status of a successful run (also `--help` and `--version`).
inline constexpr int kExitSuccess = 0;
/// @brief Exit status when knob reported a knob::Error: bad input, a file it cannot use.
inline constexpr int kExitFailure = 1;
/// @brief Exit status for a command line that does not parse (unknown option, missing value).
inline constexpr int kExitUsage = 2;
/// @brief Exit status for an exception that is not a knob::Error: a bug in knob, never the
/// user's fault (sysexits.h's EX_SOFTWARE). The argument fuzzer treats it as a finding.
inline constexpr int kExitInternalError = 70;

/// @brief Parse `argv` as the `knob` command line, run the chosen subcommand and return the
/// process exit status.
///
/// Every failure ends in one line on standard error starting with `knob: ` (multi-line error
/// messages are joined with "; "), never an uncaught exception or a signal.
/// @param argc number of arguments, including the program name in argv[0].
/// @param argv the arguments.
/// @return kExitSuccess, kExitFailure, kExitUsage or kExitInternalError.
int run_cli(int argc, char** argv);

}  // namespace knob::cli
