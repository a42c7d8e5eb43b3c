/// @file
/// @brief Exercise ex04 (lesson 02): the backward of a sum over one axis, written with raw loops.
#pragma once

#include <cstdint>

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The backward of \f$ y = \sum_{\text{axis}} x \f$ (knob::sum over one axis): given
/// \f$ g = \partial L / \partial y \f$, return \f$ \partial L / \partial x \f$.
///
/// Write it with loops over `g.data<T>()` and the result's `data<T>()`, for f32 and f64 (e.g.
/// with knob::dispatch_floating, autograd/dtype.h); do not call knob::expand or knob::sum_to —
/// the point is to see where each element sits in memory (lesson 01: row-major, strides).
/// @param g dL/dy: x's shape without `axis` (keepdim false) or with extent 1 there (keepdim true)
/// @param input_shape the shape of x
/// @param axis the summed axis, negative counts from the end (-1 = last)
/// @param keepdim whether the forward kept the summed axis with extent 1
/// @return dL/dx, shape input_shape, dtype of g
/// @throws ValueError when `axis` is outside [-rank, rank), naming the axis and the shape
Tensor sum_axis_backward(const Tensor& g, const Shape& input_shape, std::int64_t axis,
                         bool keepdim);

}  // namespace knob::exercises
