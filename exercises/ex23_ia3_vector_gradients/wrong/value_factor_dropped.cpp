// WRONG (dropped factor): dL/dl_v sums the gradient of V' over the keys without
// multiplying it by V.
#include <cmath>
#include <limits>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex23_ia3_vector_gradients/ia3_vector_gradients.h"

namespace knob::exercises {

namespace {

void check_shapes(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& l_k,
                  const Tensor& l_v, const Tensor& g) {
  const bool fits = q.dim() == 2 && k.dim() == 2 && v.dim() == 2 && q.size(1) == k.size(1) &&
                    k.size(0) == v.size(0) && l_k.shape() == Shape{k.size(1)} &&
                    l_v.shape() == Shape{v.size(1)} && g.shape() == Shape{q.size(0), v.size(1)};
  if (!fits) {
    throw ShapeError(
        "ia3_vector_gradients: need q [T,d_k], k [S,d_k], v [S,d_v], l_k [d_k], "
        "l_v [d_v], g [T,d_v]; got q " +
        shape_str(q.shape()) + ", k " + shape_str(k.shape()) + ", v " + shape_str(v.shape()) +
        ", l_k " + shape_str(l_k.shape()) + ", l_v " + shape_str(l_v.shape()) + ", g " +
        shape_str(g.shape()));
  }
}

Tensor causal_mask(std::int64_t queries, std::int64_t keys) {  // 1 where key j > query i
  Tensor mask = zeros({queries, keys}, DType::i64);
  std::int64_t* hidden = mask.data<std::int64_t>();
  for (std::int64_t i = 0; i < queries; ++i) {
    for (std::int64_t j = i + 1; j < keys; ++j) hidden[i * keys + j] = 1;
  }
  return mask;
}

}  // namespace

VectorGradients ia3_vector_gradients(const Tensor& q, const Tensor& k, const Tensor& v,
                                     const Tensor& l_k, const Tensor& l_v, bool causal,
                                     const Tensor& g) {
  check_shapes(q, k, v, l_k, l_v, g);
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(1)));
  // Forward, keeping A and the scaled values.
  const Tensor keys = mul(k, l_k);                        // K' [S,d_k]
  const Tensor values = mul(v, l_v);                      // V' [S,d_v]
  Tensor scores = mul_scalar(matmul_nt(q, keys), scale);  // [T,S]
  if (causal) {
    scores = masked_fill(scores, causal_mask(q.size(0), k.size(0)),
                         -std::numeric_limits<double>::infinity());
  }
  const Tensor a = softmax(scores, -1);  // A [T,S]

  // O = A V': V̄' = Aᵀ G, Ā = G V'ᵀ.
  const Tensor d_values = matmul_tn(a, g);        // [S,d_v]
  const Tensor d_weights = matmul_nt(g, values);  // [T,S]
  // Softmax, row by row (masked entries have A = 0, so they get 0).
  const Tensor d_scores =
      mul(a, sub(d_weights, sum(mul(d_weights, a), {-1}, /*keepdim=*/true)));  // [T,S]
  // S = Q K'ᵀ / √d_k: K̄' = S̄ᵀ Q / √d_k.
  const Tensor d_keys = mul_scalar(matmul_tn(d_scores, q), scale);  // [S,d_k]
  // K' = K ⊙ l_k and V' = V ⊙ l_v, the vectors broadcast over the S rows.
  return VectorGradients{sum(mul(d_keys, k), {0}), sum(d_values, {0})};
}

}  // namespace knob::exercises
