// WRONG (scaled twice): multiplies the queries by l_k as well as the keys, so
// every feature of the scores is scaled by l_k squared.
#include <cmath>
#include <limits>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex11_ia3_attention/ia3_attention.h"

namespace knob::exercises {

Tensor ia3_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& l_k,
                     const Tensor& l_v, bool causal) {
  if (q.dim() != 2 || k.dim() != 2 || v.dim() != 2 || q.size(1) != k.size(1) ||
      k.size(0) != v.size(0)) {
    throw ShapeError("ia3_attention: need q [T, d_k], k [S, d_k], v [S, d_v]; got q " +
                     shape_str(q.shape()) + ", k " + shape_str(k.shape()) + ", v " +
                     shape_str(v.shape()));
  }
  if (l_k.shape() != Shape{k.size(1)} || l_v.shape() != Shape{v.size(1)}) {
    throw ShapeError("ia3_attention: l_k " + shape_str(l_k.shape()) + " must be [d_k] = [" +
                     std::to_string(k.size(1)) + "] and l_v " + shape_str(l_v.shape()) +
                     " must be [d_v] = [" + std::to_string(v.size(1)) + "]");
  }
  const Tensor keys = mul(k, l_k);    // K ⊙ l_k: [S, d_k] ⊙ [d_k] → [S, d_k]
  const Tensor values = mul(v, l_v);  // V ⊙ l_v: [S, d_v] ⊙ [d_v] → [S, d_v]

  const std::int64_t queries = q.size(0);
  const std::int64_t key_count = k.size(0);
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(1)));
  Tensor scores = mul_scalar(matmul_nt(mul(q, l_k), keys), scale);
  if (causal) {
    Tensor future = zeros({queries, key_count}, DType::i64);  // 1 where key j > query i
    std::int64_t* hidden = future.data<std::int64_t>();
    for (std::int64_t i = 0; i < queries; ++i) {
      for (std::int64_t j = i + 1; j < key_count; ++j) hidden[i * key_count + j] = 1;
    }
    scores = masked_fill(scores, future, -std::numeric_limits<double>::infinity());
  }
  return matmul(softmax(scores, -1), values);  // A (V ⊙ l_v): [T, d_v]
}

}  // namespace knob::exercises
