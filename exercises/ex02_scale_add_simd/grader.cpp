// Autograder of ex02_scale_add_simd. The reference is the axpy of knob's scalar kernel table.
#include "exercises/common/grader.h"

#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>
#include <xsimd/xsimd.hpp>

#include "autograd/kernels/kernels.h"
#include "autograd/random.h"
#include "exercises/ex02_scale_add_simd/scale_add.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex02_scale_add_simd";
constexpr std::size_t kGuard = 16;      // sentinel elements after y[n-1]
constexpr double kSentinel = -12345.0;  // what the guard elements hold

/// Lanes per register for T, as the student's file sees it (same compiler flags).
template <class T>
constexpr std::size_t lanes() {
  return xsimd::batch<T>::size;
}

template <class T>
Tolerance tolerance_for() {
  // fma rounds once, a*x + y twice: allow a few ulps.
  return std::is_same_v<T, float> ? Tolerance{1e-6, 1e-6} : Tolerance{1e-14, 1e-14};
}

// Run the student's scale_add on n random elements starting `offset` elements into the buffers
// and compare with the scalar reference kernel, then check the guard after y[n-1].
template <class T>
void check_length(std::size_t n, std::size_t offset = 0) {
  Generator gen(1000 + n);
  const T a = static_cast<T>(gen.uniform(0.5, 2.0));
  // Past the end, x holds 1 and y the sentinel: a body loop that runs over the end stores
  // sentinel + a there, which the guard check below sees.
  std::vector<T> x(offset + n + kGuard, T(1));
  std::vector<T> y(offset + n + kGuard, static_cast<T>(kSentinel));
  for (std::size_t i = 0; i < offset + n; ++i) {
    x[i] = static_cast<T>(gen.normal());
    y[i] = static_cast<T>(gen.normal());
  }
  std::vector<T> expected = y;
  kernels::table_for<T>(kernels::Isa::scalar)
      .axpy(a, x.data() + offset, expected.data() + offset, n);
  const std::string what = std::string("y after scale_add<") +
                           (std::is_same_v<T, float> ? "float" : "double") +
                           ">(n = " + std::to_string(n) + ", W = " + std::to_string(lanes<T>()) +
                           (offset ? ", unaligned pointers" : "") + ")";
  ASSERT_TRUE(runs_without_error(kId, [&] {
    scale_add(y.data() + offset, a, x.data() + offset, n);
  })) << what;
  const std::vector<double> got_d(y.begin() + offset, y.begin() + offset + n);
  const std::vector<double> expected_d(expected.begin() + offset, expected.begin() + offset + n);
  const std::size_t body_end = n - n % lanes<T>();
  const std::string hint =
      "elements [0, " + std::to_string(body_end) + ") belong to the SIMD body, [" +
      std::to_string(body_end) + ", " + std::to_string(n) +
      ") to the scalar tail; a wrong tail element means the tail loop skipped or repeated it";
  EXPECT_TRUE(arrays_match(what, got_d.data(), expected_d.data(), n, hint, tolerance_for<T>()));
  for (std::size_t k = 0; k < kGuard; ++k) {
    const T after = y[offset + n + k];
    ASSERT_EQ(after, static_cast<T>(kSentinel))
        << what << ": y[" << n + k << "] (past the end) was overwritten with " << after
        << ".\n  Hint: the body loop went past the last whole register; lesson 01, section 5, "
           "shows the loop condition that cannot (and why the obvious one underflows).";
  }
}

template <class T>
void check_lengths(const std::vector<std::size_t>& lengths) {
  for (std::size_t n : lengths) check_length<T>(n);
}

TEST(ScaleAdd, EmptyArrayIsANoOp) {
  check_length<float>(0);
  check_length<double>(0);
}

TEST(ScaleAdd, OneElementIsAllTail) {
  check_length<float>(1);
  check_length<double>(1);
}

TEST(ScaleAdd, OneShortOfARegisterIsAllTail) {
  check_length<float>(lanes<float>() - 1);
  check_length<double>(lanes<double>() - 1);
}

TEST(ScaleAdd, ExactlyOneRegisterHasNoTail) {
  check_length<float>(lanes<float>());
  check_length<double>(lanes<double>());
}

TEST(ScaleAdd, OneMoreThanARegisterHasATailOfOne) {
  check_length<float>(lanes<float>() + 1);
  check_length<double>(lanes<double>() + 1);
}

TEST(ScaleAdd, TwoRegistersGiveOrTakeOne) {
  for (std::size_t n : {2 * lanes<float>() - 1, 2 * lanes<float>(), 2 * lanes<float>() + 1}) {
    check_length<float>(n);
  }
  for (std::size_t n : {2 * lanes<double>() - 1, 2 * lanes<double>(), 2 * lanes<double>() + 1}) {
    check_length<double>(n);
  }
}

TEST(ScaleAdd, LargeOddLengths) {
  check_lengths<float>({1001, 4097});
  check_lengths<double>({1001, 4097});
}

TEST(ScaleAdd, UnalignedPointers) {
  check_length<float>(3 * lanes<float>() + 2, 1);
  check_length<double>(3 * lanes<double>() + 1, 1);
}

}  // namespace
}  // namespace knob::exercises
