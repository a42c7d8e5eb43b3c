// Autograder of ex21_warmup_cosine. The reference is nn::WarmupCosineSchedule::lr_at, compared at
// every step of several schedules (and a few past the end), degenerate ones included.
#include "exercises/common/grader.h"

#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "exercises/ex21_warmup_cosine/warmup_cosine.h"
#include "nn/optim/lr_schedule.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex21_warmup_cosine";

void check_schedule(double max_lr, double min_lr, std::int64_t warmup, std::int64_t total,
                    const char* hint) {
  const nn::WarmupCosineSchedule reference(max_lr, min_lr, warmup, total);
  for (std::int64_t step = 0; step <= total + 3; ++step) {
    const double expected = reference.lr_at(step);
    double got = 0.0;
    ASSERT_TRUE(runs_without_error(
        kId, [&] { got = warmup_cosine_lr(step, max_lr, min_lr, warmup, total); }));
    const bool close = std::fabs(got - expected) <= 1e-15 + 1e-12 * std::fabs(expected);
    ASSERT_TRUE(close) << "warmup_cosine_lr(step " << step << ", max " << max_lr << ", min "
                       << min_lr << ", W " << warmup << ", S " << total << "): expected "
                       << expected << ", got " << got << ".\n  Hint: " << hint;
  }
}

TEST(WarmupCosine, TheLessonsSchedule) {
  check_schedule(3e-3, 3e-4, 50, 300,
                 "check the ends of each phase: step 0 (already > 0), W - 1 and W (both the "
                 "peak), S (the floor)");
}
TEST(WarmupCosine, NoWarmup) {
  check_schedule(1.0, 0.1, 0, 10, "with W = 0 the cosine starts at step 0, at the peak");
}
TEST(WarmupCosine, WarmupOnly) {
  check_schedule(2.0, 0.5, 8, 8, "with S = W there is no cosine: after warmup, the floor");
}
TEST(WarmupCosine, OneStepOfCosineAndOneOfWarmup) {
  check_schedule(1.0, 0.0, 1, 2, "S = W + 1: a single cosine step, at the peak");
  check_schedule(1.0, 0.25, 3, 4, "S = W + 1: a single cosine step, at the peak");
}
TEST(WarmupCosine, ConstantAfterWarmupWhenTheFloorIsThePeak) {
  check_schedule(0.5, 0.5, 4, 20, "min = max: the cosine part is flat");
}
TEST(WarmupCosine, OddLengths) {
  check_schedule(7e-4, 1e-5, 7, 33,
                 "the cosine covers S - W steps: the fraction of it done at step s is (s - W) "
                 "over that length");
}
TEST(WarmupCosine, BadArgumentsAreValueErrors) {
  const char* hint = "refuse it with knob::ValueError, naming the values";
  EXPECT_TRUE(throws_error<ValueError>(
      "warmup_cosine_lr(step -1, ...)", [] { (void)warmup_cosine_lr(-1, 1.0, 0.1, 2, 10); }, hint));
  EXPECT_TRUE(throws_error<ValueError>(
      "warmup_cosine_lr(min 0.5 > max 0.1)", [] { (void)warmup_cosine_lr(0, 0.1, 0.5, 2, 10); },
      hint));
  EXPECT_TRUE(throws_error<ValueError>(
      "warmup_cosine_lr(W 12 > S 10)", [] { (void)warmup_cosine_lr(0, 1.0, 0.1, 12, 10); }, hint));
  EXPECT_TRUE(throws_error<ValueError>(
      "warmup_cosine_lr(max NaN)",
      [] { (void)warmup_cosine_lr(0, std::numeric_limits<double>::quiet_NaN(), 0.0, 2, 10); },
      hint));
}

}  // namespace
}  // namespace knob::exercises
