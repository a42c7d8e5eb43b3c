/// @file
/// @brief The ops neural networks are made of: softmax, log_softmax, masked_fill, embedding.

#include <cstring>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/ops/broadcast.h"
#include "autograd/ops/checks.h"

namespace knob {

namespace {

// Apply a row kernel ([rows, cols] → [rows, cols]) along the last axis.
template <class Pick>
Tensor map_rows(const Tensor& x, std::string_view op, Pick pick) {
  detail::check_floating(x, op);
  if (x.dim() == 0) {
    throw ShapeError(fmt::format("{}: needs at least one dimension, got a scalar", op));
  }
  Tensor y = empty(x.shape(), x.dtype());
  const std::int64_t cols = x.size(-1);
  const std::int64_t rows = cols == 0 ? 0 : x.numel() / cols;
  dispatch_floating(x.dtype(), op, [&]<class T>() {
    pick(kernels::active<T>())(x.data<T>(), y.data<T>(), static_cast<std::size_t>(rows),
                               static_cast<std::size_t>(cols));
  });
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t axis) {
  detail::check_floating(x, "softmax");
  const std::int64_t ax = normalize_axis(axis, std::max<std::int64_t>(x.dim(), 1), "softmax");
  if (x.dim() > 0 && ax != x.dim() - 1) {  // move the axis last, and back afterwards
    return transpose(softmax(transpose(x, ax, -1), -1), ax, -1);
  }
  // y_j = e^{x_j - m} / Σ_k e^{x_k - m}  (m = row max, so nothing overflows)
  Tensor y = map_rows(x, "softmax", [](const auto& k) { return k.softmax_rows; });
  return record("softmax", y, {x}, [ys = SavedTensor::output(y)](const Tensor& g) {
    // Jacobian dy_j/dx_i = y_j (δ_ij - y_i)  ⇒  x̄ = y ⊙ (g - Σ_k g_k y_k)
    Tensor y = ys.get();
    return TensorList{mul(y, sub(g, sum(mul(g, y), {-1}, true)))};
  });
}

Tensor log_softmax(const Tensor& x, std::int64_t axis) {
  detail::check_floating(x, "log_softmax");
  const std::int64_t ax = normalize_axis(axis, std::max<std::int64_t>(x.dim(), 1), "log_softmax");
  if (x.dim() > 0 && ax != x.dim() - 1) {
    return transpose(log_softmax(transpose(x, ax, -1), -1), ax, -1);
  }
  // y_j = x_j - m - ln Σ_k e^{x_k - m}
  Tensor y = map_rows(x, "log_softmax", [](const auto& k) { return k.log_softmax_rows; });
  return record("log_softmax", y, {x}, [ys = SavedTensor::output(y)](const Tensor& g) {
    // dy_j/dx_i = δ_ij - softmax_i  ⇒  x̄ = g - e^{y} Σ_k g_k
    return TensorList{sub(g, mul(exp(ys.get()), sum(g, {-1}, true)))};
  });
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  detail::check_floating(x, "masked_fill");
  detail::check_defined(mask, "masked_fill");
  if (broadcast_shapes(mask.shape(), x.shape(), "masked_fill") != x.shape()) {
    throw ShapeError(fmt::format("masked_fill: mask {} does not broadcast to the input {}",
                                 shape_str(mask.shape()), shape_str(x.shape())));
  }
  const std::vector<double> flags = mask.to_vector();  // nonzero = fill
  Tensor y = x.clone();
  dispatch_floating(x.dtype(), "masked_fill", [&]<class T>() {
    T* out = y.data<T>();
    detail::for_each_broadcast(x.shape(), mask.shape(), [&](std::int64_t i, std::int64_t m) {
      if (flags[m] != 0.0) out[i] = static_cast<T>(value);
    });
  });
  return record("masked_fill", y, {x}, [mask](const Tensor& g) {
    return TensorList{masked_fill(g, mask, 0.0)};  // filled positions no longer depend on x
  });
}

Tensor embedding(const Tensor& weight, const Tensor& ids) {
  detail::check_floating(weight, "embedding");
  detail::check_defined(ids, "embedding");
  if (weight.dim() != 2) {
    throw ShapeError(
        fmt::format("embedding: the weight must be [V, C], got {}", shape_str(weight.shape())));
  }
  if (ids.dtype() != DType::i64) {
    throw DTypeError(fmt::format("embedding: ids must be i64, got {} of shape {}",
                                 dtype_name(ids.dtype()), shape_str(ids.shape())));
  }
  const std::int64_t V = weight.size(0);
  const std::int64_t C = weight.size(1);
  const std::int64_t* id = ids.data<std::int64_t>();
  for (std::int64_t s = 0; s < ids.numel(); ++s) {
    if (id[s] < 0 || id[s] >= V) {
      throw ValueError(fmt::format(
          "embedding: id {} at flat position {} of ids {} is outside the table's {} rows", id[s], s,
          shape_str(ids.shape()), V));
    }
  }
  Shape out_shape = ids.shape();
  out_shape.push_back(C);
  Tensor y = empty(out_shape, weight.dtype());  // y[s, :] = W[ids[s], :]
  const std::size_t row_bytes = static_cast<std::size_t>(C) * dtype_size(weight.dtype());
  dispatch_floating(weight.dtype(), "embedding", [&]<class T>() {
    for (std::int64_t s = 0; s < ids.numel(); ++s) {
      std::memcpy(y.data<T>() + s * C, weight.data<T>() + id[s] * C, row_bytes);
    }
  });
  return record("embedding", y, {weight, ids}, [ids, V](const Tensor& g) {
    // Each row of W receives the sum of the gradients of every position that looked it up.
    return TensorList{embedding_backward(g, ids, V), Tensor()};
  });
}

Tensor embedding_backward(const Tensor& g, const Tensor& ids, std::int64_t num_rows) {
  detail::check_floating(g, "embedding_backward");
  Shape expected = ids.shape();
  expected.push_back(g.size(-1));
  if (g.shape() != expected || ids.dtype() != DType::i64) {
    throw ShapeError(fmt::format("embedding_backward: gradient {} does not match ids {} {}",
                                 shape_str(g.shape()), shape_str(ids.shape()),
                                 dtype_name(ids.dtype())));
  }
  const std::int64_t C = g.size(-1);
  Tensor w = zeros({num_rows, C}, g.dtype());  // W̄[v, :] = Σ_{s: ids[s] = v} g[s, :]
  const std::int64_t* id = ids.data<std::int64_t>();
  dispatch_floating(g.dtype(), "embedding_backward", [&]<class T>() {
    const kernels::KernelTable<T>& k = kernels::active<T>();
    for (std::int64_t s = 0; s < ids.numel(); ++s) {
      if (id[s] < 0 || id[s] >= num_rows) {
        throw ValueError(
            fmt::format("embedding_backward: id {} is outside [0, {})", id[s], num_rows));
      }
      k.axpy(T(1), g.data<T>() + s * C, w.data<T>() + id[s] * C, static_cast<std::size_t>(C));
    }
  });
  return record("embedding_backward", w, {g, ids}, [ids](const Tensor& gw) {
    return TensorList{embedding(gw, ids), Tensor()};  // the adjoint of a scatter is a gather
  });
}

}  // namespace knob
