// The packed, cache-blocked GEMM (autograd/kernels/gemm_packed.h, gemm_simd.h) of every available
// instruction set, float and double, against the naive triple loop scalar::gemm:
//  - all four layouts (A·B, A·Bᵀ, Aᵀ·B, Aᵀ·Bᵀ), with leading dimensions wider than the matrices;
//  - sizes on both sides of every block edge: the micro-kernel's MR and NR, the cache blocks
//    MC, KC and NC (so the edge micro-panels, several K slices and several column blocks all run);
//  - alpha and beta, including beta = 0 over a C full of NaN (the old C must not be read);
//  - determinism: computing C in pieces of rows (as matmul's threads do) gives the same bits;
//  - the packing routines on their own, and the scratch buffer that must stop growing.
// Tolerance: the error bound of a length-K sum, 2 (K+2) eps (|alpha| Σ_p |a_ip b_pj| + |beta
// c_ij|).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/kernels/gemm_packed.h"
#include "autograd/kernels/gemm_workspace.h"
#include "autograd/kernels/kernels.h"
#include "autograd/kernels/scalar_kernels.h"

namespace knob::kernels {
namespace {

/// Deterministic values in [-1, 1) (a small LCG: the same numbers on every platform).
template <class T>
std::vector<T> random_values(std::size_t n, std::uint64_t seed) {
  std::vector<T> v(n);
  std::uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (T& x : v) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    x = static_cast<T>(-1.0 + 2.0 * static_cast<double>(state >> 11) * 0x1.0p-53);
  }
  return v;
}

/// One GEMM problem: sizes, layout, scaling and padded leading dimensions.
struct Problem {
  bool trans_a = false;
  bool trans_b = false;
  std::size_t M = 0, N = 0, K = 0;
  double alpha = 1, beta = 0;

  std::size_t lda() const { return (trans_a ? M : K) + 3; }  // stored A: [M,K] or [K,M]
  std::size_t ldb() const { return (trans_b ? K : N) + 2; }  // stored B: [K,N] or [N,K]
  std::size_t ldc() const { return N + 5; }
  std::size_t a_rows() const { return trans_a ? K : M; }
  std::size_t b_rows() const { return trans_b ? N : K; }

