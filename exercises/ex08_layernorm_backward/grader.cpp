// Autograder of ex08_layernorm_backward. The reference is knob's nn::LayerNorm run through the
// tape.
#include "exercises/common/grader.h"

#include <memory>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex08_layernorm_backward/layernorm_backward.h"
#include "nn/layers/layer_norm.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex08_layernorm_backward";

// The student's three gradients at x against nn::LayerNorm's (γ, β random, g random).
void check_layer_norm(const Tensor& x, double eps, std::uint64_t seed) {
  const DType dtype = x.dtype();
  const std::int64_t features = x.size(-1);
  Generator gen(seed);
  const Tensor gamma = add_scalar(mul_scalar(randn({features}, gen, dtype), 0.5), 1.0);
  const Tensor beta = randn({features}, gen, dtype);
  const Tensor g = randn(x.shape(), gen, dtype);

  auto layer_norm = std::make_shared<nn::LayerNorm>(features, eps, dtype);
  layer_norm->load_state_dict({{"weight", gamma}, {"bias", beta}});
  Tensor x_leaf = x.clone().requires_grad_();
  backward(layer_norm->forward(x_leaf), g);

  LayerNormGrads got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = layer_norm_backward(g, x, gamma, eps); }));
  const std::string where =
      fmt::format(" for LayerNorm over the last axis of x {} (eps {})", shape_str(x.shape()), eps);
  const Tolerance tolerance = dtype == DType::f64 ? Tolerance{} : Tolerance{1e-5, 1e-4};
  EXPECT_TRUE(tensors_match("grad_x" + where, got.grad_x, x_leaf.grad(),
                            "x reaches y through x_hat, mu and sigma^2 together: a term for "
                            "each path, every sum over the row only; the variance divides by D "
                            "(not D - 1) and eps sits inside the root",
                            tolerance));
  EXPECT_TRUE(tensors_match("grad_gamma" + where, got.grad_gamma, layer_norm->weight().grad(),
                            "gamma multiplies the normalised x in every row: its gradient "
                            "gathers all rows (all leading axes), and ends with shape [D]",
                            tolerance));
  EXPECT_TRUE(tensors_match("grad_beta" + where, got.grad_beta, layer_norm->bias().grad(),
                            "beta is added in every row: its gradient gathers all rows, down "
                            "to shape [D]",
                            tolerance));
}

void check_random(const Shape& shape, double eps, std::uint64_t seed, DType dtype = DType::f64) {
  Generator gen(seed + 1000);
  check_layer_norm(add_scalar(mul_scalar(randn(shape, gen, dtype), 2.0), 0.5), eps, seed);
}

TEST(LayerNormBackward, OneRow) { check_random({1, 5}, 1e-5, 1); }
TEST(LayerNormBackward, SeveralRows) { check_random({4, 6}, 1e-5, 2); }
TEST(LayerNormBackward, BatchAndTimeAxesAreAllRows) { check_random({2, 3, 8}, 1e-5, 3); }
TEST(LayerNormBackward, ALargeEpsIsPartOfTheStandardDeviation) { check_random({3, 5}, 0.5, 4); }
TEST(LayerNormBackward, ConstantRowsOnlyWorkWithEps) {
  // Every row constant: variance 0, so r = 1/sqrt(eps) and x_hat = 0 (the values are exact in
  // binary, so the mean is exact too).
  check_layer_norm(tensor({1.5, 1.5, 1.5, 1.5, -2.0, -2.0, -2.0, -2.0, 0.25, 0.25, 0.25, 0.25},
                          {3, 4}, DType::f64),
                   1e-5, 5);
}
TEST(LayerNormBackward, Float32) { check_random({5, 16}, 1e-5, 6, DType::f32); }
TEST(LayerNormBackward, SquareAndTwoFeatures) {
  check_random({4, 4}, 1e-5, 7);
  check_random({6, 2}, 1e-5, 8);
}
TEST(LayerNormBackward, GammaOfTheWrongSizeIsAShapeError) {
  const Tensor x = zeros({2, 4}, DType::f64);
  const Tensor g = zeros({2, 4}, DType::f64);
  const Tensor gamma = ones({2}, DType::f64);
  EXPECT_TRUE(throws_error<ShapeError>(
      "layer_norm_backward(g [2,4], x [2,4], gamma [2])",
      [&] { (void)layer_norm_backward(g, x, gamma, 1e-5); },
      "gamma must have one entry per feature, [4] here: throw "
      "knob::ShapeError naming the shapes"));
}

}  // namespace
}  // namespace knob::exercises
