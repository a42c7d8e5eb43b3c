// knob: the command-line entry point. The command line itself is run_cli() (cli_main.cpp, which
// lists the subcommands); each subcommand lives in its own cmd_*.cpp file.
#include "cli_main.h"

int main(int argc, char** argv) { return knob::cli::run_cli(argc, argv); }
