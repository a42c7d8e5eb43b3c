#include "nn/feed_forward.h"

#include <fmt/format.h>

#include "autograd/ops.h"

namespace knob::nn {

FeedForward::FeedForward(std::int64_t d_model, std::int64_t d_ff, Activation activation,
                         Generator& gen, DType dtype)
    : activation_(activation) {
  if (d_model <= 0 || d_ff <= 0) {
    throw ValueError(
        fmt::format("FeedForward: sizes must be positive, got d_model={}, d_ff={}", d_model, d_ff));
  }
  up_ = register_module("up", std::make_shared<Linear>(d_model, d_ff, gen, dtype));
  down_ = register_module("down", std::make_shared<Linear>(d_ff, d_model, gen, dtype));
}

std::string FeedForward::extra_repr() const {
  return fmt::format("d_model={}, d_ff={}, activation={}{}", up_->in_features(),
                     up_->out_features(), activation_name(activation_),
                     ia3_enabled() ? ", ia3" : "");
}

void FeedForward::enable_ia3() {
  if (ia3_enabled()) return;
  l_ff_ = register_parameter("l_ff", ones({up_->out_features()}, up_->weight().dtype()));  // [F]
}

Tensor FeedForward::forward(const Tensor& x) const {
  Tensor hidden = up_->forward(x);                 // x W_upᵀ + b_up: [..., C] → [..., F]
  hidden = apply(activation_, hidden);             // act(·): [..., F]
  if (ia3_enabled()) hidden = mul(hidden, l_ff_);  // ⊙ l_ff: [..., F] ⊙ [F] → [..., F]
  return down_->forward(hidden);                   // · W_downᵀ + b_down: [..., F] → [..., C]
}

}  // namespace knob::nn
