/// @file
/// @brief Exercise ex28 (lesson 11): packing the blocks of A and B for the micro-kernel, and the
/// blocked GEMM driver around a given micro-kernel.
///
/// Lesson 11, section 5: the driver cuts the product into blocks, copies (*packs*) each block of
/// op(A) and of B into the order in which the micro-kernel reads them, and calls the
/// micro-kernel once per MR × NR block of C. You write the two packing routines and the driver;
/// the micro-kernel is given (micro_kernel() below: knob's plain C++ 4 × 4 kernel). You may read
/// knob's own driver (autograd/kernels/gemm_packed.h) but not call its functions.
///
/// All matrices are float and row-major with a leading dimension (the distance between two
/// rows): element (i, j) of a matrix X with leading dimension ldx is `X[i * ldx + j]`.
#pragma once

#include <cstddef>

#include "autograd/kernels/gemm_packed.h"

namespace knob::exercises {

/// MR: the rows of C the micro-kernel computes at once (the height of an A micro-panel).
inline constexpr std::size_t kPackRows = kernels::packed::ScalarMicroKernel<float>::kRows;
/// NR: the columns of C the micro-kernel computes at once (the width of a B micro-panel).
inline constexpr std::size_t kPackCols = kernels::packed::ScalarMicroKernel<float>::kCols;

/// MC: rows of op(A) per packed block (a multiple of MR). Tiny, so that small test matrices
/// already need several blocks; knob's driver uses hundreds.
inline constexpr std::size_t kBlockRows = 2 * kPackRows;
/// KC: steps of the inner dimension per packed block.
inline constexpr std::size_t kBlockDepth = 16;
/// NC: columns of B per packed block (a multiple of NR).
inline constexpr std::size_t kBlockCols = 3 * kPackCols;

/// @brief The given micro-kernel: for r < rows and j < cols,
/// \f$ C_{rj} \mathrel{+}= \sum_{p < depth} a_{p\,MR + r}\, b_{p\,NR + j} \f$.
///
/// `a_panel` is one packed A micro-panel (depth steps of MR values), `b_panel` one packed B
/// micro-panel (depth steps of NR values), `c` the top-left element of the block of C. Only the
/// `rows` × `cols` part of the block is written (rows ≤ MR, cols ≤ NR: smaller at the bottom and
/// right edges of C); the padding of the panels is read but never lands in C.
/// @param depth the steps p in both panels
/// @param a_panel the A micro-panel, depth · MR values
/// @param b_panel the B micro-panel, depth · NR values
/// @param c the block of C, updated in place
/// @param ldc the leading dimension of C
/// @param rows the rows of the block that exist in C, 1 to MR
/// @param cols the columns of the block that exist in C, 1 to NR
inline void micro_kernel(std::size_t depth, const float* a_panel, const float* b_panel, float* c,
                         std::size_t ldc, std::size_t rows, std::size_t cols) {
  const kernels::packed::PanelA<float> panel{a_panel, 1, kPackRows};  // packed: rows 1 apart
  kernels::packed::ScalarMicroKernel<float>::run(depth, panel, b_panel, 1.0f, 1.0f, c, ldc, rows,
                                                 cols);
}

/// @brief Pack the block op(A)[i0 : i0+rows, p0 : p0+depth] into micro-panels of MR rows.
///
/// op(A) is [M, K]: op(A)(i, p) is A(i, p) when `trans_a` is false (A stored [M, K]), and
/// A(p, i) when it is true (A stored [K, M]); `lda` is the leading dimension of A as stored.
///
/// The layout of `packed` (the one the micro-kernel reads):
///  - the block's rows are cut into ceil(rows / MR) micro-panels: micro-panel q holds the block
///    rows q·MR … q·MR + MR − 1, and starts at `packed + q * depth * MR`;
///  - inside a micro-panel, step p comes after step p − 1, and a step is the MR values of that
///    step's column, row after row (the order in which the micro-kernel reads its `a_panel`);
///  - rows past the end of the block (in the last micro-panel, when MR does not divide `rows`)
///    are zeros.
///
/// Every one of the ceil(rows / MR) · MR · depth values is written; nothing after them.
/// @param trans_a whether A is stored transposed ([K, M])
/// @param A the matrix as stored
/// @param lda its leading dimension
/// @param i0 the first row of op(A) in the block
/// @param rows the rows of the block, at least 1
/// @param p0 the first column of op(A) (step of the inner dimension) in the block
/// @param depth the columns of the block, at least 1
/// @param packed where the micro-panels go
void pack_a_block(bool trans_a, const float* A, std::size_t lda, std::size_t i0, std::size_t rows,
                  std::size_t p0, std::size_t depth, float* packed);

/// @brief Pack the block B[p0 : p0+depth, j0 : j0+cols] (B stored [K, N]) into micro-panels of
/// NR columns.
///
/// The layout of `packed`:
///  - the block's columns are cut into ceil(cols / NR) micro-panels: micro-panel q holds the
///    block columns q·NR … q·NR + NR − 1, and starts at `packed + q * depth * NR`;
///  - inside a micro-panel, step p comes after step p − 1, and a step is the NR values of that
///    step's row, column after column (the order in which the micro-kernel reads its `b_panel`);
///  - columns past the end of the block (in the last micro-panel) are zeros.
///
/// Every one of the ceil(cols / NR) · NR · depth values is written; nothing after them.
/// @param B the matrix, [K, N]
/// @param ldb its leading dimension
/// @param p0 the first row of B in the block
/// @param depth the rows of the block, at least 1
/// @param j0 the first column of B in the block
/// @param cols the columns of the block, at least 1
/// @param packed where the micro-panels go
void pack_b_block(const float* B, std::size_t ldb, std::size_t p0, std::size_t depth,
                  std::size_t j0, std::size_t cols, float* packed);

/// @brief \f$ C \leftarrow \mathrm{op}(A)\, B \f$ (op(A) is [M, K], B is [K, N], C is [M, N]),
/// blocked and packed as in lesson 11, section 5.
///
/// Loop over blocks of NC columns of B and C, KC steps of the inner dimension and MC rows of
/// op(A) and C (kBlockCols, kBlockDepth, kBlockRows); pack each block of B and of op(A) with
/// the functions above, and let micro_kernel() add each micro-panel product onto its MR × NR
/// block of C. The blocks at the bottom, right and far end of the inner dimension may be
/// smaller; the micro-kernel's `rows` and `cols` say how much of a block of C exists.
///
/// The old values of C are not read (they may be NaN): C's M × N elements are overwritten. Only
/// those are written: the `ldc - N` values after each row of C are someone else's. M, N or K
/// may be 0 (K = 0: C becomes 0). Use the micro-kernel given above; do not call knob's GEMM.
/// @param trans_a whether A is stored transposed ([K, M] instead of [M, K])
/// @param M the rows of op(A) and C
/// @param N the columns of B and C
/// @param K the columns of op(A), the rows of B
/// @param A the matrix as stored
/// @param lda its leading dimension
/// @param B the matrix [K, N]
/// @param ldb its leading dimension
/// @param C the result [M, N], overwritten
/// @param ldc its leading dimension
void gemm_blocked(bool trans_a, std::size_t M, std::size_t N, std::size_t K, const float* A,
                  std::size_t lda, const float* B, std::size_t ldb, float* C, std::size_t ldc);

}  // namespace knob::exercises
