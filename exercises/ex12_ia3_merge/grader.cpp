// Autograder of ex12_ia3_merge. The references are knob's own: ia3::Adapter::merge() on plain
// Linear layers, and the unmerged outputs of nn::MultiHeadAttention and nn::FeedForward with
// their IA³ vectors, which the merged layers (vectors gone) must reproduce.
#include "exercises/common/grader.h"

#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex12_ia3_merge/ia3_merge.h"
#include "ia3/adapter.h"
#include "ia3/model_map.h"
#include "nn/layers/attention.h"
#include "nn/layers/feed_forward.h"
#include "nn/layers/linear.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex12_ia3_merge";
constexpr const char* kOutputWeightHint =
    "output side: output i of the layer is scaled by l_i; which entries of W does output i "
    "read? (l has one entry per output, i.e. per ROW of W)";
constexpr const char* kOutputBiasHint =
    "output side: the whole output l * (W x + b) is scaled, the bias included";
constexpr const char* kInputWeightHint =
    "input side: input j is scaled by l_j before W sees it; which entries of W multiply "
    "input j? (l has one entry per input, i.e. per COLUMN of W)";
constexpr const char* kInputBiasHint =
    "input side: where is the bias added, before or after l meets x?";

Tolerance tolerance_for(DType dtype) {
  return dtype == DType::f64 ? Tolerance{1e-12, 1e-10} : Tolerance{1e-6, 1e-5};
}

// The module's whole state with some entries replaced (load_state_dict needs every name).
nn::NamedTensors state_with(const nn::Module& module, const nn::NamedTensors& replacements) {
  nn::NamedTensors state;
  for (const auto& [name, tensor] : module.named_parameters()) {
    Tensor value = tensor;
    for (const auto& [new_name, new_value] : replacements) {
      if (new_name == name) value = new_value;
    }
    state.emplace_back(name, value);
  }
  return state;
}

// Non-square layers, so that rows and columns cannot be confused: proj scales its 6 outputs,
// down (a "feedforward" module) its 6 inputs.
class TwoLayers : public nn::Module {
 public:
  TwoLayers(Generator& gen, DType dtype)
      : proj(register_module("proj", std::make_shared<nn::Linear>(4, 6, gen, dtype))),
        down(register_module("down", std::make_shared<nn::Linear>(6, 3, gen, dtype))) {}
  std::string type_name() const override { return "TwoLayers"; }
  std::shared_ptr<nn::Linear> proj;
  std::shared_ptr<nn::Linear> down;
};

// Attach an adapter with vectors far from one, merge with the student's functions from the
// saved originals, then with Adapter::merge(), and compare the weights of layer `path`.
void check_against_adapter(const std::string& path, std::uint64_t seed, DType dtype) {
  Generator gen(seed);
  auto model = std::make_shared<TwoLayers>(gen, dtype);
  ia3::AdapterConfig config;
  config.target_modules.names = {"proj", "down"};
  config.feedforward_modules.names = {"down"};
  ia3::Adapter adapter(model, config);
  nn::NamedTensors values;
  for (const auto& [name, vector] : adapter.vectors()) {
    values.emplace_back(name, add_scalar(mul_scalar(randn(vector.shape(), gen, dtype), 0.7), 1.0));
  }
  adapter.load_vectors(values);

  const ia3::AdaptedLayer* layer = nullptr;
  for (const ia3::AdaptedLayer& candidate : adapter.layers()) {
    if (candidate.module_path == path) layer = &candidate;
  }
  ASSERT_NE(layer, nullptr) << "grader setup: no adapted layer " << path;
  const bool output_side = layer->side == ia3::ScaledSide::output;
  MergedLinear got;
  ASSERT_TRUE(runs_without_error(kId, [&] {
    got = output_side
              ? merge_output_scale(layer->original_weight, layer->original_bias, layer->vector)
              : merge_input_scale(layer->original_weight, layer->original_bias, layer->vector);
  }));
  adapter.merge();
  const std::string where = std::string(output_side ? " (output side" : " (input side") +
                            ", Linear " + path + " with weight " +
                            shape_str(layer->original_weight.shape()) + ")";
  EXPECT_TRUE(tensors_match("merged weight" + where, got.weight, layer->linear->weight(),
                            output_side ? kOutputWeightHint : kInputWeightHint,
                            tolerance_for(dtype)));
  EXPECT_TRUE(tensors_match("merged bias" + where, got.bias, layer->linear->bias(),
                            output_side ? kOutputBiasHint : kInputBiasHint, tolerance_for(dtype)));
}

