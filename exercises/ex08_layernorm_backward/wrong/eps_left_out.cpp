// WRONG (missing eps): normalises by 1/sqrt(var) without eps, which divides by zero on
// a constant row and is slightly off everywhere else.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex08_layernorm_backward/layernorm_backward.h"

namespace knob::exercises {

LayerNormGrads layer_norm_backward(const Tensor& g, const Tensor& x, const Tensor& gamma,
                                   double eps) {
  if (g.shape() != x.shape()) {
    throw ShapeError("layer_norm_backward: g " + shape_str(g.shape()) + " and x " +
                     shape_str(x.shape()) + " must have the same shape");
  }
  if (x.dim() < 1 || gamma.shape() != Shape{x.size(-1)}) {
    throw ShapeError("layer_norm_backward: gamma " + shape_str(gamma.shape()) +
                     " must be [D] for x " + shape_str(x.shape()));
  }
  // Recompute the forward quantities of every row (x: [..., D]).
  const Tensor mu = mean(x, {-1}, /*keepdim=*/true);                              // [..., 1]
  const Tensor centered = sub(x, mu);                                             // [..., D]
  const Tensor variance = mean(mul(centered, centered), {-1}, /*keepdim=*/true);  // [..., 1]
  const Tensor inv_std = pow(variance, -0.5);                                     // r: [..., 1]
  const Tensor x_hat = mul(centered, inv_std);                                    // [..., D]

  // dx = r (ĝ − mean(ĝ) − x̂ mean(ĝ x̂)), ĝ = g γ.
  const Tensor g_hat = mul(g, gamma);                                               // [..., D]
  const Tensor mean_g_hat = mean(g_hat, {-1}, /*keepdim=*/true);                    // [..., 1]
  const Tensor mean_g_hat_x_hat = mean(mul(g_hat, x_hat), {-1}, /*keepdim=*/true);  // [..., 1]
  const Tensor grad_x =
      mul(inv_std, sub(sub(g_hat, mean_g_hat), mul(x_hat, mean_g_hat_x_hat)));  // [..., D]

  // γ and β were broadcast over every row: sum their gradients back to [D].
  return LayerNormGrads{grad_x, sum_to(mul(g, x_hat), gamma.shape()), sum_to(g, gamma.shape())};
}

}  // namespace knob::exercises
