// knob: the command-line entry point. Each subcommand lives in its own cmd_*.cpp file.
#include <fmt/format.h>

#include <exception>

#include "autograd/error.h"
#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"knob: an educational deep-learning framework (tape autograd, tiny transformer, IA3)"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", [] { return knob::cli::version_line(); });
  knob::cli::add_info_command(app);
  knob::cli::add_tour_command(app);
  knob::cli::add_gradcheck_command(app);
  knob::cli::add_grads_command(app);
  knob::cli::add_compare_command(app);
  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      fmt::print("{}", app.help());
      return 0;
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const knob::Error& e) {
    fmt::print(stderr, "knob: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "knob: unexpected error: {}\n", e.what());
    return 1;
  }
  return 0;
}
