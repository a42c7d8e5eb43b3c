/// @file
/// @brief The SIMD kernels, written once as templates over the instruction set `Arch` (an xsimd
/// architecture such as `xsimd::fma3<xsimd::avx2>`) and the element type `T`.
///
/// Each kernels_<isa>.cpp includes this header and instantiates make_simd_table<Arch, T>() for
/// its own Arch, compiled with that instruction set's `-m` flags. Compare every kernel here with
/// its reference in scalar_kernels.h: they compute the same formula, this one W lanes at a time.
///
/// The canonical loop (see map_unary):
/// \code
///   std::size_t i = 0;
///   for (; i + W <= n; i += W) { /* one SIMD register: elements i .. i+W-1 */ }
///   for (; i < n; ++i)         { /* scalar tail: the same formula, one element at a time */ }
/// \endcode
///
/// Everything sits in an unnamed namespace and uses no standard-library templates (not even
/// std::min): see "ODR hazard" in kernels_avx512.cpp.
#pragma once

#include <cstddef>

#include "autograd/kernels/kernels.h"
#include "autograd/kernels/scalar_kernels.h"
#include "autograd/kernels/simd.h"

namespace knob::kernels::simd {
namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): private copy per TU

/// @brief The smaller of two sizes (std::min is a template we must not use here).
constexpr std::size_t smaller(std::size_t a, std::size_t b) { return a < b ? a : b; }

// ============================================================================================
// The two canonical loops
// ============================================================================================

/// @brief out[i] = f(a[i]): `vector_f` on whole registers, then `scalar_f` on the tail.
template <class Arch, class T, class VectorF, class ScalarF>
void map_unary(const T* a, T* out, std::size_t n, VectorF vector_f, ScalarF scalar_f) {
  using V = Vec<Arch, T>;
  std::size_t i = 0;
  for (; i + V::size <= n; i += V::size)
    vector_f(V::load_unaligned(a + i)).store_unaligned(out + i);
  for (; i < n; ++i) out[i] = scalar_f(a[i]);
}

/// @brief out[i] = f(a[i]) where one generic lambda `f` works on registers and on scalars.
template <class Arch, class T, class F>
void map_unary(const T* a, T* out, std::size_t n, F f) {
  map_unary<Arch>(a, out, n, f, f);
}

/// @brief out[i] = f(a[i], b[i]) with one generic lambda `f` for registers and scalars.
template <class Arch, class T, class F>
void map_binary(const T* a, const T* b, T* out, std::size_t n, F f) {
  using V = Vec<Arch, T>;
  std::size_t i = 0;
  for (; i + V::size <= n; i += V::size) {
    f(V::load_unaligned(a + i), V::load_unaligned(b + i)).store_unaligned(out + i);
  }
  for (; i < n; ++i) out[i] = f(a[i], b[i]);
}

// ============================================================================================
// Elementwise kernels (compare with scalar::add, scalar::exp, ...)
// ============================================================================================

/// @brief \f$ out_i = a_i + b_i \f$ (scalar::add, W lanes at a time)
template <class Arch, class T>
void add(const T* a, const T* b, T* out, std::size_t n) {
  map_binary<Arch>(a, b, out, n, [](auto x, auto y) { return x + y; });
}
/// @brief \f$ out_i = a_i - b_i \f$
template <class Arch, class T>
void sub(const T* a, const T* b, T* out, std::size_t n) {
  map_binary<Arch>(a, b, out, n, [](auto x, auto y) { return x - y; });
}
/// @brief \f$ out_i = a_i b_i \f$
template <class Arch, class T>
void mul(const T* a, const T* b, T* out, std::size_t n) {
  map_binary<Arch>(a, b, out, n, [](auto x, auto y) { return x * y; });
}
/// @brief \f$ out_i = a_i / b_i \f$
template <class Arch, class T>
void div(const T* a, const T* b, T* out, std::size_t n) {
  map_binary<Arch>(a, b, out, n, [](auto x, auto y) { return x / y; });
}

