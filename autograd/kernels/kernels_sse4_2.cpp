/// @file
/// @brief The SSE4.2 kernel table (x86-64; compiled with -msse4.2, see kernels.cmake).
///
/// Read the "ODR hazard" note in kernels_avx512.cpp before adding anything here: only xsimd and
/// our kernel headers, everything in an unnamed namespace, no standard-library templates.
/// SSE has no fused multiply-add: xsimd::fma falls back to a multiply and an add here.
#include "autograd/kernels/isa_tables.h"
#include "autograd/kernels/simd_kernels.h"

namespace knob::kernels::detail {

constinit const IsaTables sse4_2_tables{simd::make_simd_table<xsimd::sse4_2, float>(Isa::sse4_2),
                                        simd::make_simd_table<xsimd::sse4_2, double>(Isa::sse4_2)};

}  // namespace knob::kernels::detail
