// WRONG (mask on the diagonal): query i sees keys 0..i-1 only, not itself (and
// query 0 sees nothing).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/error.h"
#include "exercises/ex18_online_softmax_attention/blocked_attention.h"

namespace knob::exercises {

namespace {

void check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t block) {
  if (q.dim() != 2 || k.dim() != 2 || v.dim() != 2 || q.size(1) != k.size(1) ||
      k.size(0) != v.size(0) || q.dtype() != k.dtype() || q.dtype() != v.dtype()) {
    throw ShapeError(
        "blocked_attention: need q [T, d_k], k [S, d_k], v [S, E] of one dtype; got q " +
        shape_str(q.shape()) + ", k " + shape_str(k.shape()) + ", v " + shape_str(v.shape()));
  }
  if (block < 1) {
    throw ValueError("blocked_attention: block must be at least 1, got " + std::to_string(block));
  }
}

/// The running state of one query row.
struct RunningSoftmax {
  double max = -std::numeric_limits<double>::infinity();  // m: the largest score so far
  double normaliser = 0.0;                                // l = Σ e^{s - m}
  std::vector<double> sum;                                // o = Σ e^{s - m} v, [E]
};

template <class T>
void attend_row(const T* query, const T* keys, const T* values, std::int64_t width,
                std::int64_t value_width, std::int64_t visible, std::int64_t block, double scale,
                T* out) {
  RunningSoftmax run;
  run.sum.assign(static_cast<std::size_t>(value_width), 0.0);
  std::vector<double> scores(static_cast<std::size_t>(block));
  for (std::int64_t start = 0; start < visible; start += block) {
    const std::int64_t stop = std::min(start + block, visible);
    double block_max = -std::numeric_limits<double>::infinity();
    for (std::int64_t j = start; j < stop; ++j) {
      double dot = 0.0;
      for (std::int64_t c = 0; c < width; ++c) {
        dot += static_cast<double>(query[c]) * static_cast<double>(keys[j * width + c]);
      }
      scores[static_cast<std::size_t>(j - start)] = dot * scale;
      block_max = std::max(block_max, dot * scale);
    }
    const double new_max = std::max(run.max, block_max);
    const double rescale = std::exp(run.max - new_max);  // e^{-inf} = 0 on the first block
    run.normaliser *= rescale;
    for (double& s : run.sum) s *= rescale;
    for (std::int64_t j = start; j < stop; ++j) {
      const double weight = std::exp(scores[static_cast<std::size_t>(j - start)] - new_max);
      run.normaliser += weight;
      for (std::int64_t e = 0; e < value_width; ++e) {
        run.sum[static_cast<std::size_t>(e)] +=
            weight * static_cast<double>(values[j * value_width + e]);
      }
    }
    run.max = new_max;
  }
  for (std::int64_t e = 0; e < value_width; ++e) {
    out[e] = static_cast<T>(run.sum[static_cast<std::size_t>(e)] / run.normaliser);
  }
}

}  // namespace

Tensor blocked_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                         std::int64_t block) {
  check_inputs(q, k, v, block);
  const std::int64_t queries = q.size(0);
  const std::int64_t keys = k.size(0);
  const std::int64_t width = q.size(1);
  const std::int64_t value_width = v.size(1);
  const double scale = 1.0 / std::sqrt(static_cast<double>(width));
  Tensor out = zeros({queries, value_width}, q.dtype());  // [T, E]
  dispatch_floating(q.dtype(), "blocked_attention", [&]<class T>() {
    for (std::int64_t i = 0; i < queries; ++i) {
      // Causal: query i sees keys 0..i, and they come first, so it is a shorter row.
      const std::int64_t visible = causal ? std::min(keys, std::max<std::int64_t>(i, 1)) : keys;
      attend_row<T>(q.data<T>() + i * width, k.data<T>(), v.data<T>(), width, value_width, visible,
                    block, scale, out.data<T>() + i * value_width);
    }
  });
  return out;
}

}  // namespace knob::exercises
