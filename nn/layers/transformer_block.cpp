#include "nn/layers/transformer_block.h"

#include "autograd/ops.h"
#include "nn/layers/trace.h"

namespace knob::nn {

TransformerBlock::TransformerBlock(const TransformerConfig& config, Generator& gen, DType dtype) {
  config.validate();
  const std::int64_t C = config.d_model;
  ln1_ = register_module("ln1", std::make_shared<LayerNorm>(C, config.layer_norm_eps, dtype));
  attn_ =
      register_module("attn", std::make_shared<MultiHeadAttention>(C, config.n_heads, gen, dtype));
  ln2_ = register_module("ln2", std::make_shared<LayerNorm>(C, config.layer_norm_eps, dtype));
  ffn_ = register_module(
      "ffn", std::make_shared<FeedForward>(C, config.d_ff, config.activation, gen, dtype));
  attn_dropout_ =
      register_module("attn_dropout", std::make_shared<Dropout>(config.dropout, gen.next_u64()));
  ffn_dropout_ =
      register_module("ffn_dropout", std::make_shared<Dropout>(config.dropout, gen.next_u64()));
}

Tensor TransformerBlock::forward(const Tensor& x, const AttentionOptions& options) const {
  AttentionOptions attention_options = options;
  attention_options.return_weights = false;
  Tensor h = ln1_->forward(x);  // ln1(x): [B,T,C]
  trace("ln1.out", h);
  Tensor attended;
  {
    TraceScope scope("attn");
    attended = attn_->forward(h, attention_options).output;  // attn(h): [B,T,C]
  }
  trace("attn.out", attended);
  Tensor x1 = add(x, attn_dropout_->forward(attended));  // x + attn: [B,T,C]
  trace("resid_mid", x1);
  Tensor h2 = ln2_->forward(x1);  // ln2(x): [B,T,C]
  trace("ln2.out", h2);
  Tensor fed;
  {
    TraceScope scope("ffn");
    fed = ffn_->forward(h2);  // ffn(h): [B,T,C]
  }
  trace("ffn.out", fed);
  Tensor y = add(x1, ffn_dropout_->forward(fed));  // x + ffn: [B,T,C]
  trace("out", y);
  return y;
}

}  // namespace knob::nn
