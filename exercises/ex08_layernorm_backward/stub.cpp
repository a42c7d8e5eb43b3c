// ex08_layernorm_backward — YOUR VERSION.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/common/todo.h"
#include "exercises/ex08_layernorm_backward/layernorm_backward.h"

namespace knob::exercises {

LayerNormGrads layer_norm_backward(const Tensor& g, const Tensor& x, const Tensor& gamma,
                                   double eps) {
  // 1. Check the shapes: g like x, gamma [D] with D = x.size(-1); otherwise throw ShapeError.
  // 2. Recompute the forward, row by row (keepdim = true keeps [..., 1] for broadcasting):
  //      mu = mean(x, {-1}, true); centered = x − mu; var = mean(centered², {-1}, true)
  //      r = (var + eps)^(-1/2);   x_hat = centered ⊙ r
  // 3. g_hat = g ⊙ gamma, then
  //      dx = r ⊙ (g_hat − mean(g_hat) − x_hat ⊙ mean(g_hat ⊙ x_hat))   (means over the row)
  // 4. dgamma = Σ over rows of g ⊙ x_hat, dbeta = Σ over rows of g (sum_to(·, gamma.shape())).
  // Common slips: the unbiased variance (÷ (D−1)), eps left out, or g instead of g ⊙ gamma.
  (void)g;
  (void)x;
  (void)gamma;
  (void)eps;
  todo("ex08_layernorm_backward",
       "dx = r (g_hat - mean(g_hat) - x_hat mean(g_hat x_hat)), "
       "dgamma = sum(g x_hat), dbeta = sum(g)");
}

}  // namespace knob::exercises
