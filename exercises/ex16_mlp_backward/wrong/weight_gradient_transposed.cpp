// WRONG (wrong order): dL/dW1 as xᵀ du, [D,H], the transpose of W1's shape.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex16_mlp_backward/mlp_backward.h"

namespace knob::exercises {

namespace {

void check_shapes(const Tensor& x, const Tensor& y, const MlpParameters& p) {
  const bool fits = x.dim() == 2 && y.dim() == 2 && p.w1.dim() == 2 && p.w2.dim() == 2 &&
                    p.w1.size(1) == x.size(1) && p.b1.shape() == Shape{p.w1.size(0)} &&
                    p.w2.size(1) == p.w1.size(0) && p.b2.shape() == Shape{p.w2.size(0)} &&
                    y.shape() == Shape{x.size(0), p.w2.size(0)};
  if (!fits) {
    throw ShapeError(
        "mlp_backward: need x [N,D], W1 [H,D], b1 [H], W2 [O,H], b2 [O], y [N,O]; "
        "got x " +
        shape_str(x.shape()) + ", W1 " + shape_str(p.w1.shape()) + ", b1 " +
        shape_str(p.b1.shape()) + ", W2 " + shape_str(p.w2.shape()) + ", b2 " +
        shape_str(p.b2.shape()) + ", y " + shape_str(y.shape()));
  }
}

// 1 where u > 0, else 0: relu's derivative (0 at the kink, as knob's relu). Same shape as u.
Tensor positive_mask(const Tensor& u) {
  Tensor mask = zeros_like(u);
  dispatch_floating(u.dtype(), "positive_mask", [&]<class T>() {
    const T* in = u.data<T>();
    T* out = mask.data<T>();
    for (std::int64_t i = 0; i < u.numel(); ++i) out[i] = in[i] > T(0) ? T(1) : T(0);
  });
  return mask;
}

}  // namespace

MlpGradients mlp_backward(const Tensor& x, const Tensor& y, const MlpParameters& params) {
  check_shapes(x, y, params);
  // Forward, keeping what the backward needs.
  const Tensor u = add(matmul_nt(x, params.w1), params.b1);  // [N,H]
  const Tensor h = relu(u);                                  // [N,H]
  const Tensor z = add(matmul_nt(h, params.w2), params.b2);  // [N,O]

  // L = mean((z - y)²) over all N·O elements: dL/dz = 2 (z - y) / (N·O).
  const double count = static_cast<double>(z.numel());
  const Tensor dz = mul_scalar(sub(z, y), 2.0 / count);  // [N,O]
  MlpGradients grads;
  grads.w2 = matmul_tn(dz, h);              // dzᵀ h: [O,N]·[N,H] → [O,H]
  grads.b2 = sum(dz, {0});                  // [O]
  const Tensor dh = matmul(dz, params.w2);  // [N,O]·[O,H] → [N,H]
  // relu passes the gradient where u > 0 and blocks it elsewhere.
  const Tensor du = mul(dh, positive_mask(u));  // [N,H]
  grads.w1 = matmul_tn(x, du);
  grads.b1 = sum(du, {0});  // [H]
  return grads;
}

}  // namespace knob::exercises
