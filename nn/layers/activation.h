/// @file
/// @brief nn::Activation: the feed-forward non-linearities of the config (gelu, gelu_tanh, relu).
#pragma once

#include <string_view>

#include "autograd/ops.h"
#include "autograd/tensor.h"

namespace knob::nn {

/// @brief Which non-linearity a FeedForward applies; named as in `config.json`.
enum class Activation {
  gelu,       ///< exact GELU, \f$ x\,\Phi(x) \f$ (erf form; PyTorch's default): "gelu"
  gelu_tanh,  ///< tanh approximation of GELU (`approximate="tanh"`): "gelu_tanh"
  relu,       ///< \f$ \max(x, 0) \f$: "relu"
};

/// @brief The activation named `name` ("gelu", "gelu_tanh" or "relu").
/// @param name the config string.
/// @return the matching Activation.
/// @throws ValueError listing the known names when `name` is none of them.
Activation parse_activation(std::string_view name);

/// @brief The config string of an activation ("gelu", "gelu_tanh" or "relu").
/// @param activation the activation.
/// @return its name, the inverse of parse_activation().
std::string_view activation_name(Activation activation);

/// @brief The same function as a FusedActivation, for Linear's fused epilogue.
/// @param activation the activation. @return its FusedActivation.
FusedActivation to_fused(Activation activation);

/// @brief Apply the activation elementwise (differentiable; see gelu(), gelu_tanh(), relu() in
/// autograd/ops.h for the formulas and their derivatives).
/// @param activation which function.
/// @param x a floating tensor of any shape.
/// @return a tensor of x's shape.
Tensor apply(Activation activation, const Tensor& x);

}  // namespace knob::nn
