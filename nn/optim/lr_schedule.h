/// @file
/// @brief nn::WarmupCosineSchedule: linear warmup, then cosine decay to a floor.
#pragma once

#include <cstdint>

namespace knob::nn {

/// @brief The learning rate as a function of the step index: a linear warmup to `max_lr`, then
/// half a cosine down to `min_lr`, then `min_lr` for ever.
///
/// With \f$W\f$ = warmup_steps, \f$S\f$ = total_steps and step index \f$s = 0, 1, \dots\f$
/// (the index of the step about to run):
/// \f[ \eta(s) = \begin{cases}
///   \eta_{\max} \cdot \dfrac{s+1}{W} & s < W \\[2mm]
///   \eta_{\min} + (\eta_{\max}-\eta_{\min}) \cdot \tfrac12\bigl(1 + \cos(\pi\, r)\bigr),
///     \quad r = \dfrac{s - W}{S - W} & W \le s < S \\[2mm]
///   \eta_{\min} & s \ge S
/// \end{cases} \f]
/// So the first step already has a non-zero rate \f$\eta_{\max}/W\f$, step \f$W-1\f$ and step
/// \f$W\f$ both use \f$\eta_{\max}\f$, and the rate reaches \f$\eta_{\min}\f$ at \f$s = S\f$.
/// With W = 0 there is no warmup; with min_lr = max_lr the rate is constant after warmup.
/// \code
/// WarmupCosineSchedule schedule(3e-3, 3e-4, 100, 2000);
/// optimizer.set_lr(schedule.lr_at(step));
/// \endcode
class WarmupCosineSchedule {
 public:
  /// @brief Fix the schedule.
  /// @param max_lr peak rate \f$\eta_{\max} \ge 0\f$, reached at the end of warmup.
  /// @param min_lr floor \f$0 \le \eta_{\min} \le \eta_{\max}\f$.
  /// @param warmup_steps \f$W \ge 0\f$.
  /// @param total_steps \f$S \ge W\f$: where the cosine ends.
  /// @throws ValueError when a value is negative, not finite, or out of order.
  WarmupCosineSchedule(double max_lr, double min_lr, std::int64_t warmup_steps,
                       std::int64_t total_steps);

  /// @brief The learning rate for step index `step` (formula above).
  /// @param step 0-based index of the step about to run, ≥ 0.
  /// @return \f$\eta(s)\f$.
  /// @throws ValueError when step is negative.
  double lr_at(std::int64_t step) const;

  /// @brief Peak rate. @return \f$\eta_{\max}\f$.
  double max_lr() const { return max_lr_; }
  /// @brief Floor rate. @return \f$\eta_{\min}\f$.
  double min_lr() const { return min_lr_; }
  /// @brief Warmup length. @return \f$W\f$.
  std::int64_t warmup_steps() const { return warmup_steps_; }
  /// @brief Where the cosine ends. @return \f$S\f$.
  std::int64_t total_steps() const { return total_steps_; }

 private:
  double max_lr_;
  double min_lr_;
  std::int64_t warmup_steps_;
  std::int64_t total_steps_;
};

}  // namespace knob::nn