/// @brief \f$ out_i = a_i + s \f$
template <class Arch, class T>
void add_scalar(const T* a, T s, T* out, std::size_t n) {
  map_unary<Arch>(a, out, n, [s](auto x) { return x + s; });
}
/// @brief \f$ out_i = a_i s \f$
template <class Arch, class T>
void mul_scalar(const T* a, T s, T* out, std::size_t n) {
  map_unary<Arch>(a, out, n, [s](auto x) { return x * s; });
}
/// @brief \f$ out_i = a_i / s \f$ (a true division, like the reference)
template <class Arch, class T>
void div_scalar(const T* a, T s, T* out, std::size_t n) {
  map_unary<Arch>(a, out, n, [s](auto x) { return x / s; });
}
/// @brief \f$ out_i = s - b_i \f$
template <class Arch, class T>
void rsub_scalar(T s, const T* b, T* out, std::size_t n) {
  map_unary<Arch>(b, out, n, [s](auto x) { return s - x; });
}
/// @brief \f$ out_i = s / b_i \f$
template <class Arch, class T>
void rdiv_scalar(T s, const T* b, T* out, std::size_t n) {
  map_unary<Arch>(b, out, n, [s](auto x) { return s / x; });
}

/// @brief \f$ out_i = a_i^p \f$. xsimd::pow computes exp(p ln|a|) (with the sign fixed for odd
/// integer p), a few ulps off even when the answer is exact; like formula::pow, p = 2 and p = 1 get
/// their exact forms.
template <class Arch, class T>
void pow_scalar(const T* a, T p, T* out, std::size_t n) {
  using V = Vec<Arch, T>;
  if (p == T(2)) {
    map_unary<Arch>(a, out, n, [](auto x) { return x * x; });
  } else if (p == T(1)) {
    map_unary<Arch>(a, out, n, [](auto x) { return x; });
  } else {
    map_unary<Arch>(
        a, out, n, [p](V x) { return xsimd::pow(x, V(p)); },
        [p](T x) { return formula::c_pow(x, p); });
  }
}

/// @brief \f$ out_i = -a_i \f$
template <class Arch, class T>
void neg(const T* a, T* out, std::size_t n) {
  map_unary<Arch>(a, out, n, [](auto x) { return -x; });
}
/// @brief \f$ out_i = e^{a_i} \f$
template <class Arch, class T>
void exp(const T* a, T* out, std::size_t n) {
  map_unary<Arch>(
      a, out, n, [](Vec<Arch, T> x) { return xsimd::exp(x); },
      [](T x) { return formula::c_exp(x); });
}
/// @brief \f$ out_i = \ln a_i \f$
template <class Arch, class T>
void log(const T* a, T* out, std::size_t n) {
  map_unary<Arch>(
      a, out, n, [](Vec<Arch, T> x) { return xsimd::log(x); },
      [](T x) { return formula::c_log(x); });
}
/// @brief \f$ out_i = \sqrt{a_i} \f$
template <class Arch, class T>
void sqrt(const T* a, T* out, std::size_t n) {
  map_unary<Arch>(
      a, out, n, [](Vec<Arch, T> x) { return xsimd::sqrt(x); },
      [](T x) { return formula::c_sqrt(x); });
}
/// @brief \f$ out_i = \tanh a_i \f$
template <class Arch, class T>
void tanh(const T* a, T* out, std::size_t n) {
  map_unary<Arch>(
      a, out, n, [](Vec<Arch, T> x) { return xsimd::tanh(x); },
      [](T x) { return formula::c_tanh(x); });
}
/// @brief \f$ out_i = \mathrm{erf}(a_i) \f$
template <class Arch, class T>
void erf(const T* a, T* out, std::size_t n) {
  map_unary<Arch>(
      a, out, n, [](Vec<Arch, T> x) { return xsimd::erf(x); },
      [](T x) { return formula::c_erf(x); });
}

/// @brief \f$ out_i = 1 / (1 + e^{-a_i}) \f$
template <class Arch, class T>
void sigmoid(const T* a, T* out, std::size_t n) {
  using V = Vec<Arch, T>;
  map_unary<Arch>(
      a, out, n, [](V x) { return V(1) / (V(1) + xsimd::exp(-x)); },
      [](T x) { return formula::sigmoid(x); });
}

/// @brief \f$ out_i = a_i > 0\ ?\ a_i : 0 \f$, lane by lane with a mask (relu(NaN) = 0, as in the
/// reference)
template <class Arch, class T>
void relu(const T* a, T* out, std::size_t n) {
  using V = Vec<Arch, T>;
  map_unary<Arch>(
      a, out, n, [](V x) { return xsimd::select(x > V(0), x, V(0)); },
      [](T x) { return formula::relu(x); });
}

