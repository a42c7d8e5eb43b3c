// ex05_softmax_backward — YOUR VERSION.
#include "autograd/ops.h"
#include "exercises/common/todo.h"
#include "exercises/ex05_softmax_backward/softmax_backward.h"

namespace knob::exercises {

Tensor softmax_backward(const Tensor& y, const Tensor& g) {
  // 1. If y.shape() != g.shape(), throw ShapeError naming both shapes.
  // 2. row_dot = Σ_j g_j y_j over the last axis, kept as [..., 1] so it broadcasts back
  //    (sum(mul(g, y), {-1}, /*keepdim=*/true)).
  // 3. dx = y ⊙ (g − row_dot).
  // Common slip: forgetting keepdim — then [N] cannot broadcast against [N, C].
  (void)y;
  (void)g;
  todo("ex05_softmax_backward", "dx = y * (g - sum(g * y, last axis))");
}

}  // namespace knob::exercises
