/// @file
/// @brief The raw kernels under every tensor op: one table of function pointers per instruction
/// set.
///
/// Kernels work on raw, contiguous `T*` buffers (T is `float` or `double`) and know nothing about
/// tensors, shapes or autograd. Each kernel exists twice: a plain scalar reference
/// (scalar_kernels.h) that is the definition of what it computes, and an xsimd version compiled
/// once per instruction set (AVX-512, AVX2+FMA, SSE4.2, NEON) and checked against the reference.
///
/// Which table is used is chosen once at run time: the best instruction set this CPU supports, or
/// the one named by the environment variable `KNOB_SIMD=avx512|avx2|sse4_2|neon|scalar`.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace knob::kernels {

/// @brief An instruction set that knob has kernels for.
enum class Isa { scalar, sse4_2, avx2, avx512, neon };

/// @brief The lower-case name used by `KNOB_SIMD` and `knob info` ("avx2", "scalar", ...).
/// @param isa the instruction set. @return its name.
std::string_view isa_name(Isa isa);

/// @brief Every kernel for one instruction set and one element type `T` (float or double).
///
/// All pointers are non-null. Buffers are contiguous; `out` may alias an input of the same
/// length (in-place use is allowed) but must not partially overlap it. n may be 0.
template <class T>
struct KernelTable {
  Isa isa;            ///< the instruction set these kernels were compiled for
  std::size_t width;  ///< SIMD lanes per register for T (1 for scalar)

  // ---- elementwise, two contiguous vectors: out[i] = a[i] (op) b[i] ----
  void (*add)(const T* a, const T* b, T* out, std::size_t n);  ///< \f$ a_i + b_i \f$
  void (*sub)(const T* a, const T* b, T* out, std::size_t n);  ///< \f$ a_i - b_i \f$
  void (*mul)(const T* a, const T* b, T* out, std::size_t n);  ///< \f$ a_i b_i \f$
  void (*div)(const T* a, const T* b, T* out, std::size_t n);  ///< \f$ a_i / b_i \f$

  // ---- elementwise with a scalar: out[i] = a[i] (op) s, or s (op) b[i] ----
  void (*add_scalar)(const T* a, T s, T* out, std::size_t n);   ///< \f$ a_i + s \f$
  void (*mul_scalar)(const T* a, T s, T* out, std::size_t n);   ///< \f$ a_i s \f$
  void (*div_scalar)(const T* a, T s, T* out, std::size_t n);   ///< \f$ a_i / s \f$
  void (*rsub_scalar)(T s, const T* b, T* out, std::size_t n);  ///< \f$ s - b_i \f$
  void (*rdiv_scalar)(T s, const T* b, T* out, std::size_t n);  ///< \f$ s / b_i \f$
  void (*pow_scalar)(const T* a, T p, T* out, std::size_t n);   ///< \f$ a_i^p \f$

  // ---- elementwise, one vector: out[i] = f(a[i]) ----
  void (*neg)(const T* a, T* out, std::size_t n);      ///< \f$ -a_i \f$
  void (*exp)(const T* a, T* out, std::size_t n);      ///< \f$ e^{a_i} \f$
  void (*log)(const T* a, T* out, std::size_t n);      ///< \f$ \ln a_i \f$
  void (*sqrt)(const T* a, T* out, std::size_t n);     ///< \f$ \sqrt{a_i} \f$
  void (*tanh)(const T* a, T* out, std::size_t n);     ///< \f$ \tanh a_i \f$
  void (*sigmoid)(const T* a, T* out, std::size_t n);  ///< \f$ 1 / (1 + e^{-a_i}) \f$
  void (*relu)(const T* a, T* out, std::size_t n);     ///< \f$ \max(a_i, 0) \f$
  void (*erf)(const T* a, T* out, std::size_t n);      ///< \f$ \mathrm{erf}(a_i) \f$
  /// \f$ \tfrac12 a_i (1 + \mathrm{erf}(a_i/\sqrt2)) \f$ (exact GELU)
  void (*gelu_erf)(const T* a, T* out, std::size_t n);
  /// \f$ \tfrac12 a_i (1 + \tanh(\sqrt{2/\pi}(a_i + 0.044715 a_i^3))) \f$
  void (*gelu_tanh)(const T* a, T* out, std::size_t n);

  // ---- reductions over a contiguous vector ----
  T (*sum)(const T* a, std::size_t n);                     ///< \f$ \sum_i a_i \f$ (0 for n = 0)
  T (*max)(const T* a, std::size_t n);                     ///< \f$ \max_i a_i \f$ (-inf for n = 0)
  T (*dot)(const T* a, const T* b, std::size_t n);         ///< \f$ \sum_i a_i b_i \f$
  void (*axpy)(T alpha, const T* x, T* y, std::size_t n);  ///< \f$ y_i \mathrel{+}= \alpha x_i \f$

  // ---- row-wise: x and y are [rows, cols], row-major ----
  /// \f$ y_{rj} = e^{x_{rj} - m_r} / \sum_k e^{x_{rk} - m_r} \f$, \f$ m_r = \max_k x_{rk} \f$
  void (*softmax_rows)(const T* x, T* y, std::size_t rows, std::size_t cols);
  /// \f$ y_{rj} = x_{rj} - m_r - \ln \sum_k e^{x_{rk} - m_r} \f$
  void (*log_softmax_rows)(const T* x, T* y, std::size_t rows, std::size_t cols);

  /// @brief General matrix multiply, row-major:
  /// \f$ C \leftarrow \alpha\, \mathrm{op}(A)\, \mathrm{op}(B) + \beta C \f$,
  /// op(X) = X or Xᵀ. op(A) is [M,K], op(B) is [K,N], C is [M,N]; lda/ldb/ldc are row strides
  /// of the matrices as stored. When beta == 0, C is not read (it may hold NaN).
  void (*gemm)(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
               const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C,
               std::size_t ldc);
};

/// @brief The instruction sets that were built into this library AND that this CPU supports,
/// best first; always ends with Isa::scalar.
/// @return the list, e.g. {avx512, avx2, sse4_2, scalar} on a recent x86-64 CPU.
std::vector<Isa> available_isas();

/// @brief The instruction set in use: KNOB_SIMD if set (an unsupported or unknown value is an
/// error), else the best available. Decided on first use.
/// @return the instruction set of the tables active() hands out (process-wide).
/// @throws knob::ValueError when `KNOB_SIMD` names an unknown or unavailable instruction set.
Isa active_isa();

/// @brief Switch every later kernel call to `isa` (used by tests to run every path in one
/// process). Throws knob::ValueError if it is not in available_isas().
/// @param isa the instruction set to use from now on, in every thread.
void set_active_isa(Isa isa);

/// @brief Parse "avx512", "avx2", "sse4_2", "neon" or "scalar"; throws knob::ValueError otherwise.
/// @param name the name, as isa_name() spells it. @return the instruction set.
Isa parse_isa(std::string_view name);

/// @brief The kernel table of the active instruction set for element type T.
/// @tparam T float or double.
/// @return the table, valid for the life of the program.
template <class T>
const KernelTable<T>& active();

/// @brief The kernel table of a given instruction set (must be in available_isas()).
/// @tparam T float or double.
/// @param isa the instruction set.
/// @return the table, valid for the life of the program.
/// @throws knob::ValueError when `isa` is not available.
template <class T>
const KernelTable<T>& table_for(Isa isa);

}  // namespace knob::kernels
