// Autograder of ex10_attention_forward. The reference is knob's nn::MultiHeadAttention with one
// head and an identity output projection. For shapes self-attention cannot make (S != T,
// E != d_k) the same module runs on one longer sequence that holds the queries, the keys and the
// values in blocks of rows and columns, with the key-padding mask hiding the query rows.
#include "exercises/common/grader.h"

#include <cmath>
#include <limits>
#include <memory>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex10_attention_forward/attention_forward.h"
#include "nn/layers/attention.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex10_attention_forward";
constexpr const char* kWeightsHint =
    "each row of the weights is a distribution over the keys (it sums to 1); check the scale "
    "of the scores, the axis of the softmax, and, with causal, which keys are hidden and "
    "whether they are hidden before or after the softmax";
constexpr const char* kOutputHint =
    "the output row of a query is a weighted average of the value rows; if the weights are "
    "right and this is not, check the order of the product";

Tensor identity(std::int64_t n, DType dtype) {
  Tensor eye = zeros({n, n}, dtype);
  for (std::int64_t i = 0; i < n; ++i) eye.set({i, i}, 1.0);
  return eye;
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

void compare(const AttentionForward& got, const Tensor& expected_output,
             const Tensor& expected_weights, const std::string& where, DType dtype) {
  const Tolerance tolerance = dtype == DType::f64 ? Tolerance{1e-12, 1e-9} : Tolerance{1e-6, 1e-5};
  EXPECT_TRUE(
      tensors_match("weights" + where, got.weights, expected_weights, kWeightsHint, tolerance));
  EXPECT_TRUE(tensors_match("output" + where, got.output, expected_output, kOutputHint, tolerance));
}

// Self-attention of T positions of width C through nn::MultiHeadAttention (one head, output
// projection = identity): q, k, v are its projections of one random x.
void check_against_module(std::int64_t positions, std::int64_t width, bool causal,
                          std::uint64_t seed, DType dtype = DType::f64) {
  Generator gen(seed);
  auto attention = std::make_shared<nn::MultiHeadAttention>(width, /*n_heads=*/1, gen, dtype);
  attention->load_state_dict(state_with(*attention, {{"out_proj.weight", identity(width, dtype)},
                                                     {"out_proj.bias", zeros({width}, dtype)}}));
  const Tensor x = randn({1, positions, width}, gen, dtype);  // [1,T,C]
  NoGradGuard no_grad;
  const Tensor q = reshape(attention->q_proj().forward(x), {positions, width});  // [T,C]
  const Tensor k = reshape(attention->k_proj().forward(x), {positions, width});  // [T,C]
  const Tensor v = reshape(attention->v_proj().forward(x), {positions, width});  // [T,C]
  nn::AttentionOptions options;
  options.causal = causal;
  options.return_weights = true;
  const nn::AttentionResult expected = attention->forward(x, options);

  AttentionForward got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = attention_forward(q, k, v, causal); }));
  compare(got, reshape(expected.output, {positions, width}),
          reshape(expected.weights, {positions, positions}),
          std::string(causal ? " (causal)" : "") + " for q, k, v [" + std::to_string(positions) +
              "," + std::to_string(width) + "]",
          dtype);
}

// What nn::MultiHeadAttention (one head) computes for T queries q [T,d_k] over S keys k [S,d_k]
// with values v [S,E], non-causal. The module only does self-attention, so it runs on one
// sequence of N = T + S positions of width C = d_k + E:
//   rows 0..T-1 (the queries):        [ q_i | 0   ]
//   rows T..N-1 (the keys and values): [ k_j | v_j ]
// q_proj and k_proj keep the first d_k columns, v_proj moves the last E columns to the front;
// every bias is 0 and out_proj is the identity. The key-padding mask hides rows 0..T-1 as keys,
// so the queries look only at the S key rows. With one head the module divides the scores by
// sqrt(C); q_proj also multiplies by sqrt(C / d_k) so that the division is by sqrt(d_k) (a
// rounding of 1e-16). Rows 0..T-1 of the result are the answer: the weights in columns T..N-1,
// the output in columns 0..E-1.
AttentionForward cross_attention_by_the_module(const Tensor& q, const Tensor& k, const Tensor& v,
                                               std::uint64_t seed) {
  const std::int64_t queries = q.size(0), keys = k.size(0);
  const std::int64_t key_width = q.size(1), value_width = v.size(1);
  const std::int64_t positions = queries + keys, width = key_width + value_width;
  Generator gen(seed);
  auto attention = std::make_shared<nn::MultiHeadAttention>(width, /*n_heads=*/1, gen, DType::f64);
  Tensor keep_keys = zeros({width, width}, DType::f64);    // [C,C]: keeps columns 0..d_k-1
  Tensor move_values = zeros({width, width}, DType::f64);  // [C,C]: columns d_k.. → 0..E-1
  for (std::int64_t c = 0; c < key_width; ++c) keep_keys.set({c, c}, 1.0);
  for (std::int64_t e = 0; e < value_width; ++e) move_values.set({e, key_width + e}, 1.0);
  const double rescale = std::sqrt(static_cast<double>(width) / static_cast<double>(key_width));
  const Tensor no_bias = zeros({width}, DType::f64);
  attention->load_state_dict({{"q_proj.weight", mul_scalar(keep_keys, rescale)},
                              {"q_proj.bias", no_bias},
                              {"k_proj.weight", keep_keys},
                              {"k_proj.bias", no_bias},
                              {"v_proj.weight", move_values},
                              {"v_proj.bias", no_bias},
                              {"out_proj.weight", identity(width, DType::f64)},
                              {"out_proj.bias", no_bias}});

  Tensor x = zeros({1, positions, width}, DType::f64);  // [1,N,C]
  Tensor padding = zeros({1, positions}, DType::f64);   // [1,N]: 1 marks a hidden key
  for (std::int64_t i = 0; i < queries; ++i) {
    padding.set({0, i}, 1.0);
    for (std::int64_t c = 0; c < key_width; ++c) x.set({0, i, c}, q.at({i, c}));
  }
  for (std::int64_t j = 0; j < keys; ++j) {
    for (std::int64_t c = 0; c < key_width; ++c) x.set({0, queries + j, c}, k.at({j, c}));
    for (std::int64_t e = 0; e < value_width; ++e)
      x.set({0, queries + j, key_width + e}, v.at({j, e}));
  }
  nn::AttentionOptions options;
  options.causal = false;
  options.key_padding_mask = padding;
  options.return_weights = true;
  NoGradGuard no_grad;
  const nn::AttentionResult result = attention->forward(x, options);
  const Tensor weights = reshape(result.weights, {positions, positions});  // [N,N]
  const Tensor output = reshape(result.output, {positions, width});        // [N,C]
  AttentionForward expected;
  expected.weights = slice(slice(weights, 0, 0, queries), 1, queries, keys);
  expected.output = slice(slice(output, 0, 0, queries), 1, 0, value_width);
  return expected;
}

