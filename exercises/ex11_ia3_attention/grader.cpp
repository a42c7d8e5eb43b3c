// Autograder of ex11_ia3_attention. The references are knob's own layers with one head and an
// identity output projection: nn::MultiHeadAttention for ones (plain attention) and
// ia3::IA3Attention for general l_k, l_v; for shapes they cannot make (S != T, d_v != d_k), the
// formula written with knob's ops in an equivalent form.
#include "exercises/common/grader.h"

#include <cmath>
#include <memory>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "exercises/ex11_ia3_attention/ia3_attention.h"
#include "ia3/ia3_attention.h"
#include "nn/layers/attention.h"

namespace knob::exercises {
namespace {

constexpr const char* kId = "ex11_ia3_attention";
constexpr const char* kFormulaHint =
    "O = softmax(q (k * l_k)^T / sqrt(d_k) + mask) (v * l_v): l_k multiplies the columns "
    "(features) of k, l_v the columns of v, each broadcast over the rows";

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

Tensor near_ones(std::int64_t n, Generator& gen, DType dtype) {
  return add_scalar(mul_scalar(randn({n}, gen, dtype), 0.5), 1.0);  // as after training
}

Tolerance tolerance_for(DType dtype) {
  return dtype == DType::f64 ? Tolerance{1e-12, 1e-9} : Tolerance{1e-6, 1e-5};
}

/// q, k, v [T, C]: the projections of one random x [1, T, C] by a one-head attention layer.
struct Projections {
  Tensor x, q, k, v;
};

template <class Layer>
Projections project(const Layer& layer, std::int64_t positions, std::int64_t width, Generator& gen,
                    DType dtype) {
  NoGradGuard no_grad;
  Projections p;
  p.x = randn({1, positions, width}, gen, dtype);
  p.q = reshape(layer.q_proj().forward(p.x), {positions, width});
  p.k = reshape(layer.k_proj().forward(p.x), {positions, width});
  p.v = reshape(layer.v_proj().forward(p.x), {positions, width});
  return p;
}

TEST(IA3Attention, OnesGivePlainAttention) {
  const std::int64_t positions = 5;
  const std::int64_t width = 4;
  Generator gen(1);
  auto plain = std::make_shared<nn::MultiHeadAttention>(width, /*n_heads=*/1, gen, DType::f64);
  plain->load_state_dict(state_with(*plain, {{"out_proj.weight", identity(width, DType::f64)},
                                             {"out_proj.bias", zeros({width}, DType::f64)}}));
  const Projections p = project(*plain, positions, width, gen, DType::f64);
  Tensor expected;
  {
    NoGradGuard no_grad;
    expected = reshape(plain->forward(p.x).output, {positions, width});  // causal by default
  }
  const Tensor ones_k = ones({width}, DType::f64);
  const Tensor ones_v = ones({width}, DType::f64);
  Tensor got;
  ASSERT_TRUE(
      runs_without_error(kId, [&] { got = ia3_attention(p.q, p.k, p.v, ones_k, ones_v, true); }));
  EXPECT_TRUE(tensors_match("causal IA3 attention with l_k = l_v = ones, q, k, v [5,4]", got,
                            expected,
                            "with ones this must be plain attention (ex10): check the scale "
                            "1/sqrt(d_k) and the causal mask (key j > query i hidden)",
                            tolerance_for(DType::f64)));
}

// The student's O for the given vectors against ia3::IA3Attention::forward_with (causal).
void check_against_ia3_layer(const char* which, bool random_k, bool random_v, const char* hint,
                             std::uint64_t seed, DType dtype = DType::f64) {
  const std::int64_t positions = 6;
  const std::int64_t width = 8;
  Generator gen(seed);
  auto layer = std::make_shared<ia3::IA3Attention>(width, /*n_heads=*/1, gen, dtype);
  layer->load_state_dict(state_with(*layer, {{"out_proj.weight", identity(width, dtype)},
                                             {"out_proj.bias", zeros({width}, dtype)}}));
  const Projections p = project(*layer, positions, width, gen, dtype);
  const Tensor l_k = random_k ? near_ones(width, gen, dtype) : ones({width}, dtype);
  const Tensor l_v = random_v ? near_ones(width, gen, dtype) : ones({width}, dtype);
  Tensor expected;
  {
    NoGradGuard no_grad;
    expected = reshape(layer->forward_with(p.x, l_k, l_v), {positions, width});
  }
  Tensor got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = ia3_attention(p.q, p.k, p.v, l_k, l_v, true); }));
  EXPECT_TRUE(tensors_match(std::string("causal IA3 attention with ") + which + ", q, k, v [6,8]",
                            got, expected, hint, tolerance_for(dtype)));
}

