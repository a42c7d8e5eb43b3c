// ex01_broadcast_shapes — the reference solution.
#include <algorithm>

#include "autograd/error.h"
#include "exercises/ex01_broadcast_shapes/broadcast_shape.h"

namespace knob::exercises {

Shape broadcast_result_shape(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  // k counts axes from the right: k = 1 is the last axis of both shapes.
  for (std::size_t k = 1; k <= rank; ++k) {
    const std::int64_t extent_a = k <= a.size() ? a[a.size() - k] : 1;
    const std::int64_t extent_b = k <= b.size() ? b[b.size() - k] : 1;
    std::int64_t extent = 0;
    if (extent_a == extent_b || extent_b == 1) {
      extent = extent_a;
    } else if (extent_a == 1) {
      extent = extent_b;
    } else {
      throw ShapeError("broadcast: cannot broadcast " + shape_str(a) + " with " + shape_str(b) +
                       ": axis -" + std::to_string(k) + " has extents " + std::to_string(extent_a) +
                       " and " + std::to_string(extent_b));
    }
    result[rank - k] = extent;
  }
  return result;
}

}  // namespace knob::exercises
