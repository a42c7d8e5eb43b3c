/// @file
/// @brief nn::Transformer: the decoder-only reference transformer of docs/spec.md §1.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autograd/random.h"
#include "nn/layers/dropout.h"
#include "nn/layers/embedding.h"
#include "nn/layers/layer_norm.h"
#include "nn/layers/linear.h"
#include "nn/layers/module.h"
#include "nn/layers/module_list.h"
#include "nn/layers/transformer_block.h"
#include "nn/layers/transformer_config.h"

namespace knob::nn {

/// @brief A GPT-style decoder-only, pre-LayerNorm transformer (docs/spec.md §1):
/// \f[ x = W_{tok}[ids] + W_{pos}[0{:}T],\quad x \leftarrow \mathrm{block}_i(x)\ (i = 0..L-1),
///     \quad \mathrm{logits} = \mathrm{ln\_f}(x)\, W_{head}^\top + b_{head} \f]
///
/// Submodules, which give the state-dict names of docs/spec.md §2 in this order: `tok_emb`
/// (Embedding V×C), `pos_emb` (Embedding max_seq_len×C), `blocks` (a ModuleList of
/// TransformerBlock, named `blocks.0`, `blocks.1`, ...), `ln_f` (LayerNorm C), `head`
/// (Linear C→V). Initialisation is PyTorch's default per layer (nn/layers/init.h), drawn from the
/// given generator in that order. With a config dropout p > 0 the embedding sum goes through
/// `emb_dropout` (and each block's branches through theirs); p = 0 is the identity.
///
/// The model is built in f32 unless asked otherwise; `to(DType::f64)` converts every parameter
/// in place (parameters attached later take the current dtype).
/// \code
/// Generator gen(1234);
/// Transformer model(TransformerConfig{}, gen);        // docs/spec.md's tiny config, f32
/// Tensor logits = model.forward(ids);                 // ids: [B,T] i64 → [B,T,32]
/// Tensor loss = model.loss(ids, targets);             // scalar; -100 targets are ignored
/// backward(loss);
/// \endcode
class Transformer : public Module {
 public:
  /// @brief A freshly initialised model.
  /// @param config the sizes (validated).
  /// @param gen generator for the initial values.
  /// @param dtype f32 (default) or f64.
  /// @throws ValueError listing every invalid config value, or when the weights would not fit
  /// in the memory available (nn/layers/memory_budget.h; nothing is allocated then).
  Transformer(const TransformerConfig& config, Generator& gen, DType dtype = DType::f32);

  /// @brief The class name. @return "Transformer".
  std::string type_name() const override { return "Transformer"; }
  /// @brief The configuration, for summaries.
  /// @return "V=…, C=…, H=…, L=…, F=…, T_max=…, activation=…".
  std::string extra_repr() const override;

  /// @brief Logits for every position.
  /// @param ids token ids [B, T] (i64), 1 <= T <= max_seq_len, each id in [0, vocab_size).
  /// @return logits [B, T, V] in the model's dtype.
  /// @throws DTypeError when ids are not i64; ShapeError when ids are not 2-D; ValueError when T
  ///         is 0 or exceeds max_seq_len, B is 0, or an id is out of range (naming its position).
  Tensor forward(const Tensor& ids) const;

  /// @brief Mean cross-entropy of forward(ids) against targets, ignoring targets equal to -100.
  /// @param ids token ids [B, T] (i64).
  /// @param targets next-token ids [B, T] (i64), -100 where no loss is taken.
  /// @return a scalar (NaN when every target is -100, as PyTorch).
  /// @throws the errors of forward(); ShapeError when targets are not [B, T]; DTypeError when
  ///         they are not i64; ValueError for a target outside [0, V) other than -100.
  Tensor loss(const Tensor& ids, const Tensor& targets) const;

  /// @brief The configuration the model was built with. @return the config.
  const TransformerConfig& config() const { return config_; }
  /// @brief The dtype of the parameters (f32 or f64). @return the token embedding's dtype.
  DType dtype() const { return tok_emb_->weight().dtype(); }

  /// @brief Token embedding [V, C]. @return the `tok_emb` submodule.
  const Embedding& tok_emb() const { return *tok_emb_; }
  /// @brief Position embedding [max_seq_len, C]. @return the `pos_emb` submodule.
  const Embedding& pos_emb() const { return *pos_emb_; }
  /// @brief Number of blocks (config().n_layers). @return L.
  std::size_t num_blocks() const { return blocks_.size(); }
  /// @brief The i-th block. @throws ValueError when i >= num_blocks().
  /// @param i block index.
  /// @return the block.
  TransformerBlock& block(std::size_t i) const;
  /// @brief The final LayerNorm. @return the `ln_f` submodule.
  const LayerNorm& ln_f() const { return *ln_f_; }
  /// @brief The output projection C → V. @return the `head` submodule.
  const Linear& head() const { return *head_; }

 private:
  void check_ids(const Tensor& ids, const char* what) const;

  TransformerConfig config_;
  std::shared_ptr<Embedding> tok_emb_;
  std::shared_ptr<Embedding> pos_emb_;
  std::shared_ptr<ModuleList> block_list_;                 // registered as "blocks"
  std::vector<std::shared_ptr<TransformerBlock>> blocks_;  // the same blocks, typed
  std::shared_ptr<LayerNorm> ln_f_;
  std::shared_ptr<Linear> head_;
  std::shared_ptr<Dropout> emb_dropout_;
};

}  // namespace knob::nn
