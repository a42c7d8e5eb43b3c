/// @file
/// @brief Reading a file of weights: a safetensors file whose tensors are a model's parameters.
///
/// Weights are F32 or F64 (docs/spec.md §3) and finite. A weights file holding an I32 or I64
/// tensor, or a NaN or an infinity, is refused with an error naming the tensor: loading it would
/// either convert integers silently or make every later result NaN without saying why.
#pragma once

#include <string>

#include "nn/io/safetensors.h"
#include "nn/layers/module.h"

namespace knob::nn {

/// @brief Read a weights file: every tensor F32 or F64, every value finite.
/// @param path the safetensors file.
/// @return its tensors and metadata.
/// @throws FileError naming `path` and, for a wrong dtype or a non-finite value, the tensor, e.g.
///         `model.safetensors: tensor 'head.bias' is I32, but weights are F32 or F64`.
SafetensorsFile read_weights_file(const std::string& path);

/// @brief read_weights_file() that also checks names and shapes against `expected` from the
/// header alone, before any data is read: a file that does not fit costs nothing to refuse.
/// @param path the safetensors file.
/// @param expected the parameters the model has (e.g. TransformerConfig::parameter_shapes()).
/// @param strict whether tensors not in `expected` are an error.
/// @return its tensors and metadata.
/// @throws FileError naming `path` and every missing, unexpected or mis-shaped tensor (see
///         check_state_dict()), or as read_weights_file().
SafetensorsFile read_weights_file(const std::string& path, const NamedShapes& expected,
                                  bool strict = true);

/// @brief Check that every tensor is F32 or F64 and holds only finite values.
/// @param tensors the tensors (e.g. a state dict about to be loaded).
/// @param source the file they came from, for the message.
/// @throws FileError `"<source>: tensor '<name>' [shape] holds nan at index [i,j] (k of n values
///         are not finite); weights must be finite"`, or naming an integer tensor.
void check_weight_values(const NamedTensors& tensors, const std::string& source);

}  // namespace knob::nn