/// @brief \f$ out_i = \tfrac12 a_i (1 + \mathrm{erf}(a_i/\sqrt2)) \f$
template <class Arch, class T>
void gelu_erf(const T* a, T* out, std::size_t n) {
  using V = Vec<Arch, T>;
  map_unary<Arch>(
      a, out, n, [](V x) { return V(0.5) * x * (V(1) + xsimd::erf(x * V(formula::kInvSqrt2<T>))); },
      [](T x) { return formula::gelu_erf(x); });
}

/// @brief \f$ out_i = \tfrac12 a_i (1 + \tanh(\sqrt{2/\pi}(a_i + 0.044715 a_i^3))) \f$
template <class Arch, class T>
void gelu_tanh(const T* a, T* out, std::size_t n) {
  using V = Vec<Arch, T>;
  map_unary<Arch>(
      a, out, n,
      [](V x) {
        const V inner = V(formula::kSqrt2OverPi<T>) * (x + V(formula::kGeluCubic<T>) * x * x * x);
        return V(0.5) * x * (V(1) + xsimd::tanh(inner));
      },
      [](T x) { return formula::gelu_tanh(x); });
}

// ============================================================================================
// Reductions. A SIMD reduction keeps W partial results (one per lane) and combines them at the
// end, so it adds in a different order than the left-to-right reference: results agree to
// rounding, not bit for bit.
// ============================================================================================

/// @brief \f$ \sum_i a_i \f$: W running sums, then one horizontal sum, then the tail.
template <class Arch, class T>
T sum(const T* a, std::size_t n) {
  using V = Vec<Arch, T>;
  V partial(T(0));  // lane l holds a[l] + a[l+W] + a[l+2W] + ...
  std::size_t i = 0;
  for (; i + V::size <= n; i += V::size) partial += V::load_unaligned(a + i);
  T total = horizontal_sum<Arch, T>(partial);
  for (; i < n; ++i) total += a[i];
  return total;
}

/// @brief \f$ \max_i a_i \f$, NaN-propagating: a lane takes x when x > m or x is NaN.
template <class Arch, class T>
T max(const T* a, std::size_t n) {
  using V = Vec<Arch, T>;
  V partial(formula::kMinusInfinity<T>);
  std::size_t i = 0;
  for (; i + V::size <= n; i += V::size) {
    const V x = V::load_unaligned(a + i);
    partial = xsimd::select((x > partial) || xsimd::isnan(x), x, partial);
  }
  T m = horizontal_max<Arch, T>(partial);
  for (; i < n; ++i) m = formula::max_keep_nan(m, a[i]);
  return m;
}

/// @brief \f$ \sum_i a_i b_i \f$, with one fused multiply-add per register.
template <class Arch, class T>
T dot(const T* a, const T* b, std::size_t n) {
  using V = Vec<Arch, T>;
  V partial(T(0));
  std::size_t i = 0;
  for (; i + V::size <= n; i += V::size) {
    partial = xsimd::fma(V::load_unaligned(a + i), V::load_unaligned(b + i), partial);
  }
  T total = horizontal_sum<Arch, T>(partial);
  for (; i < n; ++i) total += a[i] * b[i];
  return total;
}

/// @brief \f$ y_i \mathrel{+}= \alpha x_i \f$ (one fused multiply-add per register)
template <class Arch, class T>
void axpy(T alpha, const T* x, T* y, std::size_t n) {
  using V = Vec<Arch, T>;
  const V alpha_v(alpha);
  std::size_t i = 0;
  for (; i + V::size <= n; i += V::size) {
    xsimd::fma(alpha_v, V::load_unaligned(x + i), V::load_unaligned(y + i)).store_unaligned(y + i);
  }
  for (; i < n; ++i) y[i] += alpha * x[i];
}

// ============================================================================================
// Row-wise softmax: the same three passes as scalar::softmax_rows (max, exp and sum, divide).
// ============================================================================================

/// @brief \f$ \sum_j e^{x_j - m} \f$ over one row, writing each \f$ e^{x_j - m} \f$ to y_row (which
/// may be null).
template <class Arch, class T>
T sum_exp_shifted(const T* x_row, T* y_row, std::size_t cols, T row_max) {
  using V = Vec<Arch, T>;
  const V shift(row_max);
  V partial(T(0));
  std::size_t j = 0;
  for (; j + V::size <= cols; j += V::size) {
    const V e = xsimd::exp(V::load_unaligned(x_row + j) - shift);
    if (y_row != nullptr) e.store_unaligned(y_row + j);
    partial += e;
  }
  T total = horizontal_sum<Arch, T>(partial);
  for (; j < cols; ++j) {
    const T e = formula::c_exp(x_row[j] - row_max);
    if (y_row != nullptr) y_row[j] = e;
    total += e;
  }
  return total;
}

