// Autograder of ex27_gemm_microkernel. The reference is knob's textbook GEMM, scalar::gemm: a
// packed A micro-panel [k, MR] is op(A) stored transposed (lda = MR) and a packed B micro-panel
// [k, NR] is B stored as it is (ldb = NR), so the micro-kernel's update is (trans_a = true,
// trans_b = false, alpha = beta = 1)
//   scalar::gemm(true, false, MR, NR, k, 1, a_panel, MR, b_panel, NR, 1, C, ldc).
//
// Tolerance: the student may add the k products in any order, with or without fused
// multiply-adds, and add C before or after the sum. Every such order gives a result within the
// rounding error bound of a sum of k + 1 terms, |got - exact| <= (k + 2) eps Σ|terms|, and so
// does the reference; the grader allows twice that, 2 (k + 2) eps (Σ_p |a_pr b_pc| + |c_rc|),
// element by element (the same bound as tests/kernels/test_gemm_packed.cpp). It is wide enough
// for any order (one test uses values of very different sizes, where the order shows in the
// last bits: there the grader checks that the same sum taken backwards differs from the
// reference, and that it and knob's own SIMD kernel still fall inside the bound), and
// narrow enough that a missing, repeated or misplaced product is far outside it.
#include "exercises/common/grader.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>
#include <xsimd/xsimd.hpp>

#include "autograd/kernels/kernels.h"
#include "autograd/kernels/scalar_kernels.h"
#include "autograd/random.h"
#include "exercises/ex27_gemm_microkernel/gemm_microkernel.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex27_gemm_microkernel";
constexpr std::size_t kGuard = 32;      // sentinel elements after the last row of C
constexpr double kSentinel = -12345.0;  // what C's padding columns and guard hold

/// What the panels are filled with.
enum class Values {
  normal,      ///< N(0, 1)
  wide_range,  ///< N(0, 1) times 2^e, e in [-12, 12]: the order of the sum shows in the last bits
};

/// One call of the micro-kernel.
struct Case {
  std::size_t k = 0;    ///< depth
  std::size_t ldc = 0;  ///< 0: ldc = NR
  bool zero_c = false;  ///< C starts at 0 (else random)
  Values values = Values::normal;
  std::uint64_t seed = 1;
  const char* hint = "";
};

/// A failure with `message` when `failed`, else a success (so that gtest prints the message
/// first, not the compared expressions).
::testing::AssertionResult passes_unless(bool failed, const std::string& message) {
  if (!failed) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << message;
}

template <class T>
const char* type_name() {
  return std::is_same_v<T, float> ? "float" : "double";
}

/// A description of the call for the messages, e.g. "micro-kernel<float> (MR x NR = 6 x 8,
/// k = 300, ldc = 11, C random)".
template <class T>
std::string describe(const Case& cs, std::size_t ldc) {
  std::ostringstream out;
  out << "gemm_micro_kernel<" << type_name<T>() << "> (MR x NR = " << kMicroRows << " x "
      << kMicroCols<T> << ", k = " << cs.k << ", ldc = " << ldc
      << (cs.zero_c ? ", C starts at 0" : ", C starts random")
      << (cs.values == Values::wide_range ? ", values of very different sizes" : "") << ")";
  return out.str();
}

