// Determinism (the rules are in docs/determinism.md): the same seed gives a
// bit-identical loss trajectory on one SIMD path, and the scalar reference path agrees with the
// best SIMD path within a documented tolerance.
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/kernels/kernels.h"
#include "autograd/ops.h"
#include "autograd/parallel.h"
#include "autograd/random.h"
#include "autograd/tape.h"
#include "common/tiny_model.h"
#include "nn/layers/transformer.h"
#include "nn/optim/adam.h"

namespace knob {
namespace {

constexpr int kSteps = 30;

/// The tolerance between SIMD paths, relative to the loss (see docs/determinism.md).
constexpr double kCrossPathRelativeTolerance = 1e-5;

/// Selects an instruction set for the scope and restores the previous one afterwards.
class IsaScope {
 public:
  explicit IsaScope(kernels::Isa isa) : previous_(kernels::active_isa()) {
    kernels::set_active_isa(isa);
  }
  ~IsaScope() { kernels::set_active_isa(previous_); }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;

 private:
  kernels::Isa previous_;
};

/// Train a small transformer for kSteps AdamW steps on a fixed "next digit" task and return the
/// loss before each step. Everything random (weights, data) comes from `seed`.
std::vector<double> loss_trajectory(std::uint64_t seed) {
  const nn::TransformerConfig config = test::tiny_config({.vocab_size = 12,
                                                          .d_model = 24,
                                                          .n_heads = 3,
                                                          .n_layers = 2,
                                                          .d_ff = 48,
                                                          .max_seq_len = 10});
  Generator gen(seed);
  nn::Transformer model(config, gen);
  nn::AdamW optimizer(model.named_parameters(), 3e-3);

  // ids: random tokens; target at t = (ids[t] + 1) mod V, the last position ignored.
  const std::int64_t B = 6;
  const std::int64_t T = 10;
  std::vector<std::int64_t> ids(B * T);
  std::vector<std::int64_t> targets(B * T);
  for (std::int64_t i = 0; i < B * T; ++i) ids[i] = gen.integer(0, config.vocab_size);
  for (std::int64_t i = 0; i < B * T; ++i) {
    targets[i] = (i % T == T - 1) ? -100 : (ids[i] + 1) % config.vocab_size;
  }
  const Tensor id_tensor = int_tensor(ids, {B, T});
  const Tensor target_tensor = int_tensor(targets, {B, T});

  std::vector<double> losses;
  for (int step = 0; step < kSteps; ++step) {
    optimizer.zero_grad();
    Tensor loss = model.loss(id_tensor, target_tensor);
    losses.push_back(loss.item());
    backward(loss);
    optimizer.step();
  }
  return losses;
}

std::string isa_label(kernels::Isa isa) { return std::string(kernels::isa_name(isa)); }

TEST(Determinism, SameSeedGivesABitIdenticalLossTrajectoryOnEverySimdPath) {
  for (kernels::Isa isa : kernels::available_isas()) {
    IsaScope scope(isa);
    const std::vector<double> first = loss_trajectory(42);
    const std::vector<double> second = loss_trajectory(42);
    ASSERT_EQ(first.size(), static_cast<std::size_t>(kSteps));
    for (int step = 0; step < kSteps; ++step) {
      EXPECT_EQ(std::bit_cast<std::uint64_t>(first[step]),
                std::bit_cast<std::uint64_t>(second[step]))
          << isa_label(isa) << " step " << step << ": " << first[step] << " vs " << second[step];
    }
    // The run really trains (so the comparison above covers optimizer state too).
    EXPECT_LT(first.back(), 0.8 * first.front()) << isa_label(isa);
  }
}

TEST(Determinism, ADifferentSeedGivesADifferentTrajectory) {  // the test above can fail
  EXPECT_NE(loss_trajectory(42).front(), loss_trajectory(43).front());
}

TEST(Determinism, TheThreadCountDoesNotChangeAMatrixProduct) {
  // Big enough for parallel_for to split the work (2·256³ FLOPs ≫ its 2e6 threshold).
  Generator gen(5);
  const Tensor a = randn({256, 256}, gen);
  const Tensor b = randn({256, 256}, gen);
  const int threads = num_threads();
  set_num_threads(1);
  const std::vector<double> one_thread = matmul(a, b).to_vector();
  set_num_threads(4);
  const std::vector<double> four_threads = matmul(a, b).to_vector();
  set_num_threads(threads);
  ASSERT_EQ(one_thread.size(), four_threads.size());
  std::size_t differing = 0;
  for (std::size_t i = 0; i < one_thread.size(); ++i) differing += one_thread[i] != four_threads[i];
  EXPECT_EQ(differing, 0u) << "of " << one_thread.size() << " elements";
}

TEST(Determinism, ScalarAndBestSimdPathAgreeWithinTheDocumentedTolerance) {
  const kernels::Isa best = kernels::available_isas().front();
  if (best == kernels::Isa::scalar) GTEST_SKIP() << "this CPU has only the scalar path";
  std::vector<double> simd;
  std::vector<double> scalar;
  {
    IsaScope scope(best);
    simd = loss_trajectory(7);
  }
  {
    IsaScope scope(kernels::Isa::scalar);
    scalar = loss_trajectory(7);
  }
  double worst = 0.0;
  for (int step = 0; step < kSteps; ++step) {
    const double relative = std::abs(simd[step] - scalar[step]) / std::abs(scalar[step]);
    worst = std::max(worst, relative);
    EXPECT_LE(relative, kCrossPathRelativeTolerance)
        << "step " << step << ": " << isa_label(best) << " " << simd[step] << " vs scalar "
        << scalar[step];
  }
  RecordProperty("max_relative_difference", std::to_string(worst));
  std::printf("scalar vs %s: max relative loss difference over %d steps: %.3g\n",
              isa_label(best).c_str(), kSteps, worst);
}

}  // namespace
}  // namespace knob
