/// @file
/// @brief Parameter initialisation: PyTorch's defaults, drawn from a seeded knob::Generator.
///
/// knob initialises every layer the way PyTorch's `torch.nn` does by default, so a knob model is
/// statistically the same starting point as its PyTorch twin (the numbers differ: the random
/// generators differ). Each layer's constructor calls one of these functions:
///
/// | layer | tensor | PyTorch default | distribution |
/// |---|---|---|---|
/// | Linear(in, out) | weight [out, in] | `kaiming_uniform_(a=sqrt(5))` | \f$ U(-k, k) \f$ |
/// | Linear(in, out) | bias [out] | uniform with the fan-in bound | \f$ U(-k, k) \f$ |
/// | Embedding(n, d) | weight [n, d] | `normal_(0, 1)` | \f$ N(0, 1) \f$ |
/// | LayerNorm(C) | weight, bias [C] | ones, zeros | constants |
///
/// with \f$ k = 1/\sqrt{in} \f$ (in = in_features, the fan-in).
///
/// Why kaiming_uniform_ with \f$ a = \sqrt5 \f$ is \f$ U(-1/\sqrt{in}, 1/\sqrt{in}) \f$: its bound
/// is \f$ \mathrm{gain} \sqrt{3 / fan\_in} \f$ with \f$ \mathrm{gain} = \sqrt{2 / (1 + a^2)} =
/// \sqrt{1/3} \f$, so the bound is \f$ \sqrt{1/3} \sqrt{3/in} = 1/\sqrt{in} \f$.
///
/// Values are drawn in double precision, in row-major order, and then stored in the requested
/// dtype. Every function returns a fresh leaf (not requiring grad; `register_parameter` marks it).
/// \code
/// Generator gen(42);
/// Tensor w = init::linear_weight(/*out_features=*/16, /*in_features=*/8, gen);  // [16, 8]
/// Tensor b = init::linear_bias(16, 8, gen);                                     // [16]
/// \endcode
#pragma once

#include <cstdint>

#include "autograd/random.h"
#include "autograd/tensor.h"

namespace knob::nn::init {

/// @brief The bound \f$ 1/\sqrt{fan\_in} \f$ of PyTorch's default Linear initialisation.
/// @param fan_in number of inputs of the layer (in_features); must be positive.
/// @return \f$ 1/\sqrt{fan\_in} \f$.
/// @throws ValueError when fan_in <= 0.
double linear_bound(std::int64_t fan_in);

/// @brief A Linear weight [out_features, in_features] drawn from
/// \f$ U(-1/\sqrt{in}, 1/\sqrt{in}) \f$ (PyTorch's `kaiming_uniform_(a = sqrt(5))`).
/// @param out_features rows (outputs of the layer).
/// @param in_features columns (inputs of the layer); sets the bound.
/// @param gen the generator to draw from (advanced by out·in draws).
/// @param dtype f32 or f64.
/// @return a new [out_features, in_features] tensor.
/// @throws ValueError when a size is not positive; DTypeError for a non-floating dtype.
Tensor linear_weight(std::int64_t out_features, std::int64_t in_features, Generator& gen,
                     DType dtype = DType::f32);

/// @brief A Linear bias [out_features] drawn from \f$ U(-1/\sqrt{in}, 1/\sqrt{in}) \f$.
/// @param out_features length of the bias.
/// @param in_features the layer's fan-in (sets the bound).
/// @param gen the generator to draw from (advanced by out draws).
/// @param dtype f32 or f64.
/// @return a new [out_features] tensor.
/// @throws ValueError when a size is not positive; DTypeError for a non-floating dtype.
Tensor linear_bias(std::int64_t out_features, std::int64_t in_features, Generator& gen,
                   DType dtype = DType::f32);

/// @brief An Embedding table [num_embeddings, embedding_dim] drawn from \f$ N(0, 1) \f$.
/// @param num_embeddings rows (vocabulary size or number of positions).
/// @param embedding_dim columns (the vector size).
/// @param gen the generator to draw from.
/// @param dtype f32 or f64.
/// @return a new [num_embeddings, embedding_dim] tensor.
/// @throws ValueError when a size is not positive; DTypeError for a non-floating dtype.
Tensor embedding_weight(std::int64_t num_embeddings, std::int64_t embedding_dim, Generator& gen,
                        DType dtype = DType::f32);

/// @brief A LayerNorm weight (gain): ones of shape [features].
/// @param features the normalised size C.
/// @param dtype f32 or f64.
/// @return a new [features] tensor of ones.
/// @throws ValueError when features is not positive; DTypeError for a non-floating dtype.
Tensor layer_norm_weight(std::int64_t features, DType dtype = DType::f32);

/// @brief A LayerNorm bias (shift): zeros of shape [features].
/// @param features the normalised size C.
/// @param dtype f32 or f64.
/// @return a new [features] tensor of zeros.
/// @throws ValueError when features is not positive; DTypeError for a non-floating dtype.
Tensor layer_norm_bias(std::int64_t features, DType dtype = DType::f32);

}  // namespace knob::nn::init
