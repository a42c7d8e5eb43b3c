// Autograder of ex05_softmax_backward. The reference is knob's own softmax run through the tape.
#include "exercises/common/grader.h"

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex05_softmax_backward/softmax_backward.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex05_softmax_backward";

void check_softmax(const Shape& shape, double logit_scale, std::uint64_t seed,
                   DType dtype = DType::f64) {
  Generator gen(seed);
  Tensor x = mul_scalar(randn(shape, gen, dtype), logit_scale).detach().requires_grad_();
  Tensor y = softmax(x, -1);
  const Tensor g = randn(shape, gen, dtype);
  backward(y, g);
  Tensor got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = softmax_backward(y.detach(), g); }));
  const Tolerance tolerance = dtype == DType::f64 ? Tolerance{} : Tolerance{1e-6, 1e-5};
  EXPECT_TRUE(tensors_match("dL/dx for softmax over the last axis of " + shape_str(shape), got,
                            x.grad(),
                            "every output of a row depends on every input of the same row, and "
                            "on nothing in other rows: whatever couples the elements must run "
                            "over the last axis only",
                            tolerance));
}

TEST(SoftmaxBackward, OneRow) { check_softmax({1, 5}, 1.0, 1); }
TEST(SoftmaxBackward, SeveralRows) { check_softmax({4, 7}, 1.0, 2); }
TEST(SoftmaxBackward, ThreeDimensionsUsesTheLastAxis) { check_softmax({2, 3, 6}, 1.0, 3); }
TEST(SoftmaxBackward, PeakedRowsFromLargeLogits) { check_softmax({3, 4}, 20.0, 4); }
TEST(SoftmaxBackward, Float32) { check_softmax({4, 9}, 1.0, 5, DType::f32); }
TEST(SoftmaxBackward, SquareAndTwoClasses) {
  check_softmax({5, 5}, 1.0, 6);
  check_softmax({6, 2}, 3.0, 7);
  check_softmax({1, 1}, 1.0, 8);
}
TEST(SoftmaxBackward, MismatchedShapesAreAShapeError) {
  const Tensor y = softmax(zeros({2, 3}, DType::f64), -1);
  const Tensor g = zeros({3, 2}, DType::f64);
  EXPECT_TRUE(throws_error<ShapeError>(
      "softmax_backward(y [2,3], g [3,2])", [&] { (void)softmax_backward(y, g); },
      "compare the two shapes before anything else and throw "
      "knob::ShapeError naming both"));
}

}  // namespace
}  // namespace knob::exercises
