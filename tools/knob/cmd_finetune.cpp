// `knob finetune`: fine-tune a saved model on another digit task, either with IA³ (only l_k, l_v
// and l_ff train; the base is untouched and the result is an adapter file) or fully (every
// weight trains; the result is a new model directory).
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli_numbers.h"
#include "commands.h"
#include "digit_training.h"
#include "ia3/adapter.h"
#include "ia3/adapter_file.h"
#include "nn/base/path_identity.h"
#include "nn/base/staged_directory.h"
#include "nn/io/model_dir.h"
#include "nn/layers/memory_budget.h"
#include "tasks/vocabulary.h"

namespace knob::cli {

namespace {

struct FinetuneArgs {
  std::string model_dir;
  std::string method = "ia3";
  std::string tasks = "reverse_increment@neutral";
  std::string out;  // default: adapter.safetensors (ia3) or model-finetuned (full)
  int digits = 8;
  int batch = 32;
  std::int64_t steps = 600;
  double lr = 0.0;  // 0: the method's default
  std::uint64_t seed = 0;
  int eval_rows = 1024;
  bool quiet = false;
  bool json = false;
};

// The capstone's fine-tuning recipe (digit_training.h): IA³ at 3e-2, constant after warmup,
// β₂ 0.95, no clipping and no weight decay (the vectors must be free to move far from one, even
// below zero); full fine-tuning at 1e-3 with cosine decay, decay on matrices and clipping.
DigitTraining finetune_recipe(const FinetuneArgs& a, ia3::Trainable trainable) {
  const double default_lr = trainable == ia3::Trainable::ia3 ? 3e-2 : 1e-3;
  DigitTraining t =
      demo_finetune_recipe(trainable, a.lr > 0 ? a.lr : default_lr, a.steps, a.batch, a.seed + 1);
  t.mix = tasks::parse_task_mix(a.tasks);
  t.n_digits = a.digits;
  t.quiet = a.quiet || a.json;
  t.title = fmt::format("knob finetune --method {}: {}", a.method, a.tasks);
  return t;
}

void run_finetune(FinetuneArgs a) {
  if (a.method != "ia3" && a.method != "full") {
    throw ValueError(fmt::format("finetune: --method must be ia3 or full, got '{}'", a.method));
  }
  const bool ia3 = a.method == "ia3";
  if (a.out.empty()) a.out = ia3 ? "adapter.safetensors" : "model-finetuned";
  nn::refuse_outputs_over_inputs(
      nn::directory_and_files("--model", a.model_dir, {"config.json", "model.safetensors"}),
      ia3 ? std::vector<nn::PathArgument>{{"--out", a.out}}
          : nn::directory_and_files("--out", a.out, nn::model_dir_files()));
  std::optional<nn::StagedDirectory> staged;  // full: the new model directory, locked from now
  if (!ia3) staged.emplace(a.out, nn::model_dir_files());
  std::shared_ptr<nn::Transformer> model = nn::load_model_dir(a.model_dir);
  if (!ia3) {
    nn::check_model_fits(model->config(), DType::f32, nn::ModelUse::training,
                         std::int64_t{a.batch} * (2 * std::int64_t{a.digits} + 1));
  }
  const DigitTraining recipe = finetune_recipe(a, ia3 ? ia3::Trainable::ia3 : ia3::Trainable::full);

  std::unique_ptr<ia3::Adapter> adapter;
  if (ia3) adapter = std::make_unique<ia3::Adapter>(model, ia3::AdapterConfig::spec_default());
  const std::int64_t trainable =
      ia3 ? adapter->report().trainable : model->num_parameters();  // before freezing: all
  if (!a.json) {
    fmt::print("fine-tuning {} ({} of {} parameters train) on {} ({} steps, batch {}, lr {:g})\n",
               a.model_dir, trainable, model->num_parameters(), a.tasks, a.steps, a.batch,
               recipe.lr);
  }
  const nn::TrainReport report = train_digits(*model, recipe);
  if (report.diverged) throw Error("finetune: the loss became NaN or infinite");
  model->eval();
  const DigitEvaluation eval =
      evaluate_digits(*model, recipe.mix, a.digits, a.eval_rows, a.seed + 2);

  bool base_unchanged = true;
  if (ia3) {
    base_unchanged = adapter->base_unchanged();
    ia3::save_adapter(a.out, {adapter->vectors(), adapter->config(), model->config()});
  } else {
    nn::write_model_files(*model, staged->path());
    staged->commit();
  }
  if (a.json) {
    nlohmann::json out = {{"method", a.method},
                          {"tasks", a.tasks},
                          {"steps", a.steps},
                          {"trainable_params", trainable},
                          {"total_params", model->num_parameters()},
                          {"final_loss", report.final_smoothed_loss},
                          {"exact_match", eval.scores.overall.exact_match()},
                          {"token_accuracy", eval.scores.overall.token_accuracy()},
                          {"seconds", report.seconds},
                          {"out", a.out}};
    if (ia3) out["base_unchanged"] = base_unchanged;  // bit for bit, checked after training
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("trained in {:.1f} s, final loss {:.4f}\n", report.seconds,
             report.final_smoothed_loss);
  fmt::print("held-out ({} rows):\n{}\n", a.eval_rows, tasks::format_scores(eval.scores));
  if (ia3) {
    fmt::print("base weights bit-identical to {}: {}\n", a.model_dir,
               base_unchanged ? "yes" : "NO");
    fmt::print("wrote the adapter {} (use it with: knob eval --model {} --adapter {} --tasks {})\n",
               a.out, a.model_dir, a.out, a.tasks);
  } else {
    fmt::print("wrote the model directory {}\n", a.out);
  }
}

}  // namespace

void add_finetune_command(CLI::App& app) {
  auto a = std::make_shared<FinetuneArgs>();
  CLI::App* cmd = app.add_subcommand(
      "finetune",
      "Fine-tune a saved model on another digit task: IA³ (saves an adapter) or full (a model)");
  cmd->add_option("--model", a->model_dir, "Model directory to start from")->required();
  cmd->add_option("--method", a->method, "ia3 (default) or full");
  cmd->add_option("--tasks", a->tasks,
                  "Comma-separated tasks (as for knob train; default reverse_increment@neutral)");
  cmd->add_option("--out", a->out,
                  "Adapter file (ia3; default adapter.safetensors) or model directory (full; "
                  "default model-finetuned)");
  add_integer_option(*cmd, "--digits", a->digits, 1, kMaxDigits, "Digits per example (default 8)");
  add_integer_option(*cmd, "--batch", a->batch, 1, kMaxBatch, "Rows per step (default 32)");
  add_integer_option(*cmd, "--steps", a->steps, 1, kMaxCount, "Optimizer steps (default 600)");
  add_real_option(*cmd, "--lr", a->lr, kPositive,
                  "Peak learning rate (default 3e-2 for ia3, 1e-3 for full)");
  add_seed_option(*cmd, "--seed", a->seed, "Seed of the data (default 0)");
  add_integer_option(*cmd, "--eval-rows", a->eval_rows, 1, kMaxRows,
                     "Held-out rows evaluated at the end (1024)");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->add_flag("--json", a->json, "Machine-readable output");
  cmd->callback([a] { run_finetune(*a); });
}

}  // namespace knob::cli
