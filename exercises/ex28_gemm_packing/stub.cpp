// ex28_gemm_packing — YOUR VERSION: the two packing routines and the blocked driver.
#include "exercises/common/todo.h"
#include "exercises/ex28_gemm_packing/gemm_packing.h"

namespace knob::exercises {

void pack_a_block(bool trans_a, const float* A, std::size_t lda, std::size_t i0, std::size_t rows,
                  std::size_t p0, std::size_t depth, float* packed) {
  (void)trans_a;
  (void)A;
  (void)lda;
  (void)i0;
  (void)rows;
  (void)p0;
  (void)depth;
  (void)packed;
  todo("ex28_gemm_packing", "pack a block of op(A) into micro-panels of kPackRows rows");
}

void pack_b_block(const float* B, std::size_t ldb, std::size_t p0, std::size_t depth,
                  std::size_t j0, std::size_t cols, float* packed) {
  (void)B;
  (void)ldb;
  (void)p0;
  (void)depth;
  (void)j0;
  (void)cols;
  (void)packed;
  todo("ex28_gemm_packing", "pack a block of B into micro-panels of kPackCols columns");
}

void gemm_blocked(bool trans_a, std::size_t M, std::size_t N, std::size_t K, const float* A,
                  std::size_t lda, const float* B, std::size_t ldb, float* C, std::size_t ldc) {
  // Buffers for one packed block each: kBlockRows x kBlockDepth and kBlockDepth x kBlockCols.
  (void)trans_a;
  (void)M;
  (void)N;
  (void)K;
  (void)A;
  (void)lda;
  (void)B;
  (void)ldb;
  (void)C;
  (void)ldc;
  todo("ex28_gemm_packing", "C = op(A) B: loop over the blocks, pack them, call micro_kernel");
}

}  // namespace knob::exercises
