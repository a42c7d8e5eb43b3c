/// @file
/// @brief nn::TransformerBlock: one pre-LayerNorm decoder block (attention, then feed-forward).
#pragma once

#include <memory>
#include <string>

#include "autograd/random.h"
#include "nn/layers/attention.h"
#include "nn/layers/dropout.h"
#include "nn/layers/feed_forward.h"
#include "nn/layers/layer_norm.h"
#include "nn/layers/module.h"
#include "nn/layers/transformer_config.h"

namespace knob::nn {

/// @brief A pre-LN transformer block, exactly docs/spec.md §1:
/// \f[ x \leftarrow x + \mathrm{attn}(\mathrm{ln1}(x)),\qquad
///     x \leftarrow x + \mathrm{ffn}(\mathrm{ln2}(x)) \f]
///
/// Submodules (so parameter names are `ln1.weight`, `attn.q_proj.weight`, `ffn.up.bias`, ...):
/// `ln1`, `attn` (MultiHeadAttention), `ln2`, `ffn` (FeedForward). With a config dropout p > 0
/// each branch output goes through a Dropout (`attn_dropout`, `ffn_dropout`) before it is added
/// to the residual stream; with p = 0 (docs/spec.md) those are the identity.
/// \code
/// Generator gen(0);
/// auto block = std::make_shared<TransformerBlock>(TransformerConfig{}, gen);
/// Tensor y = block->forward(x);  // x, y: [B,T,C]
/// \endcode
class TransformerBlock : public Module {
 public:
  /// @brief A block with freshly initialised layers, built in the order ln1, attn, ln2, ffn.
  /// @param config sizes, activation, eps and dropout (validated).
  /// @param gen generator for initial values (and the dropout seeds).
  /// @param dtype f32 (default) or f64.
  /// @throws ValueError for an invalid config.
  TransformerBlock(const TransformerConfig& config, Generator& gen, DType dtype = DType::f32);

  /// @brief The class name. @return "TransformerBlock".
  std::string type_name() const override { return "TransformerBlock"; }

  /// @brief The block applied to x.
  /// @param x the residual stream [B, T, C].
  /// @param options attention options (causal by default; a key-padding mask). Weights are not
  ///        returned from here.
  /// @return the new residual stream [B, T, C].
  /// @throws ShapeError / DTypeError as MultiHeadAttention::forward.
  Tensor forward(const Tensor& x, const AttentionOptions& options = {}) const;

  /// @brief The first LayerNorm (before attention). @return the `ln1` submodule.
  const LayerNorm& ln1() const { return *ln1_; }
  /// @brief The attention. @return the `attn` submodule.
  MultiHeadAttention& attn() const { return *attn_; }
  /// @brief The second LayerNorm (before the feed-forward). @return the `ln2` submodule.
  const LayerNorm& ln2() const { return *ln2_; }
  /// @brief The feed-forward. @return the `ffn` submodule.
  FeedForward& ffn() const { return *ffn_; }

 private:
  std::shared_ptr<LayerNorm> ln1_;
  std::shared_ptr<MultiHeadAttention> attn_;
  std::shared_ptr<LayerNorm> ln2_;
  std::shared_ptr<FeedForward> ffn_;
  std::shared_ptr<Dropout> attn_dropout_;
  std::shared_ptr<Dropout> ffn_dropout_;
};

}  // namespace knob::nn
