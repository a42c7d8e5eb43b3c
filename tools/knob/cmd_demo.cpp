// `knob demo`: the capstone. Pretrain docs/spec.md's tiny model on copy + reverse + increment, then
// learn a new task (reverse-then-increment under a neutral token) three ways — frozen base, IA³,
// full fine-tuning — and compare; then a second adapter (decrement) and one mixed batch in which
// every example is served by its own adapter (or none) on one base.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "cli_numbers.h"
#include "demo_markov.h"
#include "digit_training.h"
#include "ia3/adapter.h"
#include "ia3/adapter_bank.h"
#include "ia3/adapter_file.h"
#include "ia3/model_map.h"
#include "ia3_commands.h"
#include "nn/base/atomic_file.h"
#include "nn/io/model_dir.h"
#include "nn/train/svg_plot.h"

namespace knob::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct DemoArgs {
  std::uint64_t seed = 0;
  bool json = false;
  bool quick = false;
  bool ablation = false;
  std::string task = "digits";
  std::int64_t pretrain_steps = 1000;
  std::int64_t finetune_steps = 600;
  int pretrain_batch = 64;  // rows per pretraining step
  int batch = 32;           // rows per fine-tuning step (every method)
  double ia3_lr = 3e-2;
  Ia3Optimizer ia3_optimizer;  // β₂ 0.95, constant rate, no clipping
  double full_lr = 1e-3;
  int eval_rows = 1024;
  std::string out_dir = "demo_out";
};

