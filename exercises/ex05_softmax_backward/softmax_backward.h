/// @file
/// @brief Exercise ex05 (lesson 02): the backward of softmax over the last axis.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The backward of \f$ y = \mathrm{softmax}(x) \f$ along the last axis, from y alone.
///
/// For one row, \f$ y_j = e^{x_j} / \sum_k e^{x_k} \f$ has the Jacobian
/// \f$ \partial y_j / \partial x_i = y_j(\delta_{ij} - y_i) \f$, so
/// \f$ \bar x_i = \sum_j g_j\, y_j (\delta_{ij} - y_i) = y_i \,(g_i - \sum_j g_j y_j) \f$.
/// The inner sum is one number per row (a dot product of g and y along the row).
///
/// You may use knob's ops (mul, sub, sum with keepdim) or write loops.
/// @param y the softmax output, shape [..., C] (each row sums to 1)
/// @param g dL/dy, same shape as y
/// @return dL/dx, same shape and dtype as y
/// @throws ShapeError when y and g have different shapes
Tensor softmax_backward(const Tensor& y, const Tensor& g);

}  // namespace knob::exercises