TEST(IA3Attention, GeneralVectorsMatchIA3AttentionLayer) {
  check_against_ia3_layer("random l_k and l_v", true, true, kFormulaHint, 2);
}
TEST(IA3Attention, TheKeyScaleActsInsideTheSoftmax) {
  check_against_ia3_layer("random l_k, l_v = ones", true, false,
                          "l_k changes the scores: scores = q (k * l_k)^T / sqrt(d_k); "
                          "multiplying the weights or the output by l_k is not the same",
                          3);
}
TEST(IA3Attention, TheValueScaleOnlyRescalesWhatIsRead) {
  check_against_ia3_layer("l_k = ones, random l_v", false, true,
                          "l_v scales the values: O = A (v * l_v); it must not enter the scores, "
                          "so the weights A are those of plain attention",
                          4);
}
TEST(IA3Attention, Float32) {
  check_against_ia3_layer("random l_k and l_v (float32)", true, true, kFormulaHint, 5, DType::f32);
}

TEST(IA3Attention, CrossAttentionWithItsOwnWidths) {
  // T = 3 queries over S = 7 keys, d_k = 4, d_v = 2, no mask. The reference uses the equivalent
  // form softmax((q * l_k) k^T / sqrt(d_k)) v, then * l_v on the output's columns.
  Generator gen(6);
  const Tensor q = randn({3, 4}, gen, DType::f64);
  const Tensor k = randn({7, 4}, gen, DType::f64);
  const Tensor v = randn({7, 2}, gen, DType::f64);
  const Tensor l_k = near_ones(4, gen, DType::f64);
  const Tensor l_v = near_ones(2, gen, DType::f64);
  const Tensor weights = softmax(mul_scalar(matmul(mul(q, l_k), transpose(k, 0, 1)), 0.5), -1);
  const Tensor expected = mul(matmul(weights, v), l_v);  // [3,2]
  Tensor got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = ia3_attention(q, k, v, l_k, l_v, false); }));
  EXPECT_TRUE(tensors_match("IA3 attention (no mask) for q [3,4], k [7,4], v [7,2]", got, expected,
                            "l_k has d_k = 4 entries and scales k's columns, l_v has d_v = 2 "
                            "and scales v's columns; 1/sqrt(d_k) = 0.5 here",
                            tolerance_for(DType::f64)));
}

TEST(IA3Attention, OneQueryAndOneKey) {
  Generator gen(7);
  const Tensor q = randn({1, 3}, gen, DType::f64);
  const Tensor k = randn({1, 3}, gen, DType::f64);
  const Tensor v = randn({1, 2}, gen, DType::f64);
  const Tensor l_k = near_ones(3, gen, DType::f64);
  const Tensor l_v = near_ones(2, gen, DType::f64);
  Tensor got;
  ASSERT_TRUE(runs_without_error(kId, [&] { got = ia3_attention(q, k, v, l_k, l_v, true); }));
  EXPECT_TRUE(tensors_match("IA3 attention of one query over one key", got, mul(v, l_v),
                            "with a single key its weight is 1, so the output is that key's "
                            "value row, scaled by l_v",
                            tolerance_for(DType::f64)));
}

TEST(IA3Attention, AVectorOfTheWrongSizeIsAShapeError) {
  const Tensor q = zeros({3, 4}, DType::f64);
  const Tensor k = zeros({5, 4}, DType::f64);
  const Tensor v = zeros({5, 2}, DType::f64);
  const Tensor l_k = ones({5}, DType::f64);  // one per key instead of one per feature
  const Tensor l_v = ones({2}, DType::f64);
  EXPECT_TRUE(throws_error<ShapeError>(
      "ia3_attention(q [3,4], k [5,4], v [5,2], l_k [5], l_v [2])",
      [&] { (void)ia3_attention(q, k, v, l_k, l_v, false); },
      "l_k must have one entry per feature of k (4), not one per key (5): check both vectors' "
      "shapes and throw knob::ShapeError"));
}

}  // namespace
}  // namespace knob::exercises
