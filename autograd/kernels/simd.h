/// @file
/// @brief The small layer between knob's SIMD kernels and the xsimd library: every difference
/// between xsimd versions is handled here, in one place.
///
/// Include only from the per-instruction-set translation units (kernels_avx2.cpp, ...); see the
/// note on the unnamed namespace in scalar_kernels.h for why these helpers have internal linkage.
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

#include "autograd/kernels/scalar_kernels.h"

namespace knob::kernels::simd {
namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): private copy per TU

/// @brief A SIMD register of `T` (float or double) for the instruction set `Arch`,
/// holding `Vec<Arch, T>::size` lanes.
template <class Arch, class T>
using Vec = xsimd::batch<T, Arch>;

/// @brief Horizontal sum of the lanes of `v`: \f$ \sum_l v_l \f$.
///
/// xsimd 8 calls this `hadd`; xsimd 9 renamed it `reduce_add`.
template <class Arch, class T>
T horizontal_sum(const Vec<Arch, T>& v) {
#if XSIMD_VERSION_MAJOR >= 9
  return xsimd::reduce_add(v);
#else
  return xsimd::hadd(v);
#endif
}

/// @brief Horizontal maximum of the lanes of `v`, NaN-propagating like formula::max_keep_nan.
///
/// xsimd 8 has no horizontal max at all, and xsimd 9's `reduce_max` does not promise anything
/// about NaN, so we spill the lanes to memory and reuse the scalar formula. It runs once per
/// reduction, not once per element, so its speed does not matter.
template <class Arch, class T>
T horizontal_max(const Vec<Arch, T>& v) {
  alignas(Arch::alignment()) T lanes[Vec<Arch, T>::size];
  v.store_aligned(lanes);
  T m = lanes[0];
  for (std::size_t l = 1; l < Vec<Arch, T>::size; ++l) m = formula::max_keep_nan(m, lanes[l]);
  return m;
}

// ============================================================================================
// xsimd 8's transcendental functions, defined for every input.
//
// xsimd 8's double exp, tanh, erf and pow convert an intermediate (x / ln 2, rounded) to a
// 64-bit integer without looking at it first: for an infinity, a NaN or a huge x that
// conversion is undefined behaviour (the sanitizer build reports it), and in practice it gives
// garbage that the final select may or may not hide. Its exp also overflows early (inf for
// x > 709.08 though e^709.7 is finite) and flushes subnormal results to 0, and its log is wrong
// for subnormal inputs. The wrappers below give xsimd only the inputs it handles, answer the
// ends of the range themselves, and leave the rare lanes in between to the C library, one by
// one. A lane's result still depends only on its own value, never on its neighbours.
// ============================================================================================

/// @brief Where xsimd's functions stop being exact, for float and double. (Plain constants, not
/// std::numeric_limits: see the note on standard-library templates in kernels_avx512.cpp.)
template <class T>
struct Limits;
template <>
struct Limits<float> {
  static constexpr float exp_lo = -87.33F;               ///< e^x is a normal float above this
  static constexpr float exp_hi = 87.37F;                ///< xsimd's exp is exact below this
  static constexpr float exp_zero = -104.5F;             ///< e^x rounds to 0 below this
  static constexpr float tanh_end = 10.0F;               ///< tanh(±10) is ±1 in float
  static constexpr float erf_end = 4.0F;                 ///< erf(±4) is ±1 in float
  static constexpr float min_normal = 1.17549435e-38F;   ///< the smallest normal float
  static constexpr float max_finite = 3.40282347e+38F;   ///< the largest finite float
  static constexpr float subnormal_scale = 16777216.0F;  ///< 2^24
  static constexpr int subnormal_shift = 24;
};
template <>
struct Limits<double> {
  static constexpr double exp_lo = -708.39;
  static constexpr double exp_hi = 708.78;
  static constexpr double exp_zero = -746.0;
  static constexpr double tanh_end = 20.0;
  static constexpr double erf_end = 6.0;
  static constexpr double min_normal = 2.2250738585072014e-308;
  static constexpr double max_finite = 1.7976931348623157e+308;
  static constexpr double subnormal_scale = 18014398509481984.0;  ///< 2^54
  static constexpr int subnormal_shift = 54;
};

