// WRONG (missing transpose): G B and A G, which only fit together when the
// matrices are square, and are wrong even then.
#include "autograd/ops.h"
#include "exercises/ex06_matmul_backward/matmul_backward.h"

namespace knob::exercises {

MatmulGrads matmul_backward(const Tensor& g, const Tensor& a, const Tensor& b) {
  // g: [..., M, N], a: [..., M, K], b: [..., K, N]
  const Tensor grad_a = matmul(g, b);
  const Tensor grad_b = matmul(a, g);
  // A batch axis that was broadcast is summed back to the input's own shape.
  return MatmulGrads{sum_to(grad_a, a.shape()), sum_to(grad_b, b.shape())};
}

}  // namespace knob::exercises
