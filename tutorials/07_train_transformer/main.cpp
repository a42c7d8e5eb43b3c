// Lesson 07: training the tiny transformer of docs/spec.md on a digit task. The whole loop written
// out: a batch, the forward pass, cross-entropy on the answer digits, backward, gradient
// clipping, an AdamW step on a warmup + cosine schedule; a progress display, a metrics CSV, a
// loss-curve picture, and accuracy on digit strings the model never saw.
// Read tutorials/07_train_transformer/README.md alongside. Exits 1 if a claim is false.
//
// Usage: tutorial_07 [--quick] [OUT_DIR]
//   --quick   6 steps on batches of 16, 32 held-out rows (what ctest runs)
//   OUT_DIR   where loss_curve.svg and metrics.csv go (default: the current folder)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/layers/transformer.h"
#include "nn/optim/adam.h"
#include "nn/optim/clip_grad.h"
#include "nn/optim/lr_schedule.h"
#include "nn/train/metrics_log.h"
#include "nn/train/progress.h"
#include "nn/train/svg_plot.h"
#include "nn/train/trainer.h"
#include "tasks/digit_tasks.h"
#include "tasks/metrics.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

// ---- the recipe ------------------------------------------------------------------------------
struct Recipe {
  // Three tasks, each shown under its own task token (<copy>, <rev>, <inc>).
  std::vector<tasks::TaskSpec> mix = tasks::parse_task_mix("copy,reverse,increment");
  int n_digits = 6;            // T = 2n + 1 = 13 tokens per row
  int batch_size = 64;         // rows per step
  std::int64_t steps = 300;    // optimizer steps
  int eval_rows = 512;         // held-out rows scored at the end
  double max_lr = 3e-3;        // peak learning rate, reached after the warmup
  double min_lr = 3e-4;        // where the cosine ends
  std::int64_t warmup = 50;    // linear warmup steps
  double weight_decay = 0.01;  // AdamW's decoupled decay (matrices only)
  double clip_norm = 1.0;      // largest allowed global gradient norm
};

// ---- 1. the task ------------------------------------------------------------------------------
void show_the_task(const Recipe& recipe) {
  heading(1, "The task: copy, reverse or increment 6 digits");
  Generator gen(99);
  const tasks::Batch batch =
      tasks::make_batch(recipe.mix, 3, recipe.n_digits, gen, tasks::Split::train);
  fmt::print("a batch of 3 rows: input_ids {} and targets {} (i64)\n",
             shape_str(batch.input_ids.shape()), shape_str(batch.targets.shape()));
  for (std::int64_t row = 0; row < 3; ++row) {
    fmt::print("  input_ids  {}\n", tasks::decode(slice(batch.input_ids, 0, row, 1)));
    fmt::print("  targets    {}   (_ = -100: not scored)\n",
               tasks::decode(slice(batch.targets, 0, row, 1)));
  }
}

// ---- 2. the model and its optimizer -------------------------------------------------------------
// AdamW over every parameter; only matrices (dim >= 2) are weight-decayed, never biases or
// LayerNorm gains.
nn::AdamW make_optimizer(const nn::Transformer& model, const Recipe& recipe) {
  std::vector<std::string> no_decay;
  for (const auto& [name, tensor] : model.named_parameters()) {
    if (tensor.dim() < 2) no_decay.push_back(name);
  }
  return nn::AdamW(model.named_parameters(), recipe.max_lr, {0.9, 0.999}, 1e-8, recipe.weight_decay,
                   no_decay);
}

double held_out_loss(const nn::Transformer& model, const Recipe& recipe, std::uint64_t seed) {
  NoGradGuard no_grad;
  Generator gen(seed);
  const tasks::Batch batch =
      tasks::make_batch(recipe.mix, recipe.eval_rows, recipe.n_digits, gen, tasks::Split::held_out);
  return cross_entropy(model.forward(batch.input_ids), batch.targets).item();
}