/// One method's row of the table.
struct MethodResult {
  std::string method;
  double exact_match = 0;                 // new task
  double token_accuracy = 0;              // new task
  double original_tasks_exact_match = 0;  // copy, reverse, increment (IA³: adapter removed)
  std::int64_t trainable_params = 0;
  double trainable_share = 0;
  std::int64_t adapter_bytes = 0;
  double seconds = 0;
  std::vector<double> losses;      // training loss per step (empty for frozen)
  std::vector<double> grad_norms;  // gradient norm per step, before any clipping
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// IA³: no weight decay and (unless --ia3-* say otherwise) a constant rate, β₂ = 0.95, no
// clipping; full: knob train's recipe at 1e-3 (demo_finetune_recipe in digit_training.h).
DigitTraining finetune_recipe(const DemoArgs& a, const std::vector<tasks::TaskSpec>& mix,
                              ia3::Trainable trainable) {
  DigitTraining t =
      demo_finetune_recipe(trainable, trainable == ia3::Trainable::ia3 ? a.ia3_lr : a.full_lr,
                           a.finetune_steps, a.batch, a.seed + 1, a.ia3_optimizer);
  t.mix = mix;
  t.quiet = a.json;
  return t;
}

struct Evaluated {
  double exact_match = 0, token_accuracy = 0, loss = 0;
};

Evaluated evaluate(const nn::Transformer& model, const std::vector<tasks::TaskSpec>& mix,
                   const DemoArgs& a) {
  const DigitEvaluation r = evaluate_digits(model, mix, 8, a.eval_rows, a.seed);
  return {r.scores.overall.exact_match(), r.scores.overall.token_accuracy(), r.loss};
}

/// How large the gradient is early and late in a run: why IA³'s optimizer needs a short memory.
struct GradientNormSummary {
  std::int64_t window = 0;  // steps averaged at each end
  double first_mean = 0, first_max = 0, last_mean = 0;
};

GradientNormSummary summarize(const std::vector<double>& norms) {
  GradientNormSummary g;
  const std::size_t n = norms.size();
  g.window = static_cast<std::int64_t>(std::min<std::size_t>(100, n));
  if (g.window == 0) return g;
  const auto w = static_cast<std::size_t>(g.window);
  for (std::size_t i = 0; i < w; ++i) {
    g.first_mean += norms[i] / static_cast<double>(w);
    g.first_max = std::max(g.first_max, norms[i]);
    g.last_mean += norms[n - w + i] / static_cast<double>(w);
  }
  return g;
}

/// One row of the ablation: IA³ with only some kinds of vector.
struct AblationResult {
  std::string vectors;
  std::int64_t trainable_params = 0;
  double exact_match = 0, token_accuracy = 0, seconds = 0;
};

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

// ---- the steps of the demo -----------------------------------------------------------------
// Everything the report prints, filled in step by step by run_demo().
struct DemoReport {
  double pretrain_seconds = 0;
  Evaluated base_original;            // the pretrained base on copy, reverse, increment
  std::int64_t total_params = 0;      // of the base model
  std::vector<MethodResult> results;  // frozen, ia3, full
  bool ia3_base_untouched = false;    // base weights bit-identical after IA³ training
  ia3::AdapterReport ia3_report;
  std::vector<AblationResult> ablation;  // empty without --ablation
  std::string plot;                      // the loss-curve picture
  double decrement_seconds = 0;          // training the second adapter
  nlohmann::json mixed_json = nlohmann::json::array();
  std::string mixed_text;
  double mixed_max_difference = 0;  // mixed batch against the groups run separately
};

// The mixes of the demo: what the base learns, the new task, the second adapter's task.
struct DemoTasks {
  std::vector<tasks::TaskSpec> original = tasks::parse_task_mix("copy,reverse,increment");
  std::vector<tasks::TaskSpec> new_task = tasks::parse_task_mix("reverse_increment@neutral");
  std::vector<tasks::TaskSpec> second_task = tasks::parse_task_mix("decrement@neutral");
};

void shorten_for_quick(DemoArgs& a) {
  a.pretrain_steps = std::min<std::int64_t>(a.pretrain_steps, 60);
  a.finetune_steps = std::min<std::int64_t>(a.finetune_steps, 30);
  a.pretrain_batch = std::min(a.pretrain_batch, 32);
  a.batch = std::min(a.batch, 32);
  a.eval_rows = std::min(a.eval_rows, 128);
}

// 1. Pretraining on the original tasks.
std::shared_ptr<nn::Transformer> pretrain(const DemoArgs& a, const DemoTasks& tasks,
                                          DemoReport& report) {
  Generator init(a.seed);
  auto base = std::make_shared<nn::Transformer>(nn::TransformerConfig{}, init);
  DigitTraining pre;
  pre.mix = tasks.original;
  pre.batch_size = a.pretrain_batch;
  pre.steps = a.pretrain_steps;
  pre.seed = a.seed;
  pre.quiet = a.json;
  pre.title = "pretraining";
  const auto start = Clock::now();
  train_digits(*base, pre);
  report.pretrain_seconds = seconds_since(start);
  report.base_original = evaluate(*base, tasks.original, a);
  report.total_params = base->num_parameters();
  return base;
}

// 2a. The frozen base on the new task.
MethodResult frozen_row(const Evaluated& on_new_task, const Evaluated& on_original) {
  MethodResult r;
  r.method = "frozen";
  r.exact_match = on_new_task.exact_match;
  r.token_accuracy = on_new_task.token_accuracy;
  r.original_tasks_exact_match = on_original.exact_match;
  return r;
}

// 2b. IA³: only l_k, l_v, l_ff train; the base stays bit-identical. Saves the adapter file and
// returns the trained vectors (for the mixed batch of step 4).
nn::NamedTensors run_ia3(const DemoArgs& a, const DemoTasks& tasks, const nn::Transformer& base,
                         DemoReport& report) {
  auto ia3_model = copy_of_base(base);
  ia3::Adapter adapter(ia3_model, ia3::AdapterConfig::spec_default());
  MethodResult r;
  r.method = "ia3";
  const auto start = Clock::now();
  DigitTrainingResult run =
      train_digits_resumable(*ia3_model, finetune_recipe(a, tasks.new_task, ia3::Trainable::ia3));
  r.losses = std::move(run.report.losses);
  r.grad_norms = std::move(run.grad_norms);
  r.seconds = seconds_since(start);
  report.ia3_report = adapter.report();
  r.trainable_params = report.ia3_report.trainable;
  r.trainable_share = report.ia3_report.share();
  r.adapter_bytes = report.ia3_report.adapter_bytes;
  const Evaluated e = evaluate(*ia3_model, tasks.new_task, a);
  r.exact_match = e.exact_match;
  r.token_accuracy = e.token_accuracy;
  adapter.deactivate();  // the base model again, bit for bit
  report.ia3_base_untouched = adapter.base_unchanged();
  r.original_tasks_exact_match = evaluate(*ia3_model, tasks.original, a).exact_match;
  adapter.activate();
  ia3::save_adapter(a.out_dir + "/reverse_increment.safetensors",
                    {adapter.vectors(), adapter.config(), base.config()});
  report.results.push_back(r);
  nn::NamedTensors vectors;
  for (const auto& [name, vector] : adapter.vectors()) vectors.emplace_back(name, vector.clone());
  return vectors;
}

// 2c. Full fine-tuning: every weight trains (and the old tasks are forgotten).
MethodResult run_full(const DemoArgs& a, const DemoTasks& tasks, const nn::Transformer& base,
                      std::int64_t total_params) {
  MethodResult r;
  r.method = "full";
  auto full_model = copy_of_base(base);
  const auto start = Clock::now();
  r.losses =
      train_digits(*full_model, finetune_recipe(a, tasks.new_task, ia3::Trainable::full)).losses;
  r.seconds = seconds_since(start);
  r.trainable_params = full_model->num_parameters(true);
  r.trainable_share = static_cast<double>(r.trainable_params) / static_cast<double>(total_params);
  const Evaluated e = evaluate(*full_model, tasks.new_task, a);
  r.exact_match = e.exact_match;
  r.token_accuracy = e.token_accuracy;
  r.original_tasks_exact_match = evaluate(*full_model, tasks.original, a).exact_match;
  return r;
}

// 2d. Ablation: IA³ with only some kinds of vector (same recipe, same data, same base); the
// last row is the IA³ run of step 2b, with all three kinds.
std::vector<AblationResult> run_ablation(const DemoArgs& a, const DemoTasks& tasks,
                                         const nn::Transformer& base, const MethodResult& all) {
  std::vector<AblationResult> ablation;
  const std::vector<std::vector<std::string>> subsets = {{"l_ff"}, {"l_k", "l_v"}};
  for (const std::vector<std::string>& kinds : subsets) {
    auto model = copy_of_base(base);
    DigitTraining t = finetune_recipe(a, tasks.new_task, ia3::Trainable::ia3);
    t.ia3_vectors = kinds;
    AblationResult r;
    r.vectors = joined(kinds);
    const auto start = Clock::now();
    train_digits(*model, t);
    r.seconds = seconds_since(start);
    r.trainable_params = model->num_parameters(true);
    const Evaluated e = evaluate(*model, tasks.new_task, a);
    r.exact_match = e.exact_match;
    r.token_accuracy = e.token_accuracy;
    ablation.push_back(r);
  }
  ablation.push_back(
      {"l_k,l_v,l_ff", all.trainable_params, all.exact_match, all.token_accuracy, all.seconds});
  return ablation;
}

// 3. The three loss curves in one picture (the frozen base: its loss on the new task).
std::string plot_loss_curves(const DemoArgs& a, const std::vector<MethodResult>& results,
                             double frozen_loss) {
  const std::string plot = a.out_dir + "/loss_curves.svg";
  std::vector<nn::PlotSeries> series;
  for (const MethodResult& r : results) {
    nn::PlotSeries s;
    s.name = r.method;
    for (std::int64_t step = 0; step < a.finetune_steps; ++step) {
      s.xs.push_back(static_cast<double>(step + 1));
      s.ys.push_back(r.losses.empty() ? frozen_loss : r.losses[static_cast<std::size_t>(step)]);
    }
    series.push_back(std::move(s));
  }
  nn::line_chart(plot, "fine-tuning on reverse-then-increment", "step", "training loss", series,
                 true);
  return plot;
}

// 4a. A second adapter (decrement) trained on `served`, a copy of the base; returns its vectors.
nn::NamedTensors train_second_adapter(const DemoArgs& a, const DemoTasks& tasks,
                                      nn::Transformer& served, DemoReport& report) {
  const auto start = Clock::now();
  // Decrement is an easier task (one digit map, no reordering): half the steps learn it.
  DigitTraining t = finetune_recipe(a, tasks.second_task, ia3::Trainable::ia3);
  t.steps = std::max<std::int64_t>(1, a.finetune_steps / 2);
  t.warmup = std::min<std::int64_t>(30, t.steps / 10);
  train_digits(served, t);
  report.decrement_seconds = seconds_since(start);
  nn::NamedTensors vectors;
  for (const auto& [name, tensor] : served.named_parameters()) {
    if (ia3::is_vector_name(name)) vectors.emplace_back(name, tensor.clone());
  }
  return vectors;
}

// 4b. One mixed batch on one base: original tasks (no adapter), the new task (its adapter) and
// decrement (the second adapter), each group's rows against the same group run on its own.
void serve_mixed_batch(const DemoArgs& a, const DemoTasks& tasks, ia3::AdapterBank& bank,
                       nn::Transformer& served, DemoReport& report) {
  const int per_group = std::max(1, std::min(64, a.eval_rows / 3));
  Generator data(a.seed ^ 0xd15ea5eULL);
  struct Group {
    std::string name, adapter;
    std::vector<tasks::TaskSpec> mix;
    tasks::Batch batch;
  };
  std::vector<Group> groups = {{"original tasks", "", tasks.original, {}},
                               {"reverse-then-increment", "reverse_increment", tasks.new_task, {}},
                               {"decrement", "decrement", tasks.second_task, {}}};
  TensorList ids;
  std::vector<std::string> per_row;
  for (Group& g : groups) {
    g.batch = tasks::make_batch(g.mix, per_group, 8, data, tasks::Split::held_out);
    ids.push_back(g.batch.input_ids);
    per_row.insert(per_row.end(), per_group, g.adapter);
  }
  const Tensor mixed_logits = bank.forward_mixed(concat(ids, 0), per_row);
  NoGradGuard no_grad;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const Tensor rows = slice(mixed_logits, 0, static_cast<std::int64_t>(g) * per_group, per_group);
    bank.select(groups[g].adapter);
    const Tensor alone = served.forward(groups[g].batch.input_ids);
    const auto va = rows.to_vector();
    const auto vb = alone.to_vector();
    for (std::size_t i = 0; i < va.size(); ++i) {
      report.mixed_max_difference = std::max(report.mixed_max_difference, std::abs(va[i] - vb[i]));
    }
    const double em = tasks::score_logits(rows, groups[g].batch).overall.exact_match();
    report.mixed_json.push_back(
        {{"group", groups[g].name},
         {"adapter", groups[g].adapter.empty() ? "none" : groups[g].adapter},
         {"rows", per_group},
         {"exact_match", em}});
    report.mixed_text +=
        fmt::format("  {:<24} adapter {:<18} exact match {:6.1f}%\n", groups[g].name,
                    groups[g].adapter.empty() ? "(none)" : groups[g].adapter, 100 * em);
  }
  bank.select("");
}

