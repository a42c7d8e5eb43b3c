/// @file
/// @brief Exercise ex03 (lesson 02): the backward of a broadcasting multiply.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The inverse of broadcasting for gradients: bring a gradient of the broadcast shape
/// back to the shape of the input that was broadcast (lesson 01, section 3).
///
/// Example of the shapes: g [2,3,4] reduced to [3,1] gives a [3,1] tensor.
///
/// Use knob::sum(x, axes, keepdim) and reshape; do not call knob::sum_to (the grader's reference).
/// @param g a gradient, shape G (the broadcast shape)
/// @param shape the shape to reduce to; it must broadcast to G
/// @return a tensor of shape `shape`, dtype of g
Tensor reduce_to_shape(const Tensor& g, const Shape& shape);

/// @brief The two gradients of y = a ⊙ b.
struct MulGrads {
  Tensor grad_a;  ///< dL/da, shape of a
  Tensor grad_b;  ///< dL/db, shape of b
};

/// @brief The backward of \f$ y = a \odot b \f$ with NumPy broadcasting: given
/// \f$ g = \partial L / \partial y \f$, the gradients of L with respect to a and b.
///
/// Use knob's forward ops (mul, ...) and your reduce_to_shape; do not call knob::backward.
/// @param g dL/dy, shape broadcast(a.shape, b.shape)
/// @param a the left factor, e.g. [B,C] or [C] or [B,1]
/// @param b the right factor
/// @return grad_a with a's shape and grad_b with b's shape, in the dtype of g
MulGrads mul_broadcast_backward(const Tensor& g, const Tensor& a, const Tensor& b);

}  // namespace knob::exercises
