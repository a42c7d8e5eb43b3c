/// @file
/// @brief NumPy broadcasting for binary ops, on top of the contiguous SIMD kernels.
/// Internal to the ops; not part of the public API.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "autograd/tensor.h"

namespace knob::detail {

/// @brief The four arithmetic ops that broadcast.
enum class BinaryOp { add, sub, mul, div };

/// @brief out = a (op) b with broadcasting, no autograd. Both inputs floating, same dtype.
///
/// The innermost axis is handed to a SIMD kernel: vector-vector when both inputs run along it,
/// vector-scalar when one of them is broadcast along it. The outer axes are walked with an
/// odometer (a multi-index counter).
Tensor broadcast_binary(const Tensor& a, const Tensor& b, BinaryOp op, std::string_view name);

/// @brief Strides of `shape` seen from `out_shape` (aligned right; 0 along broadcast axes).
Shape broadcast_strides(const Shape& shape, const Shape& out_shape);

/// @brief Visit every element of `out_shape` in row-major order with the matching linear offset
/// into a tensor of `in_shape` broadcast to it: fn(out_linear, in_offset).
template <class Fn>
void for_each_broadcast(const Shape& out_shape, const Shape& in_shape, Fn&& fn) {
  const std::int64_t n = shape_numel(out_shape);
  if (n == 0) return;
  const Shape strides = broadcast_strides(in_shape, out_shape);
  const std::size_t ndim = out_shape.size();
  std::vector<std::int64_t> index(ndim, 0);
  std::int64_t in_offset = 0;
  for (std::int64_t linear = 0; linear < n; ++linear) {
    fn(linear, in_offset);
    // Advance the odometer: bump the last axis, carrying into earlier axes.
    for (std::size_t axis = ndim; axis-- > 0;) {
      ++index[axis];
      in_offset += strides[axis];
      if (index[axis] < out_shape[axis]) break;
      in_offset -= strides[axis] * out_shape[axis];
      index[axis] = 0;
    }
  }
}

}  // namespace knob::detail