/// Runs the student's micro-kernel on one case and compares the MR x NR block with scalar::gemm
/// within the error bound of the sum; then requires the padding columns of C (ldc > NR) and the
/// guard after the block to be untouched.
template <class T>
void check_block(const Case& cs) {
  constexpr std::size_t MR = kMicroRows;
  constexpr std::size_t NR = kMicroCols<T>;
  const std::size_t ldc = cs.ldc == 0 ? NR : cs.ldc;
  const std::size_t k = cs.k;
  const T nan = std::numeric_limits<T>::quiet_NaN();
  Generator gen(cs.seed);
  auto value = [&] {
    double x = gen.normal();
    if (cs.values == Values::wide_range) x = std::ldexp(x, static_cast<int>(gen.integer(-12, 13)));
    return static_cast<T>(x);
  };
  // Each panel is followed by NaN, far enough for any wrong stride used here: a kernel that
  // reads past its panel gets NaN, which no tolerance accepts.
  const std::size_t slack = (k + 1) * (ldc + NR);
  std::vector<T> a(k * MR + slack, nan);
  std::vector<T> b(k * NR + slack, nan);
  for (std::size_t i = 0; i < k * MR; ++i) a[i] = value();
  for (std::size_t i = 0; i < k * NR; ++i) b[i] = value();
  // C: MR rows of ldc values, then a guard; the padding columns and the guard hold the sentinel.
  std::vector<T> c(MR * ldc + kGuard, static_cast<T>(kSentinel));
  for (std::size_t r = 0; r < MR; ++r) {
    for (std::size_t j = 0; j < NR; ++j) c[r * ldc + j] = cs.zero_c ? T(0) : value();
  }

  std::vector<T> want = c;
  kernels::scalar::gemm<T>(true, false, MR, NR, k, T(1), a.data(), MR, b.data(), NR, T(1),
                           want.data(), ldc);
  // Σ_p |a_pr b_pc| + |c_rc|: the same loop on absolute values.
  std::vector<T> abs_a(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(k * MR));
  std::vector<T> abs_b(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(k * NR));
  std::vector<T> magnitude(c.size(), T(0));
  for (T& x : abs_a) x = std::fabs(x);
  for (T& x : abs_b) x = std::fabs(x);
  for (std::size_t r = 0; r < MR; ++r) {
    for (std::size_t j = 0; j < NR; ++j) magnitude[r * ldc + j] = std::fabs(c[r * ldc + j]);
  }
  kernels::scalar::gemm<T>(true, false, MR, NR, k, T(1), abs_a.data(), MR, abs_b.data(), NR, T(1),
                           magnitude.data(), ldc);
  const double eps = std::numeric_limits<T>::epsilon();
  auto allowed = [&](std::size_t at) {
    return 2.0 * static_cast<double>(k + 2) * eps * static_cast<double>(magnitude[at]);
  };

  const std::string what = describe<T>(cs, ldc);
  if (cs.values == Values::wide_range) {
    // Grader self-check, on values meant to make the order visible: the same reference loop
    // over the panels with their steps reversed (the sum backwards), and knob's kernel for this
    // machine (fused multiply-adds, register lanes), must both land inside the bound; the
    // backward sum must differ from the forward one somewhere, or the values show nothing.
    std::vector<T> a_backward(k * MR);
    std::vector<T> b_backward(k * NR);
    for (std::size_t p = 0; p < k; ++p) {
      for (std::size_t r = 0; r < MR; ++r) a_backward[p * MR + r] = a[(k - 1 - p) * MR + r];
      for (std::size_t j = 0; j < NR; ++j) b_backward[p * NR + j] = b[(k - 1 - p) * NR + j];
    }
    std::vector<T> backward = c;
    kernels::scalar::gemm<T>(true, false, MR, NR, k, T(1), a_backward.data(), MR, b_backward.data(),
                             NR, T(1), backward.data(), ldc);
    std::vector<T> simd = c;
    kernels::active<T>().gemm(true, false, MR, NR, k, T(1), a.data(), MR, b.data(), NR, T(1),
                              simd.data(), ldc);
    std::size_t order_shows = 0;
    for (std::size_t r = 0; r < MR; ++r) {
      for (std::size_t j = 0; j < NR; ++j) {
        const std::size_t at = r * ldc + j;
        if (backward[at] != want[at]) ++order_shows;
        ASSERT_LE(std::fabs(static_cast<double>(backward[at]) - want[at]), allowed(at))
            << "grader self-check: the backward sum is outside the error bound";
        ASSERT_LE(std::fabs(static_cast<double>(simd[at]) - want[at]), allowed(at))
            << "grader self-check: knob's two kernels differ by more than the error bound";
      }
    }
    ASSERT_GT(order_shows, 0u) << "grader self-check: the order of the sum does not show here";
  }

  std::vector<T> got = c;
  ASSERT_TRUE(runs_without_error(kId, [&] {
    gemm_micro_kernel(k, a.data(), b.data(), got.data(), ldc);
  })) << what;

  std::size_t wrong = 0;
  std::ostringstream first;
  for (std::size_t r = 0; r < MR; ++r) {
    for (std::size_t j = 0; j < NR; ++j) {
      const std::size_t at = r * ldc + j;
      const double diff = std::fabs(static_cast<double>(got[at]) - want[at]);
      if (diff <= allowed(at)) continue;  // (NaN fails here too)
      if (wrong++ == 0) {
        first.precision(10);
        first << "row " << r << ", column " << j << " (register " << j / xsimd::batch<T>::size
              << " of the row): expected " << want[at] << ", got " << got[at] << " (C held "
              << c[at] << " before the call; |difference| " << diff << ", allowed " << allowed(at)
              << ")";
      }
    }
  }
  std::ostringstream block_message;
  block_message << what << ": " << wrong << " of " << MR * NR
                << " elements of the block are wrong; the first is " << first.str()
                << ".\n  Hint: " << cs.hint;
  EXPECT_TRUE(passes_unless(wrong > 0, block_message.str()));

  // Nothing outside the block: the padding columns of each row, and the guard after the last.
  for (std::size_t at = 0; at < got.size(); ++at) {
    const std::size_t r = at / ldc;
    const std::size_t j = at % ldc;
    if ((r < MR && j < NR) || got[at] == static_cast<T>(kSentinel)) continue;
    std::ostringstream message;
    if (r < MR) {
      message << what << ": C[" << r << "][" << j << "], a padding column after the block "
              << "(column " << j << " >= NR = " << NR << ", row stride ldc = " << ldc
              << "), was overwritten with " << got[at]
              << ".\n  Hint: only the NR columns of each row belong to the block; step from one "
                 "row of C to the next by ldc.";
    } else {
      message << what << ": the element " << at - MR * ldc
              << " places after the last row of the block was overwritten with " << got[at]
              << ".\n  Hint: the block has MR rows; row r starts at c + r*ldc.";
    }
    ASSERT_TRUE(passes_unless(true, message.str()));
  }
}

