// Autograder of ex19_gelu_backward. The references are knob's own erf and gelu run through the
// tape, on random inputs, on values far out in the tails, and on lengths around a SIMD register.
#include "exercises/common/grader.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex19_gelu_backward/gelu_backward.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex19_gelu_backward";
constexpr const char* kErfHint =
    "differentiate the integral in erf's definition with respect to its upper limit; mind the "
    "constant in front";
constexpr const char* kGeluHint =
    "y = x Phi(x) is a product: two terms. Phi' is the normal density, whose constant is "
    "1/sqrt(2 pi); Phi itself uses erf(x / sqrt 2), not erf(x)";

Tolerance tolerance_for(DType dtype) {
  return dtype == DType::f64 ? Tolerance{1e-12, 1e-10} : Tolerance{1e-6, 1e-5};
}

enum class Function { erf, gelu };

void check_values(Function function, const Tensor& x, const std::string& what) {
  Generator gen(static_cast<std::uint64_t>(x.numel()) + 77);
  const Tensor g = randn(x.shape(), gen, x.dtype());
  Tensor leaf = x.clone().requires_grad_();
  backward(function == Function::erf ? erf(leaf) : gelu(leaf), g);
  Tensor got;
  ASSERT_TRUE(runs_without_error(
      kId, [&] { got = function == Function::erf ? erf_backward(x, g) : gelu_backward(x, g); }));
  const std::string name = function == Function::erf ? "erf_backward" : "gelu_backward";
  EXPECT_TRUE(tensors_match(name + " on " + what + " " + shape_str(x.shape()), got, leaf.grad(),
                            function == Function::erf ? kErfHint : kGeluHint,
                            tolerance_for(x.dtype())));
}

void check_random(Function function, const Shape& shape, std::uint64_t seed,
                  DType dtype = DType::f64) {
  Generator gen(seed);
  check_values(function, mul_scalar(randn(shape, gen, dtype), 2.0), "random x");
}

const std::vector<double> kTails = {0.0, 1e-8, -1e-8, 0.5,   -0.5, 3.0,  -3.0,
                                    6.0, -6.0, 10.0,  -10.0, 40.0, -40.0};

TEST(ErfBackward, RandomMatrix) { check_random(Function::erf, {4, 5}, 1); }
TEST(ErfBackward, TailsAndZero) {
  check_values(Function::erf, tensor(kTails, {13}, DType::f64), "0, small and large x");
}
TEST(GeluBackward, RandomMatrix) { check_random(Function::gelu, {4, 5}, 2); }
TEST(GeluBackward, TailsAndZero) {
  check_values(Function::gelu, tensor(kTails, {13}, DType::f64), "0, small and large x");
}
TEST(GeluBackward, LengthsAroundARegister) {
  for (const std::int64_t n : {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17}) {
    check_random(Function::gelu, {n}, 10 + static_cast<std::uint64_t>(n));
    check_random(Function::erf, {n}, 40 + static_cast<std::uint64_t>(n));
  }
}
TEST(GeluBackward, Float32) {
  check_random(Function::gelu, {6, 7}, 3, DType::f32);
  check_random(Function::erf, {6, 7}, 4, DType::f32);
}
TEST(GeluBackward, MismatchedShapesAreAShapeError) {
  const Tensor x = zeros({2, 3}, DType::f64);
  const Tensor g = zeros({3, 2}, DType::f64);
  const char* hint = "x and g must have the same shape: throw knob::ShapeError naming both";
  EXPECT_TRUE(throws_error<ShapeError>(
      "gelu_backward(x [2,3], g [3,2])", [&] { (void)gelu_backward(x, g); }, hint));
  EXPECT_TRUE(throws_error<ShapeError>(
      "erf_backward(x [2,3], g [3,2])", [&] { (void)erf_backward(x, g); }, hint));
}

}  // namespace
}  // namespace knob::exercises
