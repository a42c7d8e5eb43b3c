// `knob eval`: loss, token accuracy and exact match per task on held-out digit strings.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_numbers.h"
#include "commands.h"
#include "digit_training.h"
#include "ia3/adapter_file.h"
#include "nn/io/model_dir.h"
#include "tasks/vocabulary.h"

namespace knob::cli {

namespace {

struct EvalArgs {
  std::string model_dir;
  std::string adapter;
  std::string tasks = "copy,reverse,increment";
  int digits = 8;
  int rows = 1024;
  std::uint64_t seed = 0;
  bool json = false;
};

void run_eval(const EvalArgs& a) {
  auto model = nn::load_model_dir(a.model_dir);
  if (!a.adapter.empty()) {
    ia3::load_adapter_into(*model, a.adapter);
  }
  model->eval();
  const std::vector<tasks::TaskSpec> mix = tasks::parse_task_mix(a.tasks);
  const DigitEvaluation r = evaluate_digits(*model, mix, a.digits, a.rows, a.seed);
  if (!a.json) {
    fmt::print("loss {:.4f} on {} held-out rows\n{}\n", r.loss, a.rows,
               tasks::format_scores(r.scores));
    return;
  }
  nlohmann::json per_task = nlohmann::json::object();
  for (std::size_t i = 0; i < r.scores.task_ids.size(); ++i) {
    const tasks::Score& s = r.scores.per_task[i];
    per_task[std::string(tasks::task_name(static_cast<tasks::Task>(r.scores.task_ids[i])))] = {
        {"token_accuracy", s.token_accuracy()}, {"exact_match", s.exact_match()}, {"rows", s.rows}};
  }
  const nlohmann::json out = {{"loss", r.loss},
                              {"token_accuracy", r.scores.overall.token_accuracy()},
                              {"exact_match", r.scores.overall.exact_match()},
                              {"rows", r.scores.overall.rows},
                              {"tasks", per_task}};
  fmt::print("{}\n", out.dump(2));
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto a = std::make_shared<EvalArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval", "Evaluate a model (optionally with an IA³ adapter) on held-out digit tasks");
  cmd->add_option("--model", a->model_dir, "Model directory")->required();
  cmd->add_option("--adapter", a->adapter, "IA³ adapter file");
  cmd->add_option("--tasks", a->tasks, "Comma-separated tasks (as for knob train)");
  add_integer_option(*cmd, "--digits", a->digits, 1, kMaxDigits, "Digits per example (default 8)");
  add_integer_option(*cmd, "--rows", a->rows, 1, kMaxRows, "Held-out rows (default 1024)");
  add_seed_option(*cmd, "--seed", a->seed, "Seed of the evaluation data");
  cmd->add_flag("--json", a->json, "Machine-readable output");
  cmd->callback([a] { run_eval(*a); });
}

}  // namespace knob::cli
