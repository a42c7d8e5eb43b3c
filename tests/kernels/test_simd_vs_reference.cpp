// Every kernel of every available instruction set, for float and double, against the scalar
// reference (Isa::scalar), at the lengths where SIMD loops go wrong: 0, 1, W-1, W, W+1, 2W+3 and a
// large odd length, W being that table's SIMD width.
//
// Tolerances:
//  - exact (bit for bit) where the SIMD and scalar code do the same IEEE operations: add, sub,
//    mul, div, the *_scalar ops, neg, relu, sqrt, max, pow with p = 2;
//  - xsimd 8's double erf is up to ~35 ulps off near |x| = 2..3, hence 64 ulps for erf, gelu_erf;
//  - a few ulps relative to max(|reference|, floor) for the transcendental ones (xsimd and the C
//    library use different polynomials);
//  - for sums, dots and GEMM, the classic error bound of a length-K sum,
//    |error| <= c K eps sum_p |a_p b_p|, since the SIMD code adds in a different order.
// GEMM is checked against the naive triple loop scalar::gemm (the scalar table's gemm is the
// packed algorithm too); tests/kernels/test_gemm_packed.cpp covers it in more shapes.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/kernels/kernels.h"
#include "autograd/kernels/scalar_kernels.h"

namespace knob::kernels {
namespace {

template <class T>
const char* type_name() {
  return std::is_same_v<T, float> ? "float" : "double";
}

template <class T>
constexpr double kEps = std::numeric_limits<T>::epsilon();

/// Deterministic pseudo-random values in [lo, hi) (a small LCG: same numbers on every platform).
template <class T>
std::vector<T> random_vector(std::size_t n, double lo, double hi, std::uint64_t seed) {
  std::vector<T> v(n);
  std::uint64_t state = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (T& x : v) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    const double unit = static_cast<double>(state >> 11) * 0x1.0p-53;  // [0, 1)
    x = static_cast<T>(lo + (hi - lo) * unit);
  }
  return v;
}

/// The lengths to test for a table of width W.
std::vector<std::size_t> test_lengths(std::size_t W) {
  return {0, 1, W - 1, W, W + 1, 2 * W + 3, 1001};
}

/// "avx2 float exp n=17"
template <class T>
std::string label(Isa isa, const std::string& kernel, const std::string& size) {
  return std::string(isa_name(isa)) + " " + type_name<T>() + " " + kernel + " " + size;
}

/// Checks got[i] against want[i] with |got - want| <= tolerance(i) (two NaNs count as equal).
/// On failure, names the first bad index, the values, and how many elements differ.
template <class T, class ToleranceFn>
void expect_close(const std::string& what, const std::vector<T>& got, const std::vector<T>& want,
                  ToleranceFn tolerance) {
  ASSERT_EQ(got.size(), want.size()) << what;
  std::size_t bad_count = 0;
  std::size_t first_bad = 0;
  double max_diff = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const bool both_nan = std::isnan(got[i]) && std::isnan(want[i]);
    if (got[i] == want[i] || both_nan) continue;
    const double diff = std::abs(static_cast<double>(got[i]) - static_cast<double>(want[i]));
    if (diff <= tolerance(i)) continue;  // (false for NaN and inf differences)
    if (bad_count == 0) first_bad = i;
    ++bad_count;
    if (diff > max_diff || std::isnan(diff)) max_diff = diff;
  }
  if (bad_count > 0) {
    std::ostringstream msg;
    msg.precision(std::numeric_limits<T>::max_digits10);
    msg << what << ": first mismatch at index " << first_bad << ": got " << got[first_bad]
        << ", reference " << want[first_bad] << " (tolerance " << tolerance(first_bad) << "); "
        << bad_count << " of " << got.size() << " elements differ, max |diff| " << max_diff;
    ADD_FAILURE() << msg.str();
  }
}

