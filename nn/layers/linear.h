/// @file
/// @brief nn::Linear: the affine map \f$ y = x W^\top + b \f$ with PyTorch's weight layout.
#pragma once

#include <cstdint>
#include <string>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "nn/layers/module.h"

namespace knob::nn {

/// @brief A fully connected layer, \f$ y = x W^\top + b \f$, applied to the last axis.
///
/// Parameters (PyTorch layout, so state dicts interchange with `torch.nn.Linear`):
/// `weight` [out_features, in_features] and `bias` [out_features], both initialised from
/// \f$ U(-1/\sqrt{in}, 1/\sqrt{in}) \f$ (see nn/layers/init.h). Any number of leading axes is
/// allowed: x [..., in] → y [..., out]. Gradients come from the ops (matmul, transpose, add).
///
/// An optional per-feature output scale \f$ s \f$ [out_features] (set_output_scale()) turns
/// the layer into \f$ y = (x W^\top + b) \odot s \f$, computed in the same pass as the bias.
/// The scale is a handle to a tensor owned elsewhere (a parameter of the module that set it, such
/// as an adapter's vector); it is not one of the layer's own parameters, so the state dict of a
/// Linear is always `weight` and `bias`.
/// \code
/// Generator gen(0);
/// auto proj = std::make_shared<Linear>(/*in=*/64, /*out=*/256, gen);
/// Tensor y = proj->forward(x);  // x: [B,T,64] → y: [B,T,256]
/// \endcode
class Linear : public Module {
 public:
  /// @brief A Linear layer with freshly initialised weight and bias.
  /// @param in_features size of the input's last axis.
  /// @param out_features size of the output's last axis.
  /// @param gen generator for the initial values (weight drawn first, then bias, as PyTorch).
  /// @param dtype f32 (default) or f64.
  /// @throws ValueError when a size is not positive.
  Linear(std::int64_t in_features, std::int64_t out_features, Generator& gen,
         DType dtype = DType::f32);

  /// @brief The class name. @return "Linear".
  std::string type_name() const override { return "Linear"; }
  /// @brief The sizes, for summaries. @return "in=…, out=…".
  std::string extra_repr() const override;

  /// @brief \f$ y = x W^\top + b \f$ (times the output scale, when one is set).
  /// Backward (by the ops): \f$ \bar x = g W \f$, \f$ \bar W = g^\top x \f$ (summed over the
  /// leading axes), \f$ \bar b = \sum g \f$.
  /// @param x input [..., in_features], same dtype as the weights.
  /// @return y [..., out_features].
  /// @throws ShapeError when x's last axis is not in_features; DTypeError on a dtype mismatch.
  Tensor forward(const Tensor& x) const;

  /// @brief \f$ y = f(x W^\top + b) \odot s \f$ with the layer's own output scale s (none when
  /// unset): forward(x, activation, output_scale()).
  /// @param x input [..., in_features], same dtype as the weights.
  /// @param activation f (Activation::identity for none).
  /// @return y [..., out_features].
  /// @throws as the three-argument forward().
  Tensor forward(const Tensor& x, Activation activation) const;

  /// @brief \f$ y = f(x W^\top + b) \odot s \f$: the product, then the bias, an activation and
  /// a per-feature scale in one pass (the fused op bias_activation(); with fusion switched off,
  /// the composition `mul(act(add(matmul_nt(x, W), b)), s)`).
  /// @param x input [..., in_features], same dtype as the weights.
  /// @param activation f (Activation::identity for none).
  /// @param scale [out_features], or an undefined Tensor for none.
  /// @return y [..., out_features].
  /// @throws ShapeError when x's last axis is not in_features; DTypeError on a dtype mismatch.
  Tensor forward(const Tensor& x, Activation activation, const Tensor& scale) const;

  /// @brief The weight [out_features, in_features] (a handle sharing the parameter).
  /// @return the `weight` parameter.
  const Tensor& weight() const { return weight_; }
  /// @brief The bias [out_features]. @return the `bias` parameter.
  const Tensor& bias() const { return bias_; }
  /// @brief Multiply every output by a per-feature scale from now on (or stop, with an undefined
  /// tensor). The layer keeps the handle, so later changes to the tensor's values (an optimizer
  /// step) are seen by the next forward, and gradients flow into it.
  /// @param scale [out_features] in the weights' dtype, or an undefined Tensor.
  /// @throws ShapeError when scale is not [out_features]; DTypeError on a dtype mismatch.
  void set_output_scale(Tensor scale);
  /// @brief The output scale [out_features]. @return it, or an undefined tensor when unset.
  const Tensor& output_scale() const { return output_scale_; }
  /// @brief Size of the input's last axis. @return in_features.
  std::int64_t in_features() const { return in_features_; }
  /// @brief Size of the output's last axis. @return out_features.
  std::int64_t out_features() const { return out_features_; }

 private:
  std::int64_t in_features_;
  std::int64_t out_features_;
  Tensor weight_;        // [out, in]
  Tensor bias_;          // [out]
  Tensor output_scale_;  // [out] or undefined; owned by whoever set it
};

}  // namespace knob::nn
