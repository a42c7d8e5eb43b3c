// ex04_sum_axis_backward — YOUR VERSION.
#include "autograd/error.h"
#include "exercises/common/todo.h"
#include "exercises/ex04_sum_axis_backward/sum_axis_backward.h"

namespace knob::exercises {

Tensor sum_axis_backward(const Tensor& g, const Shape& input_shape, std::int64_t axis,
                         bool keepdim) {
  // 1. Normalise the axis: a negative axis counts from the end (axis += rank); anything still
  //    outside [0, rank) is a ValueError (say which axis and which shape, use shape_str).
  // 2. outer = product of input_shape[0 .. axis), n = input_shape[axis],
  //    inner = product of input_shape(axis .. rank).
  // 3. Tensor dx = empty(input_shape, g.dtype());
  //    for o < outer, k < n, i < inner:  dx[(o * n + k) * inner + i] = g[o * inner + i]
  //    (keepdim does not change g's memory layout, only its shape — why?)
  (void)g;
  (void)input_shape;
  (void)axis;
  (void)keepdim;
  todo("ex04_sum_axis_backward", "copy g back along the summed axis");
}

}  // namespace knob::exercises
