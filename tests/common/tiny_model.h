/// @file
/// @brief The suites' one fixture for a small transformer: sizes with defaults, the config they
/// make, and a model drawn from a seed. A test names only the sizes it needs to differ, e.g.
/// `tiny_config({.n_layers = 2, .d_ff = 40})`.
#pragma once

#include <cstdint>
#include <memory>

#include "autograd/random.h"
#include "nn/layers/transformer.h"
#include "nn/layers/transformer_config.h"

namespace knob::test {

/// @brief The sizes of a test transformer. The defaults (V=7, C=8, H=2, L=1, F=16, T=5) are small
/// enough for many quick runs; everything else in the config keeps TransformerConfig's defaults.
struct TinySizes {
  std::int64_t vocab_size = 7;   ///< V
  std::int64_t d_model = 8;      ///< C
  std::int64_t n_heads = 2;      ///< H
  std::int64_t n_layers = 1;     ///< L
  std::int64_t d_ff = 16;        ///< F
  std::int64_t max_seq_len = 5;  ///< the longest sequence
};

/// @brief Two blocks of four heads (V=13, C=16, H=4, L=2, F=32, T=8): the IA³ suites' model,
/// where every block and head must be seen to be scaled.
inline constexpr TinySizes kTwoBlocks{
    .vocab_size = 13, .d_model = 16, .n_heads = 4, .n_layers = 2, .d_ff = 32, .max_seq_len = 8};

/// @brief A TransformerConfig with these sizes. @param sizes the sizes. @return the config.
inline nn::TransformerConfig tiny_config(const TinySizes& sizes = {}) {
  nn::TransformerConfig config;
  config.vocab_size = sizes.vocab_size;
  config.d_model = sizes.d_model;
  config.n_heads = sizes.n_heads;
  config.n_layers = sizes.n_layers;
  config.d_ff = sizes.d_ff;
  config.max_seq_len = sizes.max_seq_len;
  return config;
}

/// @brief A model of these sizes with weights drawn from `seed`.
/// @param seed the generator's seed. @param sizes the sizes. @return the model.
inline std::shared_ptr<nn::Transformer> tiny_model(std::uint64_t seed = 1,
                                                   const TinySizes& sizes = {}) {
  Generator gen(seed);
  return std::make_shared<nn::Transformer>(tiny_config(sizes), gen);
}

}  // namespace knob::test
