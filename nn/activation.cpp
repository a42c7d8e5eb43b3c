#include "nn/activation.h"

#include <string>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/ops.h"

namespace knob::nn {

Activation parse_activation(std::string_view name) {
  if (name == "gelu") return Activation::gelu;
  if (name == "gelu_tanh") return Activation::gelu_tanh;
  if (name == "relu") return Activation::relu;
  throw ValueError(fmt::format(
      R"(activation: unknown name '{}' (expected one of "gelu", "gelu_tanh", "relu"))", name));
}

std::string_view activation_name(Activation activation) {
  switch (activation) {
    case Activation::gelu:
      return "gelu";
    case Activation::gelu_tanh:
      return "gelu_tanh";
    case Activation::relu:
      return "relu";
  }
  throw ValueError(fmt::format("activation: invalid enum value {}", static_cast<int>(activation)));
}

FusedActivation to_fused(Activation activation) {
  switch (activation) {
    case Activation::gelu:
      return FusedActivation::gelu;
    case Activation::gelu_tanh:
      return FusedActivation::gelu_tanh;
    case Activation::relu:
      return FusedActivation::relu;
  }
  return FusedActivation::identity;
}

Tensor apply(Activation activation, const Tensor& x) {
  switch (activation) {
    case Activation::gelu:
      return gelu(x);  // x Φ(x): same shape
    case Activation::gelu_tanh:
      return gelu_tanh(x);  // ½x(1 + tanh(√(2/π)(x + 0.044715x³))): same shape
    case Activation::relu:
      return relu(x);  // max(x, 0): same shape
  }
  throw ValueError(fmt::format("activation: invalid enum value {}", static_cast<int>(activation)));
}

}  // namespace knob::nn
