/// @file
/// @brief The scalar reference kernels: the *definition* of what every kernel in KernelTable
/// computes, written as plain loops.
///
/// Two layers live here:
///  - `knob::kernels::formula` — the maths for ONE element (`sigmoid(x)`, `gelu_tanh(x)`, ...),
///    with the C maths library underneath. (The SIMD kernels do not use them: their tail runs
///    through the same vector code as their body, see simd_kernels.h.)
///  - `knob::kernels::scalar` — the reference kernels: one simple loop per KernelTable entry.
///    kernels_scalar.cpp puts them in the `Isa::scalar` table, and the tests compare every SIMD
///    table against it.
///
/// **Why everything here sits in an unnamed namespace.** This header is also included by the
/// per-instruction-set translation units (kernels_avx512.cpp, ...), which are compiled with
/// different `-m` flags. A normal inline function or template used there would be emitted as a
/// *weak* symbol, and the linker keeps one copy of each weak symbol for the whole program — maybe
/// the AVX-512 one, which then crashes (SIGILL) on a CPU without AVX-512. In an unnamed namespace
/// every translation unit gets its own private copy, so nothing can be swapped. For the same
/// reason the formulas call the C maths library (`expf`, `exp`, ...) directly instead of the
/// `std::exp(float)` inline overloads: C library functions are compiled once, outside knob.
#pragma once

#include <math.h>  // NOLINT(modernize-deprecated-headers): we want the C functions expf, erff, ...

#include <cstddef>
#include <limits>

namespace knob::kernels {

namespace formula {
namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): private copy per TU, see @file

// ---- the C maths library, overloaded on float and double ----
// (`expf` for float, `exp` for double; we never go through the inline std:: wrappers.)

inline float c_exp(float x) { return ::expf(x); }
inline double c_exp(double x) { return ::exp(x); }
inline float c_log(float x) { return ::logf(x); }
inline double c_log(double x) { return ::log(x); }
inline float c_sqrt(float x) { return ::sqrtf(x); }
inline double c_sqrt(double x) { return ::sqrt(x); }
inline float c_tanh(float x) { return ::tanhf(x); }
inline double c_tanh(double x) { return ::tanh(x); }
inline float c_erf(float x) { return ::erff(x); }
inline double c_erf(double x) { return ::erf(x); }
inline float c_pow(float x, float p) { return ::powf(x, p); }
inline double c_pow(double x, double p) { return ::pow(x, p); }

/// @brief \f$ 1/\sqrt{2} \f$, used by the exact GELU.
template <class T>
constexpr T kInvSqrt2 = T(0.7071067811865476);
/// @brief \f$ \sqrt{2/\pi} \f$, used by the tanh approximation of GELU.
template <class T>
constexpr T kSqrt2OverPi = T(0.7978845608028654);
/// @brief The cubic coefficient of the tanh approximation of GELU.
template <class T>
constexpr T kGeluCubic = T(0.044715);
/// @brief \f$ -\infty \f$, the maximum of an empty vector.
template <class T>
constexpr T kMinusInfinity = -std::numeric_limits<T>::infinity();

/// @brief \f$ \sigma(x) = 1 / (1 + e^{-x}) \f$. Saturates cleanly: x = -100 gives 1/(1+inf) = 0.
template <class T>
T sigmoid(T x) {
  return T(1) / (T(1) + c_exp(-x));
}

/// @brief \f$ \mathrm{relu}(x) = x \f$ if \f$ x > 0 \f$, else 0.
///
/// Written as the comparison `x > 0 ? x : 0`, so relu(NaN) = 0 (NaN > 0 is false). The SIMD
/// kernels use the same comparison, so every table agrees on it.
template <class T>
T relu(T x) {
  return x > T(0) ? x : T(0);
}

/// @brief Exact GELU (PyTorch's default): \f$ \tfrac12 x (1 + \mathrm{erf}(x/\sqrt2)) \f$.
template <class T>
T gelu_erf(T x) {
  return T(0.5) * x * (T(1) + c_erf(x * kInvSqrt2<T>));
}

/// @brief GELU, tanh form: \f$ \tfrac12 x (1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3))) \f$.
template <class T>
T gelu_tanh(T x) {
  const T inner = kSqrt2OverPi<T> * (x + kGeluCubic<T> * x * x * x);
  return T(0.5) * x * (T(1) + c_tanh(inner));
}

/// @brief \f$ x^p \f$, with the common squares computed exactly.
///
/// `powf(x, 2)` can be one ulp off, and squares are everywhere (variance, squared error), so
/// p = 2 is `x * x` (correctly rounded) and p = 1 is `x`; any other p goes to the C library.
template <class T>
T pow(T x, T p) {
  if (p == T(2)) return x * x;
  if (p == T(1)) return x;
  return c_pow(x, p);
}

/// @brief The larger of `m` and `x`, where NaN wins: once a NaN is seen, the maximum is NaN
/// (like torch.max). The order of the comparisons does not matter, so SIMD lanes agree with it.
template <class T>
T max_keep_nan(T m, T x) {
  // NaN is the one value not equal to itself (std::isnan is an inline function we avoid here)
  const bool x_is_nan = x != x;  // NOLINT(misc-redundant-expression)
  return (x > m || x_is_nan) ? x : m;
}

}  // namespace
}  // namespace formula

