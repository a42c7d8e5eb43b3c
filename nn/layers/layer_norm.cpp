#include "nn/layers/layer_norm.h"

#include <cmath>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "nn/layers/fusion.h"
#include "nn/layers/init.h"

namespace knob::nn {

LayerNorm::LayerNorm(std::int64_t features, double eps, DType dtype)
    : features_(features), eps_(eps) {
  if (features <= 0) {
    throw ValueError(fmt::format("LayerNorm: features must be positive, got {}", features));
  }
  if (!(eps > 0.0) || !std::isfinite(eps)) {
    throw ValueError(fmt::format("LayerNorm: eps must be a positive number, got {}", eps));
  }
  weight_ = register_parameter("weight", init::layer_norm_weight(features, dtype));
  bias_ = register_parameter("bias", init::layer_norm_bias(features, dtype));
}

std::string LayerNorm::extra_repr() const {
  return fmt::format("features={}, eps={}", features_, eps_);
}

Tensor LayerNorm::forward(const Tensor& x) const {
  if (!x.defined() || x.dim() == 0 || x.size(-1) != features_) {
    throw ShapeError(fmt::format("LayerNorm(features={}): input {} must end with {} features",
                                 features_, x.defined() ? shape_str(x.shape()) : "(undefined)",
                                 features_));
  }
  if (x.dtype() != weight_.dtype()) {
    throw DTypeError(fmt::format("LayerNorm(features={}): input is {} but the weights are {}",
                                 features_, dtype_name(x.dtype()), dtype_name(weight_.dtype())));
  }
  if (fusion_enabled()) return layer_norm(x, weight_, bias_, eps_);  // one pass per row

  // The composition the fused op replaces:
  Tensor mu = mean(x, {-1}, /*keepdim=*/true);                         // μ: [..., 1]
  Tensor centered = sub(x, mu);                                        // x - μ: [..., C]
  Tensor var = mean(mul(centered, centered), {-1}, /*keepdim=*/true);  // σ² (biased): [..., 1]
  Tensor inv_std = pow(add_scalar(var, eps_), -0.5);                   // 1/√(σ²+ε): [..., 1]
  Tensor normalized = mul(centered, inv_std);                          // x̂: [..., C]
  return add(mul(normalized, weight_), bias_);                         // x̂ ⊙ w + b: [..., C]
}

}  // namespace knob::nn
