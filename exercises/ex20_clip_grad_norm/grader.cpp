// Autograder of ex20_clip_grad_norm. The reference is nn::clip_grad_norm, run on a copy of the
// same parameters with copies of the same gradients.
#include "exercises/common/grader.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex20_clip_grad_norm/clip_grad_norm.h"
#include "nn/optim/clip_grad.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex20_clip_grad_norm";

/// A parameter: name, shape, dtype, and whether it has a gradient / requires grad.
struct ParamSpec {
  std::string name;
  Shape shape;
  DType dtype = DType::f64;
  bool has_grad = true;
  bool trainable = true;
};

nn::NamedTensors make_params(const std::vector<ParamSpec>& specs, double grad_scale,
                             std::uint64_t seed) {
  Generator gen(seed);
  nn::NamedTensors params;
  for (const ParamSpec& spec : specs) {
    Tensor p = randn(spec.shape, gen, spec.dtype);
    if (spec.trainable) p.requires_grad_();
    if (spec.trainable && spec.has_grad)
      p.set_grad(mul_scalar(randn(spec.shape, gen, spec.dtype), grad_scale));
    params.emplace_back(spec.name, p);
  }
  return params;
}

nn::NamedTensors copy_of(const nn::NamedTensors& params) {
  nn::NamedTensors copy;
  for (const auto& [name, p] : params) {
    Tensor q = p.clone();
    if (p.requires_grad()) {
      q.requires_grad_();
      if (p.has_grad()) q.set_grad(p.grad().clone());
    }
    copy.emplace_back(name, q);
  }
  return copy;
}

void check_clip(const std::vector<ParamSpec>& specs, double grad_scale, double max_norm,
                const char* hint, std::uint64_t seed) {
  const nn::NamedTensors mine = make_params(specs, grad_scale, seed);
  const nn::NamedTensors reference = copy_of(mine);
  const double expected_norm = nn::clip_grad_norm(reference, max_norm);
  double got_norm = 0.0;
  ASSERT_TRUE(runs_without_error(kId, [&] { got_norm = clip_grad_norm(mine, max_norm); }));
  const std::string where = " (max_norm " + std::to_string(max_norm) + ", norm before " +
                            std::to_string(expected_norm) + ")";
  const bool norm_ok =
      (std::isnan(expected_norm) && std::isnan(got_norm)) ||
      std::fabs(got_norm - expected_norm) <= 1e-9 * std::fabs(expected_norm) + 1e-12;
  EXPECT_TRUE(norm_ok) << "returned norm" << where << ": expected " << expected_norm << ", got "
                       << got_norm << ".\n  Hint: " << hint;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const auto& [name, p] = mine[i];
    if (!reference[i].second.requires_grad() || !reference[i].second.has_grad()) continue;
    const Tolerance tolerance =
        p.dtype() == DType::f64 ? Tolerance{1e-14, 1e-12} : Tolerance{1e-7, 1e-6};
    EXPECT_TRUE(tensors_match("gradient of '" + name + "' after clipping" + where, p.grad(),
                              reference[i].second.grad(), hint, tolerance));
  }
}

TEST(ClipGradNorm, BelowTheLimitNothingChanges) {
  check_clip({{"w", {3, 4}}, {"b", {4}}}, 0.01, 10.0,
             "a norm under max_norm leaves every gradient as it was; the norm is still returned",
             1);
}
TEST(ClipGradNorm, AboveTheLimitEveryGradientIsScaledTogether) {
  check_clip({{"w", {3, 4}}, {"b", {4}}, {"emb", {5, 2}}}, 3.0, 1.0,
             "one norm over ALL the gradients (not one per tensor), and one factor for all of "
             "them, so the direction of the whole update is kept",
             2);
}
TEST(ClipGradNorm, ParametersWithoutGradientsAreLeftOut) {
  check_clip({{"w", {2, 3}},
              {"unused", {4}, DType::f64, false},
              {"frozen", {3}, DType::f64, true, false},
              {"b", {3}}},
             2.0, 0.5, "a parameter with no gradient (or frozen) neither counts nor changes", 3);
}
TEST(ClipGradNorm, NoGradientAtAll) {
  check_clip({{"w", {2, 3}, DType::f64, false}}, 1.0, 1.0,
             "with no gradient the norm is 0 and there is nothing to scale", 4);
}
TEST(ClipGradNorm, OneElementAndFloat32SummedInDouble) {
  check_clip({{"scale", {1}}}, 5.0, 1.0, "a single number is a vector too", 5);
  check_clip({{"w", {64, 64}, DType::f32}, {"b", {64}, DType::f32}}, 1.0, 2.0,
             "add the squares in double, whatever the gradients' dtype", 6);
}
TEST(ClipGradNorm, ExactlyAtTheLimitAndZeroLimit) {
  check_clip({{"w", {3, 3}}}, 1.0, 0.0, "max_norm 0 scales every gradient to 0", 7);
}
TEST(ClipGradNorm, AnInfiniteGradientGivesNaNOrZero) {
  nn::NamedTensors mine = make_params({{"w", {4}}}, 1.0, 8);
  Tensor g = mine[0].second.grad();
  g.set({1}, std::numeric_limits<double>::infinity());
  const nn::NamedTensors reference = copy_of(mine);
  const double expected_norm = nn::clip_grad_norm(reference, 1.0);
  double got_norm = 0.0;
  ASSERT_TRUE(runs_without_error(kId, [&] { got_norm = clip_grad_norm(mine, 1.0); }));
  EXPECT_TRUE(std::isinf(got_norm) && std::isinf(expected_norm))
      << "the norm of a gradient holding inf must be inf, got " << got_norm;
  EXPECT_TRUE(tensors_match("gradient with an inf after clipping", mine[0].second.grad(),
                            reference[0].second.grad(),
                            "max_norm / (inf + 1e-6) is 0, and 0 * inf is NaN: scale anyway, as "
                            "PyTorch does, so the caller sees the blow-up",
                            {0.0, 0.0}));
}
TEST(ClipGradNorm, ANegativeOrNaNLimitIsAValueError) {
  const nn::NamedTensors params = make_params({{"w", {2}}}, 1.0, 9);
  const char* hint = "max_norm must be >= 0 (and not NaN): throw knob::ValueError";
  EXPECT_TRUE(throws_error<ValueError>(
      "clip_grad_norm(params, -1)", [&] { (void)clip_grad_norm(params, -1.0); }, hint));
  EXPECT_TRUE(throws_error<ValueError>(
      "clip_grad_norm(params, NaN)",
      [&] { (void)clip_grad_norm(params, std::numeric_limits<double>::quiet_NaN()); }, hint));
}

}  // namespace
}  // namespace knob::exercises
