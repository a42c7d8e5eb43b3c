/// @file
/// @brief The names of the feed-forward non-linearities in `config.json` (gelu, gelu_tanh, relu):
/// which knob::Activation values (autograd/ops.h) a config may choose.
#pragma once

#include <string_view>

#include "autograd/ops.h"
#include "autograd/tensor.h"

namespace knob::nn {

/// @brief The activation named `name` ("gelu", "gelu_tanh" or "relu").
/// @param name the config string.
/// @return the matching Activation.
/// @throws ValueError listing the known names when `name` is none of them.
Activation parse_activation(std::string_view name);

/// @brief The name of an activation ("gelu", "gelu_tanh", "relu"; "identity", which no config
/// may choose).
/// @param activation the activation.
/// @return its name, the inverse of parse_activation().
std::string_view activation_name(Activation activation);

}  // namespace knob::nn