/// Tolerance of `ulps` units of eps relative to max(|reference|, floor); 0 ulps = exact.
template <class T>
auto ulps_tolerance(const std::vector<T>& want, double ulps, double floor) {
  return [&want, ulps, floor](std::size_t i) {
    return ulps * kEps<T> * std::max(std::abs(static_cast<double>(want[i])), floor);
  };
}

class SimdVsReference : public ::testing::TestWithParam<Isa> {};

// ------------------------------------------------------------------------------------------
// Elementwise
// ------------------------------------------------------------------------------------------

template <class T>
using UnaryKernel = void (*KernelTable<T>::*)(const T*, T*, std::size_t);

/// One unary kernel to test: inputs in [lo, hi), tolerance `ulps` relative to max(|ref|, floor).
template <class T>
struct UnaryCase {
  const char* name;
  UnaryKernel<T> kernel;
  double lo, hi;
  double ulps;   // 0 = must match exactly (for double: ulps_double)
  double floor;  // 1 for functions near 0 whose error is absolute (gelu for negative x, ...)
  double ulps_double = -1;  // if >= 0, the tolerance for T = double instead of `ulps`
};

template <class T>
void check_unary(Isa isa) {
  const KernelTable<T>& simd = table_for<T>(isa);
  const KernelTable<T>& ref = table_for<T>(Isa::scalar);
  const std::vector<UnaryCase<T>> cases = {
      {"neg", &KernelTable<T>::neg, -10, 10, 0, 0},
      {"relu", &KernelTable<T>::relu, -10, 10, 0, 0},
      {"sqrt", &KernelTable<T>::sqrt, 0, 100, 0, 0},
      {"exp", &KernelTable<T>::exp, -20, 20, 4, 0},
      {"log", &KernelTable<T>::log, 1e-3, 1e3, 4, 1},
      {"tanh", &KernelTable<T>::tanh, -6, 6, 4, 1},
      {"sigmoid", &KernelTable<T>::sigmoid, -20, 20, 4, 0},
      {"erf", &KernelTable<T>::erf, -4, 4, 4, 1, 64},
      {"gelu_erf", &KernelTable<T>::gelu_erf, -6, 6, 4, 1, 64},
      {"gelu_tanh", &KernelTable<T>::gelu_tanh, -6, 6, 4, 1},
  };
  for (const UnaryCase<T>& c : cases) {
    for (std::size_t n : test_lengths(simd.width)) {
      const std::vector<T> a = random_vector<T>(n, c.lo, c.hi, n + 1);
      std::vector<T> got(n, T(-7));
      std::vector<T> want(n, T(-7));
      (simd.*c.kernel)(a.data(), got.data(), n);
      (ref.*c.kernel)(a.data(), want.data(), n);
      const bool own_double_ulps = std::is_same_v<T, double> && c.ulps_double >= 0;
      expect_close(label<T>(isa, c.name, "n=" + std::to_string(n)), got, want,
                   ulps_tolerance(want, own_double_ulps ? c.ulps_double : c.ulps, c.floor));
    }
  }
}

template <class T>
using BinaryKernel = void (*KernelTable<T>::*)(const T*, const T*, T*, std::size_t);

template <class T>
void check_binary(Isa isa) {
  const KernelTable<T>& simd = table_for<T>(isa);
  const KernelTable<T>& ref = table_for<T>(Isa::scalar);
  const std::vector<std::pair<const char*, BinaryKernel<T>>> cases = {
      {"add", &KernelTable<T>::add},
      {"sub", &KernelTable<T>::sub},
      {"mul", &KernelTable<T>::mul},
      {"div", &KernelTable<T>::div}};
  for (const auto& [name, kernel] : cases) {
    for (std::size_t n : test_lengths(simd.width)) {
      const std::vector<T> a = random_vector<T>(n, -10, 10, n + 2);
      const std::vector<T> b = random_vector<T>(n, 0.5, 3, n + 3);
      std::vector<T> got(n), want(n);
      (simd.*kernel)(a.data(), b.data(), got.data(), n);
      (ref.*kernel)(a.data(), b.data(), want.data(), n);
      expect_close(label<T>(isa, name, "n=" + std::to_string(n)), got, want,
                   [](std::size_t) { return 0.0; });
    }
  }
}

