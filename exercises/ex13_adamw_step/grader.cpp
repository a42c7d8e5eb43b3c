// Autograder of ex13_adamw_step. The reference is knob's nn::AdamW, run side by side on a copy of
// the same parameters with the same gradients, step after step.
#include "exercises/common/grader.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex13_adamw_step/adamw_step.h"
#include "nn/layers/linear.h"
#include "nn/optim/adam.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex13_adamw_step";
constexpr const char* kParamHint =
    "follow the header's update in order: decay from the old p, the two moments, the bias "
    "corrections with this parameter's own t (1 at its first update), eps after the root";

Tolerance tolerance_for(DType dtype) {
  return dtype == DType::f64 ? Tolerance{1e-12, 1e-10} : Tolerance{1e-6, 1e-5};
}

Tensor find_entry(const nn::NamedTensors& state, const std::string& key) {
  for (const auto& [name, tensor] : state) {
    if (name == key) return tensor;
  }
  return Tensor{};
}

// After one step: every parameter, m, v and t of the student against nn::AdamW's.
void compare_step(int step, const nn::NamedTensors& mine, const std::vector<AdamWState>& states,
                  const nn::NamedTensors& reference_params, const nn::AdamW& reference,
                  const std::string& extra_hint, DType dtype) {
  const nn::NamedTensors reference_state = reference.state();
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const std::string& name = mine[i].first;
    const std::string where = " of parameter '" + name + "' after step " + std::to_string(step);
    const Tensor reference_t = find_entry(reference_state, "step." + name);
    const std::int64_t expected_t =
        reference_t.defined() ? static_cast<std::int64_t>(reference_t.item()) : 0;
    EXPECT_EQ(states[i].step, expected_t)
        << "t" << where << ": expected " << expected_t << ", got " << states[i].step
        << ".\n  Hint: t counts the updates of THIS parameter: +1 each time it has a gradient, "
           "unchanged when it is skipped";
    if (reference_t.defined()) {
      EXPECT_TRUE(tensors_match("m (exp_avg)" + where, states[i].exp_avg,
                                find_entry(reference_state, "exp_avg." + name),
                                "m = beta1 m + (1 - beta1) g from zeros, with the raw gradient "
                                "(AdamW never adds wd * p to g)",
                                tolerance_for(dtype)));
      EXPECT_TRUE(tensors_match("v (exp_avg_sq)" + where, states[i].exp_avg_sq,
                                find_entry(reference_state, "exp_avg_sq." + name),
                                "v = beta2 v + (1 - beta2) g^2 from zeros", tolerance_for(dtype)));
    }
    EXPECT_TRUE(tensors_match("parameter '" + name + "' after step " + std::to_string(step),
                              mine[i].second, reference_params[i].second,
                              std::string(kParamHint) + extra_hint, tolerance_for(dtype)));
  }
}

/// Which parameters get a gradient at a step (1-based), by name.
using GradientPlan = std::function<bool(int step, const std::string& name)>;

// Random parameters and gradients, `steps` steps of the student's AdamW and of nn::AdamW.
void check_adamw(
    const std::vector<std::pair<std::string, Shape>>& shapes, const AdamWOptions& options,
    int steps, const std::string& extra_hint, std::uint64_t seed, DType dtype = DType::f64,
    const GradientPlan& has_gradient = [](int, const std::string&) { return true; }) {
  Generator gen(seed);
  nn::NamedTensors mine;
  nn::NamedTensors reference_params;
  for (const auto& [name, shape] : shapes) {
    Tensor p = randn(shape, gen, dtype);
    reference_params.emplace_back(name, p.clone().requires_grad_());
    mine.emplace_back(name, p.requires_grad_());
  }
  nn::AdamW reference(reference_params, options.lr, {options.beta1, options.beta2}, options.eps,
                      options.weight_decay, options.no_decay);
  std::vector<AdamWState> states(mine.size());
  for (int step = 1; step <= steps; ++step) {
    for (std::size_t i = 0; i < mine.size(); ++i) {
      // Gradients of mixed sizes, as in training: some tiny, some large.
      const Tensor g = mul(randn(shapes[i].second, gen, dtype),
                           exp(mul_scalar(randn(shapes[i].second, gen, dtype), 1.5)));
      const bool gets_gradient = has_gradient(step, mine[i].first);
      mine[i].second.set_grad(gets_gradient ? g : Tensor{});
      reference_params[i].second.set_grad(gets_gradient ? g.clone() : Tensor{});
    }
    reference.step();
    ASSERT_TRUE(runs_without_error(kId, [&] { adamw_step(mine, states, options); }));
    compare_step(step, mine, states, reference_params, reference, extra_hint, dtype);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "(stopped after step " << step << " of " << steps
                    << "; the first differences are the ones to look at)";
      return;
    }
  }
}