// 5. The report, as JSON (--json) ...
void print_json(const DemoArgs& a, const DemoReport& report) {
  const GradientNormSummary grad_summary = summarize(report.results[1].grad_norms);
  nlohmann::json out;
  out["seed"] = a.seed;
  out["results"] = nlohmann::json::array();
  for (const MethodResult& r : report.results) {
    out["results"].push_back({{"method", r.method},
                              {"exact_match", r.exact_match},
                              {"token_accuracy", r.token_accuracy},
                              {"original_tasks_exact_match", r.original_tasks_exact_match},
                              {"trainable_params", r.trainable_params},
                              {"trainable_share", r.trainable_share},
                              {"adapter_bytes", r.adapter_bytes},
                              {"seconds", r.seconds}});
  }
  out["pretrain"] = {{"steps", a.pretrain_steps},
                     {"batch", a.pretrain_batch},
                     {"seconds", report.pretrain_seconds},
                     {"original_tasks_exact_match", report.base_original.exact_match}};
  out["finetune_steps"] = a.finetune_steps;
  out["ia3_recipe"] = {{"lr", a.ia3_lr},
                       {"beta2", a.ia3_optimizer.beta2},
                       {"lr_floor", a.ia3_optimizer.lr_floor},
                       {"clip", a.ia3_optimizer.clip_norm}};
  out["batch"] = a.batch;
  out["total_params"] = report.total_params;
  out["ia3_base_bit_identical"] = report.ia3_base_untouched;
  out["ia3_grad_norm"] = {{"window", grad_summary.window},
                          {"first_mean", grad_summary.first_mean},
                          {"first_max", grad_summary.first_max},
                          {"last_mean", grad_summary.last_mean}};
  out["second_adapter"] = {{"task", "decrement"},
                           {"steps", std::max<std::int64_t>(1, a.finetune_steps / 2)},
                           {"seconds", report.decrement_seconds}};
  if (a.ablation) {
    out["ablation"] = nlohmann::json::array();
    for (const AblationResult& r : report.ablation) {
      out["ablation"].push_back({{"vectors", r.vectors},
                                 {"trainable_params", r.trainable_params},
                                 {"exact_match", r.exact_match},
                                 {"token_accuracy", r.token_accuracy},
                                 {"seconds", r.seconds}});
    }
  }
  out["mixed_batch"] = {{"groups", report.mixed_json},
                        {"max_abs_diff_vs_separate", report.mixed_max_difference}};
  out["plot"] = report.plot;
  fmt::print("{}\n", out.dump(2));
}