template <class T>
void check_with_scalar(Isa isa) {
  const KernelTable<T>& simd = table_for<T>(isa);
  const KernelTable<T>& ref = table_for<T>(Isa::scalar);
  using ArrayScalar = void (*KernelTable<T>::*)(const T*, T, T*, std::size_t);
  using ScalarArray = void (*KernelTable<T>::*)(T, const T*, T*, std::size_t);
  const T s = T(1.7);
  for (std::size_t n : test_lengths(simd.width)) {
    const std::vector<T> a = random_vector<T>(n, 0.25, 10, n + 4);
    const auto exact = [](std::size_t) { return 0.0; };
    std::vector<T> got(n), want(n);
    for (const auto& [name, kernel] : std::vector<std::pair<const char*, ArrayScalar>>{
             {"add_scalar", &KernelTable<T>::add_scalar},
             {"mul_scalar", &KernelTable<T>::mul_scalar},
             {"div_scalar", &KernelTable<T>::div_scalar}}) {
      (simd.*kernel)(a.data(), s, got.data(), n);
      (ref.*kernel)(a.data(), s, want.data(), n);
      expect_close(label<T>(isa, name, "n=" + std::to_string(n)), got, want, exact);
    }
    for (const auto& [name, kernel] : std::vector<std::pair<const char*, ScalarArray>>{
             {"rsub_scalar", &KernelTable<T>::rsub_scalar},
             {"rdiv_scalar", &KernelTable<T>::rdiv_scalar}}) {
      (simd.*kernel)(s, a.data(), got.data(), n);
      (ref.*kernel)(s, a.data(), want.data(), n);
      expect_close(label<T>(isa, name, "n=" + std::to_string(n)), got, want, exact);
    }
    // pow: exact for p = 2 and 1 (special-cased), a few ulps otherwise; negative bases with
    // integer p, positive bases for fractional p.
    const std::vector<T> signed_a = random_vector<T>(n, -4, 4, n + 5);
    for (double p : {2.0, 0.5, 3.0, -1.5, 1.0}) {
      const bool integer_p = p == std::floor(p);
      const std::vector<T>& base = integer_p ? signed_a : a;
      simd.pow_scalar(base.data(), T(p), got.data(), n);
      ref.pow_scalar(base.data(), T(p), want.data(), n);
      const double ulps = (p == 2.0 || p == 1.0) ? 0 : 16;
      expect_close(
          label<T>(isa, "pow_scalar(p=" + std::to_string(p) + ")", "n=" + std::to_string(n)), got,
          want, ulps_tolerance(want, ulps, 0));
    }
  }
}

/// out may alias an input: run two kernels in place and compare with out-of-place.
template <class T>
void check_in_place(Isa isa) {
  const KernelTable<T>& k = table_for<T>(isa);
  for (std::size_t n : test_lengths(k.width)) {
    const std::vector<T> a = random_vector<T>(n, -3, 3, n + 6);
    const std::vector<T> b = random_vector<T>(n, -3, 3, n + 7);
    std::vector<T> out_of_place(n);
    std::vector<T> in_place = a;
    k.add(a.data(), b.data(), out_of_place.data(), n);
    k.add(in_place.data(), b.data(), in_place.data(), n);
    expect_close(label<T>(isa, "add in place", "n=" + std::to_string(n)), in_place, out_of_place,
                 [](std::size_t) { return 0.0; });
    in_place = a;
    k.exp(a.data(), out_of_place.data(), n);
    k.exp(in_place.data(), in_place.data(), n);
    expect_close(label<T>(isa, "exp in place", "n=" + std::to_string(n)), in_place, out_of_place,
                 [](std::size_t) { return 0.0; });
  }
}

