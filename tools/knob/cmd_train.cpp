// `knob train`: pretrain the reference transformer on digit tasks and save a model directory.
#include <filesystem>

#include <fmt/format.h>

#include "autograd/random.h"
#include "cli_numbers.h"
#include "commands.h"
#include "digit_training.h"
#include "nn/base/path_identity.h"
#include "nn/base/staged_directory.h"
#include "nn/io/model_dir.h"
#include "nn/layers/memory_budget.h"
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

// Where a resumed run continues from when its staging directory holds no checkpoint: the
// finished run in the output directory (its checkpoint and the rows of its metrics).
void adopt_finished_run(nn::StagedDirectory& out, bool default_checkpoint) {
  if (default_checkpoint && !out.has("checkpoint.safetensors")) {
    out.adopt_from_target({"checkpoint.safetensors", "metrics.csv"});
  } else if (!out.has("metrics.csv")) {
    out.adopt_from_target({"metrics.csv"});
  }
}

// The inputs (--config, the checkpoint a resume reads) must not be among the outputs.
void refuse_clobbering(const TrainArgs& a) {
  std::vector<std::string> written;
  for (const std::string& name : nn::model_dir_files()) {
    if (name != "checkpoint.safetensors") written.push_back(name);
  }
  nn::refuse_outputs_over_inputs({{"--config", a.config_path}, {"--checkpoint", a.checkpoint}},
                                 nn::directory_and_files("--out", a.out, written));
  nn::refuse_outputs_over_inputs({{"--config", a.config_path}}, {{"--checkpoint", a.checkpoint}});
}

DigitTraining recipe(const TrainArgs& a) {
  DigitTraining t;
  t.mix = tasks::parse_task_mix(a.tasks);
  t.n_digits = a.digits;
  t.batch_size = a.batch;
  t.steps = a.steps;
  t.lr = a.lr;
  t.warmup = a.warmup;
  t.weight_decay = a.weight_decay;
  t.seed = a.seed + 1;
  t.recorded_seed = a.seed;
  t.quiet = a.quiet;
  t.title = fmt::format("knob train: {}", a.tasks);
  t.checkpoint_every = a.checkpoint_every;
  if ((a.resume || a.stop_after > 0) && t.checkpoint_every == 0) {
    t.checkpoint_every = a.steps;  // at least at the end of this call, so it can be resumed
  }
  t.resume = a.resume;
  t.stop_after = a.stop_after;
  return t;
}

// Train into the staging directory; on failure keep it when it holds a checkpoint to resume.
DigitTrainingResult train_staged(nn::Transformer& model, const DigitTraining& t,
                                 nn::StagedDirectory& out) {
  DigitTrainingResult run;
  try {
    run = train_digits_resumable(model, t);
  } catch (...) {
    if (std::filesystem::exists(t.checkpoint_path)) out.keep();
    throw;
  }
  if (run.report.diverged) {
    const bool kept = std::filesystem::exists(t.checkpoint_path);
    if (kept) out.keep();
    throw Error(fmt::format(
        "train: the loss or the weights became NaN or infinite at step {} (try a smaller --lr); "
        "{} is left as it was{}",
        run.start_step + run.report.steps, out.target(),
        kept ? fmt::format(" and the last good checkpoint is kept ({})", t.checkpoint_path) : ""));
  }
  return run;
}

