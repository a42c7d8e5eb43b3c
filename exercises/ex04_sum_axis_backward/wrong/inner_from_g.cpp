// WRONG (wrong shape): takes `inner` from g's shape instead of x's, which
// without keepdim starts one axis too late.
#include "autograd/error.h"
#include "exercises/ex04_sum_axis_backward/sum_axis_backward.h"

namespace knob::exercises {

Tensor sum_axis_backward(const Tensor& g, const Shape& input_shape, std::int64_t axis,
                         bool keepdim) {
  const auto rank = static_cast<std::int64_t>(input_shape.size());
  if (axis < -rank || axis >= rank) {
    throw ValueError("sum_axis_backward: axis " + std::to_string(axis) +
                     " is out of range for shape " + shape_str(input_shape));
  }
  if (axis < 0) axis += rank;
  // x: [outer, n, inner] around the axis; g: [outer, inner] (keepdim: [outer, 1, inner]),
  // the same bytes either way.
  std::int64_t outer = 1;
  std::int64_t inner = 1;
  for (std::int64_t d = 0; d < axis; ++d) outer *= input_shape[d];
  for (std::int64_t d = axis + 1; d < g.dim(); ++d) inner *= g.shape()[d];
  const std::int64_t n = input_shape[axis];
  (void)keepdim;  // only g's shape differs, not where its elements sit
  if (g.numel() != outer * inner) {
    throw ShapeError("sum_axis_backward: g " + shape_str(g.shape()) + " does not match a sum of " +
                     shape_str(input_shape) + " over axis " + std::to_string(axis));
  }

  Tensor dx = empty(input_shape, g.dtype());
  dispatch_floating(g.dtype(), "sum_axis_backward", [&]<class T>() {
    const T* g_data = g.data<T>();
    T* dx_data = dx.data<T>();
    for (std::int64_t o = 0; o < outer; ++o) {
      for (std::int64_t k = 0; k < n; ++k) {
        for (std::int64_t i = 0; i < inner; ++i) {
          dx_data[(o * n + k) * inner + i] = g_data[o * inner + i];
        }
      }
    }
  });
  return dx;
}

}  // namespace knob::exercises
