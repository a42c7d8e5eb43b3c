/// @file
/// @brief Shapes, strides, axes and broadcasting rules, shared by every op.
///
/// Dimension letters used in shape comments across knob:
/// B batch, T sequence (time), C model width (d_model), H heads, D head size (C / H),
/// F feed-forward width (d_ff), V vocabulary, N rows (B·T), M/K/N in matmul as in BLAS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "autograd/small_vector.h"

namespace knob {

/// @brief A tensor's extent along each axis, outermost first (row-major).
///
/// Up to 6 axes live inside the object (no heap allocation: every op makes several shapes);
/// it behaves like, and converts to and from, `std::vector<std::int64_t>`.
using Shape = SmallVector<std::int64_t, 6>;

/// @brief A list of axis indices (for reductions and permute), e.g. {-1} or {0, 2, 1, 3}; like
/// Shape it needs no heap allocation for up to 6 entries.
using Axes = SmallVector<std::int64_t, 6>;

/// @brief "[2,3,4]" — how every error message prints a shape.
/// @param shape the shape. @return its text, no spaces.
std::string shape_str(const Shape& shape);

/// @brief Number of elements: the product of the extents (1 for a scalar shape []).
/// @param shape the shape. @return the product.
std::int64_t shape_numel(const Shape& shape);

/// @brief Row-major strides in elements: stride[i] = prod(shape[i+1:]).
/// @param shape the shape. @return one stride per axis (the last is 1).
Shape contiguous_strides(const Shape& shape);

/// @brief Map a possibly negative axis (-1 = last) into [0, ndim).
/// @param axis in [-ndim, ndim). @param ndim the tensor's number of axes.
/// @param op the op's name, for the error message.
/// @return the axis in [0, ndim).
/// @throws ValueError naming `op` when the axis is out of range.
std::int64_t normalize_axis(std::int64_t axis, std::int64_t ndim, std::string_view op);

/// @brief The NumPy broadcast of two shapes: align right; extents must match or one be 1.
/// @param a one shape. @param b the other. @param op the op's name, for the error message.
/// @return the broadcast shape.
/// @throws ShapeError, e.g. `add: cannot broadcast [2,3] with [4]`.
Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op);

/// @brief Check that every extent is >= 0.
/// @param shape the shape. @param op the op's name, for the error message.
/// @throws ValueError naming `op`.
void check_valid_shape(const Shape& shape, std::string_view op);

}  // namespace knob
