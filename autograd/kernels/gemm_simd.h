/// @file
/// @brief The xsimd micro-kernel of the packed GEMM (gemm_packed.h), one source for every
/// instruction set: the register block is MR = 6 rows by NR = 2 registers of W lanes, so
///  - AVX2 + FMA: 6×16 floats or 6×8 doubles in 12 of the 16 ymm registers;
///  - AVX-512:    6×32 floats or 6×16 doubles in 12 zmm registers;
///  - SSE4.2:     6×8 floats or 6×4 doubles in 12 of the 16 xmm registers (no FMA instruction:
///    xsimd::fma is a multiply and an add there);
///  - NEON:       6×8 floats or 6×4 doubles.
///
/// Per step p of the inner dimension the kernel loads the 2 registers of row p of the B
/// micro-panel, broadcasts the 6 values op(A)[i0+r, p] one by one (from the packed A
/// micro-panel, or from A itself, see packed::read_a_in_place), and does 12 fused multiply-adds:
/// \code
///   acc[r][v] += broadcast(op(A)[i0 + r, p]) * panel_b[p*NR + v*W .. + W-1]   r < 6, v < 2
/// \endcode
/// so 8 loads feed 12 FMAs and the 12 accumulators never leave the registers until the end.
///
/// Included by simd_kernels.h, i.e. by each kernels_<isa>.cpp; see "ODR hazard" in
/// kernels_avx512.cpp (unnamed namespace, no standard-library templates).
#pragma once

#include <cstddef>

#include "autograd/kernels/gemm_packed.h"
#include "autograd/kernels/simd.h"

namespace knob::kernels::simd {
namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): private copy per TU

/// @brief The 6 × 2W register-blocked micro-kernel for instruction set `Arch` and type `T`.
template <class Arch, class T>
struct SimdMicroKernel {
  using V = Vec<Arch, T>;                               ///< one register of W lanes
  static constexpr std::size_t kWidth = V::size;        ///< W
  static constexpr std::size_t kVecs = 2;               ///< registers per row of the block
  static constexpr std::size_t kRows = 6;               ///< MR
  static constexpr std::size_t kCols = kVecs * kWidth;  ///< NR

  /// @brief \f$ C_{blk} \leftarrow \alpha\, acc + \beta C_{blk} \f$ for the full MR × NR block
  /// at `c` (row stride ldc): whole registers, unaligned loads and stores.
  static void write_block(const V (&acc)[kRows][kVecs], T alpha, T beta, T* c, std::size_t ldc) {
    const V alpha_v(alpha);
    const V beta_v(beta);
#pragma GCC unroll 8
    for (std::size_t r = 0; r < kRows; ++r) {
      T* c_row = c + r * ldc;
#pragma GCC unroll 4
      for (std::size_t v = 0; v < kVecs; ++v) {
        V result = alpha_v * acc[r][v];
        if (beta != T(0))
          result = xsimd::fma(beta_v, V::load_unaligned(c_row + v * kWidth), result);
        result.store_unaligned(c_row + v * kWidth);
      }
    }
  }

  /// @brief The micro-kernel (see packed::gemm for the arguments): op(A) through `panel_a`
  /// (packed or in place), `b` the packed micro-panel [depth, NR], 64-byte aligned; the block of
  /// C is rows × cols.
  static void run(std::size_t depth, const packed::PanelA<T>& panel_a, const T* b, T alpha, T beta,
                  T* c, std::size_t ldc, std::size_t rows, std::size_t cols) {
    const T* a_row[kRows];  // row r of op(A); rows past the edge repeat row 0 (never stored)
#pragma GCC unroll 8
    for (std::size_t r = 0; r < kRows; ++r) {
      a_row[r] = panel_a.a + (r < rows ? r : 0) * panel_a.row_step;
    }
    const std::size_t depth_step = panel_a.depth_step;
    V acc[kRows][kVecs];  // the MR × NR block of C, in registers
#pragma GCC unroll 8
    for (std::size_t r = 0; r < kRows; ++r) {
#pragma GCC unroll 4
      for (std::size_t v = 0; v < kVecs; ++v) acc[r][v] = V(T(0));
    }
    // Ask for the block of C now, so that it is in cache by the time we write it.
#pragma GCC unroll 8
    for (std::size_t r = 0; r < kRows; ++r) {
      if (r < rows) __builtin_prefetch(c + r * ldc, 1);
    }

    std::size_t offset = 0;  // p * depth_step
#pragma GCC unroll 4
    for (std::size_t p = 0; p < depth; ++p) {
      V b_row[kVecs];  // op(B)[p, j0 .. j0+NR-1]
#pragma GCC unroll 4
      for (std::size_t v = 0; v < kVecs; ++v) b_row[v] = V::load_aligned(b + v * kWidth);
#pragma GCC unroll 8
      for (std::size_t r = 0; r < kRows; ++r) {
        const V a_rp(a_row[r][offset]);  // op(A)[i0 + r, p], in every lane
#pragma GCC unroll 4
        for (std::size_t v = 0; v < kVecs; ++v) acc[r][v] = xsimd::fma(a_rp, b_row[v], acc[r][v]);
      }
      offset += depth_step;
      b += kCols;
    }

    if (rows == kRows && cols == kCols) {
      write_block(acc, alpha, beta, c, ldc);
      return;
    }
    // An edge block: run the same write-back on a copy of the block, then copy back the part
    // that exists. (Same arithmetic as a full block, so the results do not depend on where the
    // edges fall.)
    alignas(Arch::alignment()) T block[kRows * kCols] = {};
    if (beta != T(0)) {  // (with beta = 0 the old C is not read: it may hold NaN)
      for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t j = 0; j < cols; ++j) block[r * kCols + j] = c[r * ldc + j];
      }
    }
    write_block(acc, alpha, beta, block, kCols);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t j = 0; j < cols; ++j) c[r * ldc + j] = block[r * kCols + j];
    }
  }
};

/// @brief \f$ C \leftarrow \alpha\, \mathrm{op}(A)\, \mathrm{op}(B) + \beta C \f$: the packed
/// GEMM of gemm_packed.h with this instruction set's micro-kernel (KernelTable::gemm).
template <class Arch, class T>
void gemm(bool trans_a, bool trans_b, std::size_t M, std::size_t N, std::size_t K, T alpha,
          const T* A, std::size_t lda, const T* B, std::size_t ldb, T beta, T* C, std::size_t ldc) {
  packed::gemm<SimdMicroKernel<Arch, T>>(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C,
                                         ldc);
}

}  // namespace
}  // namespace knob::kernels::simd
