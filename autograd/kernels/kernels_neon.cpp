/// @file
/// @brief The NEON kernel table (aarch64 only; NEON is part of every 64-bit ARM CPU, so no
/// extra flags are needed, see kernels.cmake).
///
/// Read the "ODR hazard" note in kernels_avx512.cpp before adding anything here: only xsimd and
/// our kernel headers, everything in an unnamed namespace, no standard-library templates.
#include "autograd/kernels/isa_tables.h"
#include "autograd/kernels/simd_kernels.h"

namespace knob::kernels::detail {

// neon64: 128-bit registers, 4 floats or 2 doubles (double lanes need the 64-bit ARM variant).
constinit const IsaTables neon_tables{simd::make_simd_table<xsimd::neon64, float>(Isa::neon),
                                      simd::make_simd_table<xsimd::neon64, double>(Isa::neon)};

}  // namespace knob::kernels::detail
