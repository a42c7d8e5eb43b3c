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
                            "dx_i = y_i * (g_i - Σ_j g_j y_j); the sum is over the row "
                            "(last axis) only, one number per row",
                            tolerance));
}

TEST(SoftmaxBackward, OneRow) { check_softmax({1, 5}, 1.0, 1); }
TEST(SoftmaxBackward, SeveralRows) { check_softmax({4, 7}, 1.0, 2); }
TEST(SoftmaxBackward, ThreeDimensionsUsesTheLastAxis) { check_softmax({2, 3, 6}, 1.0, 3); }
TEST(SoftmaxBackward, PeakedRowsFromLargeLogits) { check_softmax({3, 4}, 20.0, 4); }
TEST(SoftmaxBackward, Float32) { check_softmax({4, 9}, 1.0, 5, DType::f32); }
TEST(SoftmaxBackward, MismatchedShapesAreAShapeError) {
  const Tensor y = softmax(zeros({2, 3}, DType::f64), -1);
  const Tensor g = zeros({3, 2}, DType::f64);
  try {
    (void)softmax_backward(y, g);
    ADD_FAILURE() << "softmax_backward(y [2,3], g [3,2]) returned; it must refuse."
                  << "\n  Hint: check y.shape() == g.shape() first and throw knob::ShapeError.";
  } catch (const ShapeError& e) {
    SUCCEED() << e.what();
  } catch (const Error& e) {
    ADD_FAILURE() << "softmax_backward(y [2,3], g [3,2]) threw \"" << e.what()
                  << "\", which is not a ShapeError.\n  Hint: throw knob::ShapeError.";
  }
}

}  // namespace
}  // namespace knob::exercises
