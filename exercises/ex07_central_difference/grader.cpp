// Autograder of ex07_central_difference. The reference is the gradient from knob's tape (whose
// ops knob's gradcheck has verified), computed on a copy of the same point.
#include "exercises/common/grader.h"

#include <functional>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex07_central_difference/central_difference.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex07_central_difference";

/// A differentiable scalar function written with knob ops.
using TensorFunction = std::function<Tensor(const Tensor&)>;

// The student's gradient of fn at x (with step eps) against the tape's.
void check_gradient(const std::string& name, const TensorFunction& fn, const Shape& shape,
                    double eps, Tolerance tolerance, const char* hint, std::uint64_t seed) {
  Generator gen(seed);
  const Tensor x = uniform(shape, -1.0, 1.0, gen, DType::f64);
  Tensor x_leaf = x.clone().requires_grad_();
  backward(fn(x_leaf));
  const Tensor expected = x_leaf.grad();

  const ScalarFunction f = [&fn](const Tensor& point) {
    NoGradGuard no_grad;
    return fn(point).item();
  };
  Tensor got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = central_difference_gradient(f, x, eps); }));
  EXPECT_TRUE(tensors_match(
      "gradient of " + name + " at x " + shape_str(shape) + " (eps " + std::to_string(eps) + ")",
      got, expected, hint, tolerance));
}

const TensorFunction kSumOfSquares = [](const Tensor& x) { return sum(mul(x, x)); };
const TensorFunction kCoupled = [](const Tensor& x) {
  // every element meets every other: sum(tanh(x) * x) + (sum x)^2 / 2 + sum(exp(x))
  const Tensor total = sum(x);
  return add(add(sum(mul(tanh(x), x)), mul_scalar(mul(total, total), 0.5)), sum(exp(x)));
};

TEST(CentralDifference, SumOfSquaresIsTwoX) {
  check_gradient("sum(x*x)", kSumOfSquares, {5}, 1e-6, {1e-7, 1e-6},
                 "the two evaluations are 2 eps apart: check what you divide by", 1);
}

TEST(CentralDifference, EveryElementOfAMatrix) {
  check_gradient("a coupled function", kCoupled, {3, 4}, 1e-6, {1e-6, 1e-6},
                 "nudge ONE element at a time and restore it before moving to the next", 2);
}

TEST(CentralDifference, IsCentralNotOneSided) {
  // With eps = 1e-3 a central difference is good to ~1e-7 here; a one-sided one is off by
  // ~f'' eps / 2 ≈ 1e-3.
  check_gradient("exp-based f with a big step", kCoupled, {6}, 1e-3, {1e-5, 1e-5},
                 "an error of the size of eps means a one-sided difference, whose error is "
                 "O(eps); the header's central difference is O(eps^2)",
                 3);
}

TEST(CentralDifference, LeavesXExactlyAsItWas) {
  Generator gen(4);
  Tensor x = uniform({2, 3}, -1.0, 1.0, gen, DType::f64);
  // Values for which (v - 0.1) + 0.1 != v in double precision.
  x.set({0, 0}, 1e-3);
  x.set({1, 1}, -0.45);
  x.set({1, 2}, 1e-17);
  const Tensor before = x.clone();
  const ScalarFunction f = [](const Tensor& point) { return sum(mul(point, point)).item(); };
  ASSERT_TRUE(runs_without_error(kId, [&] { (void)central_difference_gradient(f, x, 0.1); }));
  EXPECT_TRUE(tensors_match("x after the call", x, before,
                            "x must come back bit for bit: (x + eps) - eps is not always x in "
                            "floating point",
                            {0.0, 0.0}));
}

TEST(CentralDifference, OneElementAndALongVector) {
  check_gradient("sum(x*x)", kSumOfSquares, {1}, 1e-6, {1e-7, 1e-6},
                 "a single element is a gradient too", 5);
  check_gradient("a coupled function", kCoupled, {1, 17}, 1e-6, {1e-6, 1e-6},
                 "nudge ONE element at a time and restore it before moving to the next", 6);
}

TEST(CentralDifference, Float32InputIsADTypeError) {
  const Tensor x = zeros({3}, DType::f32);
  const ScalarFunction f = [](const Tensor& point) { return sum(point).item(); };
  EXPECT_TRUE(throws_error<DTypeError>(
      "central_difference_gradient(f, x f32 [3])",
      [&] { (void)central_difference_gradient(f, x, 1e-6); },
      "with float32, eps = 1e-6 is below the rounding step of x, so f(x+eps) == f(x): throw "
      "knob::DTypeError instead"));
}

}  // namespace
}  // namespace knob::exercises
