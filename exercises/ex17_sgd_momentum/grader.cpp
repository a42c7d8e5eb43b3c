// Autograder of ex17_sgd_momentum. The reference is knob's nn::SGD, run side by side on a copy of
// the same parameters with the same random gradients, step after step.
#include "exercises/common/grader.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex17_sgd_momentum/sgd_step.h"
#include "nn/optim/sgd.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex17_sgd_momentum";

Tolerance tolerance_for(DType dtype) {
  return dtype == DType::f64 ? Tolerance{1e-13, 1e-11} : Tolerance{1e-6, 1e-5};
}

SgdOptions sgd(double lr, double momentum = 0.0, double dampening = 0.0, double weight_decay = 0.0,
               bool nesterov = false, std::vector<std::string> no_decay = {}) {
  SgdOptions options;
  options.lr = lr;
  options.momentum = momentum;
  options.dampening = dampening;
  options.weight_decay = weight_decay;
  options.nesterov = nesterov;
  options.no_decay = std::move(no_decay);
  return options;
}

Tensor find_entry(const nn::NamedTensors& state, const std::string& key) {
  for (const auto& [name, tensor] : state) {
    if (name == key) return tensor;
  }
  return Tensor{};
}

/// Which parameters get a gradient at a step (1-based), by name.
using GradientPlan = std::function<bool(int step, const std::string& name)>;

void compare_step(int step, const nn::NamedTensors& mine, const std::vector<SgdState>& states,
                  const nn::NamedTensors& reference_params, const nn::SGD& reference,
                  const char* hint, DType dtype) {
  const nn::NamedTensors reference_state = reference.state();
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const std::string& name = mine[i].first;
    const std::string where = " of parameter '" + name + "' after step " + std::to_string(step);
    const Tensor expected_buffer = find_entry(reference_state, "momentum_buffer." + name);
    if (expected_buffer.defined()) {
      EXPECT_TRUE(tensors_match("momentum buffer" + where, states[i].momentum_buffer,
                                expected_buffer, hint, tolerance_for(dtype)));
    } else {
      EXPECT_FALSE(states[i].momentum_buffer.defined())
          << "momentum buffer" << where << ": there should be none yet.\n  Hint: no buffer "
          << "without momentum, and none before a parameter's first update";
    }
    EXPECT_TRUE(tensors_match("parameter '" + name + "' after step " + std::to_string(step),
                              mine[i].second, reference_params[i].second, hint,
                              tolerance_for(dtype)));
  }
}

void check_sgd(
    const std::vector<std::pair<std::string, Shape>>& shapes, const SgdOptions& options, int steps,
    const char* hint, std::uint64_t seed, DType dtype = DType::f64,
    const GradientPlan& has_gradient = [](int, const std::string&) { return true; }) {
  Generator gen(seed);
  nn::NamedTensors mine;
  nn::NamedTensors reference_params;
  for (const auto& [name, shape] : shapes) {
    const Tensor start = randn(shape, gen, dtype);
    mine.emplace_back(name, start.clone().requires_grad_());
    reference_params.emplace_back(name, start.clone().requires_grad_());
  }
  nn::SGD reference(reference_params, options.lr, options.momentum, options.weight_decay,
                    options.nesterov, options.dampening, options.no_decay);
  std::vector<SgdState> states(mine.size());
  for (int step = 1; step <= steps; ++step) {
    for (std::size_t i = 0; i < mine.size(); ++i) {
      mine[i].second.zero_grad();
      reference_params[i].second.zero_grad();
      const Tensor g = randn(mine[i].second.shape(), gen, dtype);
      if (!has_gradient(step, mine[i].first)) continue;
      mine[i].second.set_grad(g.clone());
      reference_params[i].second.set_grad(g.clone());
    }
    ASSERT_TRUE(runs_without_error(kId, [&] { sgd_step(mine, states, options); }));
    reference.step();
    compare_step(step, mine, states, reference_params, reference, hint, dtype);
    if (::testing::Test::HasFailure()) return;  // the first wrong step says the most
  }
}

const std::vector<std::pair<std::string, Shape>> kLayer = {{"weight", {3, 4}}, {"bias", {4}}};

TEST(SgdStep, PlainSgd) {
  check_sgd(kLayer, sgd(0.1), 3, "without momentum the step is along the gradient itself", 1);
}
TEST(SgdStep, MomentumOverTenSteps) {
  check_sgd(kLayer, sgd(0.05, 0.9), 10,
            "the buffer keeps a running sum of past gradients: check how it starts and how it "
            "decays",
            2);
}
TEST(SgdStep, DampeningLeavesTheFirstStepAlone) {
  check_sgd(kLayer, sgd(0.05, 0.9, 0.5), 4,
            "dampening scales the new gradient when it is added to an existing buffer; on the "
            "very first update there is no buffer yet",
            3);
}
TEST(SgdStep, WeightDecayGoesThroughTheGradient) {
  check_sgd({{"weight", {3, 4}}, {"bias", {4}}, {"ln.weight", {4}}},
            sgd(0.05, 0.9, 0.0, 0.1, false, {"bias", "ln.weight"}), 5,
            "L2 decay adds lambda * p to the gradient before anything else (so it enters the "
            "buffer), and never for names in no_decay",
            4);
}
TEST(SgdStep, Nesterov) {
  check_sgd(kLayer, sgd(0.05, 0.9, 0.0, 0.01, true), 5,
            "Nesterov steps along the (decayed) gradient plus momentum times the NEW buffer", 5);
}
TEST(SgdStep, ParametersWithoutAGradientAreSkipped) {
  check_sgd({{"weight", {2, 3}}, {"bias", {3}}, {"frozen", {2}}}, sgd(0.05, 0.9, 0.0, 0.1), 5,
            "a parameter without a gradient is not touched (not even decayed), and its buffer "
            "is neither created nor decayed",
            6, DType::f64, [](int step, const std::string& name) {
              if (name == "frozen") return false;
              return !(name == "bias" && (step == 2 || step == 3));
            });
}
TEST(SgdStep, OneElementAndOneRow) {
  check_sgd({{"scale", {1}}, {"row", {1, 5}}}, sgd(0.1, 0.5, 0.1), 4,
            "every parameter has its own buffer, whatever its shape", 7);
}
TEST(SgdStep, Float32) {
  check_sgd(kLayer, sgd(0.05, 0.9, 0.0, 0.01, true), 5, "keep the parameter's dtype", 8,
            DType::f32);
}
TEST(SgdStep, RefusesNesterovWithoutMomentum) {
  nn::NamedTensors params{{"w", zeros({2}, DType::f64).requires_grad_()}};
  std::vector<SgdState> states(1);
  EXPECT_TRUE(throws_error<ValueError>(
      "sgd_step with nesterov and momentum 0",
      [&] { sgd_step(params, states, sgd(0.1, 0.0, 0.0, 0.0, true)); },
      "Nesterov momentum needs momentum > 0 (and no dampening): throw knob::ValueError"));
  std::vector<SgdState> too_few;
  EXPECT_TRUE(throws_error<ValueError>(
      "sgd_step with 0 states for 1 parameter", [&] { sgd_step(params, too_few, sgd(0.1)); },
      "one state per parameter: throw knob::ValueError"));
}

}  // namespace
}  // namespace knob::exercises