TEST_P(SimdVsReference, UnaryFloat) { check_unary<float>(GetParam()); }
TEST_P(SimdVsReference, UnaryDouble) { check_unary<double>(GetParam()); }
TEST_P(SimdVsReference, BinaryFloat) { check_binary<float>(GetParam()); }
TEST_P(SimdVsReference, BinaryDouble) { check_binary<double>(GetParam()); }
TEST_P(SimdVsReference, WithScalarFloat) { check_with_scalar<float>(GetParam()); }
TEST_P(SimdVsReference, WithScalarDouble) { check_with_scalar<double>(GetParam()); }
TEST_P(SimdVsReference, InPlaceFloat) { check_in_place<float>(GetParam()); }
TEST_P(SimdVsReference, InPlaceDouble) { check_in_place<double>(GetParam()); }

// ------------------------------------------------------------------------------------------
// Special values: infinities, NaN, huge and tiny numbers, signed zeros. Every lane must get the
// reference's answer class (NaN where it gives NaN, the same infinity, a finite number close to
// it), and nothing may be undefined behaviour on the way (xsimd 8's double exp converts x/ln 2
// to a 64-bit integer, which is undefined for infinities and NaN: the sanitizer build checks).
// ------------------------------------------------------------------------------------------

template <class T>
std::vector<T> special_values() {
  using L = std::numeric_limits<T>;
  return {-L::infinity(),  L::infinity(),
          L::quiet_NaN(),  -L::quiet_NaN(),
          L::lowest(),     L::max(),
          T(-800),         T(800),
          T(-100),         T(100),
          T(-0.0),         T(0),
          L::denorm_min(), -L::denorm_min(),
          L::min(),        T(1),
          T(-1),           T(30)};
}

template <class T>
void check_special_values(Isa isa) {
  const KernelTable<T>& simd = table_for<T>(isa);
  const KernelTable<T>& ref = table_for<T>(Isa::scalar);
  const std::vector<std::pair<const char*, UnaryKernel<T>>> cases = {
      {"neg", &KernelTable<T>::neg},           {"relu", &KernelTable<T>::relu},
      {"sqrt", &KernelTable<T>::sqrt},         {"exp", &KernelTable<T>::exp},
      {"log", &KernelTable<T>::log},           {"tanh", &KernelTable<T>::tanh},
      {"sigmoid", &KernelTable<T>::sigmoid},   {"erf", &KernelTable<T>::erf},
      {"gelu_erf", &KernelTable<T>::gelu_erf}, {"gelu_tanh", &KernelTable<T>::gelu_tanh}};
  const std::vector<T> x = special_values<T>();
  const std::size_t n = x.size();
  for (const auto& entry : cases) {
    std::vector<T> got(n), want(n);
    (simd.*entry.second)(x.data(), got.data(), n);
    (ref.*entry.second)(x.data(), want.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string what = label<T>(isa, entry.first, "x=" + std::to_string(x[i]));
      if (std::isnan(want[i])) {
        EXPECT_TRUE(std::isnan(got[i])) << what << ": got " << got[i] << ", reference NaN";
      } else if (std::isinf(want[i])) {
        EXPECT_EQ(got[i], want[i]) << what;
      } else {
        EXPECT_NEAR(static_cast<double>(got[i]), static_cast<double>(want[i]),
                    64 * kEps<T> * std::max(1.0, std::abs(static_cast<double>(want[i]))))
            << what;
      }
    }
  }
  // Softmax rows holding infinities: a -inf entry (a masked score) gets probability 0, and a
  // row that is all -inf, or holds +inf or NaN, gives NaN like the reference.
  using L = std::numeric_limits<T>;
  const std::vector<std::vector<T>> rows = {{T(1), -L::infinity(), T(2), -L::infinity(), T(0.5)},
                                            {-L::infinity(), -L::infinity(), -L::infinity()},
                                            {T(1), L::infinity(), T(2)},
                                            {T(1), L::quiet_NaN(), T(2)}};
  for (const std::vector<T>& row : rows) {
    for (std::size_t copies : {std::size_t{1}, simd.width + 1}) {  // in the tail, then the body
      std::vector<T> wide;
      for (std::size_t c = 0; c < copies; ++c) wide.insert(wide.end(), row.begin(), row.end());
      std::vector<T> got(wide.size()), want(wide.size());
      simd.softmax_rows(wide.data(), got.data(), 1, wide.size());
      ref.softmax_rows(wide.data(), want.data(), 1, wide.size());
      for (std::size_t j = 0; j < wide.size(); ++j) {
        const std::string what = label<T>(isa, "softmax_rows special", "j=" + std::to_string(j));
        if (std::isnan(want[j])) {
          EXPECT_TRUE(std::isnan(got[j])) << what;
        } else {
          EXPECT_NEAR(got[j], want[j], 64 * kEps<T>) << what;
        }
      }
    }
  }
}