TEST(IA3Merge, OutputSideMatchesAdapterMerge) { check_against_adapter("proj", 1, DType::f64); }
TEST(IA3Merge, InputSideMatchesAdapterMerge) { check_against_adapter("down", 2, DType::f64); }
TEST(IA3Merge, Float32) {
  check_against_adapter("proj", 3, DType::f32);
  check_against_adapter("down", 4, DType::f32);
}

TEST(IA3Merge, MergedAttentionEqualsUnmerged) {
  // l_k and l_v folded into k_proj and v_proj: a plain attention layer must then compute what
  // the IA³ one did.
  Generator gen(5);
  const std::int64_t width = 8;
  auto adapted = std::make_shared<nn::MultiHeadAttention>(width, /*n_heads=*/2, gen, DType::f64);
  ia3::add_vectors(*adapted);
  const Tensor l_k = add_scalar(mul_scalar(randn({width}, gen, DType::f64), 0.7), 1.0);
  const Tensor l_v = add_scalar(mul_scalar(randn({width}, gen, DType::f64), 0.7), 1.0);
  adapted->load_state_dict(state_with(*adapted, {{"l_k", l_k}, {"l_v", l_v}}));
  const Tensor x = randn({2, 5, width}, gen, DType::f64);

  MergedLinear keys;
  MergedLinear values;
  ASSERT_TRUE(runs_without_error(kId, [&] {
    keys = merge_output_scale(adapted->k_proj().weight(), adapted->k_proj().bias(), l_k);
    values = merge_output_scale(adapted->v_proj().weight(), adapted->v_proj().bias(), l_v);
  }));
  ASSERT_TRUE(keys.weight.defined() && keys.bias.defined() && values.weight.defined() &&
              values.bias.defined())
      << "merge_output_scale returned an undefined Tensor";
  nn::NamedTensors merged_state;
  for (const auto& [name, tensor] : adapted->named_parameters()) {
    if (name == "l_k" || name == "l_v") continue;
    if (name == "k_proj.weight")
      merged_state.emplace_back(name, keys.weight);
    else if (name == "k_proj.bias")
      merged_state.emplace_back(name, keys.bias);
    else if (name == "v_proj.weight")
      merged_state.emplace_back(name, values.weight);
    else if (name == "v_proj.bias")
      merged_state.emplace_back(name, values.bias);
    else
      merged_state.emplace_back(name, tensor);
  }
  Generator other(0);
  auto merged = std::make_shared<nn::MultiHeadAttention>(width, 2, other, DType::f64);
  try {
    merged->load_state_dict(merged_state);
  } catch (const Error& e) {
    FAIL() << "the merged weights do not fit an attention layer: " << e.what()
           << "\n  Hint: W' keeps the shape of W ([out, in]) and b' the shape of b ([out]).";
  }
  NoGradGuard no_grad;
  EXPECT_TRUE(tensors_match("output of the merged attention (no l_k, l_v) for x [2,5,8]",
                            merged->forward(x).output, adapted->forward(x).output,
                            "it must equal the unmerged IA3 attention: k_proj and v_proj scale "
                            "their OUTPUTS, so merge_output_scale scales rows of W and the bias",
                            tolerance_for(DType::f64)));
}

TEST(IA3Merge, MergedFeedForwardEqualsUnmerged) {
  // l_ff folded into the down projection's columns: a plain feed-forward block must then
  // compute what the IA³ one did.
  Generator gen(6);
  const std::int64_t width = 6;
  const std::int64_t hidden = 10;
  auto adapted =
      std::make_shared<nn::FeedForward>(width, hidden, Activation::gelu, gen, DType::f64);
  ia3::add_vectors(*adapted);
  const Tensor l_ff = add_scalar(mul_scalar(randn({hidden}, gen, DType::f64), 0.7), 1.0);
  adapted->load_state_dict(state_with(*adapted, {{"l_ff", l_ff}}));
  const Tensor x = randn({2, 4, width}, gen, DType::f64);

  MergedLinear down;
  ASSERT_TRUE(runs_without_error(kId, [&] {
    down = merge_input_scale(adapted->down().weight(), adapted->down().bias(), l_ff);
  }));
  ASSERT_TRUE(down.weight.defined() && down.bias.defined())
      << "merge_input_scale returned an undefined Tensor";
  Generator other(0);
  auto merged =
      std::make_shared<nn::FeedForward>(width, hidden, Activation::gelu, other, DType::f64);
  try {
    merged->load_state_dict({{"up.weight", adapted->up().weight()},
                             {"up.bias", adapted->up().bias()},
                             {"down.weight", down.weight},
                             {"down.bias", down.bias}});
  } catch (const Error& e) {
    FAIL() << "the merged weights do not fit the down projection: " << e.what()
           << "\n  Hint: W' keeps the shape of W ([out, in]) and b' the shape of b ([out]).";
  }
  NoGradGuard no_grad;
  EXPECT_TRUE(tensors_match("output of the merged feed-forward block (no l_ff) for x [2,4,6]",
                            merged->forward(x), adapted->forward(x),
                            "it must equal the unmerged IA3 block: l_ff scales the down "
                            "projection's INPUT, so merge_input_scale scales columns of W and "
                            "leaves the bias alone",
                            tolerance_for(DType::f64)));
}

