#include "nn/layers/feed_forward.h"

#include <fmt/format.h>

#include "autograd/ops.h"
#include "nn/layers/trace.h"

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
  return fmt::format("d_model={}, d_ff={}, activation={}", up_->in_features(), up_->out_features(),
                     activation_name(activation_));
}

Tensor FeedForward::forward(const Tensor& x) const {
  // act(x W_upᵀ + b_up) (⊙ s when up has an output scale): [..., C] → [..., F], one pass
  // after the product (Linear's fused epilogue).
  Tensor hidden = up_->forward(x, activation_);
  trace("hidden", hidden);        // (recorded only under ActivationTrace)
  return down_->forward(hidden);  // · W_downᵀ + b_down: [..., F] → [..., C]
}

}  // namespace knob::nn
