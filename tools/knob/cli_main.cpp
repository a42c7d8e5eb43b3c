// The `knob` command line: the list of subcommands and the mapping of errors to exit statuses.
#include "cli_main.h"

#include <exception>
#include <filesystem>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "commands.h"
#include "ia3_commands.h"
#include "nn/base/excerpt.h"

namespace knob::cli {

namespace {

// A message on one line: each line break (with the indentation after it) becomes "; ", so a
// list such as TransformerConfig's "invalid config:\n  - a\n  - b" reads "invalid config: - a; -
// b".
std::string one_line(std::string_view message) {
  std::string out;
  std::size_t i = 0;
  while (i < message.size()) {
    if (message[i] == '\n' || message[i] == '\r') {
      while (i < message.size() && (message[i] == '\n' || message[i] == '\r' || message[i] == ' ' ||
                                    message[i] == '\t')) {
        ++i;
      }
      if (i < message.size() && !out.empty()) out += out.back() == ':' ? " " : "; ";
      continue;
    }
    out += message[i++];
  }
  return out;
}

// The arguments the chosen subcommand did not recognise, quoted and cut for an error line (""
// when there are none). CLI11 checks required options before it complains about unknown ones,
// so without this `knob grads --modle m` would only say that --model is required.
std::string unrecognised_arguments(const CLI::App* app) {
  std::vector<std::string> quoted;
  for (const CLI::App* sub : app->get_subcommands()) {
    for (const std::string& argument : sub->remaining()) {
      quoted.push_back(fmt::format("'{}'", nn::excerpt(argument)));
    }
  }
  return quoted.empty() ? "" : nn::bounded_list(quoted);
}

// CLI11's parse errors, in knob's one-line form.
std::string usage_failure(const CLI::App* app, const CLI::Error& e) {
  const std::string unknown = e.get_name() == "RequiredError" ? unrecognised_arguments(app) : "";
  if (!unknown.empty()) {
    return fmt::format("knob: not expected: {}; and {} (see knob --help)\n", unknown,
                       one_line(e.what()));
  }
  return fmt::format("knob: {} (see knob --help)\n", one_line(e.what()));
}

// =============================================================================================
// The subcommands. To add one: declare add_<name>_command in commands.h, define it in its own
// cmd_<name>.cpp (listed in tools/knob/CMakeLists.txt) and add one line here.
// A command that computes for more than a moment (training, full gradchecks) must also be
// listed in fuzz/fuzz_cli.cpp's kLongRunningCommands, so the fuzzer only parses its options.
// =============================================================================================
void register_subcommands(CLI::App& app) {
  add_info_command(app);
  add_tour_command(app);
  add_gradcheck_command(app);
  add_grads_command(app);
  add_compare_command(app);
  add_train_command(app);
  add_eval_command(app);
  add_finetune_command(app);
  add_export_peft_command(app);
  add_import_peft_command(app);
  add_demo_command(app);
  add_bench_command(app);
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{
      "knob: an educational deep-learning framework (tape autograd, tiny transformer, IA3)"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", [] { return version_line(); });
  app.failure_message(usage_failure);
  register_subcommands(app);
  try {
    app.parse(argc, argv);
    if (app.get_subcommands().empty()) {
      fmt::print("{}", app.help());
      return kExitSuccess;
    }
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);  // prints help/version, or the one-line failure above
    return status == 0 ? kExitSuccess : kExitUsage;
  } catch (const knob::Error& e) {
    fmt::print(stderr, "knob: {}\n", one_line(e.what()));
    return kExitFailure;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr,
               "knob: out of memory: a request for memory failed (try a smaller model, "
               "batch or number of rows)\n");
    return kExitFailure;
  } catch (const std::length_error& e) {  // a container asked for more than it can ever hold
    fmt::print(stderr, "knob: out of memory: a request for memory was too large ({})\n",
               one_line(e.what()));
    return kExitFailure;
  } catch (const std::filesystem::filesystem_error& e) {  // the OS refused: path and reason
    const std::string path = e.path1().string();
    fmt::print(stderr, "knob: {}{}\n", path.empty() ? "" : path + ": ", e.code().message());
    return kExitFailure;
  } catch (const std::system_error& e) {  // e.g. no thread could be started (ulimit -u)
    fmt::print(stderr, "knob: the system refused: {}\n", one_line(e.what()));
    return kExitFailure;
  } catch (const std::exception& e) {
    fmt::print(stderr, "knob: internal error (please report it): {}\n", one_line(e.what()));
    return kExitInternalError;
  }
  return kExitSuccess;
}

}  // namespace knob::cli
