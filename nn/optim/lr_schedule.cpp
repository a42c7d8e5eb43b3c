/// @file
/// @brief nn::WarmupCosineSchedule: the formula of lr_schedule.h.
#include "nn/optim/lr_schedule.h"

#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "autograd/error.h"

namespace knob::nn {

WarmupCosineSchedule::WarmupCosineSchedule(double max_lr, double min_lr, std::int64_t warmup_steps,
                                           std::int64_t total_steps)
    : max_lr_(max_lr), min_lr_(min_lr), warmup_steps_(warmup_steps), total_steps_(total_steps) {
  if (!std::isfinite(max_lr) || !std::isfinite(min_lr) || min_lr < 0.0 || min_lr > max_lr) {
    throw ValueError(fmt::format(
        "WarmupCosineSchedule: need 0 <= min_lr <= max_lr (both finite), got min_lr {} and "
        "max_lr {}",
        min_lr, max_lr));
  }
  if (warmup_steps < 0 || total_steps < warmup_steps) {
    throw ValueError(fmt::format(
        "WarmupCosineSchedule: need 0 <= warmup_steps <= total_steps, got warmup_steps {} and "
        "total_steps {}",
        warmup_steps, total_steps));
  }
}

double WarmupCosineSchedule::lr_at(std::int64_t step) const {
  if (step < 0) {
    throw ValueError(fmt::format("WarmupCosineSchedule.lr_at: step must be >= 0, got {}", step));
  }
  if (step < warmup_steps_) {  // linear warmup: η_max (s+1)/W
    return max_lr_ * static_cast<double>(step + 1) / static_cast<double>(warmup_steps_);
  }
  if (step >= total_steps_) return min_lr_;
  // cosine: r goes from 0 (s = W) towards 1 (s = S)
  const double progress =
      static_cast<double>(step - warmup_steps_) / static_cast<double>(total_steps_ - warmup_steps_);
  const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  return min_lr_ + (max_lr_ - min_lr_) * cosine;
}

}  // namespace knob::nn
