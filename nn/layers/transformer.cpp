#include "nn/layers/transformer.h"

#include <fmt/format.h>

#include "autograd/ops.h"
#include "nn/layers/memory_budget.h"
#include "nn/layers/trace.h"

namespace knob::nn {

namespace {

// The config, validated before any member is built (so a bad config fails with its own
// message, not with the first layer's), and its weights checked against the memory there is.
const TransformerConfig& validated(const TransformerConfig& config, DType dtype) {
  config.validate();
  check_model_fits(config, dtype, ModelUse::weights);
  return config;
}

}  // namespace

Transformer::Transformer(const TransformerConfig& config, Generator& gen, DType dtype)
    : config_(validated(config, dtype)) {
  const std::int64_t C = config.d_model;
  tok_emb_ =
      register_module("tok_emb", std::make_shared<Embedding>(config.vocab_size, C, gen, dtype));
  pos_emb_ =
      register_module("pos_emb", std::make_shared<Embedding>(config.max_seq_len, C, gen, dtype));
  block_list_ = register_module("blocks", std::make_shared<ModuleList>());
  for (std::int64_t i = 0; i < config.n_layers; ++i) {
    auto block = std::make_shared<TransformerBlock>(config, gen, dtype);
    block_list_->push_back(block);
    blocks_.push_back(block);
  }
  ln_f_ = register_module("ln_f", std::make_shared<LayerNorm>(C, config.layer_norm_eps, dtype));
  head_ = register_module("head", std::make_shared<Linear>(C, config.vocab_size, gen, dtype));
  emb_dropout_ =
      register_module("emb_dropout", std::make_shared<Dropout>(config.dropout, gen.next_u64()));
}

std::string Transformer::extra_repr() const {
  return fmt::format("V={}, C={}, H={}, L={}, F={}, T_max={}, activation={}", config_.vocab_size,
                     config_.d_model, config_.n_heads, config_.n_layers, config_.d_ff,
                     config_.max_seq_len, activation_name(config_.activation));
}

void Transformer::check_ids(const Tensor& ids, const char* what) const {
  if (!ids.defined() || ids.dtype() != DType::i64) {
    throw DTypeError(fmt::format(
        "Transformer: {} must be i64, got {}", what,
        ids.defined() ? std::string(dtype_name(ids.dtype())) : std::string("an undefined tensor")));
  }
  if (ids.dim() != 2) {
    throw ShapeError(
        fmt::format("Transformer: {} must be [B, T], got {}", what, shape_str(ids.shape())));
  }
}

Tensor Transformer::forward(const Tensor& ids) const {
  check_ids(ids, "ids");
  const std::int64_t B = ids.size(0);
  const std::int64_t T = ids.size(1);
  if (B == 0 || T == 0) {
    throw ValueError(
        fmt::format("Transformer: ids {} must hold at least one token", shape_str(ids.shape())));
  }
  if (T > config_.max_seq_len) {
    throw ValueError(fmt::format("Transformer: sequence length {} exceeds max_seq_len {}", T,
                                 config_.max_seq_len));
  }
  const std::int64_t* id = ids.data<std::int64_t>();
  for (std::int64_t i = 0; i < B * T; ++i) {
    if (id[i] < 0 || id[i] >= config_.vocab_size) {
      throw ValueError(fmt::format("Transformer: ids[{},{}] = {} is outside [0, {})", i / T, i % T,
                                   id[i], config_.vocab_size));
    }
  }

  Tensor tokens = tok_emb_->forward(ids);                    // W_tok[ids]: [B,T,C]
  Tensor positions = slice(pos_emb_->weight(), 0, 0, T);     // W_pos[0:T]: [T,C]
  Tensor x = emb_dropout_->forward(add(tokens, positions));  // [B,T,C] + [T,C] → [B,T,C]
  trace("tok_emb.out", tokens);  // (the trace hooks record only under ActivationTrace)
  trace("pos_emb.out", positions);
  trace("embeddings", x);
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    TraceScope scope("blocks", i);
    x = blocks_[i]->forward(x);  // blocks: [B,T,C]
  }
  Tensor normed = ln_f_->forward(x);       // ln_f: [B,T,C]
  Tensor logits = head_->forward(normed);  // head: [B,T,V]
  trace("ln_f.out", normed);
  trace("logits", logits);
  return logits;
}

Tensor Transformer::loss(const Tensor& ids, const Tensor& targets) const {
  check_ids(targets, "targets");
  if (ids.defined() && targets.shape() != ids.shape()) {
    throw ShapeError(fmt::format("Transformer.loss: targets {} must have the shape of ids {}",
                                 shape_str(targets.shape()), shape_str(ids.shape())));
  }
  // The losses' own target check, before the forward pass rather than after it.
  (void)check_class_targets(targets, config_.vocab_size, -100, "Transformer.loss");
  Tensor logits = forward(ids);                 // [B,T,V]
  return cross_entropy(logits, targets, -100);  // mean over kept positions: []
}

TransformerBlock& Transformer::block(std::size_t i) const {
  if (i >= blocks_.size()) {
    throw ValueError(
        fmt::format("Transformer: block {} out of range ({} blocks)", i, blocks_.size()));
  }
  return *blocks_[i];
}

}  // namespace knob::nn
