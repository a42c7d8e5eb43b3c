/// @file
/// @brief Exercise ex05 (lesson 02): the backward of softmax over the last axis.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The backward of \f$ y = \mathrm{softmax}(x) \f$ along the last axis, computed from the
/// output y alone: given \f$ g = \partial L / \partial y \f$, return
/// \f$ \partial L / \partial x \f$.
///
/// For one row, \f$ y_j = e^{x_j} / \sum_k e^{x_k} \f$. Derive
/// \f$ \partial y_j / \partial x_i \f$ first (both for j = i and j ≠ i), then apply the chain rule
/// \f$ \bar x_i = \sum_j g_j\, \partial y_j / \partial x_i \f$ and simplify until no
/// \f$ e^{x} \f$ is left, only y.
///
/// You may use knob's forward ops (mul, sub, sum with keepdim, ...) or write loops; do not call
/// knob::softmax's backward through the tape (knob::backward, knob::grad).
/// @param y the softmax output, shape [..., C] (each row sums to 1)
/// @param g dL/dy, same shape as y
/// @return dL/dx, same shape and dtype as y
/// @throws ShapeError when y and g have different shapes
Tensor softmax_backward(const Tensor& y, const Tensor& g);

}  // namespace knob::exercises
