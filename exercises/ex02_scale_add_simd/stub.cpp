// ex02_scale_add_simd — YOUR VERSION. Write the template once; the two overloads call it.
#include <xsimd/xsimd.hpp>

#include "exercises/common/todo.h"
#include "exercises/ex02_scale_add_simd/scale_add.h"

namespace knob::exercises {

namespace {

template <class T>
void scale_add_simd(T* y, T a, const T* x, std::size_t n) {
  // using V = xsimd::batch<T>;       // one SIMD register of T, V::size lanes (= W)
  // const V a_v(a);                   // a copied into every lane
  // std::size_t i = 0;
  // Body: while a whole register still fits (i + W <= n):
  //   load x[i..i+W) and y[i..i+W) with V::load_unaligned, compute a_v * x + y
  //   (xsimd::fma does it in one instruction), store it back with store_unaligned.
  // Tail: the remaining n - i elements, one at a time, with the same formula in plain C++.
  // Careful: `i < n - W` underflows when n < W (size_t!) — write `i + W <= n`.
  (void)y;
  (void)a;
  (void)x;
  (void)n;
  todo("ex02_scale_add_simd", "y[i] += a * x[i] with an xsimd body loop and a scalar tail");
}

}  // namespace

void scale_add(float* y, float a, const float* x, std::size_t n) { scale_add_simd(y, a, x, n); }
void scale_add(double* y, double a, const double* x, std::size_t n) { scale_add_simd(y, a, x, n); }

}  // namespace knob::exercises
