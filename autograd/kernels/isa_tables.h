/// @file
/// @brief The kernel tables compiled into this library, one pair (float, double) per instruction
/// set. Internal to the kernels: the rest of knob asks dispatch (kernels.h) for a table.
///
/// Each table is a constant object defined in its own translation unit (kernels_avx2.cpp, ...)
/// and filled at compile time with function pointers, so reading it runs no code compiled for
/// that instruction set. Only *calling* a kernel does — and dispatch.cpp hands out a table only
/// after checking that this CPU supports it. A table exists only if its TU was built (see the
/// KNOB_HAVE_* definitions set by kernels.cmake).
#pragma once

#include "autograd/kernels/kernels.h"

namespace knob::kernels::detail {

/// @brief The float and double kernels of one instruction set.
struct IsaTables {
  KernelTable<float> float_kernels;    ///< kernels for T = float
  KernelTable<double> double_kernels;  ///< kernels for T = double
};

extern const IsaTables scalar_tables;  ///< kernels_scalar.cpp: the reference kernels (always built)
extern const IsaTables sse4_2_tables;  ///< kernels_sse4_2.cpp (x86-64, KNOB_HAVE_SSE4_2)
extern const IsaTables avx2_tables;    ///< kernels_avx2.cpp (x86-64, KNOB_HAVE_AVX2)
extern const IsaTables avx512_tables;  ///< kernels_avx512.cpp (x86-64, KNOB_HAVE_AVX512)
extern const IsaTables neon_tables;    ///< kernels_neon.cpp (aarch64, KNOB_HAVE_NEON)

}  // namespace knob::kernels::detail
