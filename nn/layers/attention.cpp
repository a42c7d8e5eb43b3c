#include "nn/layers/attention.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "nn/layers/fusion.h"
#include "nn/layers/trace.h"

namespace knob::nn {

MultiHeadAttention::MultiHeadAttention(std::int64_t d_model, std::int64_t n_heads, Generator& gen,
                                       DType dtype)
    : d_model_(d_model), n_heads_(n_heads) {
  if (d_model <= 0 || n_heads <= 0 || d_model % n_heads != 0) {
    throw ValueError(fmt::format(
        "MultiHeadAttention: d_model ({}) and n_heads ({}) must be positive and n_heads must "
        "divide d_model",
        d_model, n_heads));
  }
  q_proj_ = register_module("q_proj", std::make_shared<Linear>(d_model, d_model, gen, dtype));
  k_proj_ = register_module("k_proj", std::make_shared<Linear>(d_model, d_model, gen, dtype));
  v_proj_ = register_module("v_proj", std::make_shared<Linear>(d_model, d_model, gen, dtype));
  out_proj_ = register_module("out_proj", std::make_shared<Linear>(d_model, d_model, gen, dtype));
}

std::string MultiHeadAttention::extra_repr() const {
  return fmt::format("d_model={}, n_heads={}", d_model_, n_heads_);
}

void MultiHeadAttention::check_input(const Tensor& x, const AttentionOptions& options) const {
  if (!x.defined() || x.dim() != 3 || x.size(2) != d_model_) {
    throw ShapeError(fmt::format(
        "MultiHeadAttention(d_model={}, n_heads={}): input {} must be "
        "[B, T, {}]",
        d_model_, n_heads_, x.defined() ? shape_str(x.shape()) : "(undefined)", d_model_));
  }
  const Tensor& pad = options.key_padding_mask;
  if (pad.defined() && pad.shape() != Shape{x.size(0), x.size(1)}) {
    throw ShapeError(fmt::format(
        "MultiHeadAttention: key_padding_mask {} must be [B, T] = [{},{}] for the input {}",
        shape_str(pad.shape()), x.size(0), x.size(1), shape_str(x.shape())));
  }
}

AttentionResult MultiHeadAttention::forward(const Tensor& x,
                                            const AttentionOptions& options) const {
  check_input(x, options);
  const std::int64_t B = x.size(0);
  const std::int64_t T = x.size(1);
  const std::int64_t C = d_model_;
  const std::int64_t H = n_heads_;
  const std::int64_t D = C / H;
  const double minus_infinity = -std::numeric_limits<double>::infinity();

  // Projections. Keys and values are scaled (⊙ s_k, ⊙ s_v) before the heads are split when
  // k_proj and v_proj have an output scale: in the projection's epilogue, one pass.
  Tensor q = q_proj_->forward(x);  // q: [B,T,C]
  Tensor k = k_proj_->forward(x);  // k (⊙ s_k): [B,T,C]
  Tensor v = v_proj_->forward(x);  // v (⊙ s_v): [B,T,C]
  trace("q", q);                   // (the trace hooks record only under ActivationTrace)
  trace("k", k);
  trace("v", v);

  // Split heads: one reshape (free) and one permute (a copy) per tensor.
  Tensor q_heads = permute(reshape(q, {B, T, H, D}), {0, 2, 1, 3});  // q: [B,H,T,D]
  Tensor k_heads = permute(reshape(k, {B, T, H, D}), {0, 2, 1, 3});  // k: [B,H,T,D]
  Tensor v_heads = permute(reshape(v, {B, T, H, D}), {0, 2, 1, 3});  // v: [B,H,T,D]

  // Scores, masks, probabilities.
  const double scale = 1.0 / std::sqrt(static_cast<double>(D));
  Tensor scores = matmul_nt(q_heads, k_heads);  // q kᵀ: [B,H,T,T]
  trace("scores", scores);                      // before the scale and the masks
  if (options.key_padding_mask.defined()) {
    Tensor pad = reshape(options.key_padding_mask, {B, 1, 1, T});  // per key: [B,1,1,T]
    scores = masked_fill(scores, pad, minus_infinity);             // padded → -∞: [B,H,T,T]
  }
  Tensor probs;  // a = softmax(q kᵀ/√D + causal mask): [B,H,T,T]
  if (fusion_enabled()) {
    probs = attention_softmax(scores, scale, options.causal);  // one pass per row
  } else {
    scores = mul_scalar(scores, scale);  // q kᵀ/√D: [B,H,T,T]
    if (options.causal) {
      scores = masked_fill(scores, causal_mask(T), minus_infinity);  // future → -∞: [B,H,T,T]
    }
    probs = softmax(scores, -1);
  }
  trace("probs", probs);

  // Weighted values, heads merged back, output projection.
  Tensor heads_out = matmul(probs, v_heads);                             // a v: [B,H,T,D]
  Tensor merged = reshape(permute(heads_out, {0, 2, 1, 3}), {B, T, C});  // [B,T,H,D] → [B,T,C]
  trace("context", merged);
  AttentionResult result;
  result.output = out_proj_->forward(merged);          // y: [B,T,C]
  if (options.return_weights) result.weights = probs;  // a: [B,H,T,T]
  return result;
}

}  // namespace knob::nn
