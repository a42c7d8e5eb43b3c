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

}  // namespace
}  // namespace knob::kernels::simd
