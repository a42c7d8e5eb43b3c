// WRONG (wrong axis): lines the shapes up on the LEFT, padding the shorter one at the end.
#include <algorithm>

#include "autograd/error.h"
#include "exercises/ex01_broadcast_shapes/broadcast_shape.h"

namespace knob::exercises {

Shape broadcast_result_shape(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t extent_a = i < a.size() ? a[i] : 1;
    const std::int64_t extent_b = i < b.size() ? b[i] : 1;
    if (extent_a != extent_b && extent_a != 1 && extent_b != 1) {
      throw ShapeError("cannot broadcast " + shape_str(a) + " with " + shape_str(b));
    }
    result[i] = extent_a == 1 ? extent_b : extent_a;
  }
  return result;
}

}  // namespace knob::exercises
