// Autograder of ex16_mlp_backward. The reference is knob's tape: the same MLP written with knob's
// ops on leaves that require grad, and knob::mse as the loss.
#include "exercises/common/grader.h"

#include <string>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex16_mlp_backward/mlp_backward.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex16_mlp_backward";

void check_mlp(std::int64_t rows, std::int64_t in, std::int64_t hidden, std::int64_t out,
               std::uint64_t seed, DType dtype = DType::f64) {
  Generator gen(seed);
  const Tensor x = randn({rows, in}, gen, dtype);
  const Tensor y = randn({rows, out}, gen, dtype);
  MlpParameters params{randn({hidden, in}, gen, dtype), randn({hidden}, gen, dtype),
                       randn({out, hidden}, gen, dtype), randn({out}, gen, dtype)};
  TensorList leaves;
  for (const Tensor& p : {params.w1, params.b1, params.w2, params.b2}) {
    leaves.push_back(p.clone().requires_grad_());
  }
  const Tensor hidden_out = relu(add(matmul(x, transpose(leaves[0], 0, 1)), leaves[1]));
  const Tensor z = add(matmul(hidden_out, transpose(leaves[2], 0, 1)), leaves[3]);
  backward(mse(z, y));

  MlpGradients got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = mlp_backward(x, y, params); }));
  const std::string where = " for N = " + std::to_string(rows) + ", D = " + std::to_string(in) +
                            ", H = " + std::to_string(hidden) + ", O = " + std::to_string(out);
  const Tolerance tolerance = dtype == DType::f64 ? Tolerance{1e-12, 1e-9} : Tolerance{1e-5, 1e-4};
  const char* loss_hint =
      "start at the loss: the mean runs over all N·O elements of z, and the square brings a "
      "factor of its own";
  EXPECT_TRUE(tensors_match("dL/dW2" + where, got.w2, leaves[2].grad(),
                            "W2 is used by every row of the batch; check its shape [O,H] and the "
                            "gradient arriving at z first",
                            tolerance));
  EXPECT_TRUE(tensors_match("dL/db2" + where, got.b2, leaves[3].grad(), loss_hint, tolerance));
  EXPECT_TRUE(tensors_match("dL/dW1" + where, got.w1, leaves[0].grad(),
                            "through the ReLU only where it was open (u > 0), then as for W2; "
                            "W1 is [H,D]",
                            tolerance));
  EXPECT_TRUE(tensors_match("dL/db1" + where, got.b1, leaves[1].grad(),
                            "b1 was added to every row: its gradient gathers the rows of the "
                            "gradient at u",
                            tolerance));
}

TEST(MlpBackward, ABatch) { check_mlp(8, 3, 5, 2, 1); }
TEST(MlpBackward, OneRow) { check_mlp(1, 4, 6, 3, 2); }
TEST(MlpBackward, SquareEverywhere) { check_mlp(4, 4, 4, 4, 3); }
TEST(MlpBackward, OneInputOneOutput) { check_mlp(7, 1, 5, 1, 4); }
TEST(MlpBackward, Float32) { check_mlp(16, 5, 9, 3, 5, DType::f32); }
TEST(MlpBackward, MismatchedShapesAreAShapeError) {
  Generator gen(6);
  const Tensor x = randn({4, 3}, gen, DType::f64);
  const Tensor y = randn({4, 2}, gen, DType::f64);
  const MlpParameters params{randn({5, 2}, gen, DType::f64), randn({5}, gen, DType::f64),
                             randn({2, 5}, gen, DType::f64), randn({2}, gen, DType::f64)};
  EXPECT_TRUE(throws_error<ShapeError>(
      "mlp_backward(x [4,3], W1 [5,2], ...)", [&] { (void)mlp_backward(x, y, params); },
      "W1 must be [H, D] with D = x's width (3): check every "
      "shape first and throw knob::ShapeError"));
}

}  // namespace
}  // namespace knob::exercises
