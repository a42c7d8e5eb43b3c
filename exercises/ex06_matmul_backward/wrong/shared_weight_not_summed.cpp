// WRONG (missing reduction): a weight shared over the batch gets the gradient of
// the first batch entry only, instead of the sum over all of them.
#include "autograd/ops.h"
#include "exercises/ex06_matmul_backward/matmul_backward.h"

namespace knob::exercises {

MatmulGrads matmul_backward(const Tensor& g, const Tensor& a, const Tensor& b) {
  // g: [..., M, N], a: [..., M, K], b: [..., K, N]
  const Tensor grad_a = matmul(g, transpose(b, -1, -2));  // [..., M, K]
  const Tensor grad_b = matmul(transpose(a, -1, -2), g);  // [..., K, N]
  // A batch axis that was broadcast is summed back to the input's own shape.
  auto first_entry = [](Tensor grad, const Tensor& input) {
    while (grad.dim() > input.dim())
      grad = reshape(slice(grad, 0, 0, 1), Shape(grad.shape().begin() + 1, grad.shape().end()));
    return grad;
  };
  return MatmulGrads{first_entry(grad_a, a), first_entry(grad_b, b)};
}

}  // namespace knob::exercises