TEST(IA3Merge, OnesChangeNothingAndTheInputsStayAsTheyWere) {
  Generator gen(7);
  const Tensor weight = randn({3, 5}, gen, DType::f64);
  const Tensor bias = randn({3}, gen, DType::f64);
  const Tensor weight_before = weight.clone();
  const Tensor bias_before = bias.clone();
  MergedLinear by_output;
  MergedLinear by_input;
  ASSERT_TRUE(runs_without_error(kId, [&] {
    by_output = merge_output_scale(weight, bias, ones({3}, DType::f64));
    by_input = merge_input_scale(weight, bias, ones({5}, DType::f64));
  }));
  const Tolerance exact{0.0, 0.0};
  EXPECT_TRUE(tensors_match("merge_output_scale(W [3,5], b, ones) weight", by_output.weight,
                            weight_before, "with l = ones the layer must be unchanged", exact));
  EXPECT_TRUE(tensors_match("merge_output_scale(W [3,5], b, ones) bias", by_output.bias,
                            bias_before, "with l = ones the layer must be unchanged", exact));
  EXPECT_TRUE(tensors_match("merge_input_scale(W [3,5], b, ones) weight", by_input.weight,
                            weight_before, "with l = ones the layer must be unchanged", exact));
  EXPECT_TRUE(tensors_match("merge_input_scale(W [3,5], b, ones) bias", by_input.bias, bias_before,
                            "with l = ones the layer must be unchanged", exact));
  // Now with real vectors: the arguments must not be written into.
  ASSERT_TRUE(runs_without_error(kId, [&] {
    (void)merge_output_scale(weight, bias, randn({3}, gen, DType::f64));
    (void)merge_input_scale(weight, bias, randn({5}, gen, DType::f64));
  }));
  const char* untouched_hint =
      "return new tensors (mul makes one); an adapter keeps W and b to unmerge exactly, so "
      "writing into them through data<T>() loses the base model";
  EXPECT_TRUE(
      tensors_match("W after merging into it", weight, weight_before, untouched_hint, exact));
  EXPECT_TRUE(tensors_match("b after merging into it", bias, bias_before, untouched_hint, exact));
}

TEST(IA3Merge, AVectorForTheWrongSideIsAShapeError) {
  const Tensor weight = zeros({3, 5}, DType::f64);  // [out = 3, in = 5]
  const Tensor bias = zeros({3}, DType::f64);
  const auto expect_shape_error = [&](const char* call, const std::function<void()>& code) {
    try {
      code();
      ADD_FAILURE() << call << " returned, but l has the size of the other side.\n  Hint: "
                    << "output scaling needs l [out] = [3], input scaling l [in] = [5]; throw "
                       "knob::ShapeError otherwise.";
    } catch (const ShapeError& e) {
      SUCCEED() << e.what();
    } catch (const Error& e) {
      ADD_FAILURE() << call << " threw \"" << e.what()
                    << "\", which is not a ShapeError.\n  Hint: throw knob::ShapeError.";
    }
  };
  expect_shape_error("merge_output_scale(W [3,5], b [3], l [5])",
                     [&] { (void)merge_output_scale(weight, bias, zeros({5}, DType::f64)); });
  expect_shape_error("merge_input_scale(W [3,5], b [3], l [3])",
                     [&] { (void)merge_input_scale(weight, bias, zeros({3}, DType::f64)); });
}

}  // namespace
}  // namespace knob::exercises
