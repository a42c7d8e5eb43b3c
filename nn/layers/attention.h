/// @file
/// @brief nn::MultiHeadAttention: causal multi-head self-attention, keys and values optionally
/// scaled per feature.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "autograd/random.h"
#include "nn/layers/linear.h"
#include "nn/layers/module.h"

namespace knob::nn {

/// @brief Options of one attention forward pass.
struct AttentionOptions {
  /// Mask the future: query t may only attend to keys 0..t (a decoder's causal mask).
  bool causal = true;
  /// Optional key-padding mask [B, T], any dtype: nonzero marks a padded key that no query may
  /// attend to. Undefined (the default) means no padding.
  Tensor key_padding_mask{};
  /// Also return the attention probabilities [B, H, T, T] (for pictures and tests).
  bool return_weights = false;
};

/// @brief What an attention forward pass returns.
struct AttentionResult {
  Tensor output;   ///< [B, T, C]
  Tensor weights;  ///< [B, H, T, T] softmax probabilities; defined only with return_weights
};

/// @brief Multi-head scaled dot-product self-attention (docs/spec.md §1).
///
/// With \f$ h \f$ [B,T,C], H heads of size \f$ D = C/H \f$:
/// \f[ q = h W_q^\top + b_q,\quad k = (h W_k^\top + b_k) \odot s_k,\quad
///     v = (h W_v^\top + b_v) \odot s_v \f]
/// split into heads ([B,T,C] → [B,H,T,D]), then per head
/// \f[ a = \mathrm{softmax}\!\left(\frac{q k^\top}{\sqrt D} + M\right),\qquad o = a\,v \f]
/// where the mask M is \f$ -\infty \f$ above the diagonal (causal) and in the columns of padded
/// keys, 0 elsewhere. Heads are merged back ([B,H,T,D] → [B,T,C]) and projected:
/// \f$ y = o W_o^\top + b_o \f$. All heads are computed at once by batched matmuls; nothing
/// loops over heads.
///
/// Parameters: `q_proj`, `k_proj`, `v_proj`, `out_proj` (Linear(C, C) each, so their names are
/// `q_proj.weight`, `q_proj.bias`, ...). The per-feature scales \f$ s_k, s_v \f$ [C] are the
/// output scales of `k_proj` and `v_proj` (Linear::set_output_scale()); without them (the
/// default) the products are skipped. ia3/ puts its vectors l_k, l_v there (ia3/model_map.h).
///
/// A query whose every key is masked (for example a padded key at position 0 under the causal
/// mask, seen from query 0) has a softmax over only \f$ -\infty \f$: its row of weights and
/// its output are NaN, as in PyTorch. Callers pad on the right, or ignore those positions.
/// \code
/// Generator gen(0);
/// auto attn = std::make_shared<MultiHeadAttention>(/*d_model=*/64, /*n_heads=*/4, gen);
/// Tensor y = attn->forward(x).output;                              // x, y: [B,T,64]
/// AttentionResult r = attn->forward(x, {.return_weights = true});  // r.weights: [B,4,T,T]
/// \endcode
class MultiHeadAttention : public Module {
 public:
  /// @brief Attention with freshly initialised projections (q, k, v, out in that order).
  /// @param d_model the model width C.
  /// @param n_heads number of heads H; must divide C.
  /// @param gen generator for the initial values.
  /// @param dtype f32 (default) or f64.
  /// @throws ValueError when a size is not positive or H does not divide C.
  MultiHeadAttention(std::int64_t d_model, std::int64_t n_heads, Generator& gen,
                     DType dtype = DType::f32);

  /// @brief The class name. @return "MultiHeadAttention".
  std::string type_name() const override { return "MultiHeadAttention"; }
  /// @brief The sizes, for summaries. @return "d_model=…, n_heads=…".
  std::string extra_repr() const override;

  /// @brief Self-attention over x.
  /// @param x input [B, T, C], same dtype as the weights.
  /// @param options causal mask, key-padding mask, whether to return the weights.
  /// @return the output [B, T, C] and, if asked, the attention weights [B, H, T, T].
  /// @throws ShapeError when x is not [B, T, C] or the padding mask is not [B, T];
  ///         DTypeError on a dtype mismatch.
  AttentionResult forward(const Tensor& x, const AttentionOptions& options = {}) const;

  /// @brief The query projection. @return the `q_proj` submodule.
  const Linear& q_proj() const { return *q_proj_; }
  /// @brief The key projection. @return the `k_proj` submodule.
  const Linear& k_proj() const { return *k_proj_; }
  /// @brief The value projection. @return the `v_proj` submodule.
  const Linear& v_proj() const { return *v_proj_; }
  /// @brief The output projection. @return the `out_proj` submodule.
  const Linear& out_proj() const { return *out_proj_; }
  /// @brief The model width C. @return C.
  std::int64_t d_model() const { return d_model_; }
  /// @brief The number of heads H. @return H.
  std::int64_t n_heads() const { return n_heads_; }
  /// @brief The head size D = C / H. @return D.
  std::int64_t head_dim() const { return d_model_ / n_heads_; }

 private:
  void check_input(const Tensor& x, const AttentionOptions& options) const;

  std::int64_t d_model_;
  std::int64_t n_heads_;
  std::shared_ptr<Linear> q_proj_;
  std::shared_ptr<Linear> k_proj_;
  std::shared_ptr<Linear> v_proj_;
  std::shared_ptr<Linear> out_proj_;
};

}  // namespace knob::nn
