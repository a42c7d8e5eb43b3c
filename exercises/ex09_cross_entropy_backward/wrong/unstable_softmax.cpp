// WRONG (overflow): computes the softmax as exp(z) / sum(exp(z)) without subtracting
// the row maximum, which overflows to inf / inf = NaN for large logits.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex09_cross_entropy_backward/cross_entropy_backward.h"

namespace knob::exercises {

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& targets,
                              std::int64_t ignore_index) {
  if (logits.dim() < 1 ||
      Shape(logits.shape().begin(), logits.shape().end() - 1) != targets.shape()) {
    throw ShapeError("cross_entropy_backward: logits " + shape_str(logits.shape()) +
                     " need targets of shape [...] (logits without the last axis), got " +
                     shape_str(targets.shape()));
  }
  const std::int64_t classes = logits.size(-1);
  const std::int64_t positions = targets.numel();
  const std::vector<std::int64_t> t = targets.to_int_vector();  // [positions]
  std::int64_t counted = 0;
  for (std::int64_t p = 0; p < positions; ++p) {
    if (t[p] == ignore_index) continue;
    if (t[p] < 0 || t[p] >= classes) {
      throw ValueError("cross_entropy_backward: target " + std::to_string(t[p]) +
                       " at flat position " + std::to_string(p) + " is outside [0, " +
                       std::to_string(classes) + ") and is not ignore_index " +
                       std::to_string(ignore_index));
    }
    ++counted;
  }

  Tensor grad = div(exp(logits), sum(exp(logits), {-1}, true));
  dispatch_floating(grad.dtype(), "cross_entropy_backward", [&]<class T>() {
    T* row = grad.data<T>();
    const T scale = counted == 0 ? T(0) : static_cast<T>(1.0 / static_cast<double>(counted));
    for (std::int64_t p = 0; p < positions; ++p, row += classes) {
      if (t[p] == ignore_index) {
        for (std::int64_t c = 0; c < classes; ++c) row[c] = T(0);  // ignored: no gradient
        continue;
      }
      row[t[p]] -= T(1);                                           // softmax − onehot
      for (std::int64_t c = 0; c < classes; ++c) row[c] *= scale;  // ÷ |P|
    }
  });
  return grad;
}

}  // namespace knob::exercises