// ... or as tables.
void print_tables(const DemoArgs& a, const DemoReport& report) {
  const GradientNormSummary grad_summary = summarize(report.results[1].grad_norms);
  fmt::print("\nnew task: reverse-then-increment under a neutral token ({} held-out rows)\n",
             a.eval_rows);
  fmt::print("{:<8} {:>12} {:>10} {:>16} {:>12} {:>9} {:>10} {:>8}\n", "method", "exact match",
             "token acc", "original tasks", "trainable", "share", "adapter", "seconds");
  for (const MethodResult& r : report.results) {
    fmt::print("{:<8} {:>11.1f}% {:>9.1f}% {:>15.1f}% {:>12} {:>8.3f}% {:>10} {:>8.1f}\n", r.method,
               100 * r.exact_match, 100 * r.token_accuracy, 100 * r.original_tasks_exact_match,
               r.trainable_params, 100 * r.trainable_share,
               r.adapter_bytes > 0 ? fmt::format("{} B", r.adapter_bytes) : "-", r.seconds);
  }
  fmt::print(
      "(ia3's original-task score is the base with the adapter removed; base weights "
      "bit-identical after training: {})\n",
      report.ia3_base_untouched ? "yes" : "NO");
  fmt::print(
      "IA3's gradient norm: mean {:.3f} (largest {:.3f}) over the first {} steps, mean {:.3f} "
      "over the last {}\n",
      grad_summary.first_mean, grad_summary.first_max, grad_summary.window, grad_summary.last_mean,
      grad_summary.window);
  if (a.ablation) {
    fmt::print("\nablation: IA3 with some of its vectors (same recipe and data)\n");
    fmt::print("{:<14} {:>10} {:>12} {:>10} {:>8}\n", "vectors", "trainable", "exact match",
               "token acc", "seconds");
    for (const AblationResult& r : report.ablation) {
      fmt::print("{:<14} {:>10} {:>11.1f}% {:>9.1f}% {:>8.1f}\n", r.vectors, r.trainable_params,
                 100 * r.exact_match, 100 * r.token_accuracy, r.seconds);
    }
  }
  fmt::print("\nIA3 parameters:\n{}", report.ia3_report.to_string());
  fmt::print("\none mixed batch on one base, each example served by its own adapter:\n{}",
             report.mixed_text);
  fmt::print("  largest difference from running the groups separately: {:.2e}\n",
             report.mixed_max_difference);
  fmt::print("\nloss curves: {}; adapter: {}/reverse_increment.safetensors\n", report.plot,
             a.out_dir);
}

