/// @file
/// @brief The AVX2 + FMA kernel table (x86-64; compiled with -mavx2 -mfma, see kernels.cmake).
///
/// Read the "ODR hazard" note in kernels_avx512.cpp before adding anything here: only xsimd and
/// our kernel headers, everything in an unnamed namespace, no standard-library templates.
#include "autograd/kernels/isa_tables.h"
#include "autograd/kernels/simd_kernels.h"

namespace knob::kernels::detail {

// fma3<avx2>: 256-bit AVX2 registers plus fused multiply-add (every AVX2 CPU has FMA3 in practice;
// dispatch.cpp checks for both).
constinit const IsaTables avx2_tables{
    simd::make_simd_table<xsimd::fma3<xsimd::avx2>, float>(Isa::avx2),
    simd::make_simd_table<xsimd::fma3<xsimd::avx2>, double>(Isa::avx2)};

}  // namespace knob::kernels::detail
