// The kernels against values worked out by hand (or with Python's math module), on every
// available instruction set. These are what make the scalar reference trustworthy: the other
// kernel tests only check that the SIMD tables agree with it.
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/kernels/kernels.h"

namespace knob::kernels {
namespace {

class KernelsByHand : public ::testing::TestWithParam<Isa> {};

template <class T>
void check_by_hand(Isa isa) {
  const KernelTable<T>& k = table_for<T>(isa);
  const T tol = std::is_same_v<T, float> ? T(1e-6) : T(1e-14);
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const T inf = std::numeric_limits<T>::infinity();
  SCOPED_TRACE(std::string(isa_name(isa)) + (std::is_same_v<T, float> ? " float" : " double"));

  // softmax([0, ln 3]) = [1/4, 3/4], also shifted by 1000 (would overflow without the row max).
  // After the shift, ln 3 is rounded to T's grid near 1000, so the exact answer uses the
  // difference d actually stored: softmax([0, d]) = [1, e^d] / (1 + e^d).
  for (T shift : {T(0), T(1000)}) {
    const std::vector<T> x = {shift, shift + std::log(T(3))};
    const double d = static_cast<double>(x[1]) - static_cast<double>(x[0]);
    const double p0 = 1 / (1 + std::exp(d));
    const double p1 = std::exp(d) / (1 + std::exp(d));
    std::vector<T> y(2);
    k.softmax_rows(x.data(), y.data(), 1, 2);
    EXPECT_NEAR(y[0], p0, tol) << "softmax, shift " << shift;
    EXPECT_NEAR(y[1], p1, tol) << "softmax, shift " << shift;
    k.log_softmax_rows(x.data(), y.data(), 1, 2);
    EXPECT_NEAR(y[0], std::log(p0), 4 * tol) << "log_softmax, shift " << shift;
    EXPECT_NEAR(y[1], std::log(p1), 4 * tol) << "log_softmax, shift " << shift;
  }

  // activations at a few points (values from Python's math module)
  const std::vector<T> x = {T(1), T(-2), T(0)};
  std::vector<T> y(3);
  k.gelu_erf(x.data(), y.data(), 3);
  EXPECT_NEAR(y[0], T(0.8413447460685429), tol);
  EXPECT_NEAR(y[1], T(-0.04550026389635842), tol);
  EXPECT_EQ(y[2], T(0));
  k.gelu_tanh(x.data(), y.data(), 3);
  EXPECT_NEAR(y[0], T(0.8411919906082768), tol);
  EXPECT_NEAR(y[1], T(-0.04540230591222494), tol);
  k.sigmoid(x.data(), y.data(), 3);
  EXPECT_NEAR(y[0], T(0.7310585786300049), tol);  // 1 / (1 + e^-1)
  EXPECT_NEAR(y[2], T(0.5), tol);

  // relu: relu(NaN) = 0 and relu(-0) = 0 by the `x > 0 ? x : 0` definition
  const std::vector<T> r = {T(-1), T(2), nan, T(-0.0)};
  std::vector<T> ry(4);
  k.relu(r.data(), ry.data(), 4);
  EXPECT_EQ(ry, (std::vector<T>{T(0), T(2), T(0), T(0)}));

  // pow: exact squares for negative bases, odd powers keep the sign
  const std::vector<T> base = {T(-3), T(0.5), T(2)};
  std::vector<T> powered(3);
  k.pow_scalar(base.data(), T(2), powered.data(), 3);
  EXPECT_EQ(powered, (std::vector<T>{T(9), T(0.25), T(4)}));
  k.pow_scalar(base.data(), T(3), powered.data(), 3);
  EXPECT_NEAR(powered[0], T(-27), 27 * tol);

  // reductions, including empty vectors and NaN
  EXPECT_EQ(k.sum(nullptr, 0), T(0));
  EXPECT_EQ(k.max(nullptr, 0), -inf);
  EXPECT_EQ(k.dot(nullptr, nullptr, 0), T(0));
  std::vector<T> many(37, T(1));
  many[20] = T(5);
  EXPECT_EQ(k.sum(many.data(), many.size()), T(41));
  EXPECT_EQ(k.max(many.data(), many.size()), T(5));
  many[30] = nan;
  EXPECT_TRUE(std::isnan(k.max(many.data(), many.size()))) << "max must propagate NaN";

  // gemm: [1 2 3; 4 5 6] [1 0; 0 1; 1 1] = [4 5; 10 11], then alpha = 2, beta = -1 on C = 1
  const std::vector<T> A = {1, 2, 3, 4, 5, 6};  // [2,3]
  const std::vector<T> B = {1, 0, 0, 1, 1, 1};  // [3,2]
  std::vector<T> C = {nan, nan, nan, nan};      // beta = 0: must not be read
  k.gemm(false, false, 2, 2, 3, T(1), A.data(), 3, B.data(), 2, T(0), C.data(), 2);
  EXPECT_EQ(C, (std::vector<T>{4, 5, 10, 11}));
  C = {1, 1, 1, 1};
  k.gemm(false, false, 2, 2, 3, T(2), A.data(), 3, B.data(), 2, T(-1), C.data(), 2);
  EXPECT_EQ(C, (std::vector<T>{7, 9, 19, 21}));
  // the same product through the transposed forms: Aᵀ stored as [3,2], Bᵀ stored as [2,3]
  const std::vector<T> At = {1, 4, 2, 5, 3, 6};
  const std::vector<T> Bt = {1, 0, 1, 0, 1, 1};
  C = {nan, nan, nan, nan};
  k.gemm(true, true, 2, 2, 3, T(1), At.data(), 2, Bt.data(), 3, T(0), C.data(), 2);
  EXPECT_EQ(C, (std::vector<T>{4, 5, 10, 11}));
  // K = 0: C = beta C
  C = {1, 2, 3, 4};
  k.gemm(false, false, 2, 2, 0, T(1), A.data(), 3, B.data(), 2, T(3), C.data(), 2);
  EXPECT_EQ(C, (std::vector<T>{3, 6, 9, 12}));
}

TEST_P(KernelsByHand, Float) { check_by_hand<float>(GetParam()); }
TEST_P(KernelsByHand, Double) { check_by_hand<double>(GetParam()); }

INSTANTIATE_TEST_SUITE_P(AllIsas, KernelsByHand, ::testing::ValuesIn(available_isas()),
                         [](const auto& info) { return std::string(isa_name(info.param)); });

}  // namespace
}  // namespace knob::kernels
