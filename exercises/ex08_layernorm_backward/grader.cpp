// Autograder of ex08_layernorm_backward. The reference is knob's nn::LayerNorm run through the
// tape.
#include "exercises/common/grader.h"

#include <memory>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex08_layernorm_backward/layernorm_backward.h"
#include "nn/layer_norm.h"

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
                            "dx = r (g_hat - mean(g_hat) - x_hat * mean(g_hat * x_hat)) with "
                            "g_hat = g * gamma and r = 1/sqrt(var + eps); both means are over "
                            "the row, and var divides by D (not D - 1)",
                            tolerance));
  EXPECT_TRUE(tensors_match("grad_gamma" + where, got.grad_gamma, layer_norm->weight().grad(),
                            "dgamma_i = sum over every row of g_i * x_hat_i (x_hat is the "
                            "normalised x, before gamma and beta); sum over all leading axes",
                            tolerance));
  EXPECT_TRUE(tensors_match("grad_beta" + where, got.grad_beta, layer_norm->bias().grad(),
                            "dbeta_i = sum over every row of g_i, down to shape [D]", tolerance));
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
TEST(LayerNormBackward, GammaOfTheWrongSizeIsAShapeError) {
  const Tensor x = zeros({2, 4}, DType::f64);
  const Tensor g = zeros({2, 4}, DType::f64);
  const Tensor gamma = ones({2}, DType::f64);
  try {
    (void)layer_norm_backward(g, x, gamma, 1e-5);
    ADD_FAILURE() << "layer_norm_backward(g [2,4], x [2,4], gamma [2]) returned; gamma must be "
                     "[4].\n  Hint: check gamma.shape() == Shape{x.size(-1)} and throw "
                     "knob::ShapeError.";
  } catch (const ShapeError& e) {
    SUCCEED() << e.what();
  } catch (const Error& e) {
    ADD_FAILURE() << "layer_norm_backward(g [2,4], x [2,4], gamma [2]) threw \"" << e.what()
                  << "\", which is not a ShapeError.\n  Hint: throw knob::ShapeError.";
  }
}

}  // namespace
}  // namespace knob::exercises