TEST_P(SimdVsReference, SpecialValuesFloat) { check_special_values<float>(GetParam()); }
TEST_P(SimdVsReference, SpecialValuesDouble) { check_special_values<double>(GetParam()); }

// ------------------------------------------------------------------------------------------
// Reductions
// ------------------------------------------------------------------------------------------

template <class T>
void check_reductions(Isa isa) {
  const KernelTable<T>& simd = table_for<T>(isa);
  const KernelTable<T>& ref = table_for<T>(Isa::scalar);
  for (std::size_t n : test_lengths(simd.width)) {
    const std::string size = "n=" + std::to_string(n);
    const std::vector<T> a = random_vector<T>(n, -2, 2, n + 8);
    const std::vector<T> b = random_vector<T>(n, -2, 2, n + 9);
    double abs_sum = 0;
    double abs_dot = 0;
    for (std::size_t i = 0; i < n; ++i) {
      abs_sum += std::abs(static_cast<double>(a[i]));
      abs_dot += std::abs(static_cast<double>(a[i]) * static_cast<double>(b[i]));
    }
    // the error bound of a sum of n terms, in either order: n eps sum|terms| (twice, for safety)
    const double sum_tol = 2.0 * static_cast<double>(n + 1) * kEps<T> * abs_sum;
    const double dot_tol = 2.0 * static_cast<double>(n + 1) * kEps<T> * abs_dot;
    expect_close(label<T>(isa, "sum", size), std::vector<T>{simd.sum(a.data(), n)},
                 std::vector<T>{ref.sum(a.data(), n)}, [&](std::size_t) { return sum_tol; });
    expect_close(label<T>(isa, "dot", size), std::vector<T>{simd.dot(a.data(), b.data(), n)},
                 std::vector<T>{ref.dot(a.data(), b.data(), n)},
                 [&](std::size_t) { return dot_tol; });
    expect_close(label<T>(isa, "max", size), std::vector<T>{simd.max(a.data(), n)},
                 std::vector<T>{ref.max(a.data(), n)}, [](std::size_t) { return 0.0; });

    // axpy: y += alpha x; the SIMD version may fuse the multiply-add (one rounding, not two)
    std::vector<T> got = b;
    std::vector<T> want = b;
    simd.axpy(T(-0.75), a.data(), got.data(), n);
    ref.axpy(T(-0.75), a.data(), want.data(), n);
    expect_close(label<T>(isa, "axpy", size), got, want, [&](std::size_t i) {
      return 2 * kEps<T> * (std::abs(0.75 * a[i]) + std::abs(static_cast<double>(b[i])));
    });
  }
  // max propagates NaN wherever it is (vector body or tail)
  for (std::size_t n : test_lengths(simd.width)) {
    if (n == 0) continue;
    for (std::size_t where : {std::size_t{0}, n / 2, n - 1}) {
      std::vector<T> a = random_vector<T>(n, -2, 2, n + 10);
      a[where] = std::numeric_limits<T>::quiet_NaN();
      EXPECT_TRUE(std::isnan(simd.max(a.data(), n)))
          << label<T>(isa, "max", "n=" + std::to_string(n)) << ": NaN at index " << where
          << " was lost";
    }
  }
}

TEST_P(SimdVsReference, ReductionsFloat) { check_reductions<float>(GetParam()); }
TEST_P(SimdVsReference, ReductionsDouble) { check_reductions<double>(GetParam()); }