void run_demo(DemoArgs a) {
  if (a.quick) shorten_for_quick(a);
  nn::ensure_directory(a.out_dir);
  const DemoTasks tasks;
  auto say = [&](const std::string& line) {
    if (!a.json) fmt::print("{}\n", line);
  };
  DemoReport report;

  say(fmt::format("== pretraining on copy, reverse, increment ({} steps, batch {}) ==",
                  a.pretrain_steps, a.pretrain_batch));
  const auto base = pretrain(a, tasks, report);
  say(fmt::format("pretrained in {:.1f} s: exact match {:.1f}% on the original tasks",
                  report.pretrain_seconds, 100 * report.base_original.exact_match));

  const Evaluated frozen = evaluate(*base, tasks.new_task, a);
  report.results.push_back(frozen_row(frozen, report.base_original));
  say("== IA3 fine-tuning on reverse-then-increment ==");
  const nn::NamedTensors new_task_vectors = run_ia3(a, tasks, *base, report);
  say("== full fine-tuning on reverse-then-increment ==");
  report.results.push_back(run_full(a, tasks, *base, report.total_params));
  if (a.ablation) {
    say("== ablation: IA3 with only l_ff, then only l_k and l_v ==");
    report.ablation = run_ablation(a, tasks, *base, report.results[1]);
  }
  report.plot = plot_loss_curves(a, report.results, frozen.loss);

  say("== a second adapter: decrement ==");
  auto served = copy_of_base(*base);
  ia3::AdapterBank bank(served);
  bank.add("reverse_increment", new_task_vectors);
  bank.add("decrement", train_second_adapter(a, tasks, *served, report));
  bank.select("");
  serve_mixed_batch(a, tasks, bank, *served, report);

  if (a.json) {
    print_json(a, report);
  } else {
    print_tables(a, report);
  }
}

