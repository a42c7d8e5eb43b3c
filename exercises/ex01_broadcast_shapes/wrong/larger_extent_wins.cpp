// WRONG (missing case): takes the larger extent on every axis, so 0 against 1 gives 1 and a
// conflict such as 3 against 4 is never reported.
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
    result[rank - k] = std::max(extent_a, extent_b);
  }
  return result;
}

}  // namespace knob::exercises