/// @brief Row softmax \f$ y_{rj} = e^{x_{rj} - m_r} / \sum_k e^{x_{rk} - m_r} \f$
/// (scalar::softmax_rows).
template <class Arch, class T>
void softmax_rows(const T* x, T* y, std::size_t rows, std::size_t cols) {
  // x is (rows, cols), y is (rows, cols)
  for (std::size_t r = 0; r < rows; ++r) {
    const T* x_row = x + r * cols;
    T* y_row = y + r * cols;
    const T row_max = max<Arch, T>(x_row, cols);
    const T total = sum_exp_shifted<Arch, T>(x_row, y_row, cols, row_max);
    div_scalar<Arch, T>(y_row, total, y_row, cols);  // y_rj = e^{x_rj - m_r} / total
  }
}

/// @brief Row log-softmax \f$ y_{rj} = x_{rj} - m_r - \ln \sum_k e^{x_{rk} - m_r} \f$.
template <class Arch, class T>
void log_softmax_rows(const T* x, T* y, std::size_t rows, std::size_t cols) {
  // x is (rows, cols), y is (rows, cols)
  for (std::size_t r = 0; r < rows; ++r) {
    const T* x_row = x + r * cols;
    T* y_row = y + r * cols;
    const T row_max = max<Arch, T>(x_row, cols);
    const T log_total = formula::c_log(sum_exp_shifted<Arch, T>(x_row, nullptr, cols, row_max));
    map_unary<Arch>(x_row, y_row, cols, [row_max, log_total](auto v) {
      return v - row_max - log_total;  // y_rj = x_rj - m_r - ln Σ_k e^{x_rk - m_r}
    });
  }
}

// ============================================================================================
// GEMM: C <- alpha op(A) op(B) + beta C, row-major (see scalar::gemm for the definition).
//
// How it is fast, in three steps:
//  1. Register blocking. A micro-kernel keeps a block of kGemmRows x (kGemmVecs * W) values of
//     C in registers (6 x 2 = 12 registers) and, for each p, does
//         acc[r][v] += broadcast(op(A)[i+r, p]) * op(B)[p, j + v*W .. j + v*W + W-1]
//     i.e. 12 fused multiply-adds for 2 vector loads and 6 broadcasts.
//  2. Packing B. The micro-kernel wants the W-wide pieces of a row of op(B) contiguous. We copy
//     a panel op(B)[p0 : p0+depth, j0 : j0+kGemmVecs*W] into a small aligned buffer on the stack,
//     zero-padded on the right. That handles trans_b (op(B) rows are strided in B) and ragged
//     right edges in one place; the panel then stays in L1 cache while all rows of A stream by.
//  3. op(A) needs no copy: op(A)[i, p] = A[i*a_row_step + p*a_depth_step], where
//     (a_row_step, a_depth_step) = (lda, 1) normally and (1, lda) when trans_a.
// Rows left over at the bottom (M not a multiple of kGemmRows) use a micro-kernel with fewer
// rows; columns left over at the right are computed padded and stored one by one.
// A fully packed, cache-blocked GEMM (packing A too, multithreading) is a possible next step.
// ============================================================================================

/// Rows of C per micro-kernel call (MR in the GEMM literature).
inline constexpr std::size_t kGemmRows = 6;
/// SIMD registers of C per row in a micro-kernel call (NR / W).
inline constexpr std::size_t kGemmVecs = 2;
/// Depth (slice of K) of one packed panel of op(B) (KC).
inline constexpr std::size_t kGemmDepth = 256;

/// @brief Copy op(B)[p0 : p0+depth, j0 : j0+width] into `panel`, `depth` rows of `panel_width`
/// values each, padding columns width .. panel_width-1 with zeros.
template <class T>
void gemm_pack_b(bool trans_b, const T* B, std::size_t ldb, std::size_t p0, std::size_t depth,
                 std::size_t j0, std::size_t width, std::size_t panel_width, T* panel) {
  // panel is (depth, panel_width)
  for (std::size_t p = 0; p < depth; ++p) {
    for (std::size_t c = 0; c < panel_width; ++c) {
      const std::size_t row = p0 + p;  // row of op(B)
      const std::size_t col = j0 + c;  // column of op(B)
      T value = T(0);
      if (c < width) value = trans_b ? B[col * ldb + row] : B[row * ldb + col];
      panel[p * panel_width + c] = value;
    }
  }
}

