// Autograder of ex28_gemm_packing. Two references from knob:
//  - the packed layout: knob's own packing routines, packed::pack_a<MR> and packed::pack_b<NR>
//    (autograd/kernels/gemm_packed.h), which write the layout the task header documents; the
//    student's packed block must equal theirs exactly, padding zeros included, and nothing
//    after the block may be written;
//  - the product: the textbook GEMM scalar::gemm. The blocked driver adds the K products of an
//    element in slices of KC, so its sum is rounded in another order than the reference's
//    single loop: the comparison allows the rounding error bound of a sum of K terms, twice
//    over, 2 (K + 2) eps Σ_p |op(A)_ip B_pj|, element by element (as tests/kernels/
//    test_gemm_packed.cpp does). A missing, repeated or misplaced product is far outside it.
#include "exercises/common/grader.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/kernels/gemm_packed.h"
#include "autograd/kernels/scalar_kernels.h"
#include "autograd/random.h"
#include "exercises/ex28_gemm_packing/gemm_packing.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex28_gemm_packing";
constexpr float kSentinel = -7777.0f;  // what the buffers hold where nothing may be written
constexpr std::size_t kGuard = 32;     // sentinel values after a packed block

/// A failure with `message` when `failed`, else a success (so that gtest prints the message
/// first, not the compared expressions).
::testing::AssertionResult passes_unless(bool failed, const std::string& message) {
  if (!failed) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << message;
}

std::vector<float> random_values(std::size_t n, std::uint64_t seed) {
  Generator gen(seed);
  std::vector<float> values(n);
  for (float& x : values) x = static_cast<float>(gen.normal());
  return values;
}

/// Compares a packed buffer with knob's, value by value, exactly; then checks the guard.
::testing::AssertionResult packed_match(const std::string& what, const std::vector<float>& got,
                                        const std::vector<float>& want, std::size_t size,
                                        std::size_t width, std::size_t depth, const char* line_name,
                                        const char* width_name) {
  for (std::size_t at = 0; at < size; ++at) {
    if (got[at] == want[at]) continue;
    const std::size_t panel = at / (depth * width);
    const std::size_t step = at % (depth * width) / width;
    const std::size_t line = at % width;
    std::ostringstream out;
    out << what << ": packed[" << at << "] (micro-panel " << panel << ", step " << step << ", "
        << line_name << " " << line << " of the panel, i.e. " << line_name << " "
        << panel * width + line << " of the block) is " << got[at] << ", expected " << want[at];
    if (got[at] == kSentinel) out << " (it was never written)";
    out << ".\n  Hint: ";
    if (want[at] == 0.0f && got[at] != 0.0f) {
      out << "this " << line_name << " lies past the block's edge: the last micro-panel is "
          << "filled up with zeros (and only the block's own " << line_name << "s are copied)";
    } else {
      out << "micro-panel q starts at packed + q*depth*" << width_name << "; inside it, step p "
          << "holds its " << width_name << " = " << width << " values one after the other";
    }
    return ::testing::AssertionFailure() << out.str();
  }
  for (std::size_t at = size; at < got.size(); ++at) {
    if (got[at] != kSentinel) {
      return ::testing::AssertionFailure()
             << what << ": packed[" << at << "] was written, but the block ends at packed["
             << size - 1 << "] (ceil(" << line_name << "s / " << width << ") micro-panels of "
             << depth << " x " << width << " values).";
    }
  }
  return ::testing::AssertionSuccess();
}

/// Pack op(A)[i0 : i0+rows, p0 : p0+depth] of a stored [a_rows, a_cols] A with the student's
/// pack_a_block and with knob's pack_a, and compare.
void check_pack_a(bool trans_a, std::size_t a_rows, std::size_t a_cols, std::size_t i0,
                  std::size_t rows, std::size_t p0, std::size_t depth, std::uint64_t seed) {
  const std::size_t lda = a_cols + 3;
  // One more row than A has, so that a read just past the block's edge stays in the buffer.
  const std::vector<float> A = random_values((a_rows + 1) * lda, seed);
  const std::size_t size = (rows + kPackRows - 1) / kPackRows * kPackRows * depth;
  std::vector<float> want(size, 0.0f);
  kernels::packed::pack_a<kPackRows>(trans_a, A.data(), lda, i0, rows, p0, depth, want.data());
  std::vector<float> got(size + kGuard, kSentinel);
  std::ostringstream what;
  what << "pack_a_block(trans_a = " << (trans_a ? "true" : "false") << ", A stored [" << a_rows
       << ", " << a_cols << "], lda = " << lda << ", i0 = " << i0 << ", rows = " << rows
       << ", p0 = " << p0 << ", depth = " << depth << "; MR = " << kPackRows << ")";
  ASSERT_TRUE(runs_without_error(kId, [&] {
    pack_a_block(trans_a, A.data(), lda, i0, rows, p0, depth, got.data());
  })) << what.str();
  EXPECT_TRUE(packed_match(what.str(), got, want, size, kPackRows, depth, "row", "MR"));
}

