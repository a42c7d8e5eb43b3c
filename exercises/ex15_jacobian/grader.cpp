// Autograder of ex15_jacobian. The references are Jacobians known in closed form, computed with
// knob's ops on random inputs: a matrix product (J = A), an element-wise function (a diagonal J),
// softmax (J = diag(y) - y yᵀ) and a sum of squares (one row, 2xᵀ).
#include "exercises/common/grader.h"

#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex15_jacobian/jacobian.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex15_jacobian";
constexpr Tolerance kTape{1e-12, 1e-10};   // the tape is exact up to rounding
constexpr Tolerance kNumeric{1e-8, 1e-7};  // central differences with eps 1e-6: ~1e-10

/// A function, its point, and its Jacobian there (closed form).
struct Case {
  std::string name;
  TensorFunction f;
  Tensor x;
  Tensor expected;  // [numel(y), numel(x)]
};

Tensor diagonal(const Tensor& values) {  // values [n] → diag [n, n]
  const std::int64_t n = values.numel();
  Tensor out = zeros({n, n}, DType::f64);
  for (std::int64_t i = 0; i < n; ++i)
    out.set({i, i}, values.to_vector()[static_cast<std::size_t>(i)]);
  return out;
}

Case matrix_product(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
  Generator gen(seed);
  const Tensor a = randn({rows, cols}, gen, DType::f64);
  Case c{"y = A x with A [" + std::to_string(rows) + "," + std::to_string(cols) + "]",
         [a, cols, rows](const Tensor& x) {
           return reshape(matmul(a, reshape(x, {cols, 1})), {rows});
         },
         randn({cols}, gen, DType::f64), a};
  return c;
}

Case elementwise(const Shape& shape, std::uint64_t seed) {
  Generator gen(seed);
  const Tensor scale = randn(shape, gen, DType::f64);
  const Tensor x = randn(shape, gen, DType::f64);
  const Tensor t = tanh(x);
  const Tensor slope = reshape(mul(scale, add_scalar(neg(mul(t, t)), 1.0)), {x.numel()});
  return {"y = tanh(x) * c with x " + shape_str(shape),
          [scale](const Tensor& point) { return mul(tanh(point), scale); }, x, diagonal(slope)};
}

Case softmax_case(std::int64_t n, std::uint64_t seed) {
  Generator gen(seed);
  const Tensor x = randn({n}, gen, DType::f64);
  const Tensor y = softmax(x, -1);
  const Tensor column = reshape(y, {n, 1});
  const Tensor expected = sub(diagonal(y), matmul(column, transpose(column, 0, 1)));
  return {"y = softmax(x) with x [" + std::to_string(n) + "]",
          [](const Tensor& point) { return softmax(point, -1); }, x, expected};
}

Case sum_of_squares(const Shape& shape, std::uint64_t seed) {
  Generator gen(seed);
  const Tensor x = randn(shape, gen, DType::f64);
  return {"y = sum(x * x) with x " + shape_str(shape),
          [](const Tensor& point) { return sum(mul(point, point)); }, x,
          reshape(mul_scalar(x, 2.0), {1, x.numel()})};
}

void check_backward(const Case& c) {
  const Tensor before = c.x.clone();
  Tensor got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = jacobian_by_backward(c.f, c.x); }));
  EXPECT_TRUE(tensors_match("jacobian_by_backward for " + c.name, got, c.expected,
                            "row j holds the derivatives of output j with respect to every "
                            "input: one backward pass whose incoming gradient is 1 at output j "
                            "and 0 elsewhere; each pass must start from zero",
                            kTape));
  EXPECT_TRUE(tensors_match("x after jacobian_by_backward", c.x, before,
                            "work on a copy of x (or restore it); x is the caller's", {0, 0}));
  EXPECT_FALSE(c.x.requires_grad() || c.x.has_grad())
      << "jacobian_by_backward changed x's autograd state.\n  Hint: make a leaf of your own "
         "(x.detach().clone().requires_grad_()) instead of marking x.";
}

void check_differences(const Case& c) {
  const Tensor before = c.x.clone();
  Tensor got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = jacobian_by_differences(c.f, c.x, 1e-6); }));
  EXPECT_TRUE(tensors_match("jacobian_by_differences for " + c.name, got, c.expected,
                            "column e comes from nudging input e alone, both ways; an error "
                            "of about eps means a one-sided difference",
                            kNumeric));
  EXPECT_TRUE(tensors_match("x after jacobian_by_differences", c.x, before,
                            "put every nudged element back exactly (save it first)", {0, 0}));
}

TEST(JacobianByBackward, AMatrixProductIsItsMatrix) {
  check_backward(matrix_product(3, 5, 1));
  check_backward(matrix_product(5, 3, 2));
}
TEST(JacobianByBackward, SquareJacobians) {
  check_backward(matrix_product(4, 4, 3));
  check_backward(softmax_case(5, 4));
}
TEST(JacobianByBackward, ElementwiseIsDiagonalWhateverTheShape) {
  check_backward(elementwise({2, 3}, 5));
}
TEST(JacobianByBackward, OneOutputAndOneInput) {
  check_backward(sum_of_squares({2, 2}, 6));
  check_backward(elementwise({1}, 7));
}
TEST(JacobianByDifferences, AMatrixProductIsItsMatrix) {
  check_differences(matrix_product(3, 5, 11));
  check_differences(matrix_product(5, 3, 12));
}
TEST(JacobianByDifferences, SquareAndCurvedFunctions) {
  check_differences(softmax_case(5, 13));
  check_differences(elementwise({2, 3}, 14));
}
TEST(JacobianByDifferences, OneOutputAndOneInput) {
  check_differences(sum_of_squares({3}, 15));
  check_differences(elementwise({1}, 16));
}
TEST(Jacobian, Float32IsADTypeError) {
  const Tensor x = zeros({3}, DType::f32);
  const TensorFunction f = [](const Tensor& point) { return tanh(point); };
  const char* hint = "finite differences and Jacobian checks need float64: throw knob::DTypeError";
  EXPECT_TRUE(throws_error<DTypeError>(
      "jacobian_by_backward(f, x f32 [3])", [&] { (void)jacobian_by_backward(f, x); }, hint));
  EXPECT_TRUE(throws_error<DTypeError>(
      "jacobian_by_differences(f, x f32 [3])", [&] { (void)jacobian_by_differences(f, x, 1e-6); },
      hint));
}

}  // namespace
}  // namespace knob::exercises
