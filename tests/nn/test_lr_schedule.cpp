// WarmupCosineSchedule: the warmup ramp, the cosine, the floor, and argument checks.
#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

#include "autograd/error.h"
#include "nn/optim/lr_schedule.h"

namespace knob::nn {
namespace {

constexpr double kTol = 1e-15;

TEST(WarmupCosine, WarmupRampsLinearlyFromTheFirstStep) {
  const WarmupCosineSchedule schedule(1.0, 0.1, /*warmup=*/4, /*total=*/12);
  // lr(s) = 1.0 · (s + 1) / 4 for s < 4
  EXPECT_NEAR(schedule.lr_at(0), 0.25, kTol);
  EXPECT_NEAR(schedule.lr_at(1), 0.50, kTol);
  EXPECT_NEAR(schedule.lr_at(2), 0.75, kTol);
  EXPECT_NEAR(schedule.lr_at(3), 1.00, kTol);
}

TEST(WarmupCosine, CosineFromMaxToMin) {
  const WarmupCosineSchedule schedule(1.0, 0.1, 4, 12);
  // s = 4: progress 0 → max.   s = 8: progress 4/8 = ½ → 0.1 + 0.9 · ½ (1 + cos(π/2)) = 0.55
  // s = 6: progress ¼ → 0.1 + 0.9 · ½ (1 + cos(π/4)) = 0.1 + 0.45 (1 + √2/2)
  EXPECT_NEAR(schedule.lr_at(4), 1.0, kTol);
  EXPECT_NEAR(schedule.lr_at(8), 0.55, 1e-15);
  EXPECT_NEAR(schedule.lr_at(6), 0.1 + 0.45 * (1.0 + std::sqrt(2.0) / 2.0), 1e-15);
  EXPECT_NEAR(schedule.lr_at(11), 0.1 + 0.45 * (1.0 + std::cos(std::numbers::pi * 7.0 / 8.0)),
              1e-15);
  for (std::int64_t s = 4; s < 12; ++s) {
    EXPECT_GT(schedule.lr_at(s), schedule.lr_at(s + 1)) << "decreasing after warmup, s = " << s;
  }
}

TEST(WarmupCosine, StaysAtTheFloorAfterTheEnd) {
  const WarmupCosineSchedule schedule(1.0, 0.1, 4, 12);
  EXPECT_EQ(schedule.lr_at(12), 0.1);
  EXPECT_EQ(schedule.lr_at(1000000), 0.1);
}

TEST(WarmupCosine, NoWarmupStartsAtMax) {
  const WarmupCosineSchedule schedule(3e-3, 0.0, 0, 100);
  EXPECT_EQ(schedule.lr_at(0), 3e-3);
  EXPECT_NEAR(schedule.lr_at(50), 1.5e-3, 1e-18);
  EXPECT_EQ(schedule.lr_at(100), 0.0);
}

TEST(WarmupCosine, ConstantWhenMinEqualsMax) {
  const WarmupCosineSchedule schedule(0.01, 0.01, 0, 10);
  for (std::int64_t s = 0; s < 20; ++s) EXPECT_EQ(schedule.lr_at(s), 0.01);
}

TEST(WarmupCosine, WarmupAsLongAsTheRun) {
  const WarmupCosineSchedule schedule(1.0, 0.5, 5, 5);
  EXPECT_NEAR(schedule.lr_at(4), 1.0, kTol);
  EXPECT_EQ(schedule.lr_at(5), 0.5);
}

TEST(WarmupCosine, RejectsBadArguments) {
  EXPECT_THROW(WarmupCosineSchedule(0.1, 0.2, 0, 10), ValueError);   // min > max
  EXPECT_THROW(WarmupCosineSchedule(0.1, -0.1, 0, 10), ValueError);  // negative min
  EXPECT_THROW(WarmupCosineSchedule(0.1, 0.0, 11, 10), ValueError);  // warmup > total
  EXPECT_THROW(WarmupCosineSchedule(0.1, 0.0, -1, 10), ValueError);
  EXPECT_THROW(WarmupCosineSchedule(std::nan(""), 0.0, 0, 10), ValueError);
  const WarmupCosineSchedule schedule(0.1, 0.0, 0, 10);
  EXPECT_THROW((void)schedule.lr_at(-1), ValueError);
}

}  // namespace
}  // namespace knob::nn