// ---- 3. which positions get a gradient ----------------------------------------------------------
// The loss only scores the answer digits (targets != -100). Check that the gradient of the loss
// with respect to the logits is exactly 0 at every ignored position, and that at the scored
// positions it is the gradient of the same loss computed on the scored positions alone: an
// ignored position is as if it were not in the batch. (The gradient itself is exercise ex09.)
void check_the_loss_gradient(const nn::Transformer& model, const Recipe& recipe) {
  heading(3, "Check it: only the answer positions send a gradient back");
  Generator gen(5);
  const tasks::Batch batch =
      tasks::make_batch(recipe.mix, 2, recipe.n_digits, gen, tasks::Split::train);
  Tensor logits;
  {
    NoGradGuard no_grad;
    logits = model.forward(batch.input_ids);  // [B,T,V], as a leaf of its own
  }
  logits.requires_grad_();
  backward(cross_entropy(logits, batch.targets));
  const std::int64_t B = logits.size(0), T = logits.size(1), V = logits.size(2);
  const std::vector<double> grad = logits.grad().to_vector();
  const std::vector<double> values = logits.detach().to_vector();
  const std::vector<std::int64_t> targets = batch.targets.to_int_vector();

  // The scored positions alone: their logits [|P|,V] and targets [|P|], no ignored entry.
  std::vector<std::int64_t> scored_positions;
  std::vector<double> scored_values;
  std::vector<std::int64_t> scored_targets;
  for (std::int64_t p = 0; p < B * T; ++p) {
    const std::int64_t target = targets[static_cast<std::size_t>(p)];
    if (target == tasks::kIgnore) continue;
    scored_positions.push_back(p);
    scored_targets.push_back(target);
    scored_values.insert(scored_values.end(), values.begin() + p * V, values.begin() + (p + 1) * V);
  }
  const auto scored = static_cast<std::int64_t>(scored_positions.size());  // |P|
  Tensor scored_logits = tensor(scored_values, {scored, V}, logits.dtype()).requires_grad_();
  backward(cross_entropy(scored_logits, int_tensor(scored_targets, {scored})));
  const std::vector<double> scored_grad = scored_logits.grad().to_vector();

  std::int64_t rows_with_gradient = 0;
  for (std::int64_t p = 0; p < B * T; ++p) {
    bool nonzero = false;
    for (std::int64_t v = 0; v < V; ++v)
      nonzero = nonzero || grad[static_cast<std::size_t>(p * V + v)] != 0.0;
    rows_with_gradient += nonzero ? 1 : 0;
  }
  double worst = 0.0;  // largest difference between the two gradients at a scored position
  for (std::int64_t k = 0; k < scored; ++k) {
    const std::int64_t p = scored_positions[static_cast<std::size_t>(k)];
    for (std::int64_t v = 0; v < V; ++v)
      worst = std::max(worst, std::fabs(grad[static_cast<std::size_t>(p * V + v)] -
                                        scored_grad[static_cast<std::size_t>(k * V + v)]));
  }
  fmt::print("logits {}: {} of {} positions have a nonzero gradient (B·n = {}·{})\n",
             shape_str(logits.shape()), rows_with_gradient, B * T, B, recipe.n_digits);
  fmt::print("max |dL/dz - the same loss's gradient over the {} scored positions alone| = {:.1e}\n",
             scored, worst);
  claim(rows_with_gradient == B * recipe.n_digits && scored == B * recipe.n_digits && worst < 1e-7,
        "only the scored positions get a gradient, the same as if the others were not there");
}

// ---- 4. the training loop ---------------------------------------------------------------------
struct History {
  std::vector<double> losses;  // every step's training loss
  std::vector<double> lrs;     // every step's learning rate
  std::vector<double> norms;   // every step's gradient norm, before clipping
  double seconds = 0.0;        // the whole loop
  // Seconds spent in each part of the step, summed over all steps.
  double data_s = 0.0, forward_s = 0.0, backward_s = 0.0, update_s = 0.0;
};

