#include "digit_training.h"

#include <filesystem>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autograd/ops.h"
#include "ia3/trainable.h"
#include "nn/base/file_error.h"
#include "nn/io/checkpoint.h"
#include "nn/io/finite_state.h"
#include "nn/io/model_dir.h"
#include "nn/optim/adam.h"
#include "nn/optim/clip_grad.h"
#include "nn/optim/lr_schedule.h"

namespace knob::cli {

nn::TrainReport train_digits(nn::Transformer& model, const DigitTraining& o) {
  return train_digits_resumable(model, o).report;
}

namespace {

// The parameters that train, and those of them never weight-decayed.
struct TrainableParameters {
  nn::NamedTensors params;
  std::vector<std::string> no_decay;
};

// Choose what trains (the base weights or some IA³ vectors).
TrainableParameters set_trainable(nn::Transformer& model, const DigitTraining& o) {
  ia3::set_trainable(
      model, o.trainable,
      o.trainable == ia3::Trainable::ia3 ? o.ia3_vectors : std::vector<std::string>{});
  nn::NamedTensors params;
  std::vector<std::string> no_decay;
  for (auto& [name, t] : model.trainable_parameters()) {
    params.emplace_back(name, t);
    // Decay only matrices: never biases, LayerNorm gains or IA³ vectors (which must be free to
    // go anywhere, including negative).
    if (t.dim() < 2) no_decay.push_back(name);
  }
  if (params.empty()) {
    throw ValueError("train: nothing to train (no IA³ vector of the kinds asked for)");
  }
  return {params, no_decay};
}

// The hyper-parameters a checkpoint records: resuming with other values would not continue the
// same run. Only the number of steps may change (the schedule is then stretched, with a warning).
std::vector<nn::RunSetting> run_settings(const DigitTraining& o, const nn::Transformer& model) {
  std::string tasks;
  for (const tasks::TaskSpec& spec : o.mix) {
    tasks += fmt::format("{}{}@{}", tasks.empty() ? "" : ",", tasks::task_name(spec.task),
                         tasks::token_name(spec.shown_as));
  }
  return {
      {"config", nlohmann::json::parse(model.config().to_json()).dump()},
      {"trainable", o.trainable == ia3::Trainable::ia3 ? "ia3" : "full"},
      {"ia3_vectors", fmt::format("{}", fmt::join(o.ia3_vectors, ","))},
      {"data", o.source ? "custom" : fmt::format("{} digits of {}", o.n_digits, tasks)},
      {"batch", fmt::format("{}", o.batch_size)},
      {"steps", fmt::format("{}", o.steps), /*may_change=*/true},
      {"lr", fmt::format("{}", o.lr)},
      {"schedule", fmt::format("warmup {} then cosine to lr x {}", o.warmup, o.min_lr_fraction)},
      {"weight_decay", fmt::format("{}", o.weight_decay)},
      {"clip_norm", fmt::format("{}", o.clip_norm)},
      {"betas", fmt::format("{} {}", o.betas.beta1, o.betas.beta2)},
      {"seed", fmt::format("{}", o.recorded_seed.value_or(o.seed))}};
}

// Restore the run from its checkpoint; returns the step to continue from.
std::int64_t resume_from(const DigitTraining& o, nn::Transformer& model, nn::AdamW& optimizer,
                         const std::vector<nn::NamedGenerator>& generators) {
  std::vector<std::string> changes;
  const std::int64_t step = nn::load_checkpoint(o.checkpoint_path, model, optimizer, generators,
                                                run_settings(o, model), &changes);
  if (step > o.steps) {
    throw FileError(o.checkpoint_path,
                    fmt::format("holds step {}, beyond --steps {}", step, o.steps));
  }
  if (optimizer.step_count() != step) {
    throw FileError(o.checkpoint_path,
                    fmt::format("checkpoint: the optimizer has taken {} steps but the run {}",
                                optimizer.step_count(), step));
  }
  for (const std::string& change : changes) {
    fmt::print(stderr,
               "knob: warning: resuming with a changed setting ({}): the learning-rate schedule "
               "is recomputed for the new length from step {} on\n",
               change, step);
  }
  return step;
}

}  // namespace

DigitTrainingResult train_digits_resumable(nn::Transformer& model, const DigitTraining& o) {
  if (!o.source) {
    tasks::check_vocab_size(model.config().vocab_size);
    if (2 * o.n_digits + 1 > model.config().max_seq_len) {
      throw ValueError(
          fmt::format("train: {} digits need sequences of {} tokens but max_seq_len is {}",
                      o.n_digits, 2 * o.n_digits + 1, model.config().max_seq_len));
    }
  }
  const TrainableParameters trainable = set_trainable(model, o);
  const nn::NamedTensors& params = trainable.params;
  nn::AdamW optimizer(params, o.lr, o.betas, 1e-8, o.weight_decay, trainable.no_decay);
  nn::WarmupCosineSchedule schedule(o.lr, o.lr * o.min_lr_fraction, std::min(o.warmup, o.steps),
                                    o.steps);
  Generator data(o.seed);
  const std::vector<nn::NamedGenerator> generators = {{"data", &data}};
  DigitTrainingResult result;
  if (o.resume && !o.checkpoint_path.empty() && std::filesystem::exists(o.checkpoint_path)) {
    result.start_step = resume_from(o, model, optimizer, generators);
  } else if (o.resume && !o.quiet) {
    fmt::print("no checkpoint at {} yet: starting at step 0\n", o.checkpoint_path);
  }
  const std::int64_t end =
      o.stop_after > 0 ? std::min(o.steps, result.start_step + o.stop_after) : o.steps;
  result.finished = end == o.steps;
  model.train();

  nn::TrainOptions loop;
  loop.steps = end;
  loop.start_step = result.start_step;
  loop.log_every = std::max<std::int64_t>(1, o.steps / 100);
  const bool checkpoints = o.checkpoint_every > 0 && !o.checkpoint_path.empty();
  // Every checkpoint falls on a CSV row, so a resumed run's rows continue exactly where the
  // checkpoint's run left them.
  if (checkpoints) loop.log_every = std::gcd(loop.log_every, o.checkpoint_every);
  loop.csv_path = o.csv_path;
  loop.plot_path = o.plot_path;
  loop.title = o.title;
  loop.quiet = o.quiet;
  const std::vector<nn::RunSetting> settings = run_settings(o, model);
  loop.after_step = [&](std::int64_t done) {
    // Only after a step whose loss and weights are finite: a diverged state never replaces the
    // last good checkpoint.
    if (checkpoints && (done % o.checkpoint_every == 0 || done == end)) {
      nn::save_checkpoint(o.checkpoint_path, model, optimizer, done, generators, settings);
      result.last_checkpoint_step = done;
    }
  };
  result.report = nn::train_loop(loop, [&](std::int64_t step) {
    const tasks::Batch batch =
        o.source ? o.source(data)
                 : tasks::make_batch(o.mix, o.batch_size, o.n_digits, data, tasks::Split::train);
    optimizer.set_lr(schedule.lr_at(step));
    optimizer.zero_grad();
    Tensor loss = model.loss(batch.input_ids, batch.targets);
    backward(loss);
    result.grad_norms.push_back(o.clip_norm > 0 ? nn::clip_grad_norm(params, o.clip_norm)
                                                : nn::grad_norm(params));
    optimizer.step();
    nn::StepResult step_result{loss.item(), batch.input_ids.numel(), optimizer.lr()};
    step_result.diverged = !nn::non_finite_tensors(params).empty();
    return step_result;
  });
  return result;
}

DigitTraining demo_finetune_recipe(ia3::Trainable trainable, double lr, std::int64_t steps,
                                   int batch_size, std::uint64_t seed, const Ia3Optimizer& ia3) {
  DigitTraining t;
  t.trainable = trainable;
  t.lr = lr;
  t.steps = steps;
  t.batch_size = batch_size;
  t.warmup = std::min<std::int64_t>(30, steps / 10);
  t.seed = seed;
  if (trainable == ia3::Trainable::ia3) {
    t.min_lr_fraction = ia3.lr_floor;
    t.betas = {0.9, ia3.beta2};
    t.clip_norm = ia3.clip_norm;
    t.weight_decay = 0.0;
  }
  return t;
}

DigitEvaluation evaluate_digits(const nn::Transformer& model,
                                const std::vector<tasks::TaskSpec>& mix, int n_digits, int rows,
                                std::uint64_t seed) {
  NoGradGuard no_grad;
  Generator data(seed ^ 0x5eedULL);
  DigitEvaluation result;
  double loss_sum = 0.0;
  int batches = 0;
  for (int done = 0; done < rows; done += 256) {
    const int n = std::min(256, rows - done);
    const tasks::Batch batch = tasks::make_batch(mix, n, n_digits, data, tasks::Split::held_out);
    Tensor logits = model.forward(batch.input_ids);
    loss_sum += cross_entropy(logits, batch.targets).item();
    ++batches;
    result.scores += tasks::score_logits(logits, batch);
  }
  result.loss = batches > 0 ? loss_sum / batches : 0.0;
  return result;
}

std::shared_ptr<nn::Transformer> copy_of_base(const nn::Transformer& base) {
  Generator unused(0);  // the fresh weights are overwritten at once
  auto model = std::make_shared<nn::Transformer>(base.config(), unused);
  model->load_state_dict(nn::base_parameters(base));
  return model;
}

}  // namespace knob::cli
