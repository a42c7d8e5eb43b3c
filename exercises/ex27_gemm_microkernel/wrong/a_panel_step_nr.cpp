// WRONG (panel widths swapped): steps through the A micro-panel NR values at a time, as if it
// were as wide as the B micro-panel.
#include <xsimd/xsimd.hpp>

#include "exercises/ex27_gemm_microkernel/gemm_microkernel.h"

namespace knob::exercises {

namespace {

template <class T>
void micro_kernel(std::size_t k, const T* a_panel, const T* b_panel, T* c, std::size_t ldc) {
  using V = xsimd::batch<T>;
  constexpr std::size_t W = V::size;
  constexpr std::size_t MR = kMicroRows;
  constexpr std::size_t NR = kMicroCols<T>;
  V acc[MR][kMicroVecs];  // the MR x NR block of the sum, row r = acc[r][0..1]
  for (std::size_t r = 0; r < MR; ++r) {
    for (std::size_t v = 0; v < kMicroVecs; ++v) acc[r][v] = V(T(0));
  }
  for (std::size_t p = 0; p < k; ++p) {
    const T* a_step = a_panel + p * NR;  // the MR values of A at step p
    const T* b_step = b_panel + p * NR;  // the NR values of B at step p
    V b_regs[kMicroVecs];
    for (std::size_t v = 0; v < kMicroVecs; ++v) b_regs[v] = V::load_unaligned(b_step + v * W);
    for (std::size_t r = 0; r < MR; ++r) {
      const V a_broadcast(a_step[r]);
      for (std::size_t v = 0; v < kMicroVecs; ++v)
        acc[r][v] = xsimd::fma(a_broadcast, b_regs[v], acc[r][v]);
    }
  }
  // Add the block onto C, whole registers, the NR values of each row and nothing after them.
  for (std::size_t r = 0; r < MR; ++r) {
    T* c_row = c + r * ldc;
    for (std::size_t v = 0; v < kMicroVecs; ++v) {
      (V::load_unaligned(c_row + v * W) + acc[r][v]).store_unaligned(c_row + v * W);
    }
  }
}

}  // namespace

void gemm_micro_kernel(std::size_t k, const float* a_panel, const float* b_panel, float* c,
                       std::size_t ldc) {
  micro_kernel(k, a_panel, b_panel, c, ldc);
}

void gemm_micro_kernel(std::size_t k, const double* a_panel, const double* b_panel, double* c,
                       std::size_t ldc) {
  micro_kernel(k, a_panel, b_panel, c, ldc);
}

}  // namespace knob::exercises