namespace scalar {
namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): private copy per TU, see @file

// In every kernel: a, b, x are inputs, out / y are outputs, all contiguous, n elements.

// ---- elementwise, two vectors ----

/// @brief \f$ out_i = a_i + b_i \f$
template <class T>
void add(const T* a, const T* b, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}
/// @brief \f$ out_i = a_i - b_i \f$
template <class T>
void sub(const T* a, const T* b, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] - b[i];
}
/// @brief \f$ out_i = a_i b_i \f$
template <class T>
void mul(const T* a, const T* b, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}
/// @brief \f$ out_i = a_i / b_i \f$
template <class T>
void div(const T* a, const T* b, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] / b[i];
}

// ---- elementwise with a scalar ----

/// @brief \f$ out_i = a_i + s \f$
template <class T>
void add_scalar(const T* a, T s, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] + s;
}
/// @brief \f$ out_i = a_i s \f$
template <class T>
void mul_scalar(const T* a, T s, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] * s;
}
/// @brief \f$ out_i = a_i / s \f$ (a true division, not a multiplication by 1/s)
template <class T>
void div_scalar(const T* a, T s, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = a[i] / s;
}
/// @brief \f$ out_i = s - b_i \f$
template <class T>
void rsub_scalar(T s, const T* b, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = s - b[i];
}
/// @brief \f$ out_i = s / b_i \f$
template <class T>
void rdiv_scalar(T s, const T* b, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = s / b[i];
}
/// @brief \f$ out_i = a_i^p \f$ (exact for p = 2 and p = 1, see formula::pow)
template <class T>
void pow_scalar(const T* a, T p, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = formula::pow(a[i], p);
}

// ---- elementwise, one vector ----

/// @brief \f$ out_i = -a_i \f$
template <class T>
void neg(const T* a, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = -a[i];
}
/// @brief \f$ out_i = e^{a_i} \f$
template <class T>
void exp(const T* a, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = formula::c_exp(a[i]);
}
/// @brief \f$ out_i = \ln a_i \f$
template <class T>
void log(const T* a, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = formula::c_log(a[i]);
}
/// @brief \f$ out_i = \sqrt{a_i} \f$
template <class T>
void sqrt(const T* a, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = formula::c_sqrt(a[i]);
}
/// @brief \f$ out_i = \tanh a_i \f$
template <class T>
void tanh(const T* a, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = formula::c_tanh(a[i]);
}
/// @brief \f$ out_i = 1 / (1 + e^{-a_i}) \f$
template <class T>
void sigmoid(const T* a, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = formula::sigmoid(a[i]);
}
/// @brief \f$ out_i = \max(a_i, 0) \f$ (relu(NaN) = 0, see formula::relu)
template <class T>
void relu(const T* a, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = formula::relu(a[i]);
}
/// @brief \f$ out_i = \mathrm{erf}(a_i) \f$
template <class T>
void erf(const T* a, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = formula::c_erf(a[i]);
}
/// @brief \f$ out_i = \tfrac12 a_i (1 + \mathrm{erf}(a_i/\sqrt2)) \f$
template <class T>
void gelu_erf(const T* a, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = formula::gelu_erf(a[i]);
}
/// @brief \f$ out_i = \tfrac12 a_i (1 + \tanh(\sqrt{2/\pi}(a_i + 0.044715 a_i^3))) \f$
template <class T>
void gelu_tanh(const T* a, T* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = formula::gelu_tanh(a[i]);
}