// ------------------------------------------------------------------------------------------
// Row-wise softmax
// ------------------------------------------------------------------------------------------

template <class T>
void check_softmax(Isa isa) {
  const KernelTable<T>& simd = table_for<T>(isa);
  const KernelTable<T>& ref = table_for<T>(Isa::scalar);
  for (std::size_t rows : {1, 3, 7}) {
    for (std::size_t cols : test_lengths(simd.width)) {
      const std::string size = "rows=" + std::to_string(rows) + " cols=" + std::to_string(cols);
      // large logits too: without the row max, e^x would overflow
      const double offset = (rows == 3) ? 500 : 0;
      const std::vector<T> x = random_vector<T>(rows * cols, offset - 8, offset + 8, rows + cols);
      std::vector<T> got(rows * cols), want(rows * cols);
      // each output carries the rounding of a cols-long sum: (cols + 8) eps relative
      const double ulps = static_cast<double>(cols) + 8;
      simd.softmax_rows(x.data(), got.data(), rows, cols);
      ref.softmax_rows(x.data(), want.data(), rows, cols);
      expect_close(label<T>(isa, "softmax_rows", size), got, want, ulps_tolerance(want, ulps, 0));
      simd.log_softmax_rows(x.data(), got.data(), rows, cols);
      ref.log_softmax_rows(x.data(), want.data(), rows, cols);
      expect_close(label<T>(isa, "log_softmax_rows", size), got, want,
                   ulps_tolerance(want, ulps + offset, 1));
    }
  }
}

TEST_P(SimdVsReference, SoftmaxFloat) { check_softmax<float>(GetParam()); }
TEST_P(SimdVsReference, SoftmaxDouble) { check_softmax<double>(GetParam()); }

// ------------------------------------------------------------------------------------------
// GEMM
// ------------------------------------------------------------------------------------------

template <class T>
void check_gemm(Isa isa) {
  const KernelTable<T>& simd = table_for<T>(isa);
  const std::size_t W = simd.width;
  const std::vector<std::size_t> sizes = {1, 3, W + 1, 17, 67};
  struct Scaling {
    T alpha, beta;
  };
  const Scaling scalings[] = {{T(1), T(0)}, {T(0.5), T(-1.25)}};
  std::uint64_t seed = 0;
  for (bool trans_a : {false, true}) {
    for (bool trans_b : {false, true}) {
      for (std::size_t M : sizes) {
        for (std::size_t N : sizes) {
          for (std::size_t K : sizes) {
            for (const Scaling& s : scalings) {
              // stored shapes (with padding columns so that the ld's are not the widths)
              const std::size_t a_rows = trans_a ? K : M, a_cols = trans_a ? M : K;
              const std::size_t b_rows = trans_b ? N : K, b_cols = trans_b ? K : N;
              const std::size_t lda = a_cols + 3, ldb = b_cols + 2, ldc = N + 5;
              ++seed;
              const std::vector<T> A = random_vector<T>(a_rows * lda, -1, 1, seed);
              const std::vector<T> B = random_vector<T>(b_rows * ldb, -1, 1, seed + 1000);
              std::vector<T> C0 = random_vector<T>(M * ldc, -1, 1, seed + 2000);
              if (s.beta == T(0)) C0.assign(C0.size(), std::numeric_limits<T>::quiet_NaN());
              std::vector<T> got = C0;
              std::vector<T> want = C0;
              simd.gemm(trans_a, trans_b, M, N, K, s.alpha, A.data(), lda, B.data(), ldb, s.beta,
                        got.data(), ldc);
              scalar::gemm<T>(trans_a, trans_b, M, N, K, s.alpha, A.data(), lda, B.data(), ldb,
                              s.beta, want.data(), ldc);
              // tolerance per element of C: 2 (K+2) eps (|alpha| sum_p |a_ip b_pj| + |beta c_ij|);
              // padding columns of C (j >= N) must be left untouched: tolerance 0
              const auto tolerance = [&](std::size_t index) {
                const std::size_t i = index / ldc, j = index % ldc;
                if (j >= N) return 0.0;
                double magnitude = s.beta == T(0) ? 0.0 : std::abs(double(s.beta) * C0[index]);
                for (std::size_t p = 0; p < K; ++p) {
                  const double a = trans_a ? A[p * lda + i] : A[i * lda + p];
                  const double b = trans_b ? B[j * ldb + p] : B[p * ldb + j];
                  magnitude += std::abs(double(s.alpha) * a * b);
                }
                return 2.0 * double(K + 2) * kEps<T> * magnitude;
              };
              std::ostringstream what;
              what << "trans_a=" << trans_a << " trans_b=" << trans_b << " M=" << M << " N=" << N
                   << " K=" << K << " alpha=" << s.alpha << " beta=" << s.beta << " (index = i*"
                   << ldc << "+j)";
              expect_close(label<T>(isa, "gemm", what.str()), got, want, tolerance);
            }
          }
        }
      }
    }
  }
}

