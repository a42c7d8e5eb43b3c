// gradcheck itself must catch wrong gradients and say where they are.
#include <cmath>

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"

namespace knob {
namespace {

// y = x² with a deliberately wrong backward: 3x instead of 2x on element 2 only.
Tensor square_with_a_bug(const Tensor& x) {
  Tensor y;
  {
    NoGradGuard forward_only;
    y = mul(x, x);
  }
  return record("buggy_square", y, {x}, [x](const Tensor& g) {
    Tensor slope = mul_scalar(x, 2.0);
    slope = slope.detach().clone();
    slope.set({2}, 3.0 * x.at({2}));
    return TensorList{mul(g, slope)};
  });
}

// y = x³ whose backward is right but not differentiable: it uses a detached 3x², so the
// second derivative comes out as 0 instead of 6x.
Tensor cube_with_detached_backward(const Tensor& x) {
  Tensor y;
  {
    NoGradGuard forward_only;
    y = pow(x, 3.0);
  }
  return record("cube", y, {x}, [x](const Tensor& g) {
    Tensor slope;
    {
      NoGradGuard constant;
      slope = mul_scalar(pow(x, 2.0), 3.0);
    }
    return TensorList{mul(g, slope)};
  });
}

// y = x² with a backward rule `factor` times too large (a wrong constant, e.g. 0.1% off).
Tensor square_scaled_backward(const Tensor& x, double factor) {
  Tensor y;
  {
    NoGradGuard forward_only;
    y = mul(x, x);
  }
  return record("square_scaled", y, {x}, [x, factor](const Tensor& g) {
    return TensorList{mul(g, mul_scalar(x, 2.0 * factor))};
  });
}

// y = x² whose backward has two code paths, like a fused op: the plain pass (grad mode off
// inside the rule) is right; the create_graph path (grad mode on) is `factor` times too large.
Tensor square_two_paths(const Tensor& x, double create_graph_factor) {
  Tensor y;
  {
    NoGradGuard forward_only;
    y = mul(x, x);
  }
  return record("square_two_paths", y, {x}, [x, create_graph_factor](const Tensor& g) {
    const double factor = grad_enabled() ? create_graph_factor : 1.0;
    return TensorList{mul(g, mul_scalar(x, 2.0 * factor))};
  });
}

TEST(Gradcheck, FindsTheWrongElementAndNamesIt) {
  Tensor x = tensor({0.5, -1.0, 1.5, 2.0}, {4}, DType::f64).requires_grad_();
  const GradcheckResult r =
      gradcheck([](const TensorList& in) { return square_with_a_bug(in[0]); }, {x});
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("input 0"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("element [2]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("analytic 4.5"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("numeric 3"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("tolerance"), std::string::npos) << r.message;
  EXPECT_NEAR(r.max_abs_error, 1.5, 1e-6);
}

TEST(Gradcheck, FastModeAlsoCatchesIt) {
  Tensor x = tensor({0.5, -1.0, 1.5, 2.0}, {4}, DType::f64).requires_grad_();
  const GradcheckResult r = gradcheck([](const TensorList& in) { return square_with_a_bug(in[0]); },
                                      {x}, {.fast_mode = true});
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("fast mode"), std::string::npos) << r.message;
}

TEST(Gradcheck, GradgradcheckCatchesANonDifferentiableBackward) {
  Tensor x = tensor({0.5, -1.0, 1.5}, {3}, DType::f64).requires_grad_();
  auto fn = [](const TensorList& in) { return cube_with_detached_backward(in[0]); };
  EXPECT_TRUE(gradcheck(fn, {x}).passed);       // first derivative is fine
  EXPECT_FALSE(gradgradcheck(fn, {x}).passed);  // second is not
  auto good = [](const TensorList& in) { return pow(in[0], 3.0); };
  EXPECT_TRUE(gradgradcheck(good, {x}).passed);
}

TEST(Gradcheck, ARuleOneThousandthOffFailsInBothModes) {
  Generator gen(4);
  Tensor x = randn({3, 4}, gen, DType::f64).requires_grad_();
  for (double factor : {1.001, 0.999, 1.0 + 1e-5}) {
    auto fn = [factor](const TensorList& in) { return square_scaled_backward(in[0], factor); };
    EXPECT_FALSE(gradcheck(fn, {x}).passed) << factor;
    EXPECT_FALSE(gradcheck(fn, {x}, {.fast_mode = true}).passed) << factor;
  }
  auto right = [](const TensorList& in) { return square_scaled_backward(in[0], 1.0); };
  const GradcheckResult r = gradcheck(right, {x});
  EXPECT_TRUE(r.passed) << r.message;
  EXPECT_TRUE(gradcheck(right, {x}, {.fast_mode = true}).passed);
  // The tolerance comes from the error estimate: far below 1e-5 of the Jacobian's scale.
  EXPECT_LT(r.resolution, 1e-8);
  EXPECT_LT(r.worst_ratio, 1.0);
  EXPECT_GT(r.scale, 0.0);
}

TEST(Gradcheck, GradgradcheckComparesTheCreateGraphValuesWithThePlainPass) {
  Tensor x = tensor({0.5, -1.0, 1.5}, {3}, DType::f64).requires_grad_();
  auto scaled = [](const TensorList& in) { return square_two_paths(in[0], 1.001); };
  EXPECT_TRUE(gradcheck(scaled, {x}).passed);  // the plain pass is right
  const GradcheckResult r = gradgradcheck(scaled, {x});
  EXPECT_FALSE(r.passed);  // its derivative is consistent with itself, but its values are off
  EXPECT_NE(r.message.find("create_graph gradient differs from the plain backward"),
            std::string::npos)
      << r.message;
  EXPECT_NEAR(r.path_difference, 1e-3, 1e-6);
  // Step 2 alone (the derivative of the create_graph gradient) cannot see the factor.
  GradcheckOptions derivative_only;
  derivative_only.path_tolerance = INFINITY;
  EXPECT_TRUE(gradgradcheck(scaled, {x}, derivative_only).passed);
  auto both_right = [](const TensorList& in) { return square_two_paths(in[0], 1.0); };
  const GradcheckResult ok = gradgradcheck(both_right, {x});
  EXPECT_TRUE(ok.passed) << ok.message;
  EXPECT_EQ(ok.path_difference, 0.0);
}

TEST(Gradcheck, AKinkWithinTheStepIsUndecidedNotPassed) {
  // relu at 1e-4: the steps 2^-10 and 2^-11 straddle the kink, so the two central differences
  // disagree and the check cannot resolve the derivative: it must fail, naming why.
  Tensor x = tensor({1e-4, 1.0}, {2}, DType::f64).requires_grad_();
  const GradcheckResult r = gradcheck([](const TensorList& in) { return relu(in[0]); }, {x});
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("could not decide"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("kink"), std::string::npos) << r.message;
  // Away from the kink, the same op passes.
  Tensor away = tensor({0.5, 1.0}, {2}, DType::f64).requires_grad_();
  EXPECT_TRUE(gradcheck([](const TensorList& in) { return relu(in[0]); }, {away}).passed);
}

TEST(Gradcheck, RestoresTheInputs) {
  Tensor x = tensor({0.5, -1.0}, {2}, DType::f64).requires_grad_();
  const std::vector<double> before = x.to_vector();
  gradcheck([](const TensorList& in) { return exp(in[0]); }, {x});
  EXPECT_EQ(x.to_vector(), before);
}

TEST(Gradcheck, RequiresFloat64) {
  Tensor x = tensor({0.5}, {1}, DType::f32).requires_grad_();
  EXPECT_THROW(gradcheck([](const TensorList& in) { return exp(in[0]); }, {x}), DTypeError);
}

TEST(Gradcheck, ConstantInputsAreLeftAlone) {
  Generator gen(1);
  Tensor w = randn({4, 3}, gen, DType::f64).requires_grad_();
  Tensor ids = int_tensor({3, 0}, {2});
  Tensor frozen = randn({2, 3}, gen, DType::f64);  // no requires_grad: not checked
  const GradcheckResult r = gradcheck(
      [](const TensorList& in) { return mul(embedding(in[0], in[1]), in[2]); }, {w, ids, frozen});
  EXPECT_TRUE(r.passed) << r.message;
  EXPECT_EQ(r.compared, 12 * 6);  // only w's 12 elements × 6 outputs
}

}  // namespace
}  // namespace knob
