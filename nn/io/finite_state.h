/// @file
/// @brief Is a training state usable? Counting the NaN and infinite values of named tensors, so
/// that a diverged state is never saved and a damaged one never resumed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/layers/module.h"

namespace knob::nn {

/// @brief How many values of `tensor` are NaN or ±infinity.
/// @param tensor any tensor (integer tensors have none).
/// @return the count, 0 when every value is finite.
std::int64_t count_non_finite(const Tensor& tensor);

/// @brief One line per tensor of `tensors` that holds a NaN or an infinity, e.g.
/// `'blocks.0.attn.q_proj.weight' holds 12 NaN or infinite values (of 4096)`.
/// @param tensors named tensors (parameters, optimizer state, ...).
/// @param prefix put before each name (e.g. "optimizer.").
/// @return the descriptions, empty when every value is finite.
std::vector<std::string> non_finite_tensors(const NamedTensors& tensors,
                                            const std::string& prefix = "");

}  // namespace knob::nn
