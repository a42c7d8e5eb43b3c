// WRONG (off-by-one): the scalar tail starts one element after the body ended, so the first
// tail element is never updated.
#include <xsimd/xsimd.hpp>

#include "exercises/ex02_scale_add_simd/scale_add.h"

namespace knob::exercises {

namespace {

template <class T>
void scale_add_simd(T* y, T a, const T* x, std::size_t n) {
  using V = xsimd::batch<T>;
  const V a_v(a);
  std::size_t i = 0;
  for (; i + V::size <= n; i += V::size) {
    xsimd::fma(a_v, V::load_unaligned(x + i), V::load_unaligned(y + i)).store_unaligned(y + i);
  }
  for (std::size_t j = i + 1; j < n; ++j) y[j] += a * x[j];
}

}  // namespace

void scale_add(float* y, float a, const float* x, std::size_t n) { scale_add_simd(y, a, x, n); }
void scale_add(double* y, double a, const double* x, std::size_t n) { scale_add_simd(y, a, x, n); }

}  // namespace knob::exercises
