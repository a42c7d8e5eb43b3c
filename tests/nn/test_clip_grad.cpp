// clip_grad_norm / grad_norm: the global norm, PyTorch's scaling rule, skipping, both dtypes.
#include <cmath>

#include <gtest/gtest.h>

#include "autograd/error.h"
#include "autograd/tensor.h"
#include "nn/optim/clip_grad.h"

namespace knob::nn {
namespace {

Tensor param_with_grad(const std::vector<double>& grad, DType dtype = DType::f64) {
  const auto n = static_cast<std::int64_t>(grad.size());
  Tensor p = zeros({n}, dtype);
  p.requires_grad_();
  p.set_grad(tensor(grad, {n}, dtype));
  return p;
}

TEST(ClipGradNorm, ScalesAllGradientsByOneFactor) {
  // ‖g‖ = √(3² + 4² + 12²) = √169 = 13
  Tensor a = param_with_grad({3.0, 4.0});
  Tensor b = param_with_grad({12.0});
  const double norm = clip_grad_norm(NamedTensors{{"a", a}, {"b", b}}, 6.5);
  EXPECT_NEAR(norm, 13.0, 1e-12) << "returns the norm before clipping";
  // c = 6.5 / (13 + 1e-6); g ← c g ≈ [1.5, 2, 6]
  const double c = 6.5 / (13.0 + 1e-6);
  EXPECT_NEAR(a.grad().at({0}), 3.0 * c, 1e-12);
  EXPECT_NEAR(a.grad().at({1}), 4.0 * c, 1e-12);
  EXPECT_NEAR(b.grad().at({0}), 12.0 * c, 1e-12);
  EXPECT_NEAR(grad_norm(NamedTensors{{"a", a}, {"b", b}}), 6.5, 1e-6);
  EXPECT_LT(grad_norm(NamedTensors{{"a", a}, {"b", b}}), 6.5);
}

TEST(ClipGradNorm, LeavesSmallGradientsExactlyAlone) {
  Tensor a = param_with_grad({3.0, 4.0});
  EXPECT_NEAR(clip_grad_norm(std::vector<Tensor>{a}, 20.0), 5.0, 1e-15);
  EXPECT_EQ(a.grad().at({0}), 3.0);
  EXPECT_EQ(a.grad().at({1}), 4.0);
}

TEST(ClipGradNorm, ClipsAtExactlyMaxNormAsPyTorchDoes) {
  // c = 5 / (5 + 1e-6) < 1, so PyTorch scales even when the norm equals max_norm.
  Tensor a = param_with_grad({3.0, 4.0});
  clip_grad_norm(std::vector<Tensor>{a}, 5.0);
  EXPECT_NEAR(a.grad().at({0}), 3.0 * 5.0 / (5.0 + 1e-6), 1e-15);
  EXPECT_LT(a.grad().at({0}), 3.0);
}

TEST(ClipGradNorm, SkipsParametersWithoutGradient) {
  Tensor a = param_with_grad({3.0, 4.0});
  Tensor no_grad = zeros({5}, DType::f64);
  no_grad.requires_grad_();
  Tensor frozen = param_with_grad({100.0});
  frozen.requires_grad_(false);
  const double norm =
      clip_grad_norm(NamedTensors{{"a", a}, {"none", no_grad}, {"frozen", frozen}}, 1.0);
  EXPECT_NEAR(norm, 5.0, 1e-12);
  EXPECT_FALSE(no_grad.has_grad());
}

TEST(ClipGradNorm, MixedDtypesAndFloat32) {
  Tensor a = param_with_grad({3.0, 4.0}, DType::f32);
  Tensor b = param_with_grad({12.0}, DType::f64);
  EXPECT_NEAR(clip_grad_norm(std::vector<Tensor>{a, b}, 1.3), 13.0, 1e-6);
  EXPECT_EQ(a.grad().dtype(), DType::f32);
  EXPECT_NEAR(a.grad().at({0}), 0.3, 1e-6);
  EXPECT_NEAR(b.grad().at({0}), 1.2, 1e-6);
}

TEST(ClipGradNorm, EmptyAndNonFinite) {
  EXPECT_EQ(clip_grad_norm(NamedTensors{}, 1.0), 0.0);
  Tensor a = param_with_grad({std::nan(""), 1.0});
  EXPECT_TRUE(std::isnan(clip_grad_norm(std::vector<Tensor>{a}, 1.0)));
}

TEST(ClipGradNorm, RejectsNegativeMaxNorm) {
  Tensor a = param_with_grad({3.0, 4.0});
  EXPECT_THROW(clip_grad_norm(std::vector<Tensor>{a}, -1.0), ValueError);
  EXPECT_THROW(clip_grad_norm(std::vector<Tensor>{a}, std::nan("")), ValueError);
  EXPECT_EQ(a.grad().at({0}), 3.0);
}

}  // namespace
}  // namespace knob::nn
