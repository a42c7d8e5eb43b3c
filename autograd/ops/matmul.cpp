/// @file
/// @brief Matrix products on the SIMD gemm kernel: matmul (a b), matmul_nt (a bᵀ) and
/// matmul_tn (aᵀ b), each with its backward written in terms of the three.
///
/// The transposed forms exist so that neither a layer nor a backward pass ever has to copy a
/// matrix just to transpose it: the gemm kernel reads the matrix the other way round.

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/ops/broadcast.h"
#include "autograd/ops/checks.h"
#include "autograd/parallel.h"

namespace knob {

namespace {

// How one of the three products reads its operands.
struct Layout {
  const char* name;  // "matmul", "matmul_nt", "matmul_tn"
  bool trans_a;      // a is stored [..., K, M] and read as its transpose
  bool trans_b;      // b is stored [..., N, K] and read as its transpose
};
constexpr Layout kNN{"matmul", false, false};
constexpr Layout kNT{"matmul_nt", false, true};
constexpr Layout kTN{"matmul_tn", true, false};

struct Dims {
  std::int64_t M, K, N;
  Shape batch;  // broadcast batch shape
};

Dims check_dims(const Tensor& a, const Tensor& b, const Layout& L) {
  detail::check_same_dtype(a, b, L.name);
  if (a.dim() < 2 || b.dim() < 2) {
    throw ShapeError(fmt::format(
        "{}: {} @ {}: both operands need at least 2 dimensions (reshape a vector to [1,K] or "
        "[K,1])",
        L.name, shape_str(a.shape()), shape_str(b.shape())));
  }
  Dims d{};
  d.M = L.trans_a ? a.size(-1) : a.size(-2);
  d.K = L.trans_a ? a.size(-2) : a.size(-1);
  const std::int64_t kb = L.trans_b ? b.size(-1) : b.size(-2);
  d.N = L.trans_b ? b.size(-2) : b.size(-1);
  if (kb != d.K) {
    throw ShapeError(fmt::format("{}: {} @ {}: inner dimensions {} and {} differ", L.name,
                                 shape_str(a.shape()), shape_str(b.shape()), d.K, kb));
  }
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  const Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  try {
    d.batch = broadcast_shapes(batch_a, batch_b, L.name);
  } catch (const ShapeError&) {
    throw ShapeError(fmt::format("{}: {} @ {}: batch dimensions {} and {} do not broadcast", L.name,
                                 shape_str(a.shape()), shape_str(b.shape()), shape_str(batch_a),
                                 shape_str(batch_b)));
  }
  return d;
}

// The least work (FLOPs) worth splitting a product between threads: about 0.1 ms on one core.
// Waking a worker costs tens of microseconds, and each thread packs its own panels, so smaller
// products are faster on one thread.
constexpr double kMinParallelFlops = 8e6;

// C[i] = op(A[ia]) op(B[ib]) for every index i of the broadcast batch, split across threads
// by rows of C, by columns of C or by batch entries. Each C element is computed by the same
// operations whichever way (the gemm kernel's contract, see autograd/kernels/gemm_packed.h), so
// the result does not depend on the thread count.
template <class T>
void batched_gemm(const Tensor& a, const Tensor& b, Tensor& out, const Dims& d, const Layout& L) {
  const kernels::KernelTable<T>& k = kernels::active<T>();
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pc = out.data<T>();
  const auto N = static_cast<std::size_t>(d.N);
  const auto K = static_cast<std::size_t>(d.K);
  const std::size_t lda = static_cast<std::size_t>(a.size(-1));  // row stride as stored
  const std::size_t ldb = static_cast<std::size_t>(b.size(-1));
  const Shape batch_a(a.shape().begin(), a.shape().end() - 2);
  const Shape batch_b(b.shape().begin(), b.shape().end() - 2);
  const std::int64_t count = shape_numel(d.batch);
  const double flops = 2.0 * static_cast<double>(count * d.M) * d.N * d.K;

  // Rows [r0, r1) of one product C = op(A) op(B) with C's rows contiguous.
  auto rows = [&](const T* A, const T* B, T* C, std::int64_t r0, std::int64_t r1) {
    // Row r of op(A) starts at A + r·lda (stored as is) or A + r (stored transposed).
    const T* a_rows = L.trans_a ? A + r0 : A + r0 * static_cast<std::int64_t>(lda);
    k.gemm(L.trans_a, L.trans_b, static_cast<std::size_t>(r1 - r0), N, K, T(1), a_rows, lda, B, ldb,
           T(0), C + r0 * d.N, N);
  };
  // Columns [c0, c1) of one product: op(B)'s columns c0.. start at B + c0 (stored as is) or
  // B + c0·ldb (stored transposed); C keeps its row stride N.
  auto columns = [&](const T* A, const T* B, T* C, std::int64_t c0, std::int64_t c1) {
    const T* b_columns = L.trans_b ? B + c0 * static_cast<std::int64_t>(ldb) : B + c0;
    k.gemm(L.trans_a, L.trans_b, static_cast<std::size_t>(d.M), static_cast<std::size_t>(c1 - c0),
           K, T(1), A, lda, b_columns, ldb, T(0), C + c0, N);
  };
  if (!L.trans_a && shape_numel(batch_b) == 1 && shape_numel(batch_a) == count) {
    // b is one matrix shared by every batch entry: fold a's batch into its rows,
    // [batch·M, K] @ op(B), one big gemm (the Linear-layer case), split by rows.
    parallel_for(
        count * d.M, flops, [&](std::int64_t r0, std::int64_t r1) { rows(pa, pb, pc, r0, r1); },
        kMinParallelFlops);
    return;
  }
  if (count == 1) {
    // Each thread reads (or packs) all of one operand: split C by rows when op(B) is the smaller
    // one to repeat (N <= M), by columns otherwise (e.g. a weight gradient [64, 256] with K =
    // B·T: 256 columns shared out, the 64 rows of A read by both threads).
    if (d.N <= d.M) {
      parallel_for(
          d.M, flops, [&](std::int64_t r0, std::int64_t r1) { rows(pa, pb, pc, r0, r1); },
          kMinParallelFlops);
    } else {
      parallel_for(
          d.N, flops, [&](std::int64_t c0, std::int64_t c1) { columns(pa, pb, pc, c0, c1); },
          kMinParallelFlops);
    }
    return;
  }
  // Batch entry c of C reads matrix Σ_axis index_axis(c) · stride_axis of a (and of b), where
  // a broadcast axis has stride 0.
  const Shape strides_a = detail::broadcast_strides(batch_a, d.batch);
  const Shape strides_b = detail::broadcast_strides(batch_b, d.batch);
  const std::int64_t size_a = a.size(-1) * a.size(-2);  // elements per matrix
  const std::int64_t size_b = b.size(-1) * b.size(-2);
  parallel_for(
      count, flops,
      [&](std::int64_t c0, std::int64_t c1) {
        for (std::int64_t c = c0; c < c1; ++c) {
          std::int64_t matrix_a = 0;
          std::int64_t matrix_b = 0;
          std::int64_t rest = c;
          for (std::size_t axis = d.batch.size(); axis-- > 0;) {  // c's index, last axis first
            const std::int64_t i = rest % d.batch[axis];
            rest /= d.batch[axis];
            matrix_a += i * strides_a[axis];
            matrix_b += i * strides_b[axis];
          }
          rows(pa + matrix_a * size_a, pb + matrix_b * size_b, pc + c * d.M * d.N, 0, d.M);
        }
      },
      kMinParallelFlops);
}

Tensor product(const Tensor& a, const Tensor& b, const Layout& L) {
  const Dims d = check_dims(a, b, L);
  Shape out_shape = d.batch;
  out_shape.push_back(d.M);
  out_shape.push_back(d.N);
  if (d.K == 0) return zeros(out_shape, a.dtype());
  Tensor y = empty(out_shape, a.dtype());
  if (y.numel() > 0) {
    dispatch_floating(a.dtype(), L.name, [&]<class T>() { batched_gemm<T>(a, b, y, d, L); });
  }
  return y;
}

// Σ over leading axes: [..., R, C] → [R, C], for a weight shared across a batch.
Tensor rows_of(const Tensor& x) { return reshape(x, {-1, x.size(-1)}); }

// The gradient of a shared 2-D operand: fold the batch of the other two into rows so one gemm
// does the sum over the batch. `make` computes it from 2-D views of (p, q).
template <class Make>
Tensor shared_weight_grad(const Tensor& weight, const Tensor& p, const Tensor& q, Make make) {
  if (weight.dim() == 2 && (p.dim() > 2 || q.dim() > 2)) return make(rows_of(p), rows_of(q));
  return sum_to(make(p, q), weight.shape());
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  Tensor y = product(a, b, kNN);  // y = a b : [..., M, N]
  return record("matmul", y, {a, b}, [a, b](const Tensor& g) {
    // y = a b  ⇒  ā = g bᵀ,  b̄ = aᵀ g   (summed over broadcast batch axes); an operand that
    // needs no gradient (a frozen weight) gets none, which saves a whole product
    Tensor da = a.requires_grad() ? sum_to(matmul_nt(g, b), a.shape()) : Tensor();
    Tensor db = b.requires_grad()
                    ? shared_weight_grad(
                          b, a, g, [](const Tensor& p, const Tensor& q) { return matmul_tn(p, q); })
                    : Tensor();
    return TensorList{da, db};
  });
}

Tensor matmul_nt(const Tensor& a, const Tensor& b) {
  Tensor y = product(a, b, kNT);  // y = a bᵀ : a [..., M, K], b [..., N, K] → [..., M, N]
  return record("matmul_nt", y, {a, b}, [a, b](const Tensor& g) {
    // y = a bᵀ  ⇒  ā = g b,  b̄ = gᵀ a   (none for an operand that needs no gradient)
    Tensor da = a.requires_grad() ? sum_to(matmul(g, b), a.shape()) : Tensor();
    Tensor db = b.requires_grad()
                    ? shared_weight_grad(
                          b, g, a, [](const Tensor& p, const Tensor& q) { return matmul_tn(p, q); })
                    : Tensor();
    return TensorList{da, db};
  });
}

Tensor matmul_tn(const Tensor& a, const Tensor& b) {
  Tensor y = product(a, b, kTN);  // y = aᵀ b : a [..., K, M], b [..., K, N] → [..., M, N]
  return record("matmul_tn", y, {a, b}, [a, b](const Tensor& g) {
    // y = aᵀ b  ⇒  ā = b gᵀ,  b̄ = a g   (none for an operand that needs no gradient)
    Tensor da = a.requires_grad() ? sum_to(matmul_nt(b, g), a.shape()) : Tensor();
    Tensor db = b.requires_grad() ? sum_to(matmul(a, g), b.shape()) : Tensor();
    return TensorList{da, db};
  });
}

}  // namespace knob
