/// @file
/// @brief Exercise ex02 (lesson 01): a SIMD kernel with its scalar tail, `y += a * x`.
#pragma once

#include <cstddef>

namespace knob::exercises {

/// @brief \f$ y_i \leftarrow y_i + a\,x_i \f$ for \f$ 0 \le i < n \f$ (BLAS calls it axpy).
///
/// Write it the way knob's kernels are written (autograd/kernels/simd_kernels.h): a body loop
/// that handles W elements at a time in one `xsimd::batch<T>` register (W = `batch<T>::size`,
/// e.g. 4 floats with SSE, 8 with AVX2), then a scalar tail loop for the last n mod W elements.
/// The pointers need not be aligned (use load_unaligned / store_unaligned), n may be 0, and no
/// element at or after y[n] may be read or written.
/// @param y the n values to update in place
/// @param a the scale
/// @param x the n values to add, scaled
/// @param n number of elements (any value, including 0 and values below W)
void scale_add(float* y, float a, const float* x, std::size_t n);

/// @brief The double-precision twin of scale_add(float*, float, const float*, std::size_t)
/// (W is half as large: a register holds half as many doubles).
/// @param y the n values to update in place
/// @param a the scale
/// @param x the n values to add, scaled
/// @param n number of elements
void scale_add(double* y, double a, const double* x, std::size_t n);

}  // namespace knob::exercises
