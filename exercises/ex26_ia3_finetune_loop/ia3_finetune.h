/// @file
/// @brief Exercise ex26 (lesson 09): the IA³ fine-tuning loop — train only the adapter's vectors
/// of a frozen, pretrained transformer until it solves a new task.
#pragma once

#include <memory>

#include "ia3/adapter.h"
#include "nn/layers/transformer.h"
#include "tasks/batch.h"

namespace knob::exercises {

/// @brief The recipe: AdamW on the IA³ vectors, constant rate, no weight decay, gradient
/// clipping by the global norm.
struct Ia3FinetuneSettings {
  double lr = 3e-2;        ///< learning rate \f$ \eta \f$, the same at every step
  double beta1 = 0.9;      ///< AdamW's first-moment decay \f$ \beta_1 \f$
  double beta2 = 0.95;     ///< AdamW's second-moment decay \f$ \beta_2 \f$
  double eps = 1e-8;       ///< AdamW's \f$ \epsilon \f$
  double clip_norm = 1.0;  ///< the global L2 norm of the vectors' gradient is at most this
                           ///< before every update (0: no clipping)
};

/// @brief Fine-tunes a model with IA³, one batch per step().
///
/// `adapter` is already attached to `model` (ia3::Adapter's constructor froze every base
/// weight). The fine-tuner trains exactly the tensors of `adapter->vectors()` with nn::AdamW
/// (the settings above, weight decay 0 — IA³ vectors must be free to move far from one) and
/// nothing else. One step on a batch:
/// - the loss is `model->loss(batch.input_ids, batch.targets)`, the mean cross-entropy over the
///   answer positions, with the vectors as they are before the step;
/// - the vectors then move by one AdamW update computed from the gradient of that loss alone
///   (nothing left over from an earlier step or from anyone else's backward pass), clipped to
///   the global norm `clip_norm` when that is positive;
/// - the model sees the new vectors at once (an adapter whose layers fold the vectors into their
///   weights must be told: read ia3/adapter.h), and every base weight is bit for bit what it was.
///
/// The grader checks every step against nn::AdamW, then fine-tunes a pretrained model on a new
/// task and requires the accuracy stated in the grader's test `ReachesTheStatedAccuracy`:
/// at least 90% of the held-out answer digits right after 150 steps.
///
/// Write the members you need in the struct State (in stub.cpp); keep the optimizer there, so
/// that its moments live from one step to the next.
class Ia3Finetuner {
 public:
  /// @brief Set up training of `adapter`'s vectors in `model`.
  /// @param model the transformer the adapter is attached to (kept alive).
  /// @param adapter the IA³ adapter (kept alive); its vectors are what trains.
  /// @param settings the recipe.
  /// @throws ValueError when model or adapter is null, lr is not positive and finite, or
  ///         clip_norm is negative or not finite (nn::AdamW checks the betas and eps).
  Ia3Finetuner(std::shared_ptr<nn::Transformer> model, std::shared_ptr<ia3::Adapter> adapter,
               const Ia3FinetuneSettings& settings);
  /// @brief Defined in stub.cpp, where State is complete.
  ~Ia3Finetuner();
  Ia3Finetuner(const Ia3Finetuner&) = delete;             ///< one optimizer state per run
  Ia3Finetuner& operator=(const Ia3Finetuner&) = delete;  ///< one optimizer state per run

  /// @brief One training step on `batch` (see the class comment).
  /// @param batch input_ids and targets [B, T], as tasks::make_batch makes them.
  /// @return the batch's loss before the update.
  /// @throws the errors of nn::Transformer::loss for a malformed batch.
  double step(const tasks::Batch& batch);

 private:
  struct State;  ///< yours: define it in stub.cpp
  std::unique_ptr<State> state_;
};

}  // namespace knob::exercises
