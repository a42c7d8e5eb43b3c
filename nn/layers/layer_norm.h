/// @file
/// @brief nn::LayerNorm: normalise each vector over its last axis, then scale and shift.
#pragma once

#include <cstdint>
#include <string>

#include "nn/layers/module.h"

namespace knob::nn {

/// @brief Layer normalisation over the last axis (as `torch.nn.LayerNorm(C, eps)`).
///
/// For each vector x of size C:
/// \f[ \mu = \tfrac1C \sum_i x_i,\quad \sigma^2 = \tfrac1C \sum_i (x_i - \mu)^2,\quad
///     y_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}\, w_i + b_i \f]
/// with the *biased* variance (divide by C, not C-1), as PyTorch. Parameters: `weight` [C]
/// (ones) and `bias` [C] (zeros). The backward pass is
/// \f$ \bar x = \frac{1}{\sqrt{\sigma^2+\epsilon}} (\hat g - \overline{\hat g} - \hat x\,
/// \overline{\hat g \hat x}) \f$ with \f$ \hat g = g \odot w \f$ and bars meaning means over C.
/// forward() runs the fused op layer_norm(); with fusion switched off (nn/layers/fusion.h) it
/// builds the same function from nine differentiable ops, and the tape derives that formula by
/// itself. \code auto ln = std::make_shared<LayerNorm>(/*features=*/64, /*eps=*/1e-5); Tensor y =
/// ln->forward(x);  // x: [B,T,64] → y: [B,T,64], each row mean 0, variance ≈ 1 \endcode
class LayerNorm : public Module {
 public:
  /// @brief A LayerNorm with weight = 1 and bias = 0.
  /// @param features the size C of the last axis.
  /// @param eps \f$ \epsilon \f$ added to the variance (must be positive).
  /// @param dtype f32 (default) or f64.
  /// @throws ValueError when features <= 0 or eps <= 0.
  explicit LayerNorm(std::int64_t features, double eps = 1e-5, DType dtype = DType::f32);

  /// @brief The class name. @return "LayerNorm".
  std::string type_name() const override { return "LayerNorm"; }
  /// @brief The settings, for summaries. @return "features=…, eps=…".
  std::string extra_repr() const override;

  /// @brief Normalise over the last axis, then scale by weight and shift by bias.
  /// @param x input [..., C].
  /// @return y [..., C].
  /// @throws ShapeError when x's last axis is not C; DTypeError on a dtype mismatch.
  Tensor forward(const Tensor& x) const;

  /// @brief The gain w [C]. @return the `weight` parameter.
  const Tensor& weight() const { return weight_; }
  /// @brief The shift b [C]. @return the `bias` parameter.
  const Tensor& bias() const { return bias_; }
  /// @brief The normalised size C. @return C.
  std::int64_t features() const { return features_; }
  /// @brief \f$ \epsilon \f$. @return the value added to the variance.
  double eps() const { return eps_; }

 private:
  std::int64_t features_;
  double eps_;
  Tensor weight_;  // [C]
  Tensor bias_;    // [C]
};

}  // namespace knob::nn
