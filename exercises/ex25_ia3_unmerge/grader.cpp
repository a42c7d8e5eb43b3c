// Autograder of ex25_ia3_unmerge. The reference is knob's own ia3::Adapter: it merges random
// vectors into Linear layers of several shapes and keeps the original weights, which the
// student's unmerge must give back from the merged weights and the vectors alone.
#include "exercises/common/grader.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex25_ia3_unmerge/ia3_unmerge.h"
#include "ia3/adapter.h"
#include "nn/layers/linear.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex25_ia3_unmerge";
constexpr const char* kOutputWeightHint =
    "output side: row i of W' is row i of W times l_i; undo that row by row (l has one entry "
    "per ROW of W)";
constexpr const char* kOutputBiasHint =
    "output side: the bias was scaled together with the rest of output i";
constexpr const char* kInputWeightHint =
    "input side: column j of W' is column j of W times l_j (l has one entry per COLUMN of W)";
constexpr const char* kInputBiasHint =
    "input side: the bias is added after W meets the scaled input: did merging change it?";

// Each recovered value within 4 units in the last place of the original: the merge rounded
// once (w·l) and the division rounds once more, so 2 units are possible; 4 leaves room for
// dividing through a reciprocal (one more rounding).
Tolerance ulps_of(DType dtype) {
  const double unit = dtype == DType::f64
                          ? std::numeric_limits<double>::epsilon()
                          : static_cast<double>(std::numeric_limits<float>::epsilon());
  return Tolerance{0.0, 4.0 * unit};
}

// One Linear layer, `proj`, that IA³ scales on its output or (as a "feedforward" module) on
// its input.
class OneLayer : public nn::Module {
 public:
  OneLayer(std::int64_t in, std::int64_t out, Generator& gen, DType dtype)
      : proj(register_module("proj", std::make_shared<nn::Linear>(in, out, gen, dtype))) {}
  std::string type_name() const override { return "OneLayer"; }
  std::shared_ptr<nn::Linear> proj;
};

// Merge a vector into a [out, in] layer with ia3::Adapter::merge(), then unmerge with the
// student's function and compare with the originals the adapter kept. The vector is `values`
// when given, else random (entries spread around one, some negative).
void check_round_trip(std::int64_t out, std::int64_t in, bool output_side, std::uint64_t seed,
                      DType dtype, const std::vector<double>& values = {}) {
  Generator gen(seed);
  auto model = std::make_shared<OneLayer>(in, out, gen, dtype);
  ia3::AdapterConfig config;
  config.target_modules.names = {"proj"};
  if (!output_side) config.feedforward_modules.names = {"proj"};
  ia3::Adapter adapter(model, config);
  const auto [name, initial] = adapter.vectors().front();
  const Tensor chosen = values.empty()
                            ? add_scalar(mul_scalar(randn(initial.shape(), gen, dtype), 0.8), 1.0)
                            : tensor(values, initial.shape(), dtype);
  adapter.load_vectors({{name, chosen}});
  const ia3::AdaptedLayer& layer = adapter.layers().front();
  const Tensor l = layer.vector.clone();
  const Tensor original_weight = layer.original_weight.clone();
  const Tensor original_bias = layer.original_bias.clone();
  adapter.merge();
  const Tensor merged_weight = model->proj->weight().clone();
  const Tensor merged_bias = model->proj->bias().clone();

  LinearWeights got;
  ASSERT_TRUE(runs_without_error(kId, [&] {
    got = output_side ? unmerge_output_scale(merged_weight, merged_bias, l)
                      : unmerge_input_scale(merged_weight, merged_bias, l);
  }));
  const std::string where = std::string(output_side ? " (output side" : " (input side") +
                            ", merged weight [" + std::to_string(out) + "," + std::to_string(in) +
                            "], " + (dtype == DType::f64 ? "f64)" : "f32)");
  EXPECT_TRUE(tensors_match("recovered weight" + where, got.weight, original_weight,
                            output_side ? kOutputWeightHint : kInputWeightHint, ulps_of(dtype)));
  EXPECT_TRUE(tensors_match("recovered bias" + where, got.bias, original_bias,
                            output_side ? kOutputBiasHint : kInputBiasHint, ulps_of(dtype)));
}

TEST(IA3Unmerge, OutputSideUndoesAdapterMerge) { check_round_trip(6, 4, true, 1, DType::f64); }
TEST(IA3Unmerge, InputSideUndoesAdapterMerge) { check_round_trip(3, 6, false, 2, DType::f64); }

TEST(IA3Unmerge, Float32) {
  check_round_trip(6, 4, true, 3, DType::f32);
  check_round_trip(3, 6, false, 4, DType::f32);
}

TEST(IA3Unmerge, SquareOneRowAndOneColumn) {
  // A square layer cannot tell rows from columns by its shape; one row or one column can hide an
  // off-by-one in the loops.
  for (const bool output_side : {true, false}) {
    check_round_trip(5, 5, output_side, 5, DType::f64);
    check_round_trip(1, 4, output_side, 6, DType::f64);
    check_round_trip(4, 1, output_side, 7, DType::f64);
  }
}