void run_train(const TrainArgs& a) {
  nn::TransformerConfig config;  // docs/spec.md's tiny default
  if (!a.config_path.empty()) config = nn::TransformerConfig::load(a.config_path);
  config.validate();
  nn::check_model_fits(config, DType::f32, nn::ModelUse::training,
                       std::int64_t{a.batch} * (2 * std::int64_t{a.digits} + 1));
  refuse_clobbering(a);
  DigitTraining t = recipe(a);
  nn::StagedDirectory out(
      a.out, nn::model_dir_files(),
      a.resume ? nn::StagedDirectory::Start::resume : nn::StagedDirectory::Start::fresh);
  const std::string default_checkpoint =
      (std::filesystem::path(a.out) / "checkpoint.safetensors").string();
  const bool default_place =
      a.checkpoint.empty() || nn::same_path(default_checkpoint, a.checkpoint);
  t.checkpoint_path = default_place ? out.file("checkpoint.safetensors") : a.checkpoint;
  t.csv_path = out.file("metrics.csv");
  t.plot_path = out.file("loss_curve.svg");
  if (a.resume) adopt_finished_run(out, default_place);

  Generator init(a.seed);
  nn::Transformer model(config, init);
  fmt::print("training {} parameters on {} ({} digits, batch {}, {} steps)\n",
             model.num_parameters(), a.tasks, a.digits, a.batch, a.steps);
  const DigitTrainingResult run = train_staged(model, t, out);
  const nn::TrainReport& report = run.report;
  if (run.start_step > 0)
    fmt::print("resumed from {} at step {}\n", t.checkpoint_path, run.start_step);
  if (!run.finished) {
    out.keep();
    fmt::print("stopped after step {} of {}; the checkpoint is {} (continue with --resume)\n",
               run.start_step + report.steps, a.steps, t.checkpoint_path);
    return;
  }
  try {
    nn::write_model_files(model, out.path());
    out.commit();
  } catch (...) {
    if (std::filesystem::exists(t.checkpoint_path)) out.keep();  // the run can still be resumed
    throw;
  }
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
  cmd->add_option("--out", a->out,
                  "Model directory to write (default: model); replaced as a whole when the run "
                  "succeeds, left as it was otherwise");
  cmd->add_option("--config", a->config_path, "config.json (default: docs/spec.md's tiny model)");
  cmd->add_option("--tasks", a->tasks,
                  "Comma-separated tasks: copy, reverse, increment, decrement, "
                  "reverse_increment, sort (task@neutral shows it under the neutral token)");
  add_integer_option(*cmd, "--digits", a->digits, 1, kMaxDigits, "Digits per example (default 8)");
  add_integer_option(*cmd, "--batch", a->batch, 1, kMaxBatch, "Rows per step (default 128)");
  add_integer_option(*cmd, "--steps", a->steps, 1, kMaxCount, "Optimizer steps (default 1000)");
  add_real_option(*cmd, "--lr", a->lr, kPositive, "Peak learning rate of AdamW (default 3e-3)");
  add_integer_option(*cmd, "--warmup", a->warmup, 0, kMaxCount, "Linear warmup steps (default 50)");
  add_real_option(*cmd, "--weight-decay", a->weight_decay, kNonNegative,
                  "AdamW weight decay on matrices (0.01)");
  add_seed_option(*cmd, "--seed", a->seed, "Seed of the initial weights and the data (default 0)");
  add_integer_option(*cmd, "--eval-rows", a->eval_rows, 1, kMaxRows,
                     "Held-out rows evaluated at the end (1024)");
  cmd->add_flag("-q,--quiet", a->quiet, "No progress display");
  cmd->add_option("--checkpoint", a->checkpoint,
                  "Training checkpoint file (default: <out>/checkpoint.safetensors, kept while "
                  "the run is unfinished in <out>'s staging directory .<name>.partial)");
  add_integer_option(*cmd, "--checkpoint-every", a->checkpoint_every, 1, kMaxCount,
                     "Write the checkpoint every N steps and at the end (default: never)");
  cmd->add_flag("--resume", a->resume,
                "Continue from the checkpoint if it exists: same weights, optimizer state, step "
                "and data stream, so the run ends bit for bit as an uninterrupted one. The "
                "checkpoint records the run's settings: resuming with others is refused (only "
                "--steps may change, with a warning)");
  add_integer_option(*cmd, "--stop-after", a->stop_after, 1, kMaxCount,
                     "Run at most N steps now, save the checkpoint and stop (resume later)");
  cmd->callback([a] { run_train(*a); });
}

}  // namespace knob::cli