// Seconds since the previous call (or since construction).
class Stopwatch {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const std::chrono::duration<double> took = now - last_;
    last_ = now;
    return took.count();
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

History train(nn::Transformer& model, const Recipe& recipe, const std::string& csv_path) {
  nn::AdamW optimizer = make_optimizer(model, recipe);
  const nn::WarmupCosineSchedule schedule(recipe.max_lr, recipe.min_lr, recipe.warmup,
                                          recipe.steps);
  Generator data(0);  // the order of the training examples
  nn::ProgressOptions progress_options;
  progress_options.total_steps = recipe.steps;
  progress_options.out = stdout;  // (knob train writes it to stderr)
  progress_options.plain_every = std::max<std::int64_t>(1, recipe.steps / 6);
  nn::ProgressDisplay progress(progress_options);
  const std::int64_t log_every = std::max<std::int64_t>(1, recipe.steps / 20);
  nn::MetricsLog metrics(csv_path, {"step", "loss", "lr", "grad_norm"});

  History history;
  const auto start = std::chrono::steady_clock::now();
  Stopwatch watch;
  for (std::int64_t step = 0; step < recipe.steps; ++step) {
    // A fresh batch of training strings: input_ids and targets [B,T].
    const tasks::Batch batch = tasks::make_batch(recipe.mix, recipe.batch_size, recipe.n_digits,
                                                 data, tasks::Split::train);
    history.data_s += watch.lap();
    optimizer.set_lr(schedule.lr_at(step));                    // warmup, then cosine
    optimizer.zero_grad();                                     // forget the last step's gradients
    const Tensor logits = model.forward(batch.input_ids);      // [B,T,V]
    const Tensor loss = cross_entropy(logits, batch.targets);  // mean over the answer digits
    history.forward_s += watch.lap();
    backward(loss);  // p.grad() for every parameter
    history.backward_s += watch.lap();
    const double norm = nn::clip_grad_norm(optimizer.params(), recipe.clip_norm);  // ≤ 1 after
    optimizer.step();                                                              // AdamW update
    history.update_s += watch.lap();

    history.losses.push_back(loss.item());
    history.lrs.push_back(optimizer.lr());
    history.norms.push_back(norm);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    progress.update({.step = step + 1,
                     .loss = loss.item(),
                     .tokens_per_s = static_cast<double>((step + 1) * batch.input_ids.numel()) /
                                     elapsed.count(),
                     .elapsed_seconds = elapsed.count(),
                     .extra = fmt::format("lr {:.1e}", optimizer.lr())});
    if ((step + 1) % log_every == 0 || step + 1 == recipe.steps) {
      metrics.log({static_cast<double>(step + 1), loss.item(), optimizer.lr(), norm});
    }
    watch.lap();  // the bookkeeping above is not part of any phase
  }
  progress.finish();
  history.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return history;
}

void print_where_the_time_went(const History& h, std::int64_t steps) {
  const double per_step = 1e3 / static_cast<double>(steps);  // seconds in total → ms per step
  fmt::print(
      "per step: batch {:.1f} ms, forward + loss {:.1f} ms, backward {:.1f} ms, "
      "clip + AdamW {:.1f} ms (backward / forward = {:.1f})\n",
      h.data_s * per_step, h.forward_s * per_step, h.backward_s * per_step, h.update_s * per_step,
      h.backward_s / h.forward_s);
}

// ---- 5. the loss curve ------------------------------------------------------------------------
void draw_loss_curve(const History& history, const std::string& path) {
  nn::PlotSeries raw;  // every step's loss, faint
  raw.name = "loss per step";
  raw.opacity = 0.35;
  nn::PlotSeries smooth;  // its moving average, on top
  smooth.name = "smoothed (EMA 0.9)";
  smooth.stroke_width = 2.0;
  const std::vector<double> smoothed = nn::ema_smooth(history.losses, 0.9);
  for (std::size_t i = 0; i < history.losses.size(); ++i) {
    raw.xs.push_back(static_cast<double>(i + 1));
    raw.ys.push_back(history.losses[i]);
    smooth.xs.push_back(static_cast<double>(i + 1));
    smooth.ys.push_back(smoothed[i]);
  }
  nn::line_chart(path, "tiny transformer: copy, reverse, increment (6 digits)", "step",
                 "cross-entropy (log scale)", {raw, smooth}, /*log_y=*/true);
}

// ---- 6. accuracy on held-out strings ----------------------------------------------------------
void evaluate(const nn::Transformer& model, const Recipe& recipe, bool quick) {
  heading(6,
          fmt::format("Accuracy on {} digit strings the model never trained on", recipe.eval_rows));
  NoGradGuard no_grad;  // evaluation: record nothing
  Generator gen(2024);
  const tasks::Batch batch =
      tasks::make_batch(recipe.mix, recipe.eval_rows, recipe.n_digits, gen, tasks::Split::held_out);
  const tasks::Scores teacher = tasks::score_logits(model.forward(batch.input_ids), batch);
  const tasks::Scores greedy =
      tasks::evaluate_greedy([&](const Tensor& ids) { return model.forward(ids); }, batch);
  fmt::print("teacher-forced: {}\n", tasks::format_scores(teacher));
  fmt::print("greedy:         {}\n", tasks::format_scores(greedy));
  claim(teacher.overall.exact_match() == greedy.overall.exact_match(),
        "teacher-forced and greedy exact match agree");
  if (!quick) {
    claim(greedy.overall.exact_match() >= 0.95, "the full run reaches >= 95% exact match");
  }

  // One question of each task, answered by the model itself, one digit at a time.
  fmt::print("the model answering on its own (greedy):\n");
  const std::int64_t prompt_len = tasks::first_answer_position(recipe.n_digits) + 1;  // n + 2
  std::vector<bool> shown(tasks::kNumTasks, false);
  for (std::int64_t row = 0; row < batch.batch_size(); ++row) {
    const auto task = static_cast<std::size_t>(batch.task[static_cast<std::size_t>(row)]);
    if (shown[task]) continue;
    shown[task] = true;
    Tensor ids = slice(slice(batch.input_ids, 0, row, 1), 1, 0, prompt_len);  // [1, n+2]
    for (int k = 0; k < recipe.n_digits; ++k) {
      const Tensor logits = model.forward(ids);                                // [1,t,V]
      const Tensor last = slice(logits, 1, ids.size(1) - 1, 1).reshape({-1});  // [V]
      const std::vector<double> z = last.to_vector();
      const auto best = std::max_element(z.begin(), z.end()) - z.begin();
      ids = concat({ids, int_tensor({best}, {1, 1})}, 1);  // append the chosen digit
    }
    fmt::print("  {}\n", tasks::decode(ids));
  }
}

// ---- putting it together ----------------------------------------------------------------------
struct Args {
  bool quick = false;
  std::string out_dir = ".";
  Recipe recipe;
};

// [--quick] [--steps N] [--digits N] [--batch N] [OUT_DIR]
Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      args.quick = true;
      args.recipe.steps = 6;
      args.recipe.warmup = 2;
      args.recipe.batch_size = 16;
      args.recipe.eval_rows = 32;
    } else if (arg == "--steps" && has_value) {
      args.recipe.steps = std::stoll(argv[++i]);
    } else if (arg == "--digits" && has_value) {
      args.recipe.n_digits = std::stoi(argv[++i]);
    } else if (arg == "--batch" && has_value) {
      args.recipe.batch_size = std::stoi(argv[++i]);
    } else {
      args.out_dir = arg;
    }
  }
  return args;
}

