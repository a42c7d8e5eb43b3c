// ex06_matmul_backward — the reference solution.
#include "autograd/ops.h"
#include "exercises/ex06_matmul_backward/matmul_backward.h"

namespace knob::exercises {

MatmulGrads matmul_backward(const Tensor& g, const Tensor& a, const Tensor& b) {
  // g: [..., M, N], a: [..., M, K], b: [..., K, N]
  const Tensor grad_a = matmul(g, transpose(b, -1, -2));  // [..., M, K]
  const Tensor grad_b = matmul(transpose(a, -1, -2), g);  // [..., K, N]
  // A batch axis that was broadcast is summed back to the input's own shape.
  return MatmulGrads{sum_to(grad_a, a.shape()), sum_to(grad_b, b.shape())};
}

}  // namespace knob::exercises
