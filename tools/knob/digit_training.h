// The recipe behind `knob train`, `knob eval` and the demo: train the reference transformer on
// digit tasks with AdamW, warmup + cosine, gradient clipping; evaluate on held-out strings.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "ia3/trainable.h"
#include "nn/layers/transformer.h"
#include "nn/optim/adam.h"
#include "nn/train/gradient_reference.h"
#include "nn/train/trainer.h"
#include "tasks/digit_tasks.h"
#include "tasks/metrics.h"

namespace knob::cli {

/// @brief A source of training rows other than the digit tasks: given the data generator
/// (advanced by the call), one batch of `input_ids` and `targets` [B,T].
using BatchSource = std::function<tasks::Batch(Generator& data)>;

/// @brief Hyper-parameters of one training run on digit tasks.
struct DigitTraining {
  std::vector<tasks::TaskSpec> mix;  ///< tasks to sample rows from (uniformly)
  int n_digits = 8;                  ///< digits per example (T = 2n + 1)
  int batch_size = 128;              ///< rows per step
  std::int64_t steps = 1000;         ///< optimizer steps
  double lr = 3e-3;                  ///< peak learning rate
  double min_lr_fraction = 0.1;      ///< cosine decays to lr · this
  std::int64_t warmup = 50;          ///< linear warmup steps
  double weight_decay = 0.01;        ///< AdamW decay (never applied to IA³ vectors)
  double clip_norm = 1.0;            ///< gradient clipping (0: off)
  /// Adam's moment decay rates. A shorter second-moment memory (β₂ = 0.95) suits IA³, whose
  /// gradients shrink twentyfold while it trains: with β₂ = 0.999 the remembered early
  /// gradients keep the steps small long after (see docs/ia3.md, the capstone's recipe).
  nn::Betas betas = {0.9, 0.999};
  /// With Trainable::ia3: the kinds of IA³ vector that train (`l_k`, `l_v`, `l_ff`); the others
  /// are frozen at their values (ones, unless set). The default trains all three.
  std::vector<std::string> ia3_vectors = {"l_k", "l_v", "l_ff"};
  /// Rows come from here when set (the digit-task fields `mix` and `n_digits` are then unused).
  BatchSource source;
  std::uint64_t seed = 0;  ///< data order
  /// The seed a checkpoint records as the run's `seed` setting (default: `seed`). knob train
  /// derives `seed` from its --seed and records the --seed, so that refusing a resume with another
  /// --seed names the two values the user gave.
  std::optional<std::uint64_t> recorded_seed;
  ia3::Trainable trainable = ia3::Trainable::full;  ///< which parameters train
  std::string csv_path;                             ///< metrics CSV ("" none)
  std::string plot_path;                            ///< loss-curve SVG ("" none)
  std::string title = "training loss";              ///< plot title
  bool quiet = false;                               ///< no progress display
  std::string checkpoint_path;        ///< training checkpoint file ("" none; nn/io/checkpoint.h)
  std::int64_t checkpoint_every = 0;  ///< save it every this many steps and at the end (0: never)
  bool resume = false;                ///< continue from checkpoint_path when that file exists
  std::int64_t stop_after = 0;        ///< run at most this many steps in this call (0: all)
};

/// @brief What train_digits() did.
struct DigitTrainingResult {
  nn::TrainReport report;       ///< the loop's report (steps run by this call, losses, time)
  std::int64_t start_step = 0;  ///< the step it started from (> 0 when resumed)
  bool finished = true;         ///< all `steps` are done (false when stopped by stop_after)
  std::int64_t last_checkpoint_step = -1;  ///< step of the last checkpoint written (-1: none)
  /// The global L2 norm of the trainable parameters' gradient (before clipping) at each step of
  /// this call.
  std::vector<double> grad_norms;
};

/// @brief Train `model` in place. Freezes what `options.trainable` says is frozen.
///
/// With `resume` and an existing `checkpoint_path`, the weights, the optimizer, the step and the
/// data stream are restored first, so the run continues exactly as if it had never stopped; the
/// checkpoint must record the same hyper-parameters (only `steps` may differ, with a warning on
/// standard error). With `checkpoint_every` > 0 the checkpoint is written (atomically) every that
/// many steps and after the last step of this call, after the step's CSV row and only while the
/// loss and the weights are finite (a diverged run keeps its last good checkpoint).
nn::TrainReport train_digits(nn::Transformer& model, const DigitTraining& options);

/// @brief A new model holding the base parameters of `base` (its IA³ vectors left out): the
/// common start of the demos' runs, each on a copy of its own.
/// @param base the pretrained model. @return the copy.
std::shared_ptr<nn::Transformer> copy_of_base(const nn::Transformer& base);
/// @brief train_digits() that also says where it started and whether it finished.
DigitTrainingResult train_digits_resumable(nn::Transformer& model, const DigitTraining& options);

/// @brief The parts of the demos' IA³ recipe that `knob demo` lets one vary (`--ia3-beta2`,
/// `--ia3-lr-floor`, `--ia3-clip`), to see what each is worth.
struct Ia3Optimizer {
  double beta2 = 0.95;     ///< Adam's β₂ (the second-moment memory, about 1/(1−β₂) steps)
  double lr_floor = 1.0;   ///< after warmup, cosine decay to lr · this (1: a constant rate)
  double clip_norm = 0.0;  ///< gradient clipping (0: off)
};

/// @brief The fine-tuning recipe of `knob demo` (both tasks), for IA³ and for full fine-tuning.
///
/// Both: AdamW, `steps` steps of `batch_size` rows, a linear warmup of min(30, steps/10) steps,
/// data seeded by `seed`. Full fine-tuning then decays by cosine to lr/10, with weight decay
/// 0.01 on matrices and clipping at 1 (`knob train`'s recipe). IA³ never decays its vectors
/// (they must be free to move far from one, even below zero) and by default keeps its rate
/// constant, with β₂ = 0.95 and no clipping: its gradients shrink by an order of magnitude while
/// it learns, which a long second-moment memory or a decaying rate turn into ever smaller steps.
/// @param trainable full or ia3. @param lr peak learning rate. @param steps optimizer steps.
/// @param batch_size rows per step. @param seed the data stream's seed.
/// @param ia3 β₂, rate floor and clipping of the IA³ recipe (unused for full fine-tuning).
/// @return the recipe (`mix` or `source` still to be set; quiet off).
DigitTraining demo_finetune_recipe(ia3::Trainable trainable, double lr, std::int64_t steps,
                                   int batch_size, std::uint64_t seed,
                                   const Ia3Optimizer& ia3 = {});

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