/// Pack B[p0 : p0+depth, j0 : j0+cols] of a [b_rows, b_cols] B both ways and compare.
void check_pack_b(std::size_t b_rows, std::size_t b_cols, std::size_t p0, std::size_t depth,
                  std::size_t j0, std::size_t cols, std::uint64_t seed) {
  const std::size_t ldb = b_cols + 2;
  const std::vector<float> B = random_values((b_rows + 1) * ldb, seed);
  const std::size_t size = (cols + kPackCols - 1) / kPackCols * kPackCols * depth;
  std::vector<float> want(size, 0.0f);
  kernels::packed::pack_b<kPackCols>(false, B.data(), ldb, p0, depth, j0, cols, want.data());
  std::vector<float> got(size + kGuard, kSentinel);
  std::ostringstream what;
  what << "pack_b_block(B [" << b_rows << ", " << b_cols << "], ldb = " << ldb << ", p0 = " << p0
       << ", depth = " << depth << ", j0 = " << j0 << ", cols = " << cols << "; NR = " << kPackCols
       << ")";
  ASSERT_TRUE(runs_without_error(kId, [&] {
    pack_b_block(B.data(), ldb, p0, depth, j0, cols, got.data());
  })) << what.str();
  EXPECT_TRUE(packed_match(what.str(), got, want, size, kPackCols, depth, "column", "NR"));
}

/// C = op(A) B with the student's gemm_blocked against scalar::gemm, within the error bound;
/// C's old values are NaN (they must not be read), its padding columns (ldc = N + 3) and the
/// rows after it hold the sentinel and must keep it.
void check_gemm(bool trans_a, std::size_t M, std::size_t N, std::size_t K, std::uint64_t seed) {
  const std::size_t a_rows = trans_a ? K : M;
  const std::size_t lda = (trans_a ? M : K) + 3;
  const std::size_t ldb = N + 2;
  const std::size_t ldc = N + 3;
  // One more row of A and B than the matrices have, so that a read just past the edge stays
  // inside the buffer.
  const std::vector<float> A = random_values((a_rows + 1) * lda, seed);
  const std::vector<float> B = random_values((K + 1) * ldb, seed + 1);
  std::vector<float> C((M + kPackRows) * ldc, kSentinel);
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t j = 0; j < N; ++j) C[i * ldc + j] = std::numeric_limits<float>::quiet_NaN();
  }
  std::vector<float> want = C;
  kernels::scalar::gemm<float>(trans_a, false, M, N, K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f,
                               want.data(), ldc);
  std::vector<float> abs_a = A;
  std::vector<float> abs_b = B;
  for (float& x : abs_a) x = std::fabs(x);
  for (float& x : abs_b) x = std::fabs(x);
  std::vector<float> magnitude = C;  // Σ_p |op(A)_ip B_pj|: the same loop on absolute values
  kernels::scalar::gemm<float>(trans_a, false, M, N, K, 1.0f, abs_a.data(), lda, abs_b.data(), ldb,
                               0.0f, magnitude.data(), ldc);
  const double eps = std::numeric_limits<float>::epsilon();

  std::ostringstream what;
  what << "gemm_blocked(trans_a = " << (trans_a ? "true" : "false") << "): C [" << M << ", " << N
       << "] = op(A) [" << M << ", " << K << "] (A stored [" << a_rows << ", " << (trans_a ? M : K)
       << "]) times B [" << K << ", " << N << "] (MR x NR = " << kPackRows << " x " << kPackCols
       << ", MC = " << kBlockRows << ", KC = " << kBlockDepth << ", NC = " << kBlockCols
       << ", ldc = " << ldc << ")";
  std::vector<float> got = C;
  ASSERT_TRUE(runs_without_error(kId, [&] {
    gemm_blocked(trans_a, M, N, K, A.data(), lda, B.data(), ldb, got.data(), ldc);
  })) << what.str();

  std::size_t wrong = 0;
  std::ostringstream first;
  for (std::size_t i = 0; i < M; ++i) {
    for (std::size_t j = 0; j < N; ++j) {
      const std::size_t at = i * ldc + j;
      const double allowed = 2.0 * static_cast<double>(K + 2) * eps * magnitude[at];
      const double diff = std::fabs(static_cast<double>(got[at]) - want[at]);
      if (diff <= allowed) continue;  // (NaN fails here too)
      if (wrong++ == 0) {
        first.precision(10);
        first << "C[" << i << "][" << j << "] (row block " << i / kBlockRows << ", column block "
              << j / kBlockCols << ", micro-block row " << i % kBlockRows / kPackRows << " column "
              << j % kBlockCols / kPackCols << "): expected " << want[at] << ", got " << got[at]
              << " (|difference| " << diff << ", allowed " << allowed << ")";
      }
    }
  }
  std::ostringstream product_message;
  product_message << what.str() << ": " << wrong << " of " << M * N
                  << " elements are wrong; the first is " << first.str()
                  << ".\n  Hint: C starts at 0 (its old values are NaN here); each block of KC "
                     "steps adds its part onto C; the micro-panel of block row ir starts at "
                     "packed_a + ir*kc and of block column jr at packed_b + jr*kc; at the edges "
                     "pass the rows and columns that exist.";
  EXPECT_TRUE(passes_unless(wrong > 0, product_message.str()));

  // Nothing outside C: the padding columns of each row, and the rows after the last.
  for (std::size_t at = 0; at < got.size(); ++at) {
    const std::size_t i = at / ldc;
    const std::size_t j = at % ldc;
    if ((i < M && j < N) || got[at] == kSentinel) continue;
    std::ostringstream message;
    message << what.str() << ": C[" << i << "][" << j << "] was written (now " << got[at]
            << "), but it is outside the " << M << " x " << N
            << " matrix C (row stride ldc = " << ldc
            << ").\n  Hint: only C's M x N elements are yours; the ldc - N values after each "
               "row belong to someone else, also when you set C to zero, and a block at the "
               "bottom or right edge is smaller than MR x NR.";
    ASSERT_TRUE(passes_unless(true, message.str()));
  }
}