/// @brief One call of the micro-kernel: which block of C it updates, from where.
template <class T>
struct GemmBlock {
  std::size_t depth;       ///< how many p (a slice of K) to sum over
  const T* a;              ///< op(A)[i0, p0]; op(A)[i0+r, p0+p] = a[r*a_row_step + p*a_depth_step]
  std::size_t a_row_step;  ///< lda, or 1 when trans_a
  std::size_t a_depth_step;  ///< 1, or lda when trans_a
  const T* panel;            ///< the packed op(B)[p0 : p0+depth, j0 : j0+kGemmVecs*W], aligned
  T alpha;                   ///< scales the product
  T beta;                    ///< scales the old C; 0 means the old C is not read
  T* c;                      ///< C[i0, j0]
  std::size_t ldc;           ///< row stride of C
  std::size_t width;         ///< real columns of C in this block (<= kGemmVecs*W at the right edge)
};

/// @brief The micro-kernel: \f$ C_{blk} \leftarrow \alpha\, \mathrm{op}(A)_{blk}\, panel +
/// \beta C_{blk} \f$ for a block of `Rows` rows and `block.width` columns of C.
template <class Arch, class T, std::size_t Rows>
void gemm_micro_kernel(const GemmBlock<T>& block) {
  using V = Vec<Arch, T>;
  constexpr std::size_t W = V::size;
  constexpr std::size_t kPanelWidth = kGemmVecs * W;

  V acc[Rows][kGemmVecs];  // the Rows x kPanelWidth block of C, in registers
#pragma GCC unroll 8
  for (std::size_t r = 0; r < Rows; ++r) {
#pragma GCC unroll 4
    for (std::size_t v = 0; v < kGemmVecs; ++v) acc[r][v] = V(T(0));
  }

  for (std::size_t p = 0; p < block.depth; ++p) {
    V b[kGemmVecs];  // op(B)[p, j0 + v*W ...], from the packed panel (aligned, contiguous)
#pragma GCC unroll 4
    for (std::size_t v = 0; v < kGemmVecs; ++v) {
      b[v] = V::load_aligned(block.panel + p * kPanelWidth + v * W);
    }
#pragma GCC unroll 8
    for (std::size_t r = 0; r < Rows; ++r) {
      // op(A)[i0 + r, p0 + p], broadcast to every lane
      const V a_rp(block.a[r * block.a_row_step + p * block.a_depth_step]);
#pragma GCC unroll 4
      for (std::size_t v = 0; v < kGemmVecs; ++v) acc[r][v] = xsimd::fma(a_rp, b[v], acc[r][v]);
    }
  }

  // Write back C = alpha * acc + beta * C.
  const T alpha = block.alpha;
  const T beta = block.beta;
#pragma GCC unroll 8
  for (std::size_t r = 0; r < Rows; ++r) {
    T* c_row = block.c + r * block.ldc;
    if (block.width == kPanelWidth) {  // a full block: whole registers
#pragma GCC unroll 4
      for (std::size_t v = 0; v < kGemmVecs; ++v) {
        V result = V(alpha) * acc[r][v];
        if (beta != T(0)) result = xsimd::fma(V(beta), V::load_unaligned(c_row + v * W), result);
        result.store_unaligned(c_row + v * W);
      }
    } else {  // the right edge of C: spill the registers, store only the `width` real columns
      alignas(Arch::alignment()) T spilled[kPanelWidth];
      for (std::size_t v = 0; v < kGemmVecs; ++v) acc[r][v].store_aligned(spilled + v * W);
      for (std::size_t j = 0; j < block.width; ++j) {
        c_row[j] = (beta == T(0)) ? alpha * spilled[j] : alpha * spilled[j] + beta * c_row[j];
      }
    }
  }
}

/// @brief Run the micro-kernel for the number of rows left (1 .. kGemmRows); each count is its
/// own instantiation so that `acc` is a fixed-size block the compiler can keep in registers.
template <class Arch, class T>
void gemm_micro_kernel_rows(std::size_t rows, const GemmBlock<T>& block) {
  static_assert(kGemmRows == 6, "update the switch below when changing kGemmRows");
  switch (rows) {
    case 6:
      gemm_micro_kernel<Arch, T, 6>(block);
      break;
    case 5:
      gemm_micro_kernel<Arch, T, 5>(block);
      break;
    case 4:
      gemm_micro_kernel<Arch, T, 4>(block);
      break;
    case 3:
      gemm_micro_kernel<Arch, T, 3>(block);
      break;
    case 2:
      gemm_micro_kernel<Arch, T, 2>(block);
      break;
    default:
      gemm_micro_kernel<Arch, T, 1>(block);
      break;
  }
}

