// Optimizers: SGD (plain, momentum, dampening, Nesterov, L2), Adam, AdamW, weight-decay
// exclusions, skipping, zero_grad, and checkpoint resume bit for bit.
//
// Every expected value below is worked out by hand from PyTorch's formulas (written out in the
// comments) on a two-element parameter p = [1, -2] with gradients set directly, so a test fails
// if any term of an update is wrong.
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/error.h"
#include "autograd/tensor.h"
#include "nn/optim/adam.h"
#include "nn/optim/lr_schedule.h"
#include "nn/optim/sgd.h"

namespace knob::nn {
namespace {

constexpr double kTol = 1e-12;

/// A trainable parameter holding `values`.
Tensor make_param(const std::vector<double>& values, DType dtype = DType::f64) {
  Tensor p = tensor(values, {static_cast<std::int64_t>(values.size())}, dtype);
  p.requires_grad_();
  return p;
}

void set_grad(Tensor& p, const std::vector<double>& g) {
  p.set_grad(tensor(g, p.shape(), p.dtype()));
}

/// The entry `key` of an optimizer's state.
Tensor state_entry(const Optimizer& optimizer, const std::string& key) {
  for (const auto& [name, value] : optimizer.state()) {
    if (name == key) return value;
  }
  ADD_FAILURE() << "no state entry " << key;
  return {};
}

// ---------------------------------------------------------------------------------------------
// SGD
// ---------------------------------------------------------------------------------------------

TEST(SGD, PlainStepIsLrTimesGradient) {
  Tensor p = make_param({1.0, -2.0});
  SGD sgd({{"w", p}}, /*lr=*/0.1);
  for (int step = 0; step < 3; ++step) {
    set_grad(p, {0.5, 0.25});
    sgd.step();
  }
  // p = p0 − 3 · 0.1 · g = [1 − 0.15, −2 − 0.075]
  EXPECT_NEAR(p.at({0}), 0.85, kTol);
  EXPECT_NEAR(p.at({1}), -2.075, kTol);
  EXPECT_EQ(sgd.step_count(), 3);
  EXPECT_EQ(sgd.state().size(), 2u) << "no momentum: only step and lr, no buffers";
}

TEST(SGD, MomentumBufferStartsAsGradientThenAccumulates) {
  Tensor p = make_param({1.0, -2.0});
  SGD sgd({{"w", p}}, /*lr=*/0.1, /*momentum=*/0.9);
  for (int step = 0; step < 3; ++step) {
    set_grad(p, {0.5, 0.25});
    sgd.step();
  }
  // b1 = g (a copy, no dampening on the first step), b2 = 0.9 g + g = 1.9 g,
  // b3 = 0.9 · 1.9 g + g = 2.71 g.  p = p0 − 0.1 (1 + 1.9 + 2.71) g = p0 − 0.561 g
  //   = [1 − 0.2805, −2 − 0.14025]
  EXPECT_NEAR(p.at({0}), 0.7195, kTol);
  EXPECT_NEAR(p.at({1}), -2.14025, kTol);
  const Tensor buffer = state_entry(sgd, "momentum_buffer.w");
  ASSERT_TRUE(buffer.defined());
  EXPECT_NEAR(buffer.at({0}), 2.71 * 0.5, kTol);   // 1.355
  EXPECT_NEAR(buffer.at({1}), 2.71 * 0.25, kTol);  // 0.6775
}

TEST(SGD, DampeningScalesOnlyLaterGradients) {
  Tensor p = make_param({1.0, -2.0});
  SGD sgd({{"w", p}}, 0.1, /*momentum=*/0.9, /*weight_decay=*/0.0, /*nesterov=*/false,
          /*dampening=*/0.5);
  for (int step = 0; step < 2; ++step) {
    set_grad(p, {0.5, 0.25});
    sgd.step();
  }
  // b1 = g, b2 = 0.9 g + (1 − 0.5) g = 1.4 g.  p = p0 − 0.1 (1 + 1.4) g = p0 − 0.24 g
  EXPECT_NEAR(p.at({0}), 1.0 - 0.12, kTol);
  EXPECT_NEAR(p.at({1}), -2.0 - 0.06, kTol);
}

TEST(SGD, NesterovLooksAhead) {
  Tensor p = make_param({1.0, -2.0});
  SGD sgd({{"w", p}}, 0.1, /*momentum=*/0.9, 0.0, /*nesterov=*/true);
  for (int step = 0; step < 2; ++step) {
    set_grad(p, {0.5, 0.25});
    sgd.step();
  }
  // step 1: b = g,      d = g + 0.9 b = 1.9 g
  // step 2: b = 1.9 g,  d = g + 0.9 · 1.9 g = 2.71 g.   p = p0 − 0.1 (1.9 + 2.71) g = p0 − 0.461 g
  EXPECT_NEAR(p.at({0}), 1.0 - 0.2305, kTol);
  EXPECT_NEAR(p.at({1}), -2.0 - 0.11525, kTol);
}

TEST(SGD, WeightDecayIsAddedToTheGradient) {
  Tensor p = make_param({1.0, -2.0});
  SGD sgd({{"w", p}}, 0.1, 0.0, /*weight_decay=*/0.1);
  for (int step = 0; step < 2; ++step) {
    set_grad(p, {0.5, 0.25});
    sgd.step();
  }
  // step 1: d = g + 0.1 p = [0.5 + 0.1, 0.25 − 0.2] = [0.6, 0.05];  p = [0.94, −2.005]
  // step 2: d = [0.5 + 0.094, 0.25 − 0.2005] = [0.594, 0.0495];       p = [0.8806, −2.00995]
  EXPECT_NEAR(p.at({0}), 0.8806, kTol);
  EXPECT_NEAR(p.at({1}), -2.00995, kTol);
}

TEST(SGD, RejectsBadHyperParameters) {
  Tensor p = make_param({1.0});
  EXPECT_THROW(SGD({{"w", p}}, -0.1), ValueError);
  EXPECT_THROW(SGD({{"w", p}}, 0.1, -0.5), ValueError);
  EXPECT_THROW(SGD({{"w", p}}, 0.1, 0.0, 0.0, /*nesterov=*/true), ValueError);
  EXPECT_THROW(SGD({{"w", p}}, 0.1, 0.9, 0.0, true, /*dampening=*/0.1), ValueError);
  EXPECT_THROW(SGD({{"w", p}, {"w", p}}, 0.1), ValueError);
  EXPECT_THROW(SGD({{"ids", int_tensor({1, 2}, {2})}}, 0.1), ValueError);
  SGD sgd({{"w", p}}, 0.1);
  EXPECT_THROW(sgd.set_lr(std::nan("")), ValueError);
}

// ---------------------------------------------------------------------------------------------
// Adam and AdamW
// ---------------------------------------------------------------------------------------------

// Gradients of the three steps below.
const std::vector<double> kG1 = {0.5, 0.25};
const std::vector<double> kG2 = {-0.1, 0.4};
const std::vector<double> kG3 = {0.2, -0.3};

TEST(Adam, TwoStepsByHand) {
  Tensor p = make_param({1.0, -2.0});
  Adam adam({{"w", p}}, /*lr=*/0.1, {0.9, 0.999}, /*eps=*/1e-8);

  // t = 1, g = [0.5, 0.25]:
  //   m = 0 + 0.1 (g − 0) = [0.05, 0.025]          v = 0.001 g² = [2.5e-4, 6.25e-5]
  //   bias corrections 1 − 0.9 = 0.1 and 1 − 0.999 = 0.001;  step size 0.1 / 0.1 = 1
  //   denom = √v / √0.001 + ε = [0.5, 0.25] + 1e-8
  //   p = p − 1 · m / denom = [1 − 0.05/(0.5 + 1e-8), −2 − 0.025/(0.25 + 1e-8)]
  //     = [0.900000002, −2.099999996]
  set_grad(p, kG1);
  adam.step();
  const double p1_0 = 1.0 - 0.05 / (0.5 + 1e-8);
  const double p1_1 = -2.0 - 0.025 / (0.25 + 1e-8);
  EXPECT_NEAR(p.at({0}), p1_0, kTol);
  EXPECT_NEAR(p.at({1}), p1_1, kTol);
  EXPECT_NEAR(p.at({0}), 0.900000002, 1e-15);
  EXPECT_NEAR(p.at({1}), -2.099999996, 1e-15);

  // t = 2, g = [−0.1, 0.4]:
  //   m = m + 0.1 (g − m) = [0.05 − 0.015, 0.025 + 0.0375] = [0.035, 0.0625]
  //   v = 0.999 v + 0.001 g² = [0.00024975 + 0.00001, 0.0000624375 + 0.00016]
  //     = [0.00025975, 0.0002224375]
  //   bias corrections 1 − 0.9² = 0.19 and 1 − 0.999² = 0.001999; step size 0.1 / 0.19
  set_grad(p, kG2);
  adam.step();
  const double denom0 = std::sqrt(0.00025975) / std::sqrt(0.001999) + 1e-8;
  const double denom1 = std::sqrt(0.0002224375) / std::sqrt(0.001999) + 1e-8;
  EXPECT_NEAR(p.at({0}), p1_0 - (0.1 / 0.19) * 0.035 / denom0, kTol);
  EXPECT_NEAR(p.at({1}), p1_1 - (0.1 / 0.19) * 0.0625 / denom1, kTol);
  EXPECT_NEAR(p.at({0}), 0.8488973956993239, kTol);
  EXPECT_NEAR(p.at({1}), -2.1986117759130273, kTol);

  EXPECT_NEAR(state_entry(adam, "exp_avg.w").at({1}), 0.0625, kTol);
  EXPECT_NEAR(state_entry(adam, "exp_avg_sq.w").at({0}), 0.00025975, kTol);
  EXPECT_EQ(state_entry(adam, "step.w").item(), 2.0);

  set_grad(p, kG3);  // a third step, checked against the same formulas run in double
  adam.step();
  EXPECT_NEAR(p.at({0}), 0.7887814028423108, kTol);
  EXPECT_NEAR(p.at({1}), -2.2286225032918, kTol);
}

TEST(Adam, Float32FollowsTheFloat64Result) {
  Tensor p = make_param({1.0, -2.0}, DType::f32);
  Adam adam({{"w", p}}, 0.1);
  for (const auto& g : {kG1, kG2, kG3}) {
    set_grad(p, g);
    adam.step();
  }
  EXPECT_EQ(p.dtype(), DType::f32);
  EXPECT_NEAR(p.at({0}), 0.7887814028423108, 2e-6);
  EXPECT_NEAR(p.at({1}), -2.2286225032918, 2e-6);
}

TEST(Adam, L2WeightDecayGoesThroughTheMoments) {
  Tensor p = make_param({1.0, -2.0});
  Adam adam({{"w", p}}, 0.1, {0.9, 0.999}, 1e-8, /*weight_decay=*/0.1);
  // t = 1: g' = g + 0.1 p = [0.6, 0.05]; m = 0.1 g' = [0.06, 0.005]; v = 0.001 g'²;
  //   denom = |g'| + ε;  p = [1 − 0.06/(0.6 + 1e-8), −2 − 0.005/(0.05 + 1e-8)]
  set_grad(p, kG1);
  adam.step();
  EXPECT_NEAR(p.at({0}), 1.0 - 0.06 / (0.6 + 1e-8), kTol);
  EXPECT_NEAR(p.at({1}), -2.0 - 0.005 / (0.05 + 1e-8), kTol);
  EXPECT_NEAR(state_entry(adam, "exp_avg.w").at({0}), 0.06, kTol);
  for (const auto& g : {kG2, kG3}) {
    set_grad(p, g);
    adam.step();
  }
  EXPECT_NEAR(p.at({0}), 0.760987494534709, kTol);
  EXPECT_NEAR(p.at({1}), -2.1536161623964793, kTol);
}

TEST(AdamW, DecoupledDecayShrinksTheParameterFirst) {
  Tensor p = make_param({1.0, -2.0});
  AdamW adamw({{"w", p}}, 0.1, {0.9, 0.999}, 1e-8, /*weight_decay=*/0.1);
  // t = 1: p = p (1 − 0.1 · 0.1) = [0.99, −1.98]; the moments see the raw g, so the Adam step is
  //   the same as without decay: p = [0.99 − 0.05/(0.5 + 1e-8), −1.98 − 0.025/(0.25 + 1e-8)]
  set_grad(p, kG1);
  adamw.step();
  EXPECT_NEAR(p.at({0}), 0.99 - 0.05 / (0.5 + 1e-8), kTol);
  EXPECT_NEAR(p.at({1}), -1.98 - 0.025 / (0.25 + 1e-8), kTol);
  EXPECT_NEAR(state_entry(adamw, "exp_avg.w").at({0}), 0.05, kTol) << "moments ignore the decay";
  for (const auto& g : {kG2, kG3}) {
    set_grad(p, g);
    adamw.step();
  }
  EXPECT_NEAR(p.at({0}), 0.7615814288655175, kTol);
  EXPECT_NEAR(p.at({1}), -2.1662443855722695, kTol);
}

TEST(AdamW, DiffersFromAdamWithL2) {
  Tensor a = make_param({1.0, -2.0});
  Tensor b = make_param({1.0, -2.0});
  Adam adam_l2({{"w", a}}, 0.1, {0.9, 0.999}, 1e-8, 0.1);
  AdamW adamw({{"w", b}}, 0.1, {0.9, 0.999}, 1e-8, 0.1);
  set_grad(a, kG1);
  set_grad(b, kG1);
  adam_l2.step();
  adamw.step();
  // Adam+L2: [≈0.9, ≈−2.1];  AdamW: [≈0.89, ≈−2.08]
  EXPECT_GT(std::fabs(a.at({0}) - b.at({0})), 0.009);
  EXPECT_GT(std::fabs(a.at({1}) - b.at({1})), 0.019);
}

TEST(AdamW, DefaultWeightDecayIsOnePercent) {
  Tensor p = make_param({1.0});
  AdamW adamw({{"w", p}});
  EXPECT_EQ(adamw.weight_decay(), 0.01);
  EXPECT_EQ(adamw.lr(), 1e-3);
  EXPECT_EQ(adamw.name(), "AdamW");
}

TEST(AdamW, NoDecayNamesAreNeverDecayed) {
  // A zero gradient makes Adam's step 0/(0 + ε) = 0, so only the decay can move a parameter.
  Tensor weight = make_param({1.0, -2.0});
  Tensor l_k = make_param({1.0, 1.0});
  AdamW adamw({{"blocks.0.attn.q_proj.weight", weight}, {"blocks.0.attn.l_k", l_k}}, 0.1,
              {0.9, 0.999}, 1e-8, 0.5, {"blocks.0.attn.l_k"});
  EXPECT_TRUE(adamw.decays(0));
  EXPECT_FALSE(adamw.decays(1));
  for (int step = 0; step < 3; ++step) {
    set_grad(weight, {0.0, 0.0});
    set_grad(l_k, {0.0, 0.0});
    adamw.step();
  }
  EXPECT_EQ(l_k.at({0}), 1.0);
  EXPECT_EQ(l_k.at({1}), 1.0);
  // weight: three times × (1 − 0.1 · 0.5) = 0.95³ = 0.857375
  EXPECT_NEAR(weight.at({0}), 0.857375, kTol);
  EXPECT_NEAR(weight.at({1}), -2.0 * 0.857375, kTol);
}

TEST(Optimizer, NoDecayNameMustBeAParameter) {
  Tensor p = make_param({1.0});
  EXPECT_THROW(AdamW({{"w", p}}, 0.1, {}, 1e-8, 0.1, {"blocks.0.attn.l_kk"}), ValueError);
  EXPECT_THROW(SGD({{"w", p}}, 0.1, 0.0, 0.1, false, 0.0, {"bias"}), ValueError);
}

TEST(Adam, RejectsBadHyperParameters) {
  Tensor p = make_param({1.0});
  EXPECT_THROW(Adam({{"w", p}}, 0.1, {1.0, 0.999}), ValueError);
  EXPECT_THROW(Adam({{"w", p}}, 0.1, {0.9, -0.1}), ValueError);
  EXPECT_THROW(Adam({{"w", p}}, 0.1, {0.9, 0.999}, -1e-8), ValueError);
  EXPECT_THROW(AdamW({{"w", p}}, 0.1, {0.9, 0.999}, 1e-8, -0.01), ValueError);
}

// ---------------------------------------------------------------------------------------------
// Skipping, zero_grad
// ---------------------------------------------------------------------------------------------

TEST(Optimizer, SkipsParametersWithoutGradOrFrozen) {
  Tensor trained = make_param({1.0, -2.0});
  Tensor no_grad_yet = make_param({3.0, 4.0});
  Tensor frozen = make_param({5.0, 6.0});
  set_grad(frozen, {1.0, 1.0});
  frozen.requires_grad_(false);
  Adam adam({{"a", trained}, {"b", no_grad_yet}, {"c", frozen}}, 0.1);
  set_grad(trained, kG1);
  adam.step();
  EXPECT_NE(trained.at({0}), 1.0);
  EXPECT_EQ(no_grad_yet.at({0}), 3.0);
  EXPECT_EQ(no_grad_yet.at({1}), 4.0);
  EXPECT_EQ(frozen.at({0}), 5.0);
  for (const auto& [key, value] : adam.state()) {
    EXPECT_EQ(key.find(".b"), std::string::npos) << key << ": skipped parameters get no state";
    EXPECT_EQ(key.find(".c"), std::string::npos) << key;
  }
}

TEST(Optimizer, ZeroGradClearsEveryGradient) {
  Tensor a = make_param({1.0, -2.0});
  Tensor b = make_param({3.0});
  SGD sgd({{"a", a}, {"b", b}}, 0.1);
  set_grad(a, {1.0, 1.0});
  set_grad(b, {1.0});
  sgd.zero_grad();
  EXPECT_FALSE(a.has_grad());
  EXPECT_FALSE(b.has_grad());
  sgd.step();  // nothing to do
  EXPECT_EQ(a.at({0}), 1.0);
}

// ---------------------------------------------------------------------------------------------
// Checkpoints: state() / load_state()
// ---------------------------------------------------------------------------------------------

/// Gradients that depend on the parameters and the step, like a real loss's would.
void set_grads_from_params(const NamedTensors& params, std::int64_t step) {
  for (const auto& [name, p] : params) {
    std::vector<double> g;
    for (const double value : p.to_vector()) {
      g.push_back(std::sin(1.3 * value + 0.1 * static_cast<double>(step)) + 0.05);
    }
    Tensor param = p;
    set_grad(param, g);
  }
}

NamedTensors fresh_params() {
  Tensor w = tensor({0.3, -0.7, 1.1, 0.2, -0.4, 0.9}, {2, 3}, DType::f32).requires_grad_();
  Tensor l_k = tensor({1.0, 1.0, 1.0}, {3}, DType::f64).requires_grad_();
  return {{"w", w}, {"blocks.0.attn.l_k", l_k}};
}

NamedTensors clone_params(const NamedTensors& params) {
  NamedTensors out;
  for (const auto& [name, p] : params) out.emplace_back(name, p.clone().requires_grad_());
  return out;
}

void expect_bitwise_equal(const NamedTensors& a, const NamedTensors& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const Tensor& x = a[i].second;
    const Tensor& y = b[i].second;
    ASSERT_EQ(x.dtype(), y.dtype());
    ASSERT_EQ(x.numel(), y.numel());
    const std::size_t bytes = static_cast<std::size_t>(x.numel()) * dtype_size(x.dtype());
    const void* xp = x.dtype() == DType::f32 ? static_cast<const void*>(x.data<float>())
                                             : static_cast<const void*>(x.data<double>());
    const void* yp = y.dtype() == DType::f32 ? static_cast<const void*>(y.data<float>())
                                             : static_cast<const void*>(y.data<double>());
    EXPECT_EQ(std::memcmp(xp, yp, bytes), 0) << a[i].first << " differs after resume";
  }
}

template <class MakeOptimizer>
void check_resume_is_bit_identical(MakeOptimizer make) {
  const WarmupCosineSchedule schedule(0.05, 0.005, 3, 12);
  auto train = [&](Optimizer& optimizer, std::int64_t from, std::int64_t to) {
    for (std::int64_t step = from; step < to; ++step) {
      optimizer.zero_grad();
      set_grads_from_params(optimizer.params(), step);
      optimizer.set_lr(schedule.lr_at(step));
      optimizer.step();
    }
  };
  // One uninterrupted run of 12 steps ...
  NamedTensors straight = fresh_params();
  auto uninterrupted = make(straight);
  train(*uninterrupted, 0, 12);

  // ... against 7 steps, a checkpoint (parameters + optimizer state), a new process's worth of
  // fresh objects, and the remaining 5 steps.
  NamedTensors first_half = fresh_params();
  auto before = make(first_half);
  train(*before, 0, 7);
  const NamedTensors saved_params = clone_params(first_half);
  const NamedTensors saved_state = before->state();
  train(*before, 7, 9);  // the first process keeps going: the checkpoint must not change
  EXPECT_EQ(state_entry(*before, "step").item(), 9.0);

  NamedTensors resumed_params = clone_params(saved_params);
  auto resumed = make(resumed_params);
  resumed->load_state(saved_state);
  EXPECT_EQ(resumed->step_count(), 7);
  EXPECT_EQ(resumed->lr(), schedule.lr_at(6));
  train(*resumed, 7, 12);
  expect_bitwise_equal(straight, resumed_params);
}

TEST(Checkpoint, AdamWResumesBitForBit) {
  check_resume_is_bit_identical([](const NamedTensors& params) {
    return std::make_unique<AdamW>(params, 0.05, Betas{0.9, 0.95}, 1e-8, 0.1,
                                   std::vector<std::string>{"blocks.0.attn.l_k"});
  });
}

TEST(Checkpoint, SgdWithMomentumResumesBitForBit) {
  check_resume_is_bit_identical([](const NamedTensors& params) {
    return std::make_unique<SGD>(params, 0.05, 0.9, 0.01, /*nesterov=*/true);
  });
}

TEST(Checkpoint, WithoutTheStateTheRunDiverges) {
  // The control for the test above: resuming with a fresh optimizer (moments lost) differs.
  NamedTensors a = fresh_params();
  NamedTensors b = fresh_params();
  AdamW first(a, 0.05);
  AdamW second(b, 0.05);
  for (std::int64_t step = 0; step < 4; ++step) {
    set_grads_from_params(a, step);
    first.step();
    set_grads_from_params(b, step);
    second.step();
  }
  AdamW restarted(b, 0.05);  // no load_state
  set_grads_from_params(a, 4);
  first.step();
  set_grads_from_params(b, 4);
  restarted.step();
  EXPECT_NE(a[0].second.at({0, 0}), b[0].second.at({0, 0}));
}

TEST(Checkpoint, StateNamesStepLrAndSlots) {
  NamedTensors params = fresh_params();
  Adam adam(params, 0.01);
  set_grads_from_params(params, 0);
  adam.step();
  std::vector<std::string> keys;
  for (const auto& entry : adam.state()) keys.push_back(entry.first);
  const std::vector<std::string> expected = {"step",
                                             "lr",
                                             "exp_avg.w",
                                             "exp_avg_sq.w",
                                             "step.w",
                                             "exp_avg.blocks.0.attn.l_k",
                                             "exp_avg_sq.blocks.0.attn.l_k",
                                             "step.blocks.0.attn.l_k"};
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(state_entry(adam, "step").dtype(), DType::i64);
  EXPECT_EQ(state_entry(adam, "exp_avg.w").dtype(), DType::f32);
}

TEST(Checkpoint, LoadStateReportsEveryProblemAndChangesNothing) {
  NamedTensors params = fresh_params();
  Adam adam(params, 0.01);
  set_grads_from_params(params, 0);
  adam.step();
  NamedTensors bad = adam.state();
  bad.erase(bad.begin());  // drop "step"
  bad.emplace_back("exp_avg.missing_param", zeros({3}, DType::f64));
  bad.emplace_back("velocity.w", zeros({2, 3}));
  for (auto& [key, value] : bad) {
    if (key == "exp_avg_sq.w") value = zeros({3, 2});
  }
  try {
    adam.load_state(bad);
    FAIL() << "expected ValueError";
  } catch (const ValueError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("'step'"), std::string::npos) << message;
    EXPECT_NE(message.find("exp_avg.missing_param"), std::string::npos) << message;
    EXPECT_NE(message.find("velocity.w"), std::string::npos) << message;
    EXPECT_NE(message.find("exp_avg_sq.w"), std::string::npos) << message;
    EXPECT_NE(message.find("4 problem"), std::string::npos) << message;
  }
  EXPECT_EQ(adam.step_count(), 1) << "a failed load must leave the optimizer as it was";
  EXPECT_EQ(state_entry(adam, "exp_avg_sq.w").shape(), (Shape{2, 3}));
}

}  // namespace
}  // namespace knob::nn
