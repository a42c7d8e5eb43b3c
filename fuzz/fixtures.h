/// @file
/// @brief Small, fixed inputs shared by the fuzz targets and the seed-corpus generator: a tiny
/// transformer, a batch, an IA³ adapter and the files the command-line fuzzer works on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "nn/layers/module.h"
#include "nn/layers/transformer.h"
#include "nn/layers/transformer_config.h"

namespace knob::fuzz {

/// @brief A transformer small enough to load thousands of times a second:
/// V=6, C=4, H=2, L=1, F=8, max_seq_len=4, relu.
/// @return the config.
nn::TransformerConfig tiny_config();

/// @brief A tiny_config() model with weights drawn from `seed`.
/// @param seed the generator seed.
/// @return the model (f32).
std::shared_ptr<nn::Transformer> tiny_model(std::uint64_t seed);

/// @brief A batch file's tensors for tiny_config(): `input_ids` and `targets`, both [2,3] i64
/// (one target is -100).
/// @return the named tensors.
nn::NamedTensors tiny_batch();

/// @brief IA³ vectors for `model` (`blocks.i.attn.l_k`, ...), with values other than one.
/// @param model a model built from tiny_config().
/// @return the named vectors.
nn::NamedTensors tiny_adapter(const nn::Transformer& model);

/// @brief Write the files the command-line fuzzer's seed corpus refers to, into `dir`:
/// `model/` (a model directory), `batch.safetensors`, `adapter.safetensors` (an IA³ adapter for
/// the model), `peft/` (the same adapter in PEFT's format), `config.json`,
/// `garbage.safetensors` (not a safetensors file) and `empty` (an empty file).
/// @param dir an existing directory.
/// @throws knob::Error when a file cannot be written.
void write_cli_fixtures(const std::string& dir);

}  // namespace knob::fuzz
