/// @file
/// @brief IA³ adapter files: knob's own format (docs/spec.md §3) and PEFT's directory format.
///
/// knob's adapter file is one safetensors file holding the vectors under their names
/// (`blocks.{i}.attn.l_k`, `blocks.{i}.attn.l_v`, `blocks.{i}.ffn.l_ff`, or `<module>.ia3_l`
/// for a layer without a built-in vector), 1-D, with `__metadata__`:
/// `format` = `knob-ia3`, `base_config` = the base model's config.json text (when known),
/// `target_modules`, `feedforward_modules` and `fused_qkv_modules` = the selectors as JSON.
///
/// PEFT's format is a directory with `adapter_config.json` (`"peft_type": "IA3"`,
/// `target_modules`, `feedforward_modules`, `task_type`, ...) and `adapter_model.safetensors`
/// whose keys are `base_model.model.<module path>.ia3_l`: shape [out, 1] for a module that
/// scales its output (k_proj, v_proj), [1, in] for a feedforward module (ffn.down), which
/// scales its input. In knob's names: `blocks.0.attn.l_k` ↔ `blocks.0.attn.k_proj`,
/// `...attn.l_v` ↔ `...attn.v_proj`, `...ffn.l_ff` ↔ `...ffn.down`.
#pragma once

#include <optional>
#include <string>

#include "ia3/adapter_config.h"
#include "ia3/model_map.h"
#include "nn/layers/module.h"
#include "nn/layers/transformer_config.h"

namespace knob::ia3 {

/// @brief An adapter as stored: its vectors, what it scales, and the base it was trained on.
struct AdapterFile {
  nn::NamedTensors vectors;                          ///< 1-D vectors by knob name, in name order
  AdapterConfig config;                              ///< the selectors
  std::optional<nn::TransformerConfig> base_config;  ///< the base model's config, if known
};

/// @brief Save an adapter in knob's format, atomically.
/// @param path the .safetensors file to write.
/// @param adapter vectors (1-D), selectors and optional base config.
/// @throws ValueError for a vector that is not 1-D floating; FileError when writing fails.
void save_adapter(const std::string& path, const AdapterFile& adapter);

/// @brief Load and validate an adapter in knob's format.
///
/// Checks: every name is a vector name (see module_path_of()), every tensor 1-D, F32 or F64,
/// finite; the metadata is valid JSON where present; with a base config, built-in vectors
/// belong to an existing block and have C (l_k, l_v) or F (l_ff) entries.
/// With `expected` (the vectors a model has), the names and shapes are checked against it from
/// the file's header, before any data is read or allocated (nn::read_weights_file()).
/// @param path the file.
/// @param expected the names and shapes the file must hold exactly, or null for any vectors.
/// @return the adapter.
/// @throws FileError naming the file and every problem found.
AdapterFile load_adapter(const std::string& path, const nn::NamedShapes* expected = nullptr);

/// @brief Load an adapter in knob's format into docs/spec.md's model: the model gets its IA³
/// vectors (ia3::add_vectors()) if it has none, the file must hold exactly those (checked from
/// the header first), and their values are copied in. The one way every command reads an
/// adapter file.
/// @param model the model. @param path the adapter file.
/// @throws FileError naming the file and every problem (a non-finite value: which tensor).
void load_adapter_into(nn::Transformer& model, const std::string& path);

/// @brief Write PEFT's directory (created if needed): adapter_config.json and
/// adapter_model.safetensors, each replaced atomically.
/// @param adapter the adapter.
/// @param dir the directory.
/// @throws ValueError for an adapter with fused_qkv_modules (PEFT has no such notion);
///         FileError when writing fails.
void export_peft(const AdapterFile& adapter, const std::string& dir);

/// @brief Read and validate PEFT's directory.
///
/// Checks: `peft_type` is "IA3"; target_modules and feedforward_modules are a list of strings,
/// a string (a full-match regex) or null; every key is `base_model.model.<path>.ia3_l`; every
/// tensor is F32/F64, [n, 1] for a module not selected as feedforward and [1, n] for one that
/// is; the module is selected by target_modules.
/// @param dir the directory.
/// @return the adapter with knob names (base_config taken from the safetensors metadata
///         `knob_base_config` when present).
/// @throws FileError naming the file and the problem.
AdapterFile import_peft(const std::string& dir);

}  // namespace knob::ia3
