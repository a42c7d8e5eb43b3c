// WRONG (unhelpful error): the shape rule is right, but the ShapeError does not say which
// shapes failed, so a user cannot tell which op went wrong.
#include <algorithm>

#include "autograd/error.h"
#include "exercises/ex01_broadcast_shapes/broadcast_shape.h"

namespace knob::exercises {

Shape broadcast_result_shape(const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (std::size_t k = 1; k <= rank; ++k) {
    const std::int64_t extent_a = k <= a.size() ? a[a.size() - k] : 1;
    const std::int64_t extent_b = k <= b.size() ? b[b.size() - k] : 1;
    if (extent_a == extent_b || extent_b == 1) {
      result[rank - k] = extent_a;
    } else if (extent_a == 1) {
      result[rank - k] = extent_b;
    } else {
      throw ShapeError("broadcast: the shapes do not broadcast");
    }
  }
  return result;
}

}  // namespace knob::exercises
