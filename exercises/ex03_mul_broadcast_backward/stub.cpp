// ex03_mul_broadcast_backward — YOUR VERSION.
#include "autograd/ops.h"
#include "exercises/common/todo.h"
#include "exercises/ex03_mul_broadcast_backward/mul_broadcast_backward.h"

namespace knob::exercises {

Tensor reduce_to_shape(const Tensor& g, const Shape& shape) {
  // 1. lead = g.dim() - shape.size(): axes 0 .. lead-1 of g do not exist in `shape`.
  //    Sum them away: sum(g, {0, 1, ..., lead-1}, /*keepdim=*/false).
  // 2. Now both have the same rank. Collect every axis i where shape[i] == 1 but g's extent is
  //    not 1, and sum over those with keepdim = true (the extent-1 axis stays).
  // 3. A reshape to `shape` at the end makes the result's shape exactly right.
  (void)g;
  (void)shape;
  todo("ex03_mul_broadcast_backward", "reduce_to_shape: sum g over the broadcast axes");
}

MulGrads mul_broadcast_backward(const Tensor& g, const Tensor& a, const Tensor& b) {
  // The product rule says dy/da = b and dy/db = a, element by element (mul(g, b) has g's shape).
  // Each product must then be reduced to the shape of its own input.
  (void)g;
  (void)a;
  (void)b;
  todo("ex03_mul_broadcast_backward", "mul_broadcast_backward: grad_a and grad_b of a * b");
}

}  // namespace knob::exercises
