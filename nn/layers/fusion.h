/// @file
/// @brief One switch between the fused ops (autograd/ops.h, "fused ops") and the compositions of
/// simple ops they replace, for every module at once.
///
/// Fused is the default. The unfused path is kept in each module's forward() right beside the
/// fused call: it is the readable definition, the reference the tests compare against, and what
/// `knob bench --unfused` measures.
/// \code
/// { nn::FusionGuard unfused(false); loss = model.loss(ids, targets); }  // compositions
/// \endcode
#pragma once

namespace knob::nn {

/// @brief Do modules use the fused ops? (process-wide; true unless switched off)
/// @return the current setting.
bool fusion_enabled();

/// @brief Switch the fused ops on or off for every module (process-wide).
/// @param enabled true for the fused ops, false for the compositions.
void set_fusion_enabled(bool enabled);

/// @brief Set fusion_enabled() while the guard lives; the previous setting comes back after.
class FusionGuard {
 public:
  /// @brief Remember the current setting and switch to `enabled`.
  /// @param enabled the setting while the guard lives.
  explicit FusionGuard(bool enabled);
  /// @brief Restore the setting found at construction.
  ~FusionGuard();
  FusionGuard(const FusionGuard&) = delete;
  FusionGuard& operator=(const FusionGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace knob::nn
