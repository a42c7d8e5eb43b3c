// knob: the command-line entry point. The command line itself is run_cli() (cli_main.cpp, which
// lists the subcommands); each subcommand lives in its own cmd_*.cpp file.
#include <csignal>

#include "cli_main.h"

int main(int argc, char** argv) {
  // A write beyond the file-size limit (ulimit -f) then fails with EFBIG, which knob reports as
  // an error naming the file, instead of killing the process with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  return knob::cli::run_cli(argc, argv);
}
