/// @file
/// @brief Exercise ex01 (lesson 01): the shape of a broadcast, and the error when there is none.
#pragma once

#include "autograd/shape.h"

namespace knob::exercises {

/// @brief The shape of `a (op) b` when the two shapes broadcast like NumPy.
///
/// The rule: line the shapes up on the right (pad the shorter one with 1s on the left); along
/// each axis the extents must be equal, or one of them must be 1, and the result takes the larger
/// one. Examples: [2,3] with [3] → [2,3]; [3,1] with [1,4] → [3,4]; [] with [5] → [5];
/// [2,1,3] with [4,1] → [2,4,3]; an extent 0 with 1 gives 0.
///
/// Write the loop yourself (do not call knob::broadcast_shapes: the grader uses it as the
/// reference).
/// @param a shape of the left operand, outermost axis first
/// @param b shape of the right operand
/// @return the broadcast shape, of rank max(rank a, rank b)
/// @throws ShapeError when an axis has two different extents neither of which is 1; the message
///         must contain both shapes as shape_str prints them, e.g. "[2,3]" and "[4]".
Shape broadcast_result_shape(const Shape& a, const Shape& b);

}  // namespace knob::exercises
