// WRONG (wrong scale): divides the scores by d_k instead of its square root.
#include <cmath>
#include <limits>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex10_attention_forward/attention_forward.h"

namespace knob::exercises {

AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal) {
  if (q.dim() != 2 || k.dim() != 2 || v.dim() != 2 || q.size(1) != k.size(1) ||
      k.size(0) != v.size(0)) {
    throw ShapeError("attention_forward: need q [T, d_k], k [S, d_k], v [S, E]; got q " +
                     shape_str(q.shape()) + ", k " + shape_str(k.shape()) + ", v " +
                     shape_str(v.shape()));
  }
  const std::int64_t queries = q.size(0);
  const std::int64_t keys = k.size(0);
  const double scale = 1.0 / static_cast<double>(q.size(1));
  Tensor scores = mul_scalar(matmul_nt(q, k), scale);  // Q Kᵀ / √d_k: [T, S]
  if (causal) {
    Tensor future = zeros({queries, keys}, DType::i64);  // 1 where key j > query i: [T, S]
    std::int64_t* hidden = future.data<std::int64_t>();
    for (std::int64_t i = 0; i < queries; ++i) {
      for (std::int64_t j = i + 1; j < keys; ++j) hidden[i * keys + j] = 1;
    }
    scores = masked_fill(scores, future, -std::numeric_limits<double>::infinity());
  }
  Tensor weights = softmax(scores, -1);                  // A: [T, S], each row sums to 1
  return AttentionForward{matmul(weights, v), weights};  // O = A V: [T, E]
}

}  // namespace knob::exercises
