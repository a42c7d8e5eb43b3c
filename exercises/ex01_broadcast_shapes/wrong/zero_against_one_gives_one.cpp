// WRONG (degenerate shape): right everywhere except that an extent 0 against 1 gives 1 (the
// larger one), though broadcasting an empty axis must stay empty.
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
    if (extent_a != extent_b && extent_a != 1 && extent_b != 1) {
      throw ShapeError("cannot broadcast " + shape_str(a) + " with " + shape_str(b));
    }
    result[rank - k] = std::max(extent_a, extent_b);
  }
  return result;
}

}  // namespace knob::exercises
