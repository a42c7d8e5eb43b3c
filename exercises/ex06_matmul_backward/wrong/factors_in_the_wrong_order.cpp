// WRONG (wrong order): Bᵀ-first and G-first products, G Bᵀ written as Bᵀ G
// and Aᵀ G written as G Aᵀ (right only for some square, symmetric inputs).
#include "autograd/ops.h"
#include "exercises/ex06_matmul_backward/matmul_backward.h"

namespace knob::exercises {

MatmulGrads matmul_backward(const Tensor& g, const Tensor& a, const Tensor& b) {
  // g: [..., M, N], a: [..., M, K], b: [..., K, N]
  const Tensor grad_a = matmul(transpose(b, -1, -2), g);
  const Tensor grad_b = matmul(g, transpose(a, -1, -2));
  // A batch axis that was broadcast is summed back to the input's own shape.
  return MatmulGrads{sum_to(grad_a, a.shape()), sum_to(grad_b, b.shape())};
}

}  // namespace knob::exercises