// ---- reductions ----

/// @brief \f$ \sum_i a_i \f$, added left to right (0 for n = 0).
template <class T>
T sum(const T* a, std::size_t n) {
  T total = 0;
  for (std::size_t i = 0; i < n; ++i) total += a[i];
  return total;
}
/// @brief \f$ \max_i a_i \f$; -inf for n = 0; NaN if any a_i is NaN.
template <class T>
T max(const T* a, std::size_t n) {
  T m = formula::kMinusInfinity<T>;
  for (std::size_t i = 0; i < n; ++i) m = formula::max_keep_nan(m, a[i]);
  return m;
}
/// @brief \f$ \sum_i a_i b_i \f$
template <class T>
T dot(const T* a, const T* b, std::size_t n) {
  T total = 0;
  for (std::size_t i = 0; i < n; ++i) total += a[i] * b[i];
  return total;
}
/// @brief \f$ y_i \mathrel{+}= \alpha x_i \f$
template <class T>
void axpy(T alpha, const T* x, T* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

// ---- row-wise ----

/// @brief Softmax of every row: \f$ y_{rj} = e^{x_{rj} - m_r} / \sum_k e^{x_{rk} - m_r} \f$.
///
/// Subtracting the row maximum \f$ m_r \f$ changes nothing mathematically (it cancels between
/// numerator and denominator) but keeps every exponent <= 0, so e^(...) cannot overflow.
/// A row that is all -inf gives NaN (as in PyTorch).
template <class T>
void softmax_rows(const T* x, T* y, std::size_t rows, std::size_t cols) {
  // x is (rows, cols), y is (rows, cols)
  for (std::size_t r = 0; r < rows; ++r) {
    const T* x_row = x + r * cols;
    T* y_row = y + r * cols;
    const T row_max = max(x_row, cols);
    T total = 0;
    for (std::size_t j = 0; j < cols; ++j) {
      y_row[j] = formula::c_exp(x_row[j] - row_max);
      total += y_row[j];
    }
    for (std::size_t j = 0; j < cols; ++j) y_row[j] /= total;
  }
}

/// @brief Log-softmax of every row: \f$ y_{rj} = x_{rj} - m_r - \ln \sum_k e^{x_{rk} - m_r} \f$.
///
/// Never computes softmax and then its log (which would give log(0) = -inf once a probability
/// underflows); the log of the sum is taken after shifting by the row maximum instead.
template <class T>
void log_softmax_rows(const T* x, T* y, std::size_t rows, std::size_t cols) {
  // x is (rows, cols), y is (rows, cols)
  for (std::size_t r = 0; r < rows; ++r) {
    const T* x_row = x + r * cols;
    T* y_row = y + r * cols;
    const T row_max = max(x_row, cols);
    T total = 0;
    for (std::size_t j = 0; j < cols; ++j) total += formula::c_exp(x_row[j] - row_max);
    const T log_total = formula::c_log(total);
    for (std::size_t j = 0; j < cols; ++j) y_row[j] = x_row[j] - row_max - log_total;
  }
}

// ---- matrix multiply ----

/// @brief Reference GEMM, the textbook triple loop:
/// \f$ C_{ij} \leftarrow \alpha \sum_p \mathrm{op}(A)_{ip} \mathrm{op}(B)_{pj} + \beta C_{ij} \f$.
///
/// Row-major storage with row strides lda/ldb/ldc:
///  - op(A)[i,p] = trans_a ? A[p*lda + i] : A[i*lda + p]    (op(A) is [M,K])
///  - op(B)[p,j] = trans_b ? B[j*ldb + p] : B[p*ldb + j]    (op(B) is [K,N])
///  - C[i,j] = C[i*ldc + j]                                  (C is [M,N])
/// When beta == 0 the old C is never read, so it may hold garbage or NaN.
template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
          const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t j = 0; j < N; ++j) {
      T acc = 0;
      for (std::size_t p = 0; p < K; ++p) {
        const T a_ip = trans_a ? A[p * lda + i] : A[i * lda + p];
        const T b_pj = trans_b ? B[j * ldb + p] : B[p * ldb + j];
        acc += a_ip * b_pj;
      }
      T& c_ij = C[i * ldc + j];
      c_ij = (beta == T(0)) ? alpha * acc : alpha * acc + beta * c_ij;
    }
  }
}

}  // namespace
}  // namespace scalar

}  // namespace knob::kernels
