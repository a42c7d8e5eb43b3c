// WRONG (writes past the end): the tail is done as one more whole register, which reads and
// writes up to W - 1 elements after y[n - 1].
#include <xsimd/xsimd.hpp>

#include "exercises/ex02_scale_add_simd/scale_add.h"

namespace knob::exercises {

namespace {

template <class T>
void scale_add_simd(T* y, T a, const T* x, std::size_t n) {
  using V = xsimd::batch<T>;
  const V a_v(a);
  for (std::size_t i = 0; i < n; i += V::size) {
    xsimd::fma(a_v, V::load_unaligned(x + i), V::load_unaligned(y + i)).store_unaligned(y + i);
  }
}

}  // namespace

void scale_add(float* y, float a, const float* x, std::size_t n) { scale_add_simd(y, a, x, n); }
void scale_add(double* y, double a, const double* x, std::size_t n) { scale_add_simd(y, a, x, n); }

}  // namespace knob::exercises
