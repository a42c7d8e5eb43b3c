// Autograder of ex24_unlikelihood_loss. The reference is knob's unlikelihood_loss (the T-Few loss
// op) run through the tape, on random logits and on nearly certain and nearly impossible tokens.
#include "exercises/common/grader.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex24_unlikelihood_loss/unlikelihood_loss.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex24_unlikelihood_loss";
constexpr const char* kGradHint =
    "differentiate -log(1 - softmax(z)_y) with respect to every logit of the row (the token y "
    "and the others behave differently), then divide by the number of counted positions";

void check_loss(const Tensor& logits, const Tensor& targets, std::int64_t ignore_index,
                const std::string& what, const char* hint) {
  Tensor leaf = logits.clone().requires_grad_();
  const Tensor expected_loss = unlikelihood_loss(leaf, targets, ignore_index);
  backward(expected_loss);
  UnlikelihoodResult got;
  ASSERT_TRUE(runs_without_error(
      kId, [&] { got = unlikelihood_loss_and_grad(logits, targets, ignore_index); }));
  const bool f64 = logits.dtype() == DType::f64;
  const Tolerance tolerance = f64 ? Tolerance{1e-13, 1e-10} : Tolerance{1e-6, 1e-5};
  EXPECT_TRUE(tensors_match("loss for " + what, got.loss, expected_loss,
                            "-(1/|P|) Σ log(1 - softmax(z_p)_{y_p}); when the token is nearly "
                            "certain, 1 - softmax(z)_y rounds to 0: compute log(1 - p) without "
                            "forming 1 - p",
                            tolerance));
  EXPECT_TRUE(tensors_match("dL/dlogits for " + what, got.grad, leaf.grad(), hint, tolerance));
}

void check_random(const Shape& shape, const std::vector<std::int64_t>& ignored, double scale,
                  const char* hint, std::uint64_t seed, DType dtype = DType::f64) {
  Generator gen(seed);
  const Tensor logits = mul_scalar(randn(shape, gen, dtype), scale);
  const Shape target_shape(shape.begin(), shape.end() - 1);
  std::vector<std::int64_t> targets = randint(target_shape, 0, shape.back(), gen).to_int_vector();
  for (const std::int64_t p : ignored) targets[static_cast<std::size_t>(p)] = -100;
  check_loss(logits, int_tensor(targets, target_shape), -100,
             "logits " + shape_str(shape) + " with " + std::to_string(ignored.size()) +
                 " ignored position(s)",
             hint);
}

// Row p's wrong token gets logit `boost`, the others random: nearly certain for large boost.
void check_peaked(double boost, std::uint64_t seed) {
  Generator gen(seed);
  Tensor logits = randn({3, 6}, gen, DType::f64);
  const std::vector<std::int64_t> targets = {2, 0, 5};
  for (std::int64_t p = 0; p < 3; ++p) logits.set({p, targets[static_cast<std::size_t>(p)]}, boost);
  check_loss(logits, int_tensor(targets, {3}), -100,
             "rows whose wrong token has logit " + std::to_string(boost),
             "with the wrong token nearly certain, 1 - p is about e^{-boost}: divide by it and "
             "you divide by a rounded 0; express every factor with the other tokens' softmax");
}

TEST(UnlikelihoodLoss, RandomRows) { check_random({6, 5}, {}, 1.0, kGradHint, 1); }
TEST(UnlikelihoodLoss, ChoicesTimesTokens) {
  check_random({2, 3, 4, 7}, {1, 5, 10}, 1.5, kGradHint, 2);
}
TEST(UnlikelihoodLoss, IgnoredPositionsAreNotCounted) {
  check_random({5, 4}, {0, 2, 3}, 1.0,
               "ignored positions get 0 and do not count in |P| (2 counted here, of 5)", 3);
}
TEST(UnlikelihoodLoss, ANearlyCertainWrongToken) {
  check_peaked(40.0, 4);
  check_peaked(15.0, 5);
}
TEST(UnlikelihoodLoss, ANearlyImpossibleWrongToken) { check_peaked(-40.0, 6); }
TEST(UnlikelihoodLoss, TwoClassesAndSquareLogits) {
  check_random({7, 2}, {}, 2.0, kGradHint, 7);
  check_random({4, 4}, {1}, 1.0, kGradHint, 8);
}
TEST(UnlikelihoodLoss, Float32) { check_random({8, 11}, {3}, 1.0, kGradHint, 9, DType::f32); }
TEST(UnlikelihoodLoss, BadInputsAreRefused) {
  const Tensor logits = zeros({3, 4}, DType::f64);
  EXPECT_TRUE(throws_error<ValueError>(
      "unlikelihood_loss_and_grad with every target ignored",
      [&] {
        (void)unlikelihood_loss_and_grad(logits, int_tensor({-100, -100, -100}, {3}));
      },
      "no counted position: the mean is 0/0, throw knob::ValueError"));
  EXPECT_TRUE(throws_error<ValueError>(
      "unlikelihood_loss_and_grad with target 4 for V = 4",
      [&] {
        (void)unlikelihood_loss_and_grad(logits, int_tensor({0, 4, 1}, {3}));
      },
      "a target must be in [0, V): throw knob::ValueError naming it"));
  EXPECT_TRUE(throws_error<ValueError>(
      "unlikelihood_loss_and_grad with V = 1",
      [&] {
        (void)unlikelihood_loss_and_grad(zeros({3, 1}, DType::f64), int_tensor({0, 0, 0}, {3}));
      },
      "with one class its probability is 1 and log(1 - 1) = -inf: throw knob::ValueError"));
  EXPECT_TRUE(throws_error<ShapeError>(
      "unlikelihood_loss_and_grad(logits [3,4], targets [4])",
      [&] {
        (void)unlikelihood_loss_and_grad(logits, int_tensor({0, 1, 2, 3}, {4}));
      },
      "targets must be the logits' shape without the last axis: throw knob::ShapeError"));
}

}  // namespace
}  // namespace knob::exercises
