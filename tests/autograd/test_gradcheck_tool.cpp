// gradcheck itself must catch wrong gradients and say where they are.
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

TEST(Gradcheck, FindsTheWrongElementAndNamesIt) {
  Tensor x = tensor({0.5, -1.0, 1.5, 2.0}, {4}, DType::f64).requires_grad_();
  const GradcheckResult r =
      gradcheck([](const TensorList& in) { return square_with_a_bug(in[0]); }, {x});
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("input 0"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("element [2]"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("analytic 4.5"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("numeric 3"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("atol"), std::string::npos) << r.message;
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