/// @brief \f$ C \leftarrow \alpha\, \mathrm{op}(A)\, \mathrm{op}(B) + \beta C \f$, blocked as
/// described above (op(A) is [M,K], op(B) is [K,N], C is [M,N], row-major, strides lda/ldb/ldc).
template <class Arch, class T>
void gemm(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
          const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  constexpr std::size_t kPanelWidth = kGemmVecs * Vec<Arch, T>::size;
  if (M == 0 || N == 0 || K == 0) {  // nothing to multiply: C = beta C; the reference does that
    scalar::gemm(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  GemmBlock<T> block{};
  block.a_row_step = trans_a ? 1 : lda;  // op(A)[i, p] = A[i * a_row_step + p * a_depth_step]
  block.a_depth_step = trans_a ? lda : 1;
  block.alpha = alpha;
  block.ldc = ldc;

  alignas(Arch::alignment()) T panel[kGemmDepth * kPanelWidth];  // (depth, kPanelWidth)
  block.panel = panel;

  for (std::size_t j0 = 0; j0 < N; j0 += kPanelWidth) {  // a strip of columns of C
    block.width = smaller(kPanelWidth, N - j0);
    for (std::size_t p0 = 0; p0 < K; p0 += kGemmDepth) {  // a slice of the inner dimension
      block.depth = smaller(kGemmDepth, K - p0);
      gemm_pack_b(trans_b, B, ldb, p0, block.depth, j0, block.width, kPanelWidth, panel);
      // The first slice applies beta; later slices add onto what the earlier ones stored.
      block.beta = (p0 == 0) ? beta : T(1);
      for (std::size_t i0 = 0; i0 < M; i0 += kGemmRows) {               // a block of rows of C
        block.a = A + i0 * block.a_row_step + p0 * block.a_depth_step;  // op(A)[i0, p0]
        block.c = C + i0 * ldc + j0;                                    // C[i0, j0]
        gemm_micro_kernel_rows<Arch, T>(smaller(kGemmRows, M - i0), block);
      }
    }
  }
}

// ============================================================================================
// The table
// ============================================================================================

/// @brief The KernelTable of this file's kernels for instruction set `Arch` and type `T`.
///
/// constexpr, so each kernels_<isa>.cpp can build its table at compile time (no code of that
/// instruction set runs until a kernel is actually called).
template <class Arch, class T>
constexpr KernelTable<T> make_simd_table(Isa isa) {
  KernelTable<T> table{};
  table.isa = isa;
  table.width = Vec<Arch, T>::size;
  table.add = &add<Arch, T>;
  table.sub = &sub<Arch, T>;
  table.mul = &mul<Arch, T>;
  table.div = &div<Arch, T>;
  table.add_scalar = &add_scalar<Arch, T>;
  table.mul_scalar = &mul_scalar<Arch, T>;
  table.div_scalar = &div_scalar<Arch, T>;
  table.rsub_scalar = &rsub_scalar<Arch, T>;
  table.rdiv_scalar = &rdiv_scalar<Arch, T>;
  table.pow_scalar = &pow_scalar<Arch, T>;
  table.neg = &neg<Arch, T>;
  table.exp = &exp<Arch, T>;
  table.log = &log<Arch, T>;
  table.sqrt = &sqrt<Arch, T>;
  table.tanh = &tanh<Arch, T>;
  table.sigmoid = &sigmoid<Arch, T>;
  table.relu = &relu<Arch, T>;
  table.erf = &erf<Arch, T>;
  table.gelu_erf = &gelu_erf<Arch, T>;
  table.gelu_tanh = &gelu_tanh<Arch, T>;
  table.sum = &sum<Arch, T>;
  table.max = &max<Arch, T>;
  table.dot = &dot<Arch, T>;
  table.axpy = &axpy<Arch, T>;
  table.softmax_rows = &softmax_rows<Arch, T>;
  table.log_softmax_rows = &log_softmax_rows<Arch, T>;
  table.gemm = &gemm<Arch, T>;
  return table;
}

}  // namespace
}  // namespace knob::kernels::simd