  std::string str() const {
    std::ostringstream out;
    out << (trans_a ? "Aᵀ" : "A") << "·" << (trans_b ? "Bᵀ" : "B") << " M=" << M << " N=" << N
        << " K=" << K << " alpha=" << alpha << " beta=" << beta;
    return out.str();
  }
};

/// Runs `gemm` (a KernelTable entry or packed::gemm_scalar) on `problem` and compares it with
/// scalar::gemm element by element; the padding columns of C must stay untouched.
template <class T, class Gemm>
void check_against_reference(const std::string& who, const Problem& pr, Gemm gemm,
                             std::uint64_t seed) {
  const std::vector<T> A = random_values<T>(pr.a_rows() * pr.lda(), seed);
  const std::vector<T> B = random_values<T>(pr.b_rows() * pr.ldb(), seed + 1);
  std::vector<T> C0 = random_values<T>(pr.M * pr.ldc(), seed + 2);
  if (pr.beta == 0) {  // beta = 0: C is not read, so NaN there must not leak into the result
    for (std::size_t i = 0; i < pr.M; ++i) {
      for (std::size_t j = 0; j < pr.N; ++j)
        C0[i * pr.ldc() + j] = std::numeric_limits<T>::quiet_NaN();
    }
  }
  std::vector<T> got = C0;
  std::vector<T> want = C0;
  gemm(pr.trans_a, pr.trans_b, pr.M, pr.N, pr.K, T(pr.alpha), A.data(), pr.lda(), B.data(),
       pr.ldb(), T(pr.beta), got.data(), pr.ldc());
  scalar::gemm<T>(pr.trans_a, pr.trans_b, pr.M, pr.N, pr.K, T(pr.alpha), A.data(), pr.lda(),
                  B.data(), pr.ldb(), T(pr.beta), want.data(), pr.ldc());

  const double eps = std::numeric_limits<T>::epsilon();
  std::size_t bad = 0;
  std::string first;
  for (std::size_t i = 0; i < pr.M; ++i) {
    for (std::size_t j = 0; j < pr.ldc(); ++j) {
      const std::size_t index = i * pr.ldc() + j;
      double tolerance = 0;  // padding columns: exact (untouched)
      if (j < pr.N) {
        double magnitude = pr.beta == 0 ? 0.0 : std::abs(pr.beta * C0[index]);
        for (std::size_t p = 0; p < pr.K; ++p) {
          const double a = pr.trans_a ? A[p * pr.lda() + i] : A[i * pr.lda() + p];
          const double b = pr.trans_b ? B[j * pr.ldb() + p] : B[p * pr.ldb() + j];
          magnitude += std::abs(pr.alpha * a * b);
        }
        tolerance = 2.0 * double(pr.K + 2) * eps * magnitude;
      }
      const double diff = std::abs(double(got[index]) - double(want[index]));
      if (got[index] == want[index] || diff <= tolerance) continue;
      if (bad++ == 0) {
        std::ostringstream out;
        out << "C[" << i << "," << j << "] = " << got[index] << ", reference " << want[index]
            << " (tolerance " << tolerance << ")";
        first = out.str();
      }
    }
  }
  EXPECT_EQ(bad, 0u) << who << " " << pr.str() << ": " << bad << " elements differ; first "
                     << first;
}

/// Every layout, for the given sizes, with (alpha, beta) = (1, 0) and (0.5, -1.25).
template <class T, class Gemm>
void check_sizes(const std::string& who, const std::vector<std::size_t>& Ms,
                 const std::vector<std::size_t>& Ns, const std::vector<std::size_t>& Ks,
                 Gemm gemm) {
  std::uint64_t seed = 1;
  for (bool trans_a : {false, true}) {
    for (bool trans_b : {false, true}) {
      for (std::size_t M : Ms) {
        for (std::size_t N : Ns) {
          for (std::size_t K : Ks) {
            for (const auto& [alpha, beta] : {std::pair{1.0, 0.0}, std::pair{0.5, -1.25}}) {
              Problem problem{trans_a, trans_b, M, N, K, alpha, beta};
              check_against_reference<T>(who, problem, gemm, seed += 3);
            }
          }
        }
      }
    }
  }
}

/// The name of a table, for messages: "avx2 float".
template <class T>
std::string table_name(Isa isa) {
  return std::string(isa_name(isa)) + (sizeof(T) == 4 ? " float" : " double");
}

class PackedGemm : public ::testing::TestWithParam<Isa> {};

// Small odd sizes around the micro-kernel's block (MR = 6 or 4, NR = 2W or 4).
template <class T>
void check_small(Isa isa) {
  const KernelTable<T>& table = table_for<T>(isa);
  const std::size_t W = table.width;
  const std::vector<std::size_t> sizes = {1, 2, 5, 6, 7, 2 * W - 1, 2 * W + 1, 4 * W + 3};
  check_sizes<T>(table_name<T>(isa), sizes, sizes, {1, 3, 8, 33}, table.gemm);
}
TEST_P(PackedGemm, SmallOddSizesFloat) { check_small<float>(GetParam()); }
TEST_P(PackedGemm, SmallOddSizesDouble) { check_small<double>(GetParam()); }

// Sizes past the cache blocks: M > MC (up to 192 rows), K > KC (up to 512), N > NC (4096).
template <class T>
void check_blocks(Isa isa) {
  const KernelTable<T>& table = table_for<T>(isa);
  const std::string who = table_name<T>(isa);
  check_sizes<T>(who, {197}, {37}, {2, 260, 521}, table.gemm);  // several row blocks, K slices
  check_sizes<T>(who, {7}, {4099, 8200}, {3}, table.gemm);      // several column blocks
  check_sizes<T>(who, {64}, {256}, {64}, table.gemm);           // a transformer's shapes
  // N past 16 NR: op(A) is packed rather than read in place (packed::read_a_in_place); M past
  // 256 also makes a transposed A's rows longer than 1 KiB
  const std::size_t wide = std::max<std::size_t>(32 * table.width + 3, 67);  // scalar NR = 4
  check_sizes<T>(who, {13, 301}, {wide}, {5, 300}, table.gemm);
}
TEST_P(PackedGemm, PastTheCacheBlocksFloat) { check_blocks<float>(GetParam()); }
TEST_P(PackedGemm, PastTheCacheBlocksDouble) { check_blocks<double>(GetParam()); }

// matmul splits the rows (or the columns) of C between threads: C computed in pieces must be
// the same bits as C computed at once, wherever the cuts fall (inside a micro-panel, at a block
// edge, on either side of packed::read_a_in_place's limit).
template <class T>
void check_row_pieces(Isa isa) {
  const KernelTable<T>& table = table_for<T>(isa);
  // N = 45 reads op(A) in place, N = 32 W + 3 packs it (see packed::read_a_in_place)
  for (const std::size_t N : {std::size_t{45}, std::max<std::size_t>(32 * table.width + 3, 67)}) {
    for (bool trans_a : {false, true}) {
      for (bool trans_b : {false, true}) {
        const std::size_t M = 211, K = 300;
        const std::size_t lda = trans_a ? M : K, ldb = trans_b ? K : N;
        const std::vector<T> A = random_values<T>(M * K, 11);
        const std::vector<T> B = random_values<T>(K * N, 12);
        std::vector<T> whole(M * N), pieces(M * N);
        table.gemm(trans_a, trans_b, M, N, K, T(1), A.data(), lda, B.data(), ldb, T(0),
                   whole.data(), N);
        const std::size_t cuts[] = {0, 1, 5, 13, 100, 107, 200, M};
        for (std::size_t c = 0; c + 1 < std::size(cuts); ++c) {
          const std::size_t r0 = cuts[c], r1 = cuts[c + 1];
          const T* a_rows = trans_a ? A.data() + r0 : A.data() + r0 * lda;
          table.gemm(trans_a, trans_b, r1 - r0, N, K, T(1), a_rows, lda, B.data(), ldb, T(0),
                     pieces.data() + r0 * N, N);
        }
        EXPECT_EQ(std::memcmp(whole.data(), pieces.data(), whole.size() * sizeof(T)), 0)
            << table_name<T>(isa) << " trans_a=" << trans_a << " trans_b=" << trans_b << " N=" << N
            << ": rows computed in pieces differ from rows computed at once";
        // and in pieces of columns (matmul splits a wide product that way)
        std::vector<T> column_pieces(M * N);
        const std::size_t column_cuts[] = {0, 3, 17, N / 2, N - 1, N};
        for (std::size_t c = 0; c + 1 < std::size(column_cuts); ++c) {
          const std::size_t c0 = column_cuts[c], c1 = column_cuts[c + 1];
          const T* b_columns = trans_b ? B.data() + c0 * ldb : B.data() + c0;
          table.gemm(trans_a, trans_b, M, c1 - c0, K, T(1), A.data(), lda, b_columns, ldb, T(0),
                     column_pieces.data() + c0, N);
        }
        EXPECT_EQ(std::memcmp(whole.data(), column_pieces.data(), whole.size() * sizeof(T)), 0)
            << table_name<T>(isa) << " trans_a=" << trans_a << " trans_b=" << trans_b << " N=" << N
            << ": columns computed in pieces differ from columns computed at once";
      }
    }
  }
}
TEST_P(PackedGemm, RowPiecesAreBitIdenticalFloat) { check_row_pieces<float>(GetParam()); }
TEST_P(PackedGemm, RowPiecesAreBitIdenticalDouble) { check_row_pieces<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(AllIsas, PackedGemm, ::testing::ValuesIn(available_isas()),
                         [](const auto& info) { return std::string(isa_name(info.param)); });

// The plain C++ twin of the micro-kernel, called directly (it is also the scalar table's gemm).
TEST(PackedGemmScalarTwin, MatchesTheNaiveLoop) {
  check_sizes<float>("packed::gemm_scalar float", {1, 4, 9, 130}, {1, 4, 11}, {1, 7, 600},
                     packed::gemm_scalar<float>);
  check_sizes<double>("packed::gemm_scalar double", {1, 4, 9, 130}, {1, 4, 11}, {1, 7, 600},
                      packed::gemm_scalar<double>);
}

// Packing puts op(X) in micro-panel order and pads the edge with zeros, for both flags.
TEST(PackedGemmPacking, PanelsHoldOpXInKernelOrder) {
  const std::size_t rows = 5, depth = 3;  // two micro-panels of MR = 4, the second padded
  std::vector<double> A(rows * depth), At(depth * rows);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t p = 0; p < depth; ++p) {
      A[i * depth + p] = double(10 * i + p);  // A [rows, depth]
      At[p * rows + i] = double(10 * i + p);  // the same op(A), stored transposed
    }
  }
  for (bool trans : {false, true}) {
    std::vector<double> packed(2 * 4 * depth, -1.0);
    packed::pack_a<4>(trans, trans ? At.data() : A.data(), trans ? rows : depth, 0, rows, 0, depth,
                      packed.data());
    for (std::size_t q = 0; q < 2; ++q) {
      for (std::size_t p = 0; p < depth; ++p) {
        for (std::size_t r = 0; r < 4; ++r) {
          const std::size_t i = 4 * q + r;
          const double want = i < rows ? double(10 * i + p) : 0.0;
          EXPECT_EQ(packed[(q * depth + p) * 4 + r], want)
              << "pack_a trans=" << trans << " row " << i << " depth " << p;
        }
      }
    }
    // op(B) = the same numbers read as [depth, cols]: op(B)[p, j] = 10 j + p
    std::vector<double> packed_b(2 * 4 * depth, -1.0);
    packed::pack_b<4>(!trans, trans ? At.data() : A.data(), trans ? rows : depth, 0, depth, 0, rows,
                      packed_b.data());
    for (std::size_t q = 0; q < 2; ++q) {
      for (std::size_t p = 0; p < depth; ++p) {
        for (std::size_t c = 0; c < 4; ++c) {
          const std::size_t j = 4 * q + c;
          const double want = j < rows ? double(10 * j + p) : 0.0;
          EXPECT_EQ(packed_b[(q * depth + p) * 4 + c], want)
              << "pack_b trans=" << !trans << " column " << j << " depth " << p;
        }
      }
    }
  }
}

// The scratch buffer grows to the largest problem and then stops allocating.
TEST(PackedGemmWorkspace, RepeatedProductsDoNotAllocate) {
  const KernelTable<float>& table = active<float>();
  const std::size_t M = 96, N = 80, K = 70;
  const std::vector<float> A = random_values<float>(M * K, 1), B = random_values<float>(K * N, 2);
  std::vector<float> C(M * N);
  table.gemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N);
  const std::size_t before = detail::gemm_workspace_allocations();
  for (int repeat = 0; repeat < 10; ++repeat) {
    table.gemm(false, true, M, N, K, 1.0f, A.data(), K, B.data(), K, 0.0f, C.data(), N);
    table.gemm(true, false, M, N, K, 1.0f, A.data(), M, B.data(), N, 0.0f, C.data(), N);
  }
  EXPECT_EQ(detail::gemm_workspace_allocations(), before);
}

}  // namespace
}  // namespace knob::kernels
