// WRONG (missing case): after step S the cosine goes on and the rate rises again
// instead of staying at the floor.
#include <cmath>
#include <numbers>
#include <string>

#include "autograd/error.h"
#include "exercises/ex21_warmup_cosine/warmup_cosine.h"

namespace knob::exercises {

namespace {

void check_arguments(std::int64_t step, double max_lr, double min_lr, std::int64_t warmup,
                     std::int64_t total) {
  const bool rates_ok =
      std::isfinite(max_lr) && std::isfinite(min_lr) && min_lr >= 0.0 && min_lr <= max_lr;
  if (!rates_ok || warmup < 0 || total < warmup || step < 0) {
    throw ValueError(
        "warmup_cosine_lr: need step >= 0, 0 <= min_lr <= max_lr (finite) and "
        "0 <= warmup <= total; got step " +
        std::to_string(step) + ", max_lr " + std::to_string(max_lr) + ", min_lr " +
        std::to_string(min_lr) + ", warmup " + std::to_string(warmup) + ", total " +
        std::to_string(total));
  }
}

}  // namespace

double warmup_cosine_lr(std::int64_t step, double max_lr, double min_lr, std::int64_t warmup_steps,
                        std::int64_t total_steps) {
  check_arguments(step, max_lr, min_lr, warmup_steps, total_steps);
  if (step < warmup_steps) {  // step s trains at (s + 1)/W of the peak
    return max_lr * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  }
  if (total_steps == warmup_steps) return min_lr;
  const double progress = static_cast<double>(step - warmup_steps) /
                          static_cast<double>(total_steps - warmup_steps);  // in [0, 1)
  return min_lr + (max_lr - min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace knob::exercises
