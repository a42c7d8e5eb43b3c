/// @file
/// @brief Exercise ex04 (lesson 02): the backward of a sum over one axis, written with raw loops.
#pragma once

#include <cstdint>

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The backward of \f$ y = \sum_{\text{axis}} x \f$: every summed element gets the
/// gradient of the sum it went into.
///
/// View x as [outer, n, inner] around `axis` (outer = product of the extents before it, n its
/// extent, inner = product of the extents after it). Then y is [outer, inner] (or
/// [outer, 1, inner] with keepdim) and \f$ \bar x_{o,k,i} = g_{o,i} \f$ for every k.
///
/// Write it with loops over `g.data<T>()` and the output's `data<T>()` (support f32 and f64, e.g.
/// with knob::dispatch_floating); do not call knob::expand (the idea is to see the strides).
/// @param g dL/dy: x's shape without `axis` (keepdim false) or with extent 1 there (keepdim true)
/// @param input_shape the shape of x
/// @param axis the summed axis, negative counts from the end (-1 = last)
/// @param keepdim whether the forward kept the summed axis with extent 1
/// @return dL/dx, shape input_shape, dtype of g
/// @throws ValueError when `axis` is outside [-rank, rank), naming the axis and the shape
Tensor sum_axis_backward(const Tensor& g, const Shape& input_shape, std::int64_t axis,
                         bool keepdim);

}  // namespace knob::exercises