/// @brief `r`, with each lane where `vector_ok` is false recomputed as `scalar_f(x)`.
template <class Arch, class T, class ScalarF>
Vec<Arch, T> patch_lanes(Vec<Arch, T> r, const Vec<Arch, T>& x,
                         const xsimd::batch_bool<T, Arch>& vector_ok, ScalarF scalar_f) {
  if (xsimd::all(vector_ok)) return r;  // the usual case: one test per register
  constexpr std::size_t W = Vec<Arch, T>::size;
  alignas(Arch::alignment()) T xs[W];
  alignas(Arch::alignment()) T rs[W];
  alignas(Arch::alignment()) T ok[W];
  x.store_aligned(xs);
  r.store_aligned(rs);
  xsimd::select(vector_ok, Vec<Arch, T>(T(1)), Vec<Arch, T>(T(0))).store_aligned(ok);
  for (std::size_t l = 0; l < W; ++l) {
    if (ok[l] == T(0)) rs[l] = scalar_f(xs[l]);
  }
  return Vec<Arch, T>::load_aligned(rs);
}

/// @brief \f$ e^x \f$ lane by lane, for every x (0 below the subnormal range, the C library for
/// subnormal results, huge x, +inf and NaN).
template <class Arch, class T>
Vec<Arch, T> exp_lanes(const Vec<Arch, T>& x) {
  using V = Vec<Arch, T>;
  const auto ok = (x >= V(Limits<T>::exp_lo)) && (x <= V(Limits<T>::exp_hi));  // false for NaN
  const auto zero = x < V(Limits<T>::exp_zero);
  const V r = xsimd::select(zero, V(T(0)), xsimd::exp(xsimd::select(ok, x, V(T(0)))));
  return patch_lanes<Arch, T>(r, x, ok || zero, [](T v) { return formula::c_exp(v); });
}

/// @brief \f$ \ln x \f$ lane by lane, for every x (subnormal x are scaled by \f$ 2^{54} \f$,
/// or \f$ 2^{24} \f$ in float, first; 0, negative numbers, inf and NaN as IEEE says).
template <class Arch, class T>
Vec<Arch, T> log_lanes(const Vec<Arch, T>& x) {
  using V = Vec<Arch, T>;
  const auto subnormal = (x > V(T(0))) && (x < V(Limits<T>::min_normal));
  const V scaled = xsimd::select(subnormal, x * V(Limits<T>::subnormal_scale), x);
  const V shift = V(static_cast<T>(Limits<T>::subnormal_shift * 0.69314718055994530942));
  return xsimd::log(scaled) - xsimd::select(subnormal, shift, V(T(0)));
}

/// @brief f(x) for a function that is ±1 beyond ±end: x is clamped to [-end, end] (where f is
/// already exactly ±1) and NaN is kept out of f and put back after.
template <class Arch, class T, class F>
Vec<Arch, T> saturating(const Vec<Arch, T>& x, T end, F f) {
  using V = Vec<Arch, T>;
  const auto nan = xsimd::isnan(x);
  const V clamped = xsimd::select(x > V(end), V(end), xsimd::select(x < V(-end), V(-end), x));
  return xsimd::select(nan, x, f(xsimd::select(nan, V(T(0)), clamped)));
}

/// @brief \f$ \tanh x \f$ lane by lane, for every x.
template <class Arch, class T>
Vec<Arch, T> tanh_lanes(const Vec<Arch, T>& x) {
  return saturating<Arch, T>(x, Limits<T>::tanh_end,
                             [](const Vec<Arch, T>& v) { return xsimd::tanh(v); });
}

/// @brief \f$ \mathrm{erf}(x) \f$ lane by lane, for every x.
template <class Arch, class T>
Vec<Arch, T> erf_lanes(const Vec<Arch, T>& x) {
  return saturating<Arch, T>(x, Limits<T>::erf_end,
                             [](const Vec<Arch, T>& v) { return xsimd::erf(v); });
}

/// @brief \f$ x^p \f$ lane by lane, for every x: \f$ e^{p \ln x} \f$ for positive finite x
/// (as xsimd::pow computes it), the C library for 0, negative numbers, inf and NaN.
template <class Arch, class T>
Vec<Arch, T> pow_lanes(const Vec<Arch, T>& x, T p) {
  using V = Vec<Arch, T>;
  const auto ok = (x > V(T(0))) && (x <= V(Limits<T>::max_finite));
  const V r = exp_lanes<Arch, T>(V(p) * log_lanes<Arch, T>(xsimd::select(ok, x, V(T(1)))));
  return patch_lanes<Arch, T>(r, x, ok, [p](T v) { return formula::c_pow(v, p); });
}

}  // namespace
}  // namespace knob::kernels::simd
