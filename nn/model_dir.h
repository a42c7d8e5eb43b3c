/// @file
/// @brief A model directory: `config.json` + `model.safetensors` (docs/spec.md §3).
#pragma once

#include <memory>
#include <string>

#include "nn/transformer.h"

namespace knob::nn {

/// @brief Write `dir/config.json` and `dir/model.safetensors` (creating dir). Each file is
/// replaced atomically, so a crash never leaves a half-written model in place of a good one.
/// IA³ vectors, if enabled, are not part of the base model and are not written.
/// @param model the model. @param dir the directory.
/// @throws FileError when the directory or a file cannot be written.
void save_model_dir(const Transformer& model, const std::string& dir);

/// @brief Read a model directory written by save_model_dir (or by any tool following docs/spec.md).
///
/// The config is validated, then every weight is checked by name and shape (all problems at
/// once); weights are converted to `dtype`.
/// @param dir the directory. @param dtype the dtype of the model built (f32 or f64).
/// @return the model, with the file's weights.
/// @throws FileError / ValueError / ShapeError naming the file and the problem.
std::shared_ptr<Transformer> load_model_dir(const std::string& dir, DType dtype = DType::f32);

/// @brief The base-model parameters only (docs/spec.md §2 table 1): IA³ vectors left out.
/// @param model the model. @return (name, tensor) pairs in named_parameters() order.
NamedTensors base_parameters(const Transformer& model);

/// @brief Is this parameter name one of the IA³ vectors (…l_k, …l_v, …l_ff)?
/// @param name a dotted parameter name. @return true when it ends in .l_k, .l_v or .l_ff.
bool is_ia3_name(const std::string& name);

}  // namespace knob::nn
