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
///   if (i < n) { /* the tail: the last n - i elements, copied into a zero-padded register */ }
/// \endcode
///
/// **An element's result does not depend on where it sits.** The tail runs through the same
/// vector code as the body, on a register padded with zeros (the padding lanes are computed and
/// thrown away), so on one instruction set `exp(x)` gives the same bits for x at position 0 of a
/// long vector, in the tail of a short row, or alone. That is what lets a fused kernel working
/// row by row agree bit for bit with the same formula run over the whole tensor. (The scalar
/// reference table uses the C library instead of xsimd's polynomials: it agrees with the SIMD
/// tables to rounding, never bit for bit, except where both do the same IEEE operations.)
///
/// Reductions (sum, dot, softmax's denominator) are the exception by nature: W running partial
/// results are combined at the end, so the rounding of a sum depends on its length.
///
/// Everything sits in an unnamed namespace and uses no standard-library templates (not even
/// std::min): see "ODR hazard" in kernels_avx512.cpp.
#pragma once

#include <cstddef>

#include "autograd/kernels/gemm_simd.h"
#include "autograd/kernels/kernels.h"
#include "autograd/kernels/scalar_kernels.h"
#include "autograd/kernels/simd.h"

namespace knob::kernels::simd {
namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): private copy per TU

// ============================================================================================
// The two canonical loops
// ============================================================================================

/// @brief The `count` (< W) values at `a` in a register, the other lanes set to `fill`.
template <class Arch, class T>
Vec<Arch, T> load_tail(const T* a, std::size_t count, T fill = T(0)) {
  alignas(Arch::alignment()) T lanes[Vec<Arch, T>::size];
  for (std::size_t l = 0; l < Vec<Arch, T>::size; ++l) lanes[l] = l < count ? a[l] : fill;
  return Vec<Arch, T>::load_aligned(lanes);
}

/// @brief Stores the first `count` (< W) lanes of `v` at `out`; the other lanes are dropped.
template <class Arch, class T>
void store_tail(const Vec<Arch, T>& v, T* out, std::size_t count) {
  alignas(Arch::alignment()) T lanes[Vec<Arch, T>::size];
  v.store_aligned(lanes);
  for (std::size_t l = 0; l < count; ++l) out[l] = lanes[l];
}

/// @brief out[i] = f(a[i]) with `f` working on registers: whole registers, then the tail in a
/// zero-padded register (so the tail gets exactly the bits the body would give).
template <class Arch, class T, class F>
void map_unary(const T* a, T* out, std::size_t n, F f) {
  using V = Vec<Arch, T>;
  std::size_t i = 0;
  for (; i + V::size <= n; i += V::size) f(V::load_unaligned(a + i)).store_unaligned(out + i);
  if (i < n) store_tail<Arch, T>(f(load_tail<Arch, T>(a + i, n - i)), out + i, n - i);
}

