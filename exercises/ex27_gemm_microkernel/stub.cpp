// ex27_gemm_microkernel — YOUR VERSION. Write the template once; the two overloads call it.
#include <xsimd/xsimd.hpp>

#include "exercises/common/todo.h"
#include "exercises/ex27_gemm_microkernel/gemm_microkernel.h"

namespace knob::exercises {

namespace {

template <class T>
void micro_kernel(std::size_t k, const T* a_panel, const T* b_panel, T* c, std::size_t ldc) {
  // The block is kMicroRows x kMicroCols<T>; one row of it is kMicroVecs registers of
  // xsimd::batch<T>::size lanes.
  (void)k;
  (void)a_panel;
  (void)b_panel;
  (void)c;
  (void)ldc;
  todo("ex27_gemm_microkernel",
       "C[MR x NR] += (A micro-panel) x (B micro-panel) with MR x 2 xsimd accumulators");
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
