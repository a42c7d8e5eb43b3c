// Lesson 09: IA³ against full fine-tuning, the capstone in small. Pretrain docs/spec.md's
// tiny transformer on copy, reverse and increment; then teach it a new task (reverse, then
// increment, under a neutral task token) twice from the same start: with IA³ (768 numbers train,
// the base stays bit-identical) and fully (every weight trains, and the old tasks are forgotten).
// Read tutorials/09_ia3_finetuning/README.md alongside. Exits 1 if a claim is false.
//
// Usage: tutorial_09 [--quick] [--pretrain-steps N] [--finetune-steps N] [OUT_DIR]
//   --quick   a handful of steps of everything (what ctest runs; the scores mean nothing)
//   OUT_DIR   where the base model, the adapter and the loss curves go (default: the current
//             folder)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "ia3/adapter.h"
#include "ia3/adapter_config.h"
#include "ia3/adapter_file.h"
#include "ia3/model_map.h"
#include "nn/io/model_dir.h"
#include "nn/layers/transformer.h"
#include "nn/optim/adam.h"
#include "nn/optim/clip_grad.h"
#include "nn/optim/lr_schedule.h"
#include "nn/train/svg_plot.h"
#include "tasks/digit_tasks.h"
#include "tasks/metrics.h"
#include "tutorials/common/lesson.h"

using namespace knob;
using namespace knob::lesson;  // claim, heading, max_abs_difference, finish

