// Anomaly mode (autograd/anomaly.h): the first op whose output or gradient holds a NaN or an
// infinity is named, in forward or in backward; with the mode off nothing changes.
#include <cmath>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "autograd/anomaly.h"
#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "autograd/tape.h"
#include "common/tiny_model.h"
#include "nn/layers/transformer.h"

namespace knob {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(AnomalyMode, IsOffByDefaultAndTheGuardRestoresTheSetting) {
  if (std::getenv("KNOB_DETECT_ANOMALY") != nullptr) GTEST_SKIP() << "KNOB_DETECT_ANOMALY is set";
  EXPECT_FALSE(anomaly_mode_enabled());
  {
    AnomalyGuard on;
    EXPECT_TRUE(anomaly_mode_enabled());
    {
      AnomalyGuard off(false);
      EXPECT_FALSE(anomaly_mode_enabled());
    }
    EXPECT_TRUE(anomaly_mode_enabled());
  }
  EXPECT_FALSE(anomaly_mode_enabled());
}

TEST(AnomalyMode, LogOfANegativeNumberIsNamedInForward) {
  Tensor x = tensor({1.0, 2.0, 3.0, -1.0, 5.0, 6.0}, {2, 3}).requires_grad_();
  AnomalyGuard detect;
  try {
    Tensor y = log(x);
    FAIL() << "no anomaly reported";
  } catch (const AnomalyError& e) {
    EXPECT_EQ(e.op(), "log");
    EXPECT_EQ(e.phase(), AnomalyPhase::forward);
    EXPECT_EQ(e.shape(), (Shape{2, 3}));
    EXPECT_EQ(e.first_bad_index(), 3);
    const std::string msg = e.what();
    EXPECT_TRUE(contains(msg, "anomaly in forward of 'log'")) << msg;
    EXPECT_TRUE(contains(msg, "[2,3]")) << msg;
    EXPECT_TRUE(contains(msg, "nan at index [1,0]")) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
}

TEST(AnomalyMode, ChecksOpsThatAreNotRecordedToo) {
  Tensor x = tensor({-1.0}, {1});  // does not require grad: nothing is recorded
  AnomalyGuard detect;
  EXPECT_THROW(log(x), AnomalyError);
  NoGradGuard no_grad;
  EXPECT_THROW(sqrt(x), AnomalyError);
}

TEST(AnomalyMode, AnOverflowToInfinityIsNamedAtTheOpThatOverflowed) {
  Tensor x = tensor({1.0, 100.0}, {2}).requires_grad_();  // f32: e^100 overflows
  AnomalyGuard detect;
  Tensor y = mul_scalar(x, 2.0);  // finite: no error
  try {
    Tensor z = exp(y);
    FAIL() << "no anomaly reported";
  } catch (const AnomalyError& e) {
    EXPECT_EQ(e.op(), "exp");
    EXPECT_TRUE(contains(e.what(), "inf at index [1]")) << e.what();
  }
}

TEST(AnomalyMode, ANaNMadeFromAnIncomingInfinityNamesTheInput) {
  // The infinity is a constant (made outside any op); mul turns inf * 0 into NaN.
  Tensor inf = tensor({INFINITY, 1.0}, {2});
  Tensor x = tensor({0.0, 3.0}, {2}).requires_grad_();
  AnomalyGuard detect;
  Tensor passed_on = add(inf, x);  // an infinity flowing through is not an anomaly
  EXPECT_TRUE(std::isinf(passed_on.at({0})));
  try {
    Tensor z = mul(inf, x);
    FAIL() << "no anomaly reported";
  } catch (const AnomalyError& e) {
    EXPECT_EQ(e.op(), "mul");
    EXPECT_TRUE(contains(e.what(), "input 0 already held inf at index [0]")) << e.what();
  }
}

TEST(AnomalyMode, AnInfiniteGradientIsNamedInBackward) {
  // d sqrt(x)/dx = 1 / (2 sqrt x) is infinite at 0, while sqrt(0) = 0 is fine.
  Tensor x = tensor({0.0, 1.0, 4.0}, {3}, DType::f64).requires_grad_();
  AnomalyGuard detect;
  Tensor loss = sum(mul_scalar(sqrt(x), 3.0));  // forward: all finite
  try {
    backward(loss);
    FAIL() << "no anomaly reported";
  } catch (const AnomalyError& e) {
    EXPECT_EQ(e.op(), "sqrt");
    EXPECT_EQ(e.phase(), AnomalyPhase::backward);
    EXPECT_EQ(e.shape(), (Shape{3}));
    EXPECT_EQ(e.first_bad_index(), 0);
    EXPECT_TRUE(contains(e.what(), "anomaly in backward of 'sqrt': gradient for input 0 [3] (f64)"))
        << e.what();
  }
  EXPECT_FALSE(x.has_grad());  // the walk stopped before reaching the leaf
}

TEST(AnomalyMode, ANaNStartingGradientIsReported) {
  Tensor x = tensor({1.0, 2.0}, {2}).requires_grad_();
  AnomalyGuard detect;
  Tensor y = mul_scalar(x, 2.0);
  EXPECT_THROW(backward(y, tensor({NAN, 1.0}, {2})), AnomalyError);
}

TEST(AnomalyMode, OffMeansNoCheckAndTheSameNumbers) {
  AnomalyGuard off(false);  // also when KNOB_DETECT_ANOMALY is set
  Tensor x = tensor({0.0, -1.0, 4.0}, {3}, DType::f64).requires_grad_();
  Tensor y = log(x);  // -inf, nan, log 4
  EXPECT_TRUE(std::isinf(y.at({0})));
  EXPECT_TRUE(std::isnan(y.at({1})));
  Tensor w = tensor({0.0, 4.0}, {2}, DType::f64).requires_grad_();
  backward(sum(sqrt(w)));  // gradient inf at 0: silently, as without anomaly mode
  EXPECT_TRUE(std::isinf(w.grad().at({0})));
  EXPECT_DOUBLE_EQ(w.grad().at({1}), 0.25);
}

TEST(AnomalyMode, GradcheckAndSecondDerivativesPassWithTheModeOn) {
  AnomalyGuard detect;
  Tensor x = tensor({0.5, 1.5, 2.5}, {3}, DType::f64).requires_grad_();
  auto fn = [](const TensorList& in) { return sqrt(mul(in[0], in[0])); };
  EXPECT_TRUE(gradcheck(fn, {x}).passed);
  EXPECT_TRUE(gradgradcheck(fn, {x}).passed);
}

TEST(AnomalyMode, ATransformerWithItsMinusInfinityMaskTrainsWithoutFalseAlarms) {
  Generator gen(7);
  nn::Transformer model(test::tiny_config(), gen);
  AnomalyGuard detect;
  Tensor loss =
      model.loss(int_tensor({1, 2, 3, 4, 5}, {1, 5}), int_tensor({2, 3, 4, 5, -100}, {1, 5}));
  EXPECT_NO_THROW(backward(loss));
  EXPECT_TRUE(model.head().named_parameters().front().second.has_grad());
}

// Run by CTest with KNOB_DETECT_ANOMALY=1 (tests/reliability/CMakeLists.txt); skipped otherwise.
TEST(AnomalyEnvironment, KnobDetectAnomalyOneSwitchesTheModeOn) {
  const char* env = std::getenv("KNOB_DETECT_ANOMALY");
  if (env == nullptr || std::string(env) != "1") GTEST_SKIP() << "KNOB_DETECT_ANOMALY is not 1";
  EXPECT_TRUE(anomaly_mode_enabled());
  EXPECT_THROW(log(tensor({-2.0}, {1})), AnomalyError);
  AnomalyGuard off(false);
  EXPECT_NO_THROW(log(tensor({-2.0}, {1})));
}

}  // namespace
}  // namespace knob
