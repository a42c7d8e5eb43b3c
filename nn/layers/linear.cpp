#include "nn/layers/linear.h"

#include <fmt/format.h>

#include "autograd/ops.h"
#include "nn/layers/fusion.h"
#include "nn/layers/init.h"

namespace knob::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, Generator& gen, DType dtype)
    : in_features_(in_features), out_features_(out_features) {
  if (in_features <= 0 || out_features <= 0) {
    throw ValueError(fmt::format("Linear: sizes must be positive, got in={}, out={}", in_features,
                                 out_features));
  }
  weight_ =
      register_parameter("weight", init::linear_weight(out_features, in_features, gen, dtype));
  bias_ = register_parameter("bias", init::linear_bias(out_features, in_features, gen, dtype));
}

std::string Linear::extra_repr() const {
  return fmt::format("in={}, out={}", in_features_, out_features_);
}

void Linear::set_output_scale(Tensor scale) {
  if (scale.defined() && (scale.dim() != 1 || scale.size(0) != out_features_)) {
    throw ShapeError(
        fmt::format("Linear(in={}, out={}).set_output_scale: the scale must be [{}], got {}",
                    in_features_, out_features_, out_features_, shape_str(scale.shape())));
  }
  if (scale.defined() && scale.dtype() != weight_.dtype()) {
    throw DTypeError(fmt::format(
        "Linear(in={}, out={}).set_output_scale: the scale is {} but the weights are {}",
        in_features_, out_features_, dtype_name(scale.dtype()), dtype_name(weight_.dtype())));
  }
  output_scale_ = std::move(scale);
}

Tensor Linear::forward(const Tensor& x) const {
  return forward(x, Activation::identity, output_scale_);
}

Tensor Linear::forward(const Tensor& x, Activation activation) const {
  return forward(x, activation, output_scale_);
}

Tensor Linear::forward(const Tensor& x, Activation activation, const Tensor& scale) const {
  if (!x.defined() || x.dim() == 0 || x.size(-1) != in_features_) {
    throw ShapeError(fmt::format("Linear(in={}, out={}): input {} must end with {} features",
                                 in_features_, out_features_,
                                 x.defined() ? shape_str(x.shape()) : "(undefined)", in_features_));
  }
  if (x.dtype() != weight_.dtype()) {
    throw DTypeError(fmt::format("Linear(in={}, out={}): input is {} but the weights are {}",
                                 in_features_, out_features_, dtype_name(x.dtype()),
                                 dtype_name(weight_.dtype())));
  }
  if (x.dim() == 1) {
    // A single vector: x [in] → [1, in] → y [1, out] → [out] (matmul needs a matrix).
    return reshape(forward(reshape(x, {1, in_features_}), activation, scale), {out_features_});
  }
  // x Wᵀ without copying Wᵀ: the gemm kernel reads W [out, in] row by row as Wᵀ's columns.
  Tensor y = matmul_nt(x, weight_);  // x Wᵀ: [..., in] @ [out, in]ᵀ → [..., out]
  if (fusion_enabled()) {
    return bias_activation(y, bias_, activation, scale);  // f(y + b) ⊙ s: [..., out], one pass
  }
  y = apply_activation(activation, add(y, bias_));  // f(y + b): [..., out] + [out] → [..., out]
  return scale.defined() ? mul(y, scale) : y;       // ⊙ s: [..., out] ⊙ [out]
}

}  // namespace knob::nn
