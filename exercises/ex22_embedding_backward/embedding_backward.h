/// @file
/// @brief Exercise ex22 (lesson 07): the backward of an embedding lookup — the gradient of the
/// table that turns token ids into vectors.
#pragma once

#include <cstdint>

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The backward of \f$ y = \mathrm{embedding}(W, \mathrm{ids}) \f$ with respect to the
/// table W: given \f$ g = \partial L/\partial y \f$, return \f$ \partial L/\partial W \f$.
///
/// The forward (knob::embedding, nn::Embedding) copies row ids[s] of W [V, C] to position s of
/// the output, for every position s of ids (any shape S...), so y is [S..., C]. Ids may repeat
/// (the same token several times in a batch), and most rows of W are usually not used at all.
///
/// Write it with loops over `data<T>()` (f32 and f64); do not call knob::embedding_backward,
/// knob::backward or knob::grad.
/// @param g dL/dy, shape [S..., C]
/// @param ids the ids of the forward pass, i64, shape [S...]
/// @param num_rows V, the number of rows of W
/// @return dL/dW, shape [V, C], in the dtype of g
/// @throws DTypeError when ids is not i64; ShapeError when g's shape is not ids' shape plus one
///         last axis; ValueError naming the first id outside [0, V) (check them all before
///         writing anything)
Tensor embedding_table_gradient(const Tensor& g, const Tensor& ids, std::int64_t num_rows);

}  // namespace knob::exercises
