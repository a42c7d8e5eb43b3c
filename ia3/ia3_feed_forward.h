/// @file
/// @brief ia3::IA3FeedForward: IA³'s feed-forward written op by op, to be read beside
/// \f$ \mathrm{FFN}(X) = (\mathrm{act}(X W_1^\top + b_1) \odot l_{ff})\, W_2^\top + b_2 \f$.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "autograd/random.h"
#include "nn/layers/activation.h"
#include "nn/layers/feed_forward.h"
#include "nn/layers/linear.h"
#include "nn/layers/module.h"

namespace knob::ia3 {

/// @brief The position-wise MLP with IA³'s hidden-activation scale \f$ l_{ff} \f$ (size F).
///
/// \f[ A = \mathrm{act}(X W_{up}^\top + b_{up}),\qquad
///     \mathrm{FFN}(X) = (A \odot l_{ff})\, W_{down}^\top + b_{down} \f]
/// Both layers are frozen; \f$ l_{ff} \f$ (ones at the start) trains. Backward (by the ops):
/// \f$ \bar l_{ff} = \sum_{b,t} \bar A' \odot A \f$ with \f$ A' = A \odot l_{ff} \f$.
/// Scaling the hidden activation is the same as scaling the *input* of the down projection,
/// which is how PEFT describes it (`down` is a "feedforward module").
///
/// Parameter names match nn::FeedForward's (`up.weight`, ..., `l_ff`).
/// \code
/// Generator gen(0);
/// auto ffn = std::make_shared<IA3FeedForward>(64, 256, Activation::gelu, gen);
/// Tensor y = ffn->forward(x);  // x, y: [B,T,64]; only l_ff [256] requires grad
/// \endcode
class IA3FeedForward : public nn::Module {
 public:
  /// @brief Fresh frozen layers (up, then down) and ones for l_ff.
  /// @param d_model input and output width C.
  /// @param d_ff hidden width F.
  /// @param activation the non-linearity.
  /// @param gen generator for the initial values.
  /// @param dtype f32 (default) or f64.
  /// @throws ValueError when a size is not positive.
  IA3FeedForward(std::int64_t d_model, std::int64_t d_ff, Activation activation, Generator& gen,
                 DType dtype = DType::f32);

  /// @brief An IA3FeedForward holding copies of `base`'s weights (and l_ff when it has one).
  /// @param base a trained feed-forward layer.
  /// @return the new layer (up, down frozen; l_ff trainable).
  static std::shared_ptr<IA3FeedForward> from_feed_forward(const nn::FeedForward& base);

  /// @brief The class name. @return "IA3FeedForward".
  std::string type_name() const override { return "IA3FeedForward"; }
  /// @brief The settings, for summaries. @return "d_model=…, d_ff=…, activation=…".
  std::string extra_repr() const override;

  /// @brief The MLP with the layer's own l_ff.
  /// @param x input [B, T, C].
  /// @return y [B, T, C].
  /// @throws ShapeError when x is not [B, T, C]; DTypeError on a dtype mismatch.
  Tensor forward(const Tensor& x) const;

  /// @brief The MLP with a caller-given scale: [F] for the whole batch or [B, F] per example.
  /// @param x input [B, T, C].
  /// @param l_ff hidden scale [F] or [B, F].
  /// @return y [B, T, C].
  /// @throws ShapeError when x or l_ff has the wrong shape; DTypeError on a dtype mismatch.
  Tensor forward_with(const Tensor& x, const Tensor& l_ff) const;

  /// @brief The hidden scale \f$ l_{ff} \f$ [F]. @return the `l_ff` parameter.
  const Tensor& l_ff() const { return l_ff_; }
  /// @brief The frozen layer C → F. @return the `up` submodule.
  const nn::Linear& up() const { return *up_; }
  /// @brief The frozen layer F → C. @return the `down` submodule.
  const nn::Linear& down() const { return *down_; }

 private:
  Activation activation_;
  std::shared_ptr<nn::Linear> up_;    // W_up, b_up (frozen)
  std::shared_ptr<nn::Linear> down_;  // W_down, b_down (frozen)
  Tensor l_ff_;                       // [F], trainable
};

}  // namespace knob::ia3
