/// @file
/// @brief Exercise ex01 (lesson 01): the shape of a broadcast, and the error when there is none.
#pragma once

#include "autograd/shape.h"

namespace knob::exercises {

/// @brief The shape of `a (op) b` when the two shapes broadcast as NumPy's do (lesson 01,
/// section 1 states the rule).
///
/// Examples: [2,3] with [3] → [2,3]; [3,1] with [1,4] → [3,4]; [] with [5] → [5];
/// [2,3] with [4] → no broadcast. Shapes may have extents 0 and any rank, including 0.
///
/// Write the loop yourself; do not call knob::broadcast_shapes (the grader's reference).
/// @param a shape of the left operand, outermost axis first
/// @param b shape of the right operand
/// @return the broadcast shape
/// @throws ShapeError when the shapes do not broadcast; the message must contain both shapes as
///         shape_str prints them, e.g. "[2,3]" and "[4]".
Shape broadcast_result_shape(const Shape& a, const Shape& b);

}  // namespace knob::exercises
