/// @file
/// @brief `knob demo --task markov`: frozen base, IA³ and full fine-tuning on a domain shift
/// whose best possible loss is known exactly (a reweighted Markov chain, tasks/markov.h).
#pragma once

#include <cstdint>
#include <string>

#include "digit_training.h"

namespace knob::cli {

/// @brief What `knob demo --task markov` runs.
///
/// A character model (docs/spec.md's transformer with one token per symbol) is pretrained on
/// sequences of a random sparse Markov chain G1, then adapted to G2, whose next-symbol
/// probabilities are tilted by \f$ e^{z_j} \f$, \f$ z_j = \pm 1 \f$:
/// \f$ P_2(j \mid i) \propto P_1(j \mid i)\, e^{z_j} \f$. No model can reach a cross-entropy on
/// G2 below G2's entropy rate, so every method is reported against that floor, and IA³ by the
/// share of full fine-tuning's gain it recovers.
struct MarkovDemoOptions {
  std::uint64_t seed = 0;             ///< seed of the chains, the weights and the data
  bool json = false;                  ///< machine-readable results on standard output
  bool quick = false;                 ///< a few steps of everything (tests; numbers meaningless)
  bool ablation = false;              ///< also IA³ with only l_ff, and only l_k and l_v
  std::int64_t pretrain_steps = 600;  ///< pretraining steps on G1
  std::int64_t finetune_steps = 300;  ///< fine-tuning steps on G2 (each method)
  int pretrain_batch = 64;            ///< sequences per pretraining step
  int batch = 64;                     ///< sequences per fine-tuning step (every method)
  int seq_len = 32;                   ///< symbols per sequence (≤ max_seq_len, 32)
  double ia3_lr = 3e-2;               ///< IA³ learning rate (peak; see ia3_optimizer)
  Ia3Optimizer ia3_optimizer;         ///< IA³'s β₂, rate floor and clipping
  double full_lr = 1e-3;              ///< full fine-tuning's peak learning rate
  int eval_rows = 512;                ///< held-out G2 sequences for the cross-entropies
  std::string out_dir = "demo_out";   ///< where the loss-curve picture goes
};

/// @brief Run the Markov demo and print its table (or, with `json`, one JSON object:
/// `{"task": "markov", "floor", "results": [{"method", "cross_entropy", "excess",
/// "gain_recovered", "trainable_params", "seconds"}, ...], ...}`).
/// @param options what to run.
/// @throws ValueError for sizes out of range (seq_len above the model's max_seq_len, ...).
void run_markov_demo(MarkovDemoOptions options);

}  // namespace knob::cli