// ---- the packed layout ----

TEST(GemmPacking, PackAWithAPartialLastPanel) {
  check_pack_a(false, 14, 8, 2, 2 * kPackRows + 1, 1, 5, 1);  // the row after the block exists
  check_pack_a(false, 12, 9, 3, kPackRows + 2, 0, 9, 2);
}

TEST(GemmPacking, PackAWholePanelsAndOneRow) {
  check_pack_a(false, 8, 8, 0, kPackRows, 0, 8, 3);  // square, one whole panel
  check_pack_a(false, 5, 6, 4, 1, 2, 3, 4);          // one row: 1 value and MR - 1 zeros a step
  check_pack_a(false, 1, 1, 0, 1, 0, 1, 5);          // a 1 x 1 matrix
}

TEST(GemmPacking, PackATransposed) {
  check_pack_a(true, 9, 10, 1, kPackRows + 2, 2, 4, 6);  // A stored [K, M] = [9, 10]
  check_pack_a(true, 6, 6, 0, 2 * kPackRows, 0, 6, 7);
}

TEST(GemmPacking, PackBWithAPartialLastPanel) {
  check_pack_b(10, 15, 1, 6, 2, 2 * kPackCols + 1, 8);  // the column after the block exists
  check_pack_b(7, 12, 0, 7, 5, kPackCols + 3, 9);
}

TEST(GemmPacking, PackBWholePanelsAndOneColumn) {
  check_pack_b(8, 8, 0, 8, 0, 2 * kPackCols, 10);  // square, two whole panels
  check_pack_b(4, 6, 1, 1, 3, 1, 11);              // one step, one column
  check_pack_b(1, 1, 0, 1, 0, 1, 12);              // a 1 x 1 matrix
}

// ---- the blocked product ----

TEST(GemmBlocked, OneByOneByOne) { check_gemm(false, 1, 1, 1, 20); }

TEST(GemmBlocked, RowsNotAMultipleOfMR) {
  check_gemm(false, kPackRows + 3, 2 * kPackCols, 5, 21);
  check_gemm(false, kBlockRows + 1, kPackCols, 9, 22);  // a second row block of one row
}

TEST(GemmBlocked, ColumnsNotAMultipleOfNR) {
  check_gemm(false, 2 * kPackRows, kPackCols + 2, 5, 23);
  check_gemm(false, 3, kBlockCols + 1, 7, 24);  // a second column block of one column
}

TEST(GemmBlocked, DepthOne) {
  check_gemm(false, 5, 9, 1, 25);
  check_gemm(true, 6, 3, 1, 26);
}

TEST(GemmBlocked, DepthZeroGivesZero) { check_gemm(false, 3, 5, 0, 27); }

TEST(GemmBlocked, Square) {
  check_gemm(false, 16, 16, 16, 28);
  check_gemm(false, 33, 33, 33, 29);  // several blocks of every kind, all with edges
}

TEST(GemmBlocked, TransposedA) {
  check_gemm(true, 13, 13, 13, 30);
  check_gemm(true, 19, 29, 37, 31);
}

TEST(GemmBlocked, SeveralBlocksOfEverySize) {
  check_gemm(false, 19, 29, 37, 32);              // MC, NC and KC all cut with a remainder
  check_gemm(false, 1, 40, 2 * kBlockDepth, 33);  // one row, K two whole slices
}

}  // namespace
}  // namespace knob::exercises
