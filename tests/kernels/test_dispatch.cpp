// Choosing the kernel table: names, KNOB_SIMD, set_active_isa.
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "autograd/error.h"
#include "autograd/kernels/kernels.h"

namespace knob::kernels {
namespace {

constexpr Isa kEveryIsa[] = {Isa::scalar, Isa::sse4_2, Isa::avx2, Isa::avx512, Isa::neon};

bool is_available(Isa isa) {
  const std::vector<Isa> available = available_isas();
  return std::find(available.begin(), available.end(), isa) != available.end();
}

TEST(KernelDispatch, NamesRoundTrip) {
  for (Isa isa : kEveryIsa) EXPECT_EQ(parse_isa(isa_name(isa)), isa) << isa_name(isa);
}

TEST(KernelDispatch, UnknownNameIsAValueErrorListingTheChoices) {
  for (const char* bad : {"avx3", "AVX2", "", "sse4.2", "scalar "}) {
    try {
      parse_isa(bad);
      ADD_FAILURE() << "parse_isa(\"" << bad << "\") did not throw";
    } catch (const ValueError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(std::string("'") + bad + "'"), std::string::npos) << message;
      EXPECT_NE(message.find("avx512, avx2, sse4_2, neon, scalar"), std::string::npos) << message;
    }
  }
}

TEST(KernelDispatch, AvailableEndsWithScalarAndTablesMatch) {
  const std::vector<Isa> available = available_isas();
  ASSERT_FALSE(available.empty());
  EXPECT_EQ(available.back(), Isa::scalar);
  for (Isa isa : available) {
    EXPECT_EQ(table_for<float>(isa).isa, isa);
    EXPECT_EQ(table_for<double>(isa).isa, isa);
    // a register holds twice as many floats as doubles; the scalar "register" holds one of each
    const std::size_t float_lanes = isa == Isa::scalar ? 1 : 2 * table_for<double>(isa).width;
    EXPECT_EQ(table_for<float>(isa).width, float_lanes) << isa_name(isa);
  }
}

TEST(KernelDispatch, SetActiveIsaSwitchesTheTable) {
  const Isa before = active_isa();
  for (Isa isa : available_isas()) {
    set_active_isa(isa);
    EXPECT_EQ(active_isa(), isa);
    EXPECT_EQ(active<float>().isa, isa);
    EXPECT_EQ(active<double>().isa, isa);
  }
  set_active_isa(before);
  EXPECT_EQ(active<float>().isa, before);
}

TEST(KernelDispatch, UnavailableIsaIsRejected) {
  for (Isa isa : kEveryIsa) {
    if (is_available(isa)) continue;
    EXPECT_THROW(set_active_isa(isa), ValueError) << isa_name(isa);
    EXPECT_THROW(table_for<float>(isa), ValueError) << isa_name(isa);
  }
}

// KNOB_SIMD is read once per process, so these run in a fresh child process (a death test in
// "threadsafe" style re-runs this binary) and report through the exit code and stderr.
void choose_from_environment(const char* value) {
  setenv("KNOB_SIMD", value, 1);  // NOLINT(concurrency-mt-unsafe): single-threaded child
  try {
    const Isa isa = active_isa();
    fprintf(stderr, "chose %s\n", std::string(isa_name(isa)).c_str());
    std::exit(0);
  } catch (const ValueError& e) {
    fprintf(stderr, "ValueError: %s\n", e.what());
    std::exit(3);
  }
}

TEST(KernelDispatchDeathTest, KnobSimdPicksTheIsa) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(choose_from_environment("scalar"), ::testing::ExitedWithCode(0), "chose scalar");
  const std::string best(isa_name(available_isas().front()));
  EXPECT_EXIT(choose_from_environment(best.c_str()), ::testing::ExitedWithCode(0), "chose " + best);
}

TEST(KernelDispatchDeathTest, KnobSimdUnknownNameIsAnError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(choose_from_environment("avx3"), ::testing::ExitedWithCode(3),
              "ValueError: KNOB_SIMD=avx3: unknown instruction set 'avx3'");
}

TEST(KernelDispatchDeathTest, KnobSimdUnsupportedIsaIsAnError) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (Isa isa : kEveryIsa) {
    if (is_available(isa)) continue;
    const std::string name(isa_name(isa));
    // e.g. "KNOB_SIMD=avx512: this CPU does not support avx512 (available: avx2, sse4_2, scalar)"
    const std::string expected =
        fmt::format("ValueError: KNOB_SIMD={}: .*{}.*\\(available: .*scalar\\)", name, name);
    EXPECT_EXIT(choose_from_environment(name.c_str()), ::testing::ExitedWithCode(3), expected);
  }
}

}  // namespace
}  // namespace knob::kernels