namespace {

// ---- the recipe ------------------------------------------------------------------------------
struct Recipe {
  std::vector<tasks::TaskSpec> original = tasks::parse_task_mix("copy,reverse,increment");
  std::vector<tasks::TaskSpec> new_task = tasks::parse_task_mix("reverse_increment@neutral");
  int n_digits = 6;                   // T = 2n + 1 = 13 tokens per row
  int batch_size = 64;                // rows per step
  std::int64_t pretrain_steps = 300;  // lesson 07's run
  std::int64_t finetune_steps = 600;  // for each method (knob demo's count)
  int eval_rows = 512;                // held-out rows per evaluation
  double pretrain_lr = 3e-3;          // lesson 07's peak rate
  double ia3_lr = 3e-2;               // IA³: ten times the pretraining rate, no decay
  double full_lr = 1e-3;              // full fine-tuning: gentler than pretraining
};

// One optimizer setting: peak rate, decay, warmup. The cosine ends at a tenth of the peak.
struct Schedule {
  double lr = 0.0;
  double weight_decay = 0.0;
  std::int64_t warmup = 0;
  std::int64_t steps = 0;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// ---- the training loop (the same for pretraining, IA³ and full fine-tuning) ------------------
// Only `params` move; everything else in the model stays as it is. Vectors and biases (dim < 2)
// are never weight-decayed — for IA³ that is every parameter.
struct TrainResult {
  std::vector<double> losses;           // every step's training loss
  std::int64_t adam_state_numbers = 0;  // numbers in AdamW's two moment buffers at the end
};

TrainResult train(const nn::Transformer& model, const nn::NamedTensors& params,
                  const std::vector<tasks::TaskSpec>& mix, const Schedule& schedule,
                  const Recipe& recipe, std::uint64_t data_seed) {
  std::vector<std::string> no_decay;
  for (const auto& [name, tensor] : params) {
    if (tensor.dim() < 2) no_decay.push_back(name);
  }
  nn::AdamW optimizer(params, schedule.lr, {0.9, 0.999}, 1e-8, schedule.weight_decay, no_decay);
  const nn::WarmupCosineSchedule lr_at(schedule.lr, schedule.lr / 10, schedule.warmup,
                                       schedule.steps);
  Generator data(data_seed);
  TrainResult result;
  const std::int64_t print_every = std::max<std::int64_t>(1, schedule.steps / 3);
  for (std::int64_t step = 0; step < schedule.steps; ++step) {
    const tasks::Batch batch =
        tasks::make_batch(mix, recipe.batch_size, recipe.n_digits, data, tasks::Split::train);
    optimizer.set_lr(lr_at.lr_at(step));
    optimizer.zero_grad();
    const Tensor loss = model.loss(batch.input_ids, batch.targets);  // answer digits only
    backward(loss);                   // gradients reach only tensors that require them
    nn::clip_grad_norm(params, 1.0);  // the global norm of `params` is at most 1 after
    optimizer.step();
    result.losses.push_back(loss.item());
    if (step == 0 || (step + 1) % print_every == 0 || step + 1 == schedule.steps) {
      fmt::print("  step {:>4}/{}  loss {:.4f}  lr {:.1e}\n", step + 1, schedule.steps, loss.item(),
                 optimizer.lr());
    }
  }
  for (const auto& [name, buffer] : optimizer.state()) {  // exp_avg.<name>, exp_avg_sq.<name>
    if (name.rfind("exp_avg", 0) == 0) result.adam_state_numbers += buffer.numel();
  }
  return result;
}

// ---- evaluation ---------------------------------------------------------------------------
struct Evaluation {
  double exact = 0.0;   // rows entirely right
  double tokens = 0.0;  // answer digits right
};

// Greedy: the model writes the answer itself from the prompt, as it would in use.
Evaluation evaluate(const nn::Transformer& model, const std::vector<tasks::TaskSpec>& mix,
                    const Recipe& recipe) {
  NoGradGuard no_grad;
  Generator gen(2024);  // the same held-out rows for every model
  const tasks::Batch batch =
      tasks::make_batch(mix, recipe.eval_rows, recipe.n_digits, gen, tasks::Split::held_out);
  const tasks::Scores scores =
      tasks::evaluate_greedy([&](const Tensor& ids) { return model.forward(ids); }, batch);
  return {scores.overall.exact_match(), scores.overall.token_accuracy()};
}

// One held-out question of the new task, answered by the model one digit at a time.
std::string answer_one(const nn::Transformer& model, const Recipe& recipe) {
  NoGradGuard no_grad;
  Generator gen(77);
  const tasks::Batch batch =
      tasks::make_batch(recipe.new_task, 1, recipe.n_digits, gen, tasks::Split::held_out);
  Tensor ids = slice(batch.input_ids, 1, 0, tasks::first_answer_position(recipe.n_digits) + 1);
  for (int k = 0; k < recipe.n_digits; ++k) {
    const Tensor last = slice(model.forward(ids), 1, ids.size(1) - 1, 1).reshape({-1});  // [V]
    const std::vector<double> z = last.to_vector();
    const auto best = std::max_element(z.begin(), z.end()) - z.begin();
    ids = concat({ids, int_tensor({best}, {1, 1})}, 1);
  }
  const std::vector<std::int64_t> truth = batch.targets.to_int_vector();
  return fmt::format(
      "{}   (right answer: {})", tasks::decode(ids),
      tasks::decode(std::vector<tasks::Token>(truth.end() - recipe.n_digits, truth.end())));
}

std::shared_ptr<nn::Transformer> copy_of(const nn::Transformer& base) {
  Generator unused(0);  // the fresh weights are overwritten at once
  auto model = std::make_shared<nn::Transformer>(base.config(), unused);
  model->load_state_dict(base.named_parameters());
  return model;
}

// Largest |a - b| over every base parameter of two models of the same config.
double largest_weight_change(const nn::Transformer& a, const nn::Transformer& b) {
  const nn::NamedTensors pa = nn::base_parameters(a), pb = nn::base_parameters(b);
  double worst = 0.0;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    const std::vector<double> va = pa[i].second.to_vector(), vb = pb[i].second.to_vector();
    for (std::size_t j = 0; j < va.size(); ++j) worst = std::max(worst, std::fabs(va[j] - vb[j]));
  }
  return worst;
}

// ---- putting it together --------------------------------------------------------------------
struct Args {
  bool quick = false;
  std::string out_dir = ".";
  Recipe recipe;
};

Args parse_args(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--quick") {
      args.quick = true;
      args.recipe.pretrain_steps = 8;
      args.recipe.finetune_steps = 8;
      args.recipe.batch_size = 32;
      args.recipe.eval_rows = 64;
    } else if (arg == "--pretrain-steps" && has_value) {
      args.recipe.pretrain_steps = std::stoll(argv[++i]);
    } else if (arg == "--finetune-steps" && has_value) {
      args.recipe.finetune_steps = std::stoll(argv[++i]);
    } else {
      args.out_dir = arg;
    }
  }
  return args;
}