void check_float_and_double(const Case& cs) {
  check_block<float>(cs);
  check_block<double>(cs);
}

constexpr const char* kSumHint =
    "C[r][c] gains a_panel[p*MR + r] * b_panel[p*NR + c] for every step p < k; step p of the A "
    "panel starts at a_panel + p*MR, of the B panel at b_panel + p*NR (each panel is packed "
    "with no gaps)";

TEST(GemmMicroKernel, ZeroDepthLeavesCUnchanged) {
  check_float_and_double({0, 0, false, Values::normal, 1,
                          "with k = 0 there is no product to add: C keeps its values"});
}

TEST(GemmMicroKernel, OneStepOntoZeroIsTheOuterProduct) {
  check_float_and_double({1, 0, true, Values::normal, 2,
                          "with k = 1 and C = 0 the block is the outer product of the MR values "
                          "of A and the NR values of B: does the loop over p run once?"});
}

TEST(GemmMicroKernel, OneStepAddsOntoC) {
  check_float_and_double({1, 0, false, Values::normal, 3,
                          "the product is added onto C: load each row of C, add the "
                          "accumulators, store it back"});
}

TEST(GemmMicroKernel, SeveralSteps) {
  check_float_and_double({7, 0, false, Values::normal, 4, kSumHint});
}

TEST(GemmMicroKernel, LongSum) {
  check_float_and_double({300, 0, false, Values::normal, 5, kSumHint});
}

TEST(GemmMicroKernel, LeadingDimensionWiderThanTheBlock) {
  check_float_and_double({5, kMicroCols<float> + 3, false, Values::normal, 6,
                          "row r of the block starts at c + r*ldc, not c + r*NR; and B's panel "
                          "steps by NR whatever ldc is"});
  check_block<double>({5, kMicroCols<double> + 1, false, Values::normal, 7,
                       "row r of the block starts at c + r*ldc, not c + r*NR; and B's panel "
                       "steps by NR whatever ldc is"});
  check_float_and_double({300, 2 * kMicroCols<double> + 1, false, Values::normal, 8, kSumHint});
}

TEST(GemmMicroKernel, AnySummationOrderIsAcceptedWithinTheErrorBound) {
  check_float_and_double({64, 0, false, Values::wide_range, 9, kSumHint});
  check_float_and_double({300, kMicroCols<float> + 5, true, Values::wide_range, 10, kSumHint});
}

}  // namespace
}  // namespace knob::exercises