const std::vector<std::pair<std::string, Shape>> kLayer = {{"weight", {3, 4}}, {"bias", {4}}};

TEST(AdamWStep, FirstStepWithoutDecay) {
  AdamWOptions options;
  options.lr = 1e-2;
  options.weight_decay = 0.0;
  check_adamw(kLayer, options, 1,
              ". At t = 1, m_hat = g and v_hat = g^2: every element moves by about lr * sign(g)",
              1);
}
TEST(AdamWStep, BiasCorrectionOverTenSteps) {
  AdamWOptions options;
  options.lr = 1e-2;
  options.weight_decay = 0.0;
  check_adamw(kLayer, options, 10,
              ". Both corrections use t: 1 - beta1^t and 1 - beta2^t (std::pow), and eps is "
              "added after the square root of v_hat",
              2);
}
TEST(AdamWStep, DecoupledWeightDecayShrinksTheParameter) {
  AdamWOptions options;
  options.lr = 5e-2;
  options.weight_decay = 0.1;
  check_adamw(kLayer, options, 5,
              ". The decay multiplies the OLD p by (1 - lr wd) before the Adam update is "
              "subtracted; it never goes into g, m or v",
              3);
}
TEST(AdamWStep, NamesInNoDecayAreNotDecayed) {
  AdamWOptions options;
  options.lr = 5e-2;
  options.weight_decay = 0.1;
  options.no_decay = {"bias", "ln.weight"};
  check_adamw({{"weight", {3, 4}}, {"bias", {4}}, {"ln.weight", {4}}}, options, 4,
              ". A parameter whose name is in options.no_decay gets wd = 0 (compare whole "
              "names, not prefixes)",
              4);
}
TEST(AdamWStep, ParametersWithoutAGradientAreSkipped) {
  AdamWOptions options;
  options.lr = 1e-2;
  options.weight_decay = 0.1;
  // "bias" has no gradient at steps 2 and 3, "frozen" never has one.
  check_adamw({{"weight", {2, 3}}, {"bias", {3}}, {"frozen", {2}}}, options, 5,
              ". A parameter without a gradient is not touched (not even decayed), and its t "
              "does not advance",
              5, DType::f64, [](int step, const std::string& name) {
                if (name == "frozen") return false;
                return !(name == "bias" && (step == 2 || step == 3));
              });
}
TEST(AdamWStep, Float32) {
  AdamWOptions options;
  options.lr = 1e-2;
  options.weight_decay = 0.05;
  options.no_decay = {"bias"};
  check_adamw(kLayer, options, 5, "", 6, DType::f32);
}

TEST(AdamWStep, TrainsALinearLayerLikeNnAdamW) {
  // Two identical Linear(3, 2) layers fitting the same targets with mean squared error: one
  // optimized by the student's AdamW, one by nn::AdamW.
  Generator gen(7);
  auto mine = std::make_shared<nn::Linear>(3, 2, gen, DType::f64);
  Generator same(7);
  auto theirs = std::make_shared<nn::Linear>(3, 2, same, DType::f64);
  const Tensor x = randn({8, 3}, gen, DType::f64);
  const Tensor target = randn({8, 2}, gen, DType::f64);
  AdamWOptions options;
  options.lr = 5e-2;
  options.weight_decay = 0.1;
  options.no_decay = {"bias"};
  const nn::NamedTensors my_params = mine->named_parameters();
  const nn::NamedTensors their_params = theirs->named_parameters();
  nn::AdamW reference(their_params, options.lr, {options.beta1, options.beta2}, options.eps,
                      options.weight_decay, options.no_decay);
  std::vector<AdamWState> states(my_params.size());
  for (int step = 1; step <= 8; ++step) {
    mine->zero_grad();
    theirs->zero_grad();
    backward(mse(mine->forward(x), target));
    backward(mse(theirs->forward(x), target));
    reference.step();
    ASSERT_TRUE(runs_without_error(kId, [&] { adamw_step(my_params, states, options); }));
    compare_step(step, my_params, states, their_params, reference,
                 ". Here the gradients come from backward() through a Linear layer; the "
                 "update is the same",
                 DType::f64);
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace knob::exercises
