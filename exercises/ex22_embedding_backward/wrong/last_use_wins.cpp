// WRONG (overwrite): a repeated id keeps only the gradient of its last use.
#include <string>

#include "autograd/error.h"
#include "exercises/ex22_embedding_backward/embedding_backward.h"

namespace knob::exercises {

namespace {

void check_arguments(const Tensor& g, const Tensor& ids, std::int64_t num_rows) {
  if (ids.dtype() != DType::i64) {
    throw DTypeError("embedding_table_gradient: ids must be i64, got " +
                     std::string(dtype_name(ids.dtype())));
  }
  Shape expected = ids.shape();
  if (g.dim() >= 1) expected.push_back(g.size(-1));
  if (g.dim() < 1 || g.shape() != expected) {
    throw ShapeError("embedding_table_gradient: g " + shape_str(g.shape()) +
                     " must be ids' shape plus one axis, ids " + shape_str(ids.shape()));
  }
  const std::int64_t* id = ids.data<std::int64_t>();
  for (std::int64_t s = 0; s < ids.numel(); ++s) {
    if (id[s] < 0 || id[s] >= num_rows) {
      throw ValueError("embedding_table_gradient: id " + std::to_string(id[s]) + " at position " +
                       std::to_string(s) + " is outside [0, " + std::to_string(num_rows) + ")");
    }
  }
}

}  // namespace

Tensor embedding_table_gradient(const Tensor& g, const Tensor& ids, std::int64_t num_rows) {
  check_arguments(g, ids, num_rows);
  const std::int64_t width = g.size(-1);
  Tensor grad = zeros({num_rows, width}, g.dtype());  // rows nobody used stay 0: [V, C]
  const std::int64_t* id = ids.data<std::int64_t>();
  dispatch_floating(g.dtype(), "embedding_table_gradient", [&]<class T>() {
    const T* upstream = g.data<T>();  // [positions, C]
    T* table = grad.data<T>();
    for (std::int64_t s = 0; s < ids.numel(); ++s) {
      // Row id[s] was copied to position s, so it collects that position's gradient (added:
      // a repeated id collects one gradient per use).
      for (std::int64_t c = 0; c < width; ++c) table[id[s] * width + c] = upstream[s * width + c];
    }
  });
  return grad;
}

}  // namespace knob::exercises
