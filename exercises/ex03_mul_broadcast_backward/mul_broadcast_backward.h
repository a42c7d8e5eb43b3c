/// @file
/// @brief Exercise ex03 (lesson 02): the backward of a broadcasting multiply.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief Sum a gradient down to the shape of the input that was broadcast: the inverse of
/// broadcasting.
///
/// If an input of shape `shape` was broadcast to g's shape, each of its elements was used many
/// times, so its gradient is the sum of g over every copy: sum g over the leading axes that
/// `shape` does not have, and over every axis where `shape` has extent 1 and g does not (keeping
/// that axis, with extent 1). Example: g [2,3,4] to shape [3,1] sums axis 0 away and axis 2 to 1.
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

/// @brief The backward of \f$ y = a \odot b \f$ with NumPy broadcasting.
///
/// With \f$ g = \partial L / \partial y \f$ (shape of y = broadcast(a, b)):
/// \f$ \bar a = \mathrm{reduce\_to\_shape}(g \odot b, \mathrm{shape}(a)) \f$,
/// \f$ \bar b = \mathrm{reduce\_to\_shape}(g \odot a, \mathrm{shape}(b)) \f$.
/// @param g dL/dy, shape broadcast(a.shape, b.shape)
/// @param a the left factor, e.g. [B,C] or [C] or [B,1]
/// @param b the right factor
/// @return grad_a with a's shape and grad_b with b's shape
MulGrads mul_broadcast_backward(const Tensor& g, const Tensor& a, const Tensor& b);

}  // namespace knob::exercises