/// Empty sizes: nothing is touched except C = beta C when K = 0.
template <class T>
void check_gemm_empty(Isa isa) {
  const KernelTable<T>& simd = table_for<T>(isa);
  for (std::size_t M : {0, 2}) {
    for (std::size_t N : {0, 3}) {
      for (T beta : {T(0), T(2)}) {
        const std::vector<T> A(8, T(1)), B(8, T(1));
        std::vector<T> got(M * 4, T(1.5)), want(M * 4, T(1.5));
        simd.gemm(false, false, M, N, 0, T(1), A.data(), 1, B.data(), 4, beta, got.data(), 4);
        scalar::gemm<T>(false, false, M, N, 0, T(1), A.data(), 1, B.data(), 4, beta, want.data(),
                        4);
        expect_close(
            label<T>(isa, "gemm K=0", "M=" + std::to_string(M) + " N=" + std::to_string(N)), got,
            want, [](std::size_t) { return 0.0; });
      }
    }
  }
}

TEST_P(SimdVsReference, GemmFloat) { check_gemm<float>(GetParam()); }
TEST_P(SimdVsReference, GemmDouble) { check_gemm<double>(GetParam()); }
TEST_P(SimdVsReference, GemmEmptyFloat) { check_gemm_empty<float>(GetParam()); }
TEST_P(SimdVsReference, GemmEmptyDouble) { check_gemm_empty<double>(GetParam()); }

/// A GEMM deeper than one packed panel (K > 256) and wider than several: exercises the
/// "later slices add onto C" path.
template <class T>
void check_gemm_deep(Isa isa) {
  const KernelTable<T>& simd = table_for<T>(isa);
  const std::size_t M = 13, N = 41, K = 600;
  const std::vector<T> A = random_vector<T>(M * K, -1, 1, 77);
  const std::vector<T> B = random_vector<T>(K * N, -1, 1, 78);
  std::vector<T> got = random_vector<T>(M * N, -1, 1, 79);
  std::vector<T> want = got;
  simd.gemm(false, true, M, N, K, T(0.3), A.data(), K, B.data(), K, T(0.7), got.data(), N);
  scalar::gemm<T>(false, true, M, N, K, T(0.3), A.data(), K, B.data(), K, T(0.7), want.data(), N);
  const double tol = 2.0 * (K + 2) * kEps<T> * (0.3 * K + 0.7);  // |a|, |b|, |c| <= 1
  expect_close(label<T>(isa, "gemm", "M=13 N=41 K=600"), got, want,
               [tol](std::size_t) { return tol; });
}

TEST_P(SimdVsReference, GemmDeepFloat) { check_gemm_deep<float>(GetParam()); }
TEST_P(SimdVsReference, GemmDeepDouble) { check_gemm_deep<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(AllIsas, SimdVsReference, ::testing::ValuesIn(available_isas()),
                         [](const auto& info) { return std::string(isa_name(info.param)); });

}  // namespace
}  // namespace knob::kernels