// `--task markov`: the Markov demo, with its own defaults for every option not given.
void run_markov_from(const DemoArgs& a, const CLI::App& cmd) {
  MarkovDemoOptions m;
  m.seed = a.seed;
  m.json = a.json;
  m.quick = a.quick;
  m.ablation = a.ablation;
  m.out_dir = a.out_dir;
  if (cmd.count("--pretrain-steps") > 0) m.pretrain_steps = a.pretrain_steps;
  if (cmd.count("--finetune-steps") > 0) m.finetune_steps = a.finetune_steps;
  if (cmd.count("--pretrain-batch") > 0) m.pretrain_batch = a.pretrain_batch;
  if (cmd.count("--batch") > 0) m.batch = a.batch;
  if (cmd.count("--ia3-lr") > 0) m.ia3_lr = a.ia3_lr;
  if (cmd.count("--full-lr") > 0) m.full_lr = a.full_lr;
  m.ia3_optimizer = a.ia3_optimizer;
  if (cmd.count("--eval-rows") > 0) m.eval_rows = a.eval_rows;
  run_markov_demo(m);
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto a = std::make_shared<DemoArgs>();
  const MarkovDemoOptions markov;
  CLI::App* cmd = app.add_subcommand(
      "demo", "Capstone: pretrain, then frozen vs IA³ vs full fine-tuning on a new task");
  cmd->add_option("--task", a->task,
                  "digits: reverse-then-increment after copy/reverse/increment (default); "
                  "markov: a reweighted Markov chain, against its entropy rate")
      ->check(CLI::IsMember({"digits", "markov"}));
  add_seed_option(*cmd, "--seed", a->seed, "Seed of the weights and the data (default 0)");
  cmd->add_flag("--json", a->json, "Machine-readable results on standard output");
  cmd->add_flag("--quick", a->quick, "A few steps of everything (for tests; results meaningless)");
  cmd->add_flag("--ablation", a->ablation,
                "Also train IA³ with only l_ff and with only l_k, l_v, and compare");
  add_integer_option(*cmd, "--pretrain-steps", a->pretrain_steps, 1, kMaxCount,
                     fmt::format("Pretraining steps (default {}; markov {})", a->pretrain_steps,
                                 markov.pretrain_steps));
  add_integer_option(*cmd, "--finetune-steps", a->finetune_steps, 1, kMaxCount,
                     fmt::format("Fine-tuning steps (default {}; markov {})", a->finetune_steps,
                                 markov.finetune_steps));
  add_integer_option(*cmd, "--pretrain-batch", a->pretrain_batch, 1, kMaxBatch,
                     fmt::format("Rows per pretraining step (default {}; markov {})",
                                 a->pretrain_batch, markov.pretrain_batch));
  add_integer_option(
      *cmd, "--batch", a->batch, 1, kMaxBatch,
      fmt::format("Rows per fine-tuning step (default {}; markov {})", a->batch, markov.batch));
  add_real_option(*cmd, "--ia3-lr", a->ia3_lr, kPositive, "IA³ learning rate (default 3e-2)");
  add_real_option(*cmd, "--ia3-beta2", a->ia3_optimizer.beta2, {0.0, 1.0, false, true},
                  "IA³: Adam's beta2 (default 0.95)");
  add_real_option(*cmd, "--ia3-lr-floor", a->ia3_optimizer.lr_floor, {0.0, 1.0, false, false},
                  "IA³: after warmup, cosine decay to lr × this (default 1: constant)");
  add_real_option(*cmd, "--ia3-clip", a->ia3_optimizer.clip_norm, kNonNegative,
                  "IA³: clip the gradient norm at this (default 0: off)");
  add_real_option(*cmd, "--full-lr", a->full_lr, kPositive,
                  "Full fine-tuning learning rate (default 1e-3)");
  add_integer_option(*cmd, "--eval-rows", a->eval_rows, 1, kMaxRows,
                     fmt::format("Held-out rows per evaluation (default {}; markov {})",
                                 a->eval_rows, markov.eval_rows));
  cmd->add_option("--out", a->out_dir, "Directory for the plot and the adapter (default demo_out)");
  cmd->callback([a, cmd] {
    if (a->task == "markov") {
      run_markov_from(*a, *cmd);
    } else {
      run_demo(*a);
    }
  });
}

}  // namespace knob::cli