/// @brief out[i] = f(a[i], b[i]) with `f` working on registers, tail as in map_unary.
template <class Arch, class T, class F>
void map_binary(const T* a, const T* b, T* out, std::size_t n, F f) {
  using V = Vec<Arch, T>;
  std::size_t i = 0;
  for (; i + V::size <= n; i += V::size) {
    f(V::load_unaligned(a + i), V::load_unaligned(b + i)).store_unaligned(out + i);
  }
  if (i < n) {
    const std::size_t rest = n - i;
    store_tail<Arch, T>(f(load_tail<Arch, T>(a + i, rest), load_tail<Arch, T>(b + i, rest)),
                        out + i, rest);
  }
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

/// @brief \f$ out_i = a_i^p \f$, as \f$ e^{p \ln a_i} \f$ (pow_lanes in simd.h), a few ulps off
/// even when the answer is exact; like formula::pow, p = 2 and p = 1 get their exact forms.
template <class Arch, class T>
void pow_scalar(const T* a, T p, T* out, std::size_t n) {
  using V = Vec<Arch, T>;
  if (p == T(2)) {
    map_unary<Arch>(a, out, n, [](auto x) { return x * x; });
  } else if (p == T(1)) {
    map_unary<Arch>(a, out, n, [](auto x) { return x; });
  } else {
    map_unary<Arch>(a, out, n, [p](V x) { return pow_lanes<Arch, T>(x, p); });
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
  map_unary<Arch, T>(a, out, n, [](Vec<Arch, T> x) { return exp_lanes<Arch, T>(x); });
}
/// @brief \f$ out_i = \ln a_i \f$
template <class Arch, class T>
void log(const T* a, T* out, std::size_t n) {
  map_unary<Arch, T>(a, out, n, [](Vec<Arch, T> x) { return log_lanes<Arch, T>(x); });
}
/// @brief \f$ out_i = \sqrt{a_i} \f$
template <class Arch, class T>
void sqrt(const T* a, T* out, std::size_t n) {
  map_unary<Arch, T>(a, out, n, [](Vec<Arch, T> x) { return xsimd::sqrt(x); });
}
/// @brief \f$ out_i = \tanh a_i \f$
template <class Arch, class T>
void tanh(const T* a, T* out, std::size_t n) {
  map_unary<Arch, T>(a, out, n, [](Vec<Arch, T> x) { return tanh_lanes<Arch, T>(x); });
}
/// @brief \f$ out_i = \mathrm{erf}(a_i) \f$
template <class Arch, class T>
void erf(const T* a, T* out, std::size_t n) {
  map_unary<Arch, T>(a, out, n, [](Vec<Arch, T> x) { return erf_lanes<Arch, T>(x); });
}

/// @brief \f$ out_i = 1 / (1 + e^{-a_i}) \f$
template <class Arch, class T>
void sigmoid(const T* a, T* out, std::size_t n) {
  using V = Vec<Arch, T>;
  map_unary<Arch>(a, out, n, [](V x) { return V(1) / (V(1) + exp_lanes<Arch, T>(-x)); });
}

/// @brief \f$ out_i = a_i > 0\ ?\ a_i : 0 \f$, lane by lane with a mask (relu(NaN) = 0, as in the
/// reference)
template <class Arch, class T>
void relu(const T* a, T* out, std::size_t n) {
  using V = Vec<Arch, T>;
  map_unary<Arch>(a, out, n, [](V x) { return xsimd::select(x > V(0), x, V(0)); });
}

/// @brief \f$ out_i = \tfrac12 a_i (1 + \mathrm{erf}(a_i/\sqrt2)) \f$
template <class Arch, class T>
void gelu_erf(const T* a, T* out, std::size_t n) {
  using V = Vec<Arch, T>;
  map_unary<Arch>(a, out, n, [](V x) {
    return V(0.5) * x * (V(1) + erf_lanes<Arch, T>(x * V(formula::kInvSqrt2<T>)));
  });
}

/// @brief \f$ out_i = \tfrac12 a_i (1 + \tanh(\sqrt{2/\pi}(a_i + 0.044715 a_i^3))) \f$
template <class Arch, class T>
void gelu_tanh(const T* a, T* out, std::size_t n) {
  using V = Vec<Arch, T>;
  map_unary<Arch>(a, out, n, [](V x) {
    const V inner = V(formula::kSqrt2OverPi<T>) * (x + V(formula::kGeluCubic<T>) * x * x * x);
    return V(0.5) * x * (V(1) + tanh_lanes<Arch, T>(inner));
  });
}

// ============================================================================================
// Reductions. A SIMD reduction keeps W partial results (one per lane) and combines them at the
// end, so it adds in a different order than the left-to-right reference: results agree to
// rounding, not bit for bit. The tail joins the lanes as one more register, padded with the
// operation's neutral value (0 for a sum, -inf for a maximum), which changes nothing.
// ============================================================================================

/// @brief \f$ \sum_i a_i \f$: W running sums (the tail as one more register), then one
/// horizontal sum.
template <class Arch, class T>
T sum(const T* a, std::size_t n) {
  using V = Vec<Arch, T>;
  V partial(T(0));  // lane l holds a[l] + a[l+W] + a[l+2W] + ...
  std::size_t i = 0;
  for (; i + V::size <= n; i += V::size) partial += V::load_unaligned(a + i);
  if (i < n) partial += load_tail<Arch, T>(a + i, n - i);
  return horizontal_sum<Arch, T>(partial);
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
  if (i < n) {
    const V x = load_tail<Arch, T>(a + i, n - i, formula::kMinusInfinity<T>);
    partial = xsimd::select((x > partial) || xsimd::isnan(x), x, partial);
  }
  return horizontal_max<Arch, T>(partial);
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
  if (i < n) {
    partial =
        xsimd::fma(load_tail<Arch, T>(a + i, n - i), load_tail<Arch, T>(b + i, n - i), partial);
  }
  return horizontal_sum<Arch, T>(partial);
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
  if (i < n) {
    const std::size_t rest = n - i;
    store_tail<Arch, T>(
        xsimd::fma(alpha_v, load_tail<Arch, T>(x + i, rest), load_tail<Arch, T>(y + i, rest)),
        y + i, rest);
  }
}

// ============================================================================================
// Row-wise softmax: the same three passes as scalar::softmax_rows (max, exp and sum, divide).
// ============================================================================================

/// @brief \f$ \sum_j e^{x_j - m} \f$ over one row, writing each \f$ e^{x_j - m} \f$ to y_row (which
/// may be null). The tail is padded with -inf, whose exponential adds exactly 0.
template <class Arch, class T>
T sum_exp_shifted(const T* x_row, T* y_row, std::size_t cols, T row_max) {
  using V = Vec<Arch, T>;
  const V shift(row_max);
  V partial(T(0));
  std::size_t j = 0;
  for (; j + V::size <= cols; j += V::size) {
    const V e = exp_lanes<Arch, T>(V::load_unaligned(x_row + j) - shift);
    if (y_row != nullptr) e.store_unaligned(y_row + j);
    partial += e;
  }
  if (j < cols) {
    const std::size_t rest = cols - j;
    const V e =
        exp_lanes<Arch, T>(load_tail<Arch, T>(x_row + j, rest, formula::kMinusInfinity<T>) - shift);
    if (y_row != nullptr) store_tail<Arch, T>(e, y_row + j, rest);
    partial += e;
  }
  return horizontal_sum<Arch, T>(partial);
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
// GEMM: C <- alpha op(A) op(B) + beta C, row-major (see scalar::gemm for the definition). The
// packed, cache-blocked algorithm is in gemm_packed.h and its register-blocked xsimd
// micro-kernel in gemm_simd.h; simd::gemm<Arch, T> below is the table entry.
// ============================================================================================

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
