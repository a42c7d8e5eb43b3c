/// @file
/// @brief matmul: the batched matrix product, with its backward, on the SIMD gemm kernel.

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/ops/broadcast.h"
#include "autograd/ops/checks.h"

namespace knob {

namespace {

// C[i] = A[ia] @ B[ib] for every index i of the broadcast batch shape.
template <class T>
void batched_gemm(const Tensor& a, const Tensor& b, Tensor& out, const Shape& batch,
                  std::int64_t M, std::int64_t K, std::int64_t N) {
  const kernels::KernelTable<T>& k = kernels::active<T>();
  const T* pa = a.data<T>();  // a is [batch_a..., M, K]
  const T* pb = b.data<T>();  // b is [batch_b..., K, N]
  T* pc = out.data<T>();      // out is [batch..., M, N]
  const auto m = static_cast<std::size_t>(M);
  const auto n = static_cast<std::size_t>(N);
  const auto kk = static_cast<std::size_t>(K);
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  const Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  if (shape_numel(batch_b) == 1) {
    // b is one matrix shared by every batch entry: fold a's batch into its rows,
    // [batch·M, K] @ [K, N], one big gemm (the Linear-layer case).
    const auto rows = static_cast<std::size_t>(shape_numel(batch) * M);
    if (shape_numel(batch_a) == shape_numel(batch)) {
      k.gemm(false, false, rows, n, kk, T(1), pa, kk, pb, n, T(0), pc, n);
      return;
    }
  }
  const Shape strides_a = detail::broadcast_strides(batch_a, batch);
  const Shape strides_b = detail::broadcast_strides(batch_b, batch);
  // Walk the batch with two odometers (a's and b's matrix offsets).
  const std::int64_t count = shape_numel(batch);
  std::vector<std::int64_t> idx(batch.size(), 0);
  std::int64_t oa = 0;
  std::int64_t ob = 0;
  for (std::int64_t c = 0; c < count; ++c) {
    k.gemm(false, false, m, n, kk, T(1), pa + oa * M * K, kk, pb + ob * K * N, n, T(0),
           pc + c * M * N, n);
    for (std::size_t axis = batch.size(); axis-- > 0;) {
      ++idx[axis];
      oa += strides_a[axis];
      ob += strides_b[axis];
      if (idx[axis] < batch[axis]) break;
      oa -= strides_a[axis] * batch[axis];
      ob -= strides_b[axis] * batch[axis];
      idx[axis] = 0;
    }
  }
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  detail::check_same_dtype(a, b, "matmul");
  if (a.dim() < 2 || b.dim() < 2) {
    throw ShapeError(fmt::format(
        "matmul: {} @ {}: both operands need at least 2 dimensions (reshape a vector to [1,K] "
        "or [K,1])",
        shape_str(a.shape()), shape_str(b.shape())));
  }
  const std::int64_t M = a.size(-2);
  const std::int64_t K = a.size(-1);
  const std::int64_t N = b.size(-1);
  if (b.size(-2) != K) {
    throw ShapeError(fmt::format("matmul: {} @ {}: inner dimensions {} and {} differ",
                                 shape_str(a.shape()), shape_str(b.shape()), K, b.size(-2)));
  }
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  const Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  Shape batch;
  try {
    batch = broadcast_shapes(batch_a, batch_b, "matmul");
  } catch (const ShapeError&) {
    throw ShapeError(fmt::format("matmul: {} @ {}: batch dimensions {} and {} do not broadcast",
                                 shape_str(a.shape()), shape_str(b.shape()), shape_str(batch_a),
                                 shape_str(batch_b)));
  }
  Shape out_shape = batch;
  out_shape.push_back(M);
  out_shape.push_back(N);
  Tensor y = empty(out_shape, a.dtype());  // y = a @ b : [batch..., M, N]
  if (y.numel() > 0) {
    if (K == 0) {
      y = zeros(out_shape, a.dtype());
    } else {
      dispatch_floating(a.dtype(), "matmul",
                        [&]<class T>() { batched_gemm<T>(a, b, y, batch, M, K, N); });
    }
  }
  return record("matmul", y, {a, b}, [a, b](const Tensor& g) {
    // y = a b  ⇒  ā = g bᵀ,  b̄ = aᵀ g  (summed over batch axes that were broadcast)
    Tensor ga = sum_to(matmul(g, transpose(b, -1, -2)), a.shape());
    Tensor gb;
    if (b.dim() == 2 && a.dim() > 2) {
      // One shared weight matrix: fold the batch into rows, [K, batch·M] @ [batch·M, N].
      gb = matmul(transpose(reshape(a, {-1, a.size(-1)}), 0, 1), reshape(g, {-1, g.size(-1)}));
    } else {
      gb = sum_to(matmul(transpose(a, -1, -2), g), b.shape());
    }
    return TensorList{ga, gb};
  });
}

}  // namespace knob
