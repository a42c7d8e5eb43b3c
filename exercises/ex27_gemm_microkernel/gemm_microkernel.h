/// @file
/// @brief Exercise ex27 (lesson 11): the register-blocked GEMM micro-kernel, written with xsimd.
///
/// The micro-kernel is the innermost step of a packed GEMM (autograd/kernels/gemm_packed.h): it
/// multiplies one packed micro-panel of A by one packed micro-panel of B and adds the product
/// onto a small block of C that it keeps in registers for the whole sum.
///
/// The block is MR × NR:
///  - MR = 6 rows (kMicroRows);
///  - NR = 2 registers of `xsimd::batch<T>` (kMicroCols<T>), so 2·W columns for W lanes per
///    register: with SSE2, W = 4 floats or 2 doubles and the block is 6 × 8 floats or 6 × 4
///    doubles; with AVX2 it is 6 × 16 floats or 6 × 8 doubles.
/// That is MR × 2 = 12 registers of accumulators, the same shape as knob's own micro-kernel
/// (gemm_simd.h), which you may read but not call.
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>

namespace knob::exercises {

/// MR: the rows of C in one register block.
inline constexpr std::size_t kMicroRows = 6;
/// How many `xsimd::batch<T>` registers one row of the block spans.
inline constexpr std::size_t kMicroVecs = 2;
/// NR for element type T: the columns of C in one register block, 2 registers of W lanes
/// (W = `xsimd::batch<T>::size` for the instruction set this file is compiled for).
template <class T>
inline constexpr std::size_t kMicroCols = kMicroVecs* xsimd::batch<T>::size;

/// @brief The micro-kernel: \f$ C_{rc} \mathrel{+}= \sum_{p=0}^{k-1} a_{p\,MR + r}\, b_{p\,NR + c}
/// \f$ for every r < MR and c < NR.
///
/// The panels are packed the way knob's driver packs them (lesson 11, section 5):
///  - `a_panel` holds k steps of MR values of A, step after step: the value for row r and step
///    p is `a_panel[p * MR + r]` (k · MR values in all);
///  - `b_panel` holds k steps of NR values of B, step after step: the value for column c and
///    step p is `b_panel[p * NR + c]` (k · NR values in all).
///
/// C is row-major with leading dimension `ldc` ≥ NR: element (r, c) is `c[r * ldc + c]`. The
/// sum is *added* onto what C holds. Only the MR × NR block may be written: the `ldc - NR`
/// values after each row of the block belong to someone else and must stay as they are.
///
/// Write it with xsimd: keep the whole block in MR × 2 `xsimd::batch<T>` accumulators while p
/// runs, and touch C only before or after the loop over p. No pointer is necessarily aligned
/// (use the unaligned loads and stores). k may be 0 (C unchanged). The order in which you add
/// the k products is yours: the grader accepts any order, within the rounding error bound of a
/// sum of k + 1 terms.
/// @param k the depth: how many steps p the panels hold (any value, including 0)
/// @param a_panel the packed A micro-panel, k · MR values
/// @param b_panel the packed B micro-panel, k · NR values
/// @param c the top-left element of the block of C, updated in place
/// @param ldc the distance between two rows of C, at least NR
void gemm_micro_kernel(std::size_t k, const float* a_panel, const float* b_panel, float* c,
                       std::size_t ldc);

/// @brief The double-precision twin of the float micro-kernel (NR is half as wide in columns:
/// a register holds half as many doubles).
/// @param k the depth
/// @param a_panel the packed A micro-panel, k · MR values
/// @param b_panel the packed B micro-panel, k · NR values
/// @param c the top-left element of the block of C, updated in place
/// @param ldc the distance between two rows of C, at least NR
void gemm_micro_kernel(std::size_t k, const double* a_panel, const double* b_panel, double* c,
                       std::size_t ldc);

}  // namespace knob::exercises