// A [3,5] merged layer, as the student receives it; l is given per test.
struct MergedLayer {
  Tensor weight;
  Tensor bias;
};

MergedLayer some_merged_layer(DType dtype) {
  Generator gen(8);
  return {randn({3, 5}, gen, dtype), randn({3}, gen, dtype)};
}

// `l` with entry 2 (output side, [3]) or entry 3 (input side, [5]) set to `bad`: the student's
// function must throw a ValueError that names that entry as l[2] or l[3].
void check_refused(double bad, DType dtype, const std::string& what) {
  const MergedLayer merged = some_merged_layer(dtype);
  for (const bool output_side : {true, false}) {
    const std::int64_t size = output_side ? 3 : 5;
    const std::int64_t index = output_side ? 2 : 3;
    Tensor l = ones({size}, dtype);
    l.set({index}, bad);
    const std::string function = output_side ? "unmerge_output_scale" : "unmerge_input_scale";
    const std::string call =
        function + "(W' [3,5], b', l) with l[" + std::to_string(index) + "] = " + what;
    const auto unmerge = [&] {
      (void)(output_side ? unmerge_output_scale(merged.weight, merged.bias, l)
                         : unmerge_input_scale(merged.weight, merged.bias, l));
    };
    EXPECT_TRUE(throws_error<ValueError>(
        call, unmerge,
        "check every entry of l before dividing: zero, NaN, infinite and below the smallest "
        "normal number of the dtype cannot be divided by; throw knob::ValueError"));
    try {
      unmerge();
    } catch (const ValueError& e) {
      const std::string name = "l[" + std::to_string(index) + "]";
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos)
          << call << " threw \"" << e.what() << "\", which does not name " << name
          << ".\n  Hint: say which entry is at fault, as " << name << " = <value>.";
    } catch (const Error&) {
      // reported above
    }
  }
}

TEST(IA3Unmerge, AZeroEntryIsRefusedByName) { check_refused(0.0, DType::f64, "0"); }

TEST(IA3Unmerge, NaNInfinityAndSubnormalEntriesAreRefused) {
  check_refused(std::numeric_limits<double>::quiet_NaN(), DType::f64, "NaN");
  check_refused(-std::numeric_limits<double>::infinity(), DType::f64, "-inf");
  check_refused(1e-310, DType::f64, "1e-310 (subnormal in f64)");
  check_refused(1e-40, DType::f32, "1e-40 (subnormal in f32)");
}

TEST(IA3Unmerge, SmallAndNegativeNormalEntriesAreFine) {
  // 1e-300 is a normal double: w·1e-300 kept every digit of w, and dividing gives w back.
  check_round_trip(3, 2, true, 10, DType::f64, {-2.5, 1e-300, 0.75});
  check_round_trip(2, 3, false, 11, DType::f64, {0.75, -2.5, 1e-300});
}

TEST(IA3Unmerge, TheInputsStayAsTheyWere) {
  Generator gen(9);
  const Tensor weight = randn({3, 5}, gen, DType::f64);
  const Tensor bias = randn({3}, gen, DType::f64);
  const Tensor weight_before = weight.clone();
  const Tensor bias_before = bias.clone();
  ASSERT_TRUE(runs_without_error(kId, [&] {
    (void)unmerge_output_scale(weight, bias, add_scalar(randn({3}, gen, DType::f64), 3.0));
    (void)unmerge_input_scale(weight, bias, add_scalar(randn({5}, gen, DType::f64), 3.0));
  }));
  const char* untouched_hint =
      "return new tensors (div makes one); the merged model may still be in use while you "
      "recover the base from it";
  const Tolerance exact{0.0, 0.0};
  EXPECT_TRUE(
      tensors_match("W' after unmerging from it", weight, weight_before, untouched_hint, exact));
  EXPECT_TRUE(
      tensors_match("b' after unmerging from it", bias, bias_before, untouched_hint, exact));
}

TEST(IA3Unmerge, AVectorForTheWrongSideIsAShapeError) {
  const Tensor weight = ones({3, 5}, DType::f64);  // [out = 3, in = 5]
  const Tensor bias = ones({3}, DType::f64);
  const char* hint =
      "output scaling needs l [out] = [3], input scaling l [in] = [5]; throw knob::ShapeError "
      "otherwise, before looking at the values";
  EXPECT_TRUE(throws_error<ShapeError>(
      "unmerge_output_scale(W' [3,5], b' [3], l [5])",
      [&] { (void)unmerge_output_scale(weight, bias, ones({5}, DType::f64)); }, hint));
  EXPECT_TRUE(throws_error<ShapeError>(
      "unmerge_input_scale(W' [3,5], b' [3], l [3])",
      [&] { (void)unmerge_input_scale(weight, bias, ones({3}, DType::f64)); }, hint));
  EXPECT_TRUE(throws_error<ShapeError>(
      "unmerge_output_scale(W' [3,5], b' [5], l [3])",
      [&] { (void)unmerge_output_scale(weight, ones({5}, DType::f64), ones({3}, DType::f64)); },
      "b' has one entry per output: [3]"));
}

}  // namespace
}  // namespace knob::exercises
