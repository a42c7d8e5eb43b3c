/// @file
/// @brief ia3::IA3Attention: IA³ attention written op by op, to be read beside the
/// formula \f$ \mathrm{softmax}(Q (K \odot l_k)^\top / \sqrt{d_k})\,(V \odot l_v) \f$.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "autograd/random.h"
#include "nn/layers/attention.h"
#include "nn/layers/linear.h"
#include "nn/layers/module.h"

namespace knob::ia3 {

/// @brief Causal multi-head self-attention with IA³'s two learned vectors (Liu et al. 2022).
///
/// The four projections are frozen; only \f$ l_k \f$ and \f$ l_v \f$ (size C = d_model,
/// initialised to ones) train:
/// \f[ Q = X W_Q^\top + b_Q,\quad K = X W_K^\top + b_K,\quad V = X W_V^\top + b_V \f]
/// \f[ \mathrm{Attn}(X) = \mathrm{softmax}\!\left(\frac{Q\,(K \odot l_k)^\top}{\sqrt{D}} + M
///     \right) (V \odot l_v)\ \text{per head},\qquad Y = \mathrm{Attn}(X)\, W_O^\top + b_O \f]
/// with H heads of size D = C / H and the causal mask M (\f$ -\infty \f$ above the diagonal).
/// Backward (by the ops): \f$ \bar l_k = \sum_{b,t} \bar K' \odot K \f$ and
/// \f$ \bar l_v = \sum_{b,t} \bar V' \odot V \f$, where \f$ K' = K \odot l_k \f$,
/// \f$ V' = V \odot l_v \f$ and the sums run over batch and positions.
///
/// This class exists for reading: it is the same computation as nn::MultiHeadAttention after
/// `ia3::add_vectors()` (the tests check they agree bit for bit), minus padding masks and dropout.
/// Parameter names match nn::MultiHeadAttention's (`q_proj.weight`, ..., `l_k`, `l_v`), so
/// state dicts move between the two.
/// \code
/// Generator gen(0);
/// auto attn = std::make_shared<IA3Attention>(/*d_model=*/64, /*n_heads=*/4, gen);
/// Tensor y = attn->forward(x);   // x, y: [B,T,64]; only l_k and l_v require grad
/// \endcode
class IA3Attention : public nn::Module {
 public:
  /// @brief Fresh frozen projections (q, k, v, out drawn in that order) and ones for l_k, l_v.
  /// @param d_model the model width C.
  /// @param n_heads the number of heads H; must divide C.
  /// @param gen generator for the projections' initial values.
  /// @param dtype f32 (default) or f64.
  /// @throws ValueError when a size is not positive or H does not divide C.
  IA3Attention(std::int64_t d_model, std::int64_t n_heads, Generator& gen,
               DType dtype = DType::f32);

  /// @brief An IA3Attention holding copies of `base`'s projection weights (and of its l_k, l_v
  /// when it has them; ones otherwise).
  /// @param base a trained attention layer.
  /// @return the new layer (projections frozen, vectors trainable).
  static std::shared_ptr<IA3Attention> from_attention(const nn::MultiHeadAttention& base);

  /// @brief The class name. @return "IA3Attention".
  std::string type_name() const override { return "IA3Attention"; }
  /// @brief The sizes, for summaries. @return "d_model=…, n_heads=…".
  std::string extra_repr() const override;

  /// @brief Causal self-attention with the layer's own l_k and l_v.
  /// @param x input [B, T, C] in the layer's dtype.
  /// @return y [B, T, C].
  /// @throws ShapeError when x is not [B, T, C]; DTypeError on a dtype mismatch.
  Tensor forward(const Tensor& x) const;

  /// @brief The same attention with caller-given vectors: [C] for the whole batch, or [B, C]
  /// for one pair of vectors per example (a mixed batch of several adapters, each row scaled
  /// by its own adapter in one pass).
  /// @param x input [B, T, C].
  /// @param l_k key scale [C] or [B, C].
  /// @param l_v value scale [C] or [B, C].
  /// @return y [B, T, C].
  /// @throws ShapeError when x or a vector has the wrong shape; DTypeError on a dtype mismatch.
  Tensor forward_with(const Tensor& x, const Tensor& l_k, const Tensor& l_v) const;

  /// @brief The key scale \f$ l_k \f$ [C]. @return the `l_k` parameter.
  const Tensor& l_k() const { return l_k_; }
  /// @brief The value scale \f$ l_v \f$ [C]. @return the `l_v` parameter.
  const Tensor& l_v() const { return l_v_; }
  /// @brief The frozen query projection. @return the `q_proj` submodule.
  const nn::Linear& q_proj() const { return *q_proj_; }
  /// @brief The frozen key projection. @return the `k_proj` submodule.
  const nn::Linear& k_proj() const { return *k_proj_; }
  /// @brief The frozen value projection. @return the `v_proj` submodule.
  const nn::Linear& v_proj() const { return *v_proj_; }
  /// @brief The frozen output projection. @return the `out_proj` submodule.
  const nn::Linear& out_proj() const { return *out_proj_; }

 private:
  std::int64_t d_model_;
  std::int64_t n_heads_;
  std::shared_ptr<nn::Linear> q_proj_;    // W_Q, b_Q (frozen)
  std::shared_ptr<nn::Linear> k_proj_;    // W_K, b_K (frozen)
  std::shared_ptr<nn::Linear> v_proj_;    // W_V, b_V (frozen)
  std::shared_ptr<nn::Linear> out_proj_;  // W_O, b_O (frozen)
  Tensor l_k_;                            // [C], trainable
  Tensor l_v_;                            // [C], trainable
};

/// @brief Bring a vector given to IA³ code into a shape that broadcasts against [B, T, N]:
/// [N] stays [N] (one vector for the whole batch); [B, N] becomes [B, 1, N] (one per example).
/// @param l the vector(s).
/// @param batch B of the activation.
/// @param width N of the activation's last axis.
/// @param what the caller's name and the vector's, for the error message.
/// @return a tensor broadcastable to [B, T, N].
/// @throws ShapeError when l is neither [N] nor [B, N].
Tensor broadcastable_scale(const Tensor& l, std::int64_t batch, std::int64_t width,
                           const std::string& what);

}  // namespace knob::ia3
