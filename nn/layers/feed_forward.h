/// @file
/// @brief nn::FeedForward: the position-wise MLP of a transformer block (up, activation, down).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "autograd/random.h"
#include "nn/layers/activation.h"
#include "nn/layers/linear.h"
#include "nn/layers/module.h"

namespace knob::nn {

/// @brief \f$ y = (\mathrm{act}(x W_{up}^\top + b_{up}) \odot s)\, W_{down}^\top + b_{down}
/// \f$, applied to each position independently.
///
/// Parameters: `up` = Linear(C, F) and `down` = Linear(F, C) (names `up.weight`, `up.bias`,
/// `down.weight`, `down.bias`). The hidden scale \f$ s \f$ [F] is `up`'s output scale
/// (Linear::set_output_scale(), applied after the non-linearity); without it (the default) the
/// product is skipped. ia3/ puts its vector l_ff there (ia3/model_map.h).
/// \code
/// Generator gen(0);
/// auto ffn = std::make_shared<FeedForward>(/*d_model=*/64, /*d_ff=*/256, Activation::gelu, gen);
/// Tensor y = ffn->forward(x);  // x, y: [B,T,64] (hidden: [B,T,256])
/// \endcode
class FeedForward : public Module {
 public:
  /// @brief A feed-forward block with freshly initialised layers (up first, then down).
  /// @param d_model input and output width C.
  /// @param d_ff hidden width F.
  /// @param activation the non-linearity between the two layers.
  /// @param gen generator for the initial values.
  /// @param dtype f32 (default) or f64.
  /// @throws ValueError when a size is not positive.
  FeedForward(std::int64_t d_model, std::int64_t d_ff, Activation activation, Generator& gen,
              DType dtype = DType::f32);

  /// @brief The class name. @return "FeedForward".
  std::string type_name() const override { return "FeedForward"; }
  /// @brief The settings, for summaries.
  /// @return "d_model=…, d_ff=…, activation=…".
  std::string extra_repr() const override;

  /// @brief up → activation → (⊙ s) → down.
  /// @param x input [..., C].
  /// @return y [..., C].
  /// @throws ShapeError when x's last axis is not C; DTypeError on a dtype mismatch.
  Tensor forward(const Tensor& x) const;

  /// @brief The layer C → F. @return the `up` submodule.
  const Linear& up() const { return *up_; }
  /// @brief The layer F → C. @return the `down` submodule.
  const Linear& down() const { return *down_; }
  /// @brief The non-linearity. @return the activation given at construction.
  Activation activation() const { return activation_; }

 private:
  Activation activation_;
  std::shared_ptr<Linear> up_;
  std::shared_ptr<Linear> down_;
};

}  // namespace knob::nn
