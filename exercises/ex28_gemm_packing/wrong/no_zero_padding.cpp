// WRONG (no padding): the rows and columns past the block's edge are skipped instead of set to
// zero, so the last micro-panel keeps whatever the buffer held there.
#include <algorithm>
#include <vector>

#include "exercises/ex28_gemm_packing/gemm_packing.h"

namespace knob::exercises {

void pack_a_block(bool trans_a, const float* A, std::size_t lda, std::size_t i0, std::size_t rows,
                  std::size_t p0, std::size_t depth, float* packed) {
  const std::size_t panels = (rows + kPackRows - 1) / kPackRows;
  for (std::size_t q = 0; q < panels; ++q) {
    float* panel = packed + q * depth * kPackRows;  // [depth, MR]
    for (std::size_t p = 0; p < depth; ++p) {
      for (std::size_t r = 0; r < kPackRows; ++r) {
        const std::size_t row = q * kPackRows + r;  // row of the block
        if (row >= rows) continue;                  // past the block's edge: nothing to copy
        const std::size_t i = i0 + row;             // row of op(A)
        const std::size_t k = p0 + p;               // column of op(A)
        panel[p * kPackRows + r] = trans_a ? A[k * lda + i] : A[i * lda + k];
      }
    }
  }
}

void pack_b_block(const float* B, std::size_t ldb, std::size_t p0, std::size_t depth,
                  std::size_t j0, std::size_t cols, float* packed) {
  const std::size_t panels = (cols + kPackCols - 1) / kPackCols;
  for (std::size_t q = 0; q < panels; ++q) {
    float* panel = packed + q * depth * kPackCols;  // [depth, NR]
    for (std::size_t p = 0; p < depth; ++p) {
      const float* b_row = B + (p0 + p) * ldb + j0;
      for (std::size_t c = 0; c < kPackCols; ++c) {
        const std::size_t col = q * kPackCols + c;  // column of the block
        if (col < cols) panel[p * kPackCols + c] = b_row[col];
      }
    }
  }
}

void gemm_blocked(bool trans_a, std::size_t M, std::size_t N, std::size_t K, const float* A,
                  std::size_t lda, const float* B, std::size_t ldb, float* C, std::size_t ldc) {
  // The micro-kernel adds: start from C = 0 (the M x N part only).
  for (std::size_t i = 0; i < M; ++i) std::fill(C + i * ldc, C + i * ldc + N, 0.0f);
  if (M == 0 || N == 0 || K == 0) return;
  std::vector<float> packed_a(kBlockRows * kBlockDepth);  // one block of op(A), MR-row panels
  std::vector<float> packed_b(kBlockDepth * kBlockCols);  // one block of B, NR-column panels
  for (std::size_t jc = 0; jc < N; jc += kBlockCols) {
    const std::size_t nc = std::min(kBlockCols, N - jc);
    for (std::size_t pc = 0; pc < K; pc += kBlockDepth) {
      const std::size_t kc = std::min(kBlockDepth, K - pc);
      pack_b_block(B, ldb, pc, kc, jc, nc, packed_b.data());
      for (std::size_t ic = 0; ic < M; ic += kBlockRows) {
        const std::size_t mc = std::min(kBlockRows, M - ic);
        pack_a_block(trans_a, A, lda, ic, mc, pc, kc, packed_a.data());
        for (std::size_t jr = 0; jr < nc; jr += kPackCols) {
          const std::size_t cols = std::min(kPackCols, nc - jr);
          for (std::size_t ir = 0; ir < mc; ir += kPackRows) {
            const std::size_t rows = std::min(kPackRows, mc - ir);
            // Panel ir / MR of packed_a and panel jr / NR of packed_b, each kc steps deep.
            micro_kernel(kc, packed_a.data() + ir * kc, packed_b.data() + jr * kc,
                         C + (ic + ir) * ldc + jc + jr, ldc, rows, cols);
          }
        }
      }
    }
  }
}

}  // namespace knob::exercises
