// `knob train`: pretrain the reference transformer on digit tasks and save a model directory.
#include <filesystem>

#include <fmt/format.h>

#include "autograd/random.h"
#include "commands.h"
#include "digit_training.h"
#include "nn/model_dir.h"
#include "tasks/vocabulary.h"

namespace knob::cli {

namespace {

struct TrainArgs {
  std::string out = "model";
  std::string config_path;
  std::string tasks = "copy,reverse,increment";
  int digits = 8;
  int batch = 128;
  std::int64_t steps = 1000;
  double lr = 3e-3;
  std::int64_t warmup = 50;
  double weight_decay = 0.01;
  std::uint64_t seed = 0;
  int eval_rows = 1024;
  bool quiet = false;
  std::string checkpoint;  // default <out>/checkpoint.safetensors
  std::int64_t checkpoint_every = 0;
  bool resume = false;
  std::int64_t stop_after = 0;
};

void run_train(const TrainArgs& a) {
  nn::TransformerConfig config;  // docs/spec.md's tiny default
  if (!a.config_path.empty()) config = nn::TransformerConfig::load(a.config_path);
  config.validate();
  Generator init(a.seed);
  nn::Transformer model(config, init);
  DigitTraining t;
  t.mix = tasks::parse_task_mix(a.tasks);
  t.n_digits = a.digits;
  t.batch_size = a.batch;
  t.steps = a.steps;
  t.lr = a.lr;
  t.warmup = a.warmup;
  t.weight_decay = a.weight_decay;
  t.seed = a.seed + 1;
  t.quiet = a.quiet;
  std::filesystem::create_directories(a.out);
  t.csv_path = (std::filesystem::path(a.out) / "metrics.csv").string();
  t.plot_path = (std::filesystem::path(a.out) / "loss_curve.svg").string();
  t.title = fmt::format("knob train: {}", a.tasks);
  t.checkpoint_path = a.checkpoint.empty()
                          ? (std::filesystem::path(a.out) / "checkpoint.safetensors").string()
                          : a.checkpoint;
  t.checkpoint_every = a.checkpoint_every;
  if ((a.resume || a.stop_after > 0) && t.checkpoint_every == 0) {
    t.checkpoint_every = a.steps;  // at least at the end of this call, so it can be resumed
  }
  t.resume = a.resume;
  t.stop_after = a.stop_after;
  fmt::print("training {} parameters on {} ({} digits, batch {}, {} steps)\n",
             model.num_parameters(), a.tasks, a.digits, a.batch, a.steps);
  const DigitTrainingResult run = train_digits_resumable(model, t);
  const nn::TrainReport& report = run.report;
  if (run.start_step > 0)
    fmt::print("resumed from {} at step {}\n", t.checkpoint_path, run.start_step);
  if (report.diverged) throw Error("train: the loss became NaN or infinite");
  if (!run.finished) {
    fmt::print("stopped after step {} of {}; the checkpoint is {} (continue with --resume)\n",
               run.start_step + report.steps, a.steps, t.checkpoint_path);
    return;
  }
  nn::save_model_dir(model, a.out);
  const DigitEvaluation eval = evaluate_digits(model, t.mix, a.digits, a.eval_rows, a.seed + 2);
  fmt::print("trained in {:.1f} s ({:.0f} tokens/s), final loss {:.4f}\n", report.seconds,
             report.tokens_per_s, report.final_smoothed_loss);
  fmt::print("held-out ({} rows):\n{}", a.eval_rows, tasks::format_scores(eval.scores));
  fmt::print("\n");
  fmt::print("wrote {}/config.json, model.safetensors, metrics.csv, loss_curve.svg\n", a.out);
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "train", "Pretrain the reference transformer on digit tasks; saves a model directory");
  cmd->add_option("--out", a->out, "Model directory to write (default: model)");
  cmd->add_option("--config", a->config_path, "config.json (default: docs/spec.md's tiny model)");
  cmd->add_option("--tasks", a->tasks,
                  "Comma-separated tasks: copy, reverse, increment, decrement, "
                  "reverse_increment, sort (task@neutral shows it under the neutral token)");
  cmd->add_option("--digits", a->digits, "Digits per example (default 8)");
  cmd->add_option("--batch", a->batch, "Rows per step (default 128)");
  cmd->add_option("--steps", a->steps, "Optimizer steps (default 1000)");
  cmd->add_option("--lr", a->lr, "Peak learning rate of AdamW (default 3e-3)");
  cmd->add_option("--warmup", a->warmup, "Linear warmup steps (default 50)");
  cmd->add_option("--weight-decay", a->weight_decay, "AdamW weight decay on matrices (0.01)");
  cmd->add_option("--seed", a->seed, "Seed of the initial weights and the data (default 0)");
  cmd->add_option("--eval-rows", a->eval_rows, "Held-out rows evaluated at the end (1024)");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->add_option("--checkpoint", a->checkpoint,
                  "Training checkpoint file (default: <out>/checkpoint.safetensors)");
  cmd->add_option("--checkpoint-every", a->checkpoint_every,
                  "Write the checkpoint every N steps and at the end (default: never)");
  cmd->add_flag("--resume", a->resume,
                "Continue from the checkpoint if it exists: same weights, optimizer state, step "
                "and data stream, so the run ends bit for bit as an uninterrupted one");
  cmd->add_option("--stop-after", a->stop_after,
                  "Run at most N steps now, save the checkpoint and stop (resume later)");
  cmd->callback([a] { run_train(*a); });
}

}  // namespace knob::cli
