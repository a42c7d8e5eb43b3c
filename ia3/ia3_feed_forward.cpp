#include "ia3/ia3_feed_forward.h"

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "ia3/ia3_attention.h"
#include "ia3/model_map.h"

namespace knob::ia3 {

IA3FeedForward::IA3FeedForward(std::int64_t d_model, std::int64_t d_ff, Activation activation,
                               Generator& gen, DType dtype)
    : activation_(activation) {
  if (d_model <= 0 || d_ff <= 0) {
    throw ValueError(fmt::format("IA3FeedForward: sizes must be positive, got d_model={}, d_ff={}",
                                 d_model, d_ff));
  }
  up_ = register_module("up", std::make_shared<nn::Linear>(d_model, d_ff, gen, dtype));
  down_ = register_module("down", std::make_shared<nn::Linear>(d_ff, d_model, gen, dtype));
  requires_grad(false);                                     // W_up, W_down frozen ...
  l_ff_ = register_parameter("l_ff", ones({d_ff}, dtype));  // ... only l_ff trains
}

std::shared_ptr<IA3FeedForward> IA3FeedForward::from_feed_forward(const nn::FeedForward& base) {
  Generator unused(0);  // the fresh values are overwritten just below
  const DType dtype = base.up().weight().dtype();
  auto layer = std::make_shared<IA3FeedForward>(base.up().in_features(), base.up().out_features(),
                                                base.activation(), unused, dtype);
  NoGradGuard no_grad;
  nn::NamedTensors state = base.named_parameters();
  if (!ia3::l_ff(base).defined())
    state.emplace_back("l_ff", ones({base.up().out_features()}, dtype));
  layer->load_state_dict(state);
  return layer;
}

std::string IA3FeedForward::extra_repr() const {
  return fmt::format("d_model={}, d_ff={}, activation={}", up_->in_features(), up_->out_features(),
                     nn::activation_name(activation_));
}

Tensor IA3FeedForward::forward(const Tensor& x) const { return forward_with(x, l_ff_); }

Tensor IA3FeedForward::forward_with(const Tensor& x, const Tensor& l_ff) const {
  if (!x.defined() || x.dim() != 3 || x.size(2) != up_->in_features()) {
    throw ShapeError(fmt::format("IA3FeedForward(d_model={}): input must be [B, T, {}], got {}",
                                 up_->in_features(), up_->in_features(),
                                 x.defined() ? shape_str(x.shape()) : "(undefined)"));
  }
  const std::int64_t B = x.size(0), F = up_->out_features();
  const Tensor scale = broadcastable_scale(l_ff, B, F, "IA3FeedForward: l_ff");  // [F]|[B,1,F]

  Tensor A = apply_activation(activation_, up_->forward(x));  // A = act(X W_upᵀ + b_up): [B,T,F]
  Tensor A_scaled = mul(A, scale);                            // A ⊙ l_ff: [B,T,F]
  return down_->forward(A_scaled);                            // · W_downᵀ + b_down: [B,T,C]
}

}  // namespace knob::ia3
