/// @file
/// @brief Will the model fit? The memory a transformer needs, compared with what the machine can
/// give before anything is allocated, so that a config too large for the machine is a clear
/// error instead of `std::bad_alloc` halfway through building it, or the kernel's out-of-memory
/// killer halfway through training.
///
/// The need is estimated from the config alone:
/// \f[ \text{bytes} = P \cdot s \cdot k + A \f]
/// with \f$P\f$ the parameter count (TransformerConfig::parameter_count()), \f$s\f$ the dtype's
/// size, \f$k = 1\f$ for the weights alone and \f$k = 4\f$ for training (weights, gradients and
/// Adam's two moments), and \f$A\f$ the activations a training step keeps for backward, about
/// \f$B T\,(L\,(16 C + 3 F + 3 H T) + 3 V)\,s\f$ for \f$B T\f$ tokens per batch.
///
/// What the machine can give is the smallest of: `MemAvailable` in /proc/meminfo, the cgroup's
/// `memory.max` minus `memory.current`, `RLIMIT_AS` and `RLIMIT_DATA` minus what the process
/// already uses, and `KNOB_MEMORY_LIMIT` when that environment variable is set (a number of
/// bytes, or with a K, M, G or T suffix, powers of 1024: `KNOB_MEMORY_LIMIT=512M`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "autograd/dtype.h"
#include "nn/layers/transformer_config.h"

namespace knob::nn {

/// @brief What a model is built for; training needs more than the weights.
enum class ModelUse {
  weights,   ///< the parameters only (loading, evaluating, exporting)
  training,  ///< parameters, gradients, Adam's two moments, and a batch's activations
};

/// @brief The bytes this process can still allocate, as the file comment describes.
/// @return the smallest known limit; nullopt when none is known.
/// @throws ValueError when KNOB_MEMORY_LIMIT is set but is not a size.
std::optional<std::uint64_t> available_memory();

/// @brief The estimated bytes a model of this config needs (see the file comment).
/// @param config a valid config. @param dtype f32 or f64. @param use weights or training.
/// @param batch_tokens tokens per training batch (B·T), for the activations; 0 leaves them out.
/// @return the estimate (saturating at UINT64_MAX).
std::uint64_t model_memory_bytes(const TransformerConfig& config, DType dtype, ModelUse use,
                                 std::int64_t batch_tokens = 0);

/// @brief Refuse a model that would not fit, before anything is allocated.
/// @param config a valid config. @param dtype f32 or f64. @param use weights or training.
/// @param batch_tokens tokens per training batch (0: activations left out).
/// @throws ValueError naming the parameter count, the estimate and what is available, e.g.
/// `the model (4194432 parameters, f32) needs about 64.0 MiB for training but only 10.0 MiB are
/// available (KNOB_MEMORY_LIMIT)`.
void check_model_fits(const TransformerConfig& config, DType dtype, ModelUse use,
                      std::int64_t batch_tokens = 0);

}  // namespace knob::nn