struct MethodRow {
  std::string method;
  Evaluation new_task;
  double original_exact = 0.0;
  std::int64_t trainable = 0;
  std::int64_t optimizer_numbers = 0;
  double seconds = 0.0;
  std::vector<double> losses;
};

// ---- the lesson's sections ----------------------------------------------------------------
// 1. Two rows of the new task, as the model sees them.
void show_new_task(const Recipe& recipe) {
  Generator gen(99);
  const tasks::Batch batch =
      tasks::make_batch(recipe.new_task, 2, recipe.n_digits, gen, tasks::Split::train);
  for (std::int64_t row = 0; row < 2; ++row) {
    fmt::print("  input_ids  {}\n", tasks::decode(slice(batch.input_ids, 0, row, 1)));
    fmt::print("  targets    {}\n", tasks::decode(slice(batch.targets, 0, row, 1)));
  }
}

// 2. Pretrain `base` on the original tasks and save it; returns its scores on the original
// tasks and on the new one.
struct BaseScores {
  Evaluation original;
  Evaluation new_task;
};

BaseScores pretrain_base(nn::Transformer& base, const Recipe& recipe,
                         const std::filesystem::path& out) {
  const auto start = std::chrono::steady_clock::now();
  train(base, base.named_parameters(), recipe.original,
        {recipe.pretrain_lr, 0.01, std::min<std::int64_t>(50, recipe.pretrain_steps / 6),
         recipe.pretrain_steps},
        recipe, 0);
  const double pretrain_seconds = seconds_since(start);
  const BaseScores scores{evaluate(base, recipe.original, recipe),
                          evaluate(base, recipe.new_task, recipe)};
  fmt::print("pretrained in {:.1f} s: original tasks exact match {:.1f}%\n", pretrain_seconds,
             100 * scores.original.exact);
  const std::string base_dir = (out / "lesson09_base").string();
  nn::save_model_dir(base, base_dir);
  fmt::print("saved the base model to {}\n", base_dir);
  return scores;
}

// One backward pass before training: which tensors receive a gradient?
void check_only_vectors_get_gradients(nn::Transformer& model, const Recipe& recipe) {
  Generator gen(3);
  const tasks::Batch batch =
      tasks::make_batch(recipe.new_task, 8, recipe.n_digits, gen, tasks::Split::train);
  backward(model.loss(batch.input_ids, batch.targets));
  std::int64_t with_grad = 0, vectors_with_grad = 0, tensors = 0;
  for (const auto& [name, p] : model.named_parameters()) {
    ++tensors;
    with_grad += p.has_grad() ? 1 : 0;
    vectors_with_grad += p.has_grad() && ia3::is_vector_name(name) ? 1 : 0;
  }
  model.zero_grad();
  fmt::print(
      "after one backward: {} of the model's {} tensors hold a gradient, all IA3 "
      "vectors: {}\n",
      with_grad, tensors, vectors_with_grad == with_grad ? "yes" : "no");
  claim(with_grad == 6 && vectors_with_grad == 6, "only the six IA3 vectors receive gradients");
}

// Where the trained vectors ended up: their range and how many changed sign.
void print_vector_range(const ia3::Adapter& adapter) {
  double low = 1e30, high = -1e30;
  std::int64_t negative = 0;
  for (const auto& [name, vector] : adapter.vectors()) {
    for (double v : vector.to_vector()) {
      low = std::min(low, v);
      high = std::max(high, v);
      negative += v < 0 ? 1 : 0;
    }
  }
  fmt::print("the 768 numbers now lie in [{:.2f}, {:.2f}]; {} of them are negative\n", low, high,
             negative);
}

