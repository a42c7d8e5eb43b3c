// The recipe behind `knob train`, `knob eval` and the demo: train the reference transformer on
// digit tasks with AdamW, warmup + cosine, gradient clipping; evaluate on held-out strings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/gradient_reference.h"
#include "nn/trainer.h"
#include "nn/transformer.h"
#include "tasks/digit_tasks.h"
#include "tasks/metrics.h"

namespace knob::cli {

/// @brief Hyper-parameters of one training run on digit tasks.
struct DigitTraining {
  std::vector<tasks::TaskSpec> mix;   ///< tasks to sample rows from (uniformly)
  int n_digits = 8;                   ///< digits per example (T = 2n + 1)
  int batch_size = 128;               ///< rows per step
  std::int64_t steps = 1000;          ///< optimizer steps
  double lr = 3e-3;                   ///< peak learning rate
  double min_lr_fraction = 0.1;       ///< cosine decays to lr · this
  std::int64_t warmup = 50;           ///< linear warmup steps
  double weight_decay = 0.01;         ///< AdamW decay (never applied to IA³ vectors)
  double clip_norm = 1.0;             ///< gradient clipping (0: off)
  std::uint64_t seed = 0;             ///< data order
  nn::Trainable trainable = nn::Trainable::full;  ///< which parameters train
  std::string csv_path;               ///< metrics CSV ("" none)
  std::string plot_path;              ///< loss-curve SVG ("" none)
  std::string title = "training loss";  ///< plot title
  bool quiet = false;                 ///< no progress display
  std::string checkpoint_path;        ///< training checkpoint file ("" none; nn/checkpoint.h)
  std::int64_t checkpoint_every = 0;  ///< save it every this many steps and at the end (0: never)
  bool resume = false;                ///< continue from checkpoint_path when that file exists
  std::int64_t stop_after = 0;        ///< run at most this many steps in this call (0: all)
};

/// @brief What train_digits() did.
struct DigitTrainingResult {
  nn::TrainReport report;       ///< the loop's report (steps run by this call, losses, time)
  std::int64_t start_step = 0;  ///< the step it started from (> 0 when resumed)
  bool finished = true;         ///< all `steps` are done (false when stopped by stop_after)
};

/// @brief Train `model` in place. Freezes what `options.trainable` says is frozen.
///
/// With `resume` and an existing `checkpoint_path`, the weights, the optimizer, the step and the
/// data stream are restored first, so the run continues exactly as if it had never stopped.
/// With `checkpoint_every` > 0 the checkpoint is written (atomically) every that many steps and
/// after the last step of this call.
nn::TrainReport train_digits(nn::Transformer& model, const DigitTraining& options);
/// @brief train_digits() that also says where it started and whether it finished.
DigitTrainingResult train_digits_resumable(nn::Transformer& model, const DigitTraining& options);

/// @brief Held-out evaluation: `rows` examples (in batches of 256) drawn from `mix` on digit
/// strings never used for training; returns scores per task and the mean loss.
struct DigitEvaluation {
  tasks::Scores scores;  ///< token accuracy and exact match, per task and overall
  double loss = 0.0;     ///< mean cross-entropy over answer tokens
};

/// @brief Evaluate without recording a graph.
DigitEvaluation evaluate_digits(const nn::Transformer& model,
                                const std::vector<tasks::TaskSpec>& mix, int n_digits, int rows,
                                std::uint64_t seed);

}  // namespace knob::cli