// T queries over S keys, any widths, against the module (above).
void check_cross_attention(std::int64_t queries, std::int64_t keys, std::int64_t key_width,
                           std::int64_t value_width, std::uint64_t seed) {
  Generator gen(seed);
  const Tensor q = randn({queries, key_width}, gen, DType::f64);
  const Tensor k = randn({keys, key_width}, gen, DType::f64);
  const Tensor v = randn({keys, value_width}, gen, DType::f64);
  const AttentionForward expected = cross_attention_by_the_module(q, k, v, seed);

  AttentionForward got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = attention_forward(q, k, v, false); }));
  compare(got, expected.output, expected.weights,
          " for q " + shape_str(q.shape()) + ", k " + shape_str(k.shape()) + ", v " +
              shape_str(v.shape()),
          DType::f64);
}

TEST(AttentionForward, MatchesOneHeadOfMultiHeadAttention) { check_against_module(5, 4, false, 1); }
TEST(AttentionForward, CausalMatchesMultiHeadAttention) { check_against_module(6, 4, true, 2); }
TEST(AttentionForward, CrossAttentionHasItsOwnShapes) { check_cross_attention(3, 6, 4, 2, 3); }
TEST(AttentionForward, ScoresAreDividedBySqrtOfTheKeyWidth) {
  // d_k = 16: dividing by 16 instead of 4 (or not at all) gives very different weights.
  check_cross_attention(4, 5, 16, 3, 4);
}
TEST(AttentionForward, Float32) { check_against_module(7, 8, true, 5, DType::f32); }
TEST(AttentionForward, OneQueryOneKeyAndSquareShapes) {
  check_against_module(1, 3, true, 7);
  check_against_module(4, 4, true, 8);
  check_cross_attention(1, 1, 2, 2, 9);
  check_cross_attention(1, 5, 3, 3, 10);
}
TEST(AttentionForward, UnderTheCausalMaskTheFirstQuerySeesOnlyTheFirstKey) {
  Generator gen(6);
  const Tensor q = randn({4, 3}, gen, DType::f64);
  const Tensor k = randn({4, 3}, gen, DType::f64);
  const Tensor v = randn({4, 2}, gen, DType::f64);
  AttentionForward got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = attention_forward(q, k, v, true); }));
  ASSERT_TRUE(got.output.defined() && got.output.shape() == Shape({4, 2}))
      << "output must be [4,2], got "
      << (got.output.defined() ? shape_str(got.output.shape()) : "an undefined Tensor");
  EXPECT_TRUE(tensors_match("row 0 of the causal output", slice(got.output, 0, 0, 1),
                            slice(v, 0, 0, 1),
                            "query 0 may only look at key 0, so its weight there is 1 and its "
                            "output is exactly v[0]; a different value means the mask lets it "
                            "see later keys (mask j > i, not j < i)",
                            {1e-12, 1e-12}));
}
TEST(AttentionForward, MismatchedWidthsAreAShapeError) {
  const Tensor q = zeros({3, 4}, DType::f64);
  const Tensor k = zeros({3, 5}, DType::f64);
  const Tensor v = zeros({3, 2}, DType::f64);
  EXPECT_TRUE(throws_error<ShapeError>(
      "attention_forward(q [3,4], k [3,5], v [3,2])",
      [&] { (void)attention_forward(q, k, v, false); },
      "a query of width 4 cannot be dotted with a key of width "
      "5: check the shapes first and throw knob::ShapeError "
      "naming q, k and v"));
}

}  // namespace
}  // namespace knob::exercises