void run(const Args& args) {
  const Recipe& recipe = args.recipe;
  show_the_task(recipe);

  heading(2, "The model");
  Generator init(1234);
  nn::Transformer model(nn::TransformerConfig{}, init);  // docs/spec.md's tiny config, f32
  fmt::print("{}: {} parameters\n", model.type_name() + "(" + model.extra_repr() + ")",
             model.num_parameters());
  const double loss_before = held_out_loss(model, recipe, 7);
  fmt::print("held-out loss before training: {:.3f}   (ln 32 = {:.3f}: a uniform guess)\n",
             loss_before, std::log(32.0));

  check_the_loss_gradient(model, recipe);

  heading(4, "Training");
  fmt::print(
      "AdamW, lr {} → {} (warmup {}, cosine), weight decay {}, clip {}, batch {}, {} steps\n",
      recipe.max_lr, recipe.min_lr, recipe.warmup, recipe.weight_decay, recipe.clip_norm,
      recipe.batch_size, recipe.steps);
  std::filesystem::create_directories(args.out_dir);
  const std::string csv = (std::filesystem::path(args.out_dir) / "metrics.csv").string();
  const History history = train(model, recipe, csv);
  const double loss_after = held_out_loss(model, recipe, 7);
  fmt::print("trained {} steps in {:.1f} s; held-out loss {:.3f} → {:.4f}\n", recipe.steps,
             history.seconds, loss_before, loss_after);
  claim(loss_after < loss_before, "training lowers the held-out loss");
  print_where_the_time_went(history, recipe.steps);

  heading(5, "The loss curve");
  const std::string svg = (std::filesystem::path(args.out_dir) / "loss_curve.svg").string();
  draw_loss_curve(history, svg);
  fmt::print("wrote {} and {}\n", svg, csv);

  evaluate(model, recipe, args.quick);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    run(parse_args(argc, argv));
  } catch (const std::exception& e) {  // knob::Error, or a bad number after --steps
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(7);
}