// 4. IA³ on a copy of the base: train the vectors, check the base did not move, score the model
// with and without the adapter, save the adapter.
MethodRow finetune_ia3(const nn::Transformer& base, const BaseScores& base_scores,
                       const Recipe& recipe, std::int64_t warmup,
                       const std::filesystem::path& out) {
  const auto ia3_model = copy_of(base);
  ia3::Adapter adapter(ia3_model, ia3::AdapterConfig::spec_default());  // ones; all else frozen
  MethodRow row;
  row.method = "ia3";
  row.trainable = ia3_model->num_parameters(/*trainable_only=*/true);
  fmt::print("trainable {}, frozen {}\n", row.trainable,
             ia3_model->num_parameters() - row.trainable);
  check_only_vectors_get_gradients(*ia3_model, recipe);
  const auto start = std::chrono::steady_clock::now();
  const TrainResult trained = train(*ia3_model, adapter.vectors(), recipe.new_task,
                                    {recipe.ia3_lr, 0.0, warmup, recipe.finetune_steps}, recipe, 1);
  row.losses = trained.losses;
  row.optimizer_numbers = trained.adam_state_numbers;
  row.seconds = seconds_since(start);
  row.new_task = evaluate(*ia3_model, recipe.new_task, recipe);
  fmt::print("  {}\n", answer_one(*ia3_model, recipe));
  print_vector_range(adapter);

  const bool unchanged = adapter.base_unchanged();
  fmt::print("every base weight bit-identical to the pretrained model: {}\n",
             unchanged ? "yes" : "NO");
  claim(unchanged, "IA3 training leaves every base weight bit-identical");
  claim(largest_weight_change(*ia3_model, base) == 0.0, "no base weight moved at all");

  adapter.deactivate();  // the base model again, bit for bit
  row.original_exact = evaluate(*ia3_model, recipe.original, recipe).exact;
  adapter.activate();
  fmt::print("adapter removed (deactivate): original tasks exact match {:.1f}%\n",
             100 * row.original_exact);
  claim(row.original_exact == base_scores.original.exact,
        "without the adapter the model scores exactly what the base scored");
  claim(row.trainable == 768, "768 numbers train");

  const std::string path = (out / "lesson09_reverse_increment.safetensors").string();
  ia3::save_adapter(path, {adapter.vectors(), adapter.config(), base.config()});
  fmt::print("saved the adapter to {} ({} bytes)\n", path, std::filesystem::file_size(path));
  return row;
}

// 5. Full fine-tuning on another copy: every weight trains.
MethodRow finetune_full(const nn::Transformer& base, const Recipe& recipe, std::int64_t warmup) {
  const auto full_model = copy_of(base);
  MethodRow row;
  row.method = "full";
  row.trainable = full_model->num_parameters(/*trainable_only=*/true);
  fmt::print("trainable {}, frozen {}\n", row.trainable,
             full_model->num_parameters() - row.trainable);
  const auto start = std::chrono::steady_clock::now();
  const TrainResult trained =
      train(*full_model, full_model->named_parameters(), recipe.new_task,
            {recipe.full_lr, 0.01, warmup, recipe.finetune_steps}, recipe, 1);
  row.losses = trained.losses;
  row.optimizer_numbers = trained.adam_state_numbers;
  row.seconds = seconds_since(start);
  row.new_task = evaluate(*full_model, recipe.new_task, recipe);
  row.original_exact = evaluate(*full_model, recipe.original, recipe).exact;
  fmt::print("  {}\n", answer_one(*full_model, recipe));
  fmt::print("largest change of a base weight: {:.3f}\n", largest_weight_change(*full_model, base));
  fmt::print("original tasks exact match afterwards {:.1f}%\n", 100 * row.original_exact);
  return row;
}

