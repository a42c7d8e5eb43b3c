/// @file
/// @brief A model directory: `config.json` + `model.safetensors` (docs/spec.md §3).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nn/layers/transformer.h"

namespace knob::nn {

/// @brief The files knob writes in a model directory: `config.json`, `model.safetensors`,
/// `metrics.csv`, `loss_curve.svg` and `checkpoint.safetensors`. A model directory is replaced
/// as one unit (StagedDirectory): these names are replaced or removed together; other entries
/// (a user's notes, an adapter) are kept.
/// @return the names.
const std::vector<std::string>& model_dir_files();

/// @brief Write `dir/config.json` and `dir/model.safetensors` as one unit: both new files or,
/// after any failure (a full disk, a crash), the directory exactly as it was
/// (StagedDirectory, nn/base/staged_directory.h: written beside it, then exchanged atomically). The
/// other files of model_dir_files() that `dir` held belong to the replaced model and go; every
/// other entry stays. Only base_parameters() are written: parameters attached after construction
/// (an adapter's vectors) are not part of the base model.
/// @param model the model (every weight finite). @param dir the directory (created if needed).
/// @throws ValueError when a weight is NaN or infinite (nothing is written); FileError naming the
/// directory and the reason when it cannot be written or another process is writing it.
void save_model_dir(const Transformer& model, const std::string& dir);

/// @brief Write `config.json` and `model.safetensors` into an existing directory, e.g. the
/// staging directory of a StagedDirectory that also receives a run's metrics.
/// @param model the model (every weight finite). @param dir an existing directory.
/// @throws ValueError when a weight is NaN or infinite (nothing is written); FileError when a
/// file cannot be written.
void write_model_files(const Transformer& model, const std::string& dir);

/// @brief Read a model directory written by save_model_dir (or by any tool following docs/spec.md).
///
/// The config is validated, then every weight is checked by name and shape (all problems at
/// once); weights are converted to `dtype`.
/// @param dir the directory. @param dtype the dtype of the model built (f32 or f64).
/// @return the model, with the file's weights.
/// @throws FileError / ValueError / ShapeError naming the file and the problem.
std::shared_ptr<Transformer> load_model_dir(const std::string& dir, DType dtype = DType::f32);

/// @brief The base-model parameters only (docs/spec.md §2 table 1, the names
/// TransformerConfig::parameter_shapes() lists); parameters attached later (an adapter's
/// vectors) are left out.
/// @param model the model. @return (name, tensor) pairs in named_parameters() order.
NamedTensors base_parameters(const Transformer& model);

}  // namespace knob::nn
