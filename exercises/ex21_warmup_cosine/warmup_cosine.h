/// @file
/// @brief Exercise ex21 (lesson 07): the learning-rate schedule of the training loop — a linear
/// warmup, then half a cosine down to a floor.
#pragma once

#include <cstdint>

namespace knob::exercises {

/// @brief The learning rate for step index `step` (0-based: the index of the step about to run)
/// of a warmup-then-cosine schedule, exactly as nn::WarmupCosineSchedule::lr_at.
///
/// With W = warmup_steps and S = total_steps:
/// - warmup (step < W): the rate rises in W equal increments, so step 0 already trains, at
///   max_lr / W, and step W − 1 is the first to reach max_lr;
/// - decay (W ≤ step < S): half a period of a cosine, from max_lr at step W down to min_lr,
///   which it would reach at step S;
/// - after (step ≥ S): min_lr for ever.
/// W = 0 means no warmup; S = W means no decay at all.
///
/// Do not use nn::WarmupCosineSchedule.
/// @param step the step index, ≥ 0
/// @param max_lr the peak rate, finite and ≥ 0
/// @param min_lr the floor, finite, 0 ≤ min_lr ≤ max_lr
/// @param warmup_steps W ≥ 0
/// @param total_steps S ≥ W
/// @return the rate
/// @throws ValueError for a negative step, and for rates or step counts outside those ranges
double warmup_cosine_lr(std::int64_t step, double max_lr, double min_lr, std::int64_t warmup_steps,
                        std::int64_t total_steps);

}  // namespace knob::exercises