// 6. The table of the three methods, and the claims it supports.
void compare(const std::vector<MethodRow>& rows, const nn::Transformer& base,
             const BaseScores& base_scores, bool quick) {
  const double total = static_cast<double>(base.num_parameters());
  fmt::print("{:<7} {:>10} {:>10} {:>15} {:>10} {:>8} {:>10} {:>8}\n", "method", "new task",
             "digits", "original tasks", "trainable", "share", "Adam state", "seconds");
  for (const MethodRow& r : rows) {
    fmt::print("{:<7} {:>9.1f}% {:>9.1f}% {:>14.1f}% {:>10} {:>7.2f}% {:>10} {:>8.1f}\n", r.method,
               100 * r.new_task.exact, 100 * r.new_task.tokens, 100 * r.original_exact, r.trainable,
               100 * static_cast<double>(r.trainable) / total, r.optimizer_numbers, r.seconds);
  }
  const MethodRow& ia3_row = rows[1];
  const MethodRow& full_row = rows[2];
  claim(ia3_row.optimizer_numbers == 2 * 768 &&
            full_row.optimizer_numbers == 2 * base.num_parameters(),
        "AdamW keeps two numbers per trained number");
  if (!quick) {
    claim(base_scores.original.exact >= 0.95, "the base reaches >= 95% on the original tasks");
    claim(base_scores.new_task.exact <= 0.05, "the frozen base cannot do the new task");
    claim(ia3_row.new_task.exact >= 0.85, "IA3 learns the new task (>= 85% exact match)");
    claim(full_row.new_task.exact >= 0.9, "full fine-tuning learns the new task (>= 90%)");
    claim(full_row.original_exact <= base_scores.original.exact - 0.5,
          "full fine-tuning forgets the original tasks (loses >= 50 points)");
  }
}

// The two fine-tuning loss curves in one picture.
void plot_curves(const MethodRow& ia3_row, const MethodRow& full_row,
                 const std::filesystem::path& out) {
  nn::PlotSeries ia3_curve;
  ia3_curve.name = "ia3 (768 numbers train)";
  ia3_curve.ys = ia3_row.losses;
  nn::PlotSeries full_curve;
  full_curve.name = "full (106272 numbers train)";
  full_curve.ys = full_row.losses;
  for (std::size_t i = 0; i < ia3_row.losses.size(); ++i) {
    ia3_curve.xs.push_back(static_cast<double>(i + 1));
    full_curve.xs.push_back(static_cast<double>(i + 1));
  }
  const std::string svg = (out / "lesson09_finetune_curves.svg").string();
  nn::line_chart(svg, "fine-tuning on reverse-then-increment", "step", "training loss (log scale)",
                 {ia3_curve, full_curve}, /*log_y=*/true);
  fmt::print("\nwrote {}\n", svg);
}

void run(const Args& args) {
  const Recipe& recipe = args.recipe;
  const std::filesystem::path out(args.out_dir);
  std::filesystem::create_directories(out);

  heading(1, "The new task: reverse, then increment, under a neutral task token");
  show_new_task(recipe);

  heading(2, fmt::format("Pretraining the base on copy, reverse, increment ({} steps)",
                         recipe.pretrain_steps));
  Generator init(1234);
  nn::Transformer base(nn::TransformerConfig{}, init);  // docs/spec.md's tiny config, f32
  const BaseScores base_scores = pretrain_base(base, recipe, out);

  heading(3, "The frozen base on the new task");
  fmt::print("exact match {:.1f}%, answer digits right {:.1f}%\n", 100 * base_scores.new_task.exact,
             100 * base_scores.new_task.tokens);
  fmt::print("  {}\n", answer_one(base, recipe));

  const std::int64_t warmup = std::min<std::int64_t>(30, recipe.finetune_steps / 10);
  std::vector<MethodRow> rows;
  rows.push_back({"frozen", base_scores.new_task, base_scores.original.exact, 0, 0, 0.0, {}});

  heading(4, "IA3: only l_k, l_v, l_ff train (lr 3e-2, no weight decay)");
  rows.push_back(finetune_ia3(base, base_scores, recipe, warmup, out));

  heading(5, "Full fine-tuning: every weight trains (lr 1e-3, weight decay 0.01)");
  rows.push_back(finetune_full(base, recipe, warmup));

  heading(6, fmt::format("Side by side ({} held-out rows per score, greedy)", recipe.eval_rows));
  compare(rows, base, base_scores, args.quick);
  plot_curves(rows[1], rows[2], out);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    run(parse_args(argc, argv));
  } catch (const std::exception& e) {  // knob::Error, or a bad number after --*-steps
    fmt::print("error: {}\n", e.what());
    return 1;
  }
  return finish(9);
}
