// ex02_scale_add_simd — the reference solution: W lanes at a time, then a scalar tail.
#include <xsimd/xsimd.hpp>

#include "exercises/ex02_scale_add_simd/scale_add.h"

namespace knob::exercises {

namespace {

template <class T>
void scale_add_simd(T* y, T a, const T* x, std::size_t n) {
  using V = xsimd::batch<T>;  // the widest register this file was compiled for
  const V a_v(a);
  std::size_t i = 0;
  // Body: elements i .. i+W-1 in one register.
  for (; i + V::size <= n; i += V::size) {
    const V updated = xsimd::fma(a_v, V::load_unaligned(x + i), V::load_unaligned(y + i));
    updated.store_unaligned(y + i);
  }
  // Tail: the last n mod W elements, the same formula one at a time.
  for (; i < n; ++i) y[i] += a * x[i];
}

}  // namespace

void scale_add(float* y, float a, const float* x, std::size_t n) { scale_add_simd(y, a, x, n); }
void scale_add(double* y, double a, const double* x, std::size_t n) { scale_add_simd(y, a, x, n); }

}  // namespace knob::exercises
