#include "nn/layers/activation.h"

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
    case Activation::identity:
      return "identity";
  }
  throw ValueError(fmt::format("activation: invalid enum value {}", static_cast<int>(activation)));
}

}  // namespace knob::nn
