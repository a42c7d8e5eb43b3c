// ex01_broadcast_shapes — YOUR VERSION. Replace the body of broadcast_result_shape.
#include "exercises/common/todo.h"
#include "exercises/ex01_broadcast_shapes/broadcast_shape.h"

namespace knob::exercises {

Shape broadcast_result_shape(const Shape& a, const Shape& b) {
  // Plan:
  //  1. rank = max(a.size(), b.size()); the result has `rank` extents.
  //  2. Walk the axes from the RIGHT (k = 1 .. rank): the k-th extent from the end of a is
  //     a[a.size() - k] if k <= a.size(), else 1 (a missing axis behaves like extent 1).
  //     The same for b.
  //  3. Equal extents, or one of them 1: the result takes the other one.
  //     Otherwise throw ShapeError with both shapes in the message (shape_str(a), shape_str(b)).
  (void)a;
  (void)b;
  todo("ex01_broadcast_shapes", "compute the broadcast shape of a and b");
}

}  // namespace knob::exercises
