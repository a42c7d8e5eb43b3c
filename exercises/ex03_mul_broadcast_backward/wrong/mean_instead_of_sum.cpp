// WRONG (wrong reduction): averages over the copies instead of adding them up.
#include "autograd/ops.h"
#include "exercises/ex03_mul_broadcast_backward/mul_broadcast_backward.h"

namespace knob::exercises {

Tensor reduce_to_shape(const Tensor& g, const Shape& shape) {
  // g: [G...] → [shape...]
  const std::int64_t lead = g.dim() - static_cast<std::int64_t>(shape.size());
  Tensor reduced = g;
  if (lead > 0) {
    std::vector<std::int64_t> leading_axes;
    for (std::int64_t axis = 0; axis < lead; ++axis) leading_axes.push_back(axis);
    reduced = sum(reduced, leading_axes, /*keepdim=*/false);  // now the rank of `shape`
  }
  std::vector<std::int64_t> stretched_axes;  // extent 1 in `shape`, more in g
  for (std::size_t axis = 0; axis < shape.size(); ++axis) {
    if (shape[axis] == 1 && reduced.shape()[axis] != 1) {
      stretched_axes.push_back(static_cast<std::int64_t>(axis));
    }
  }
  if (!stretched_axes.empty()) reduced = mean(reduced, stretched_axes, /*keepdim=*/true);
  return reshape(reduced, shape);
}

MulGrads mul_broadcast_backward(const Tensor& g, const Tensor& a, const Tensor& b) {
  // g: broadcast shape; mul(g, b) and mul(g, a) broadcast to it as well.
  return MulGrads{reduce_to_shape(mul(g, b), a.shape()), reduce_to_shape(mul(g, a), b.shape())};
}

}  // namespace knob::exercises
