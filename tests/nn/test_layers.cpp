// The layers of the transformer, one at a time: initialisation, output shapes, forward values
// against hand-computed or naively looped references, errors, and gradients against finite
// differences (float64).
#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "ia3/model_map.h"
#include "nn/layers/activation.h"
#include "nn/layers/attention.h"
#include "nn/layers/dropout.h"
#include "nn/layers/embedding.h"
#include "nn/layers/feed_forward.h"
#include "nn/layers/init.h"
#include "nn/layers/layer_norm.h"
#include "nn/layers/linear.h"

namespace knob::nn {
namespace {

// Overwrite a parameter's values (a leaf handle shares the module's tensor).
void set_values(Tensor param, const std::vector<double>& values) {
  param.set_data(tensor(values, param.shape(), param.dtype()));
}

void expect_near_all(const Tensor& actual, const std::vector<double>& expected, double tol) {
  const std::vector<double> got = actual.to_vector();
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], expected[i], tol) << "element " << i;
  }
}

// ------------------------------------------------------------------------------ init ----

TEST(Init, LinearIsUniformWithinOneOverSqrtFanIn) {
  Generator gen(1);
  Tensor w = init::linear_weight(50, 16, gen);  // bound 1/4
  ASSERT_EQ(w.shape(), (Shape{50, 16}));
  double lo = 1.0;
  double hi = -1.0;
  for (double v : w.to_vector()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_GE(lo, -0.25);
  EXPECT_LT(hi, 0.25);
  EXPECT_LT(lo, -0.2);  // the whole range is used
  EXPECT_GT(hi, 0.2);
  EXPECT_DOUBLE_EQ(init::linear_bound(16), 0.25);
  Tensor b = init::linear_bias(50, 16, gen, DType::f64);
  EXPECT_EQ(b.shape(), (Shape{50}));
  EXPECT_EQ(b.dtype(), DType::f64);
  for (double v : b.to_vector()) EXPECT_LE(std::abs(v), 0.25);
  EXPECT_THROW(init::linear_weight(0, 3, gen), ValueError);
  EXPECT_THROW(init::linear_weight(3, 3, gen, DType::i64), DTypeError);
}

TEST(Init, EmbeddingIsStandardNormal) {
  Generator gen(2);
  const std::vector<double> v = init::embedding_weight(100, 100, gen).to_vector();
  double sum = 0.0;
  double sum_sq = 0.0;
  for (double x : v) {
    sum += x;
    sum_sq += x * x;
  }
  const double n = static_cast<double>(v.size());
  EXPECT_NEAR(sum / n, 0.0, 0.05);
  EXPECT_NEAR(sum_sq / n, 1.0, 0.05);
}

TEST(Init, LayerNormIsOnesAndZeros) {
  expect_near_all(init::layer_norm_weight(3), {1, 1, 1}, 0);
  expect_near_all(init::layer_norm_bias(3), {0, 0, 0}, 0);
}

TEST(Init, SameSeedGivesSameLayer) {
  Generator a(7);
  Generator b(7);
  EXPECT_EQ(Linear(4, 3, a).weight().to_vector(), Linear(4, 3, b).weight().to_vector());
}

// ------------------------------------------------------------------------------ Linear ----

TEST(Linear, ShapesAndNames) {
  Generator gen(0);
  Linear lin(8, 5, gen);
  EXPECT_EQ(lin.weight().shape(), (Shape{5, 8}));  // PyTorch: [out, in]
  EXPECT_EQ(lin.bias().shape(), (Shape{5}));
  const NamedTensors params = lin.named_parameters();
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "weight");
  EXPECT_EQ(params[1].first, "bias");
  EXPECT_EQ(lin.forward(zeros({2, 3, 8})).shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(lin.forward(zeros({4, 8})).shape(), (Shape{4, 5}));
  EXPECT_EQ(lin.forward(zeros({8})).shape(), (Shape{5}));
}

TEST(Linear, ComputesXWTransposedPlusB) {
  Generator gen(0);
  Linear lin(2, 3, gen, DType::f64);
  set_values(lin.weight(), {1, 2,     // row 0
                            3, 4,     // row 1
                            -1, 0});  // row 2
  set_values(lin.bias(), {0.5, 0, -2});
  Tensor x = tensor({1, 1, 2, -1}, {2, 2}, DType::f64);
  // [1,1] → [1+2+.5, 3+4, -1-2] ; [2,-1] → [2-2+.5, 6-4, -2-2]
  expect_near_all(lin.forward(x), {3.5, 7, -3, 0.5, 2, -4}, 1e-15);
}

TEST(Linear, RejectsWrongWidthAndDType) {
  Generator gen(0);
  Linear lin(4, 2, gen);
  EXPECT_THROW(lin.forward(zeros({3, 5})), ShapeError);
  EXPECT_THROW(lin.forward(zeros({3, 4}, DType::f64)), DTypeError);
  EXPECT_THROW(Linear(0, 2, gen), ValueError);
}

TEST(Linear, GradientsMatchFiniteDifferences) {
  Generator gen(3);
  Linear lin(4, 3, gen, DType::f64);
  Tensor x = randn({2, 5, 4}, gen, DType::f64).requires_grad_();
  auto fn = [&](const TensorList& in) { return lin.forward(in[0]); };
  GradcheckResult r = gradcheck(fn, {x, lin.weight(), lin.bias()});
  EXPECT_TRUE(r.passed) << r.message;
}

// ------------------------------------------------------------------------------ Embedding ----

TEST(Embedding, GathersRows) {
  Generator gen(0);
  Embedding emb(4, 2, gen, DType::f64);
  set_values(emb.weight(), {0, 1, 10, 11, 20, 21, 30, 31});
  Tensor y = emb.forward(int_tensor({3, 0, 3, 1}, {2, 2}));
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
  expect_near_all(y, {30, 31, 0, 1, 30, 31, 10, 11}, 0);
  EXPECT_THROW(emb.forward(zeros({2})), DTypeError);
  EXPECT_THROW(emb.forward(int_tensor({4}, {1})), ValueError);
}

// ------------------------------------------------------------------------------ LayerNorm ----

TEST(LayerNorm, MatchesTheFormulaByHand) {
  LayerNorm ln(4, 1e-5, DType::f64);
  set_values(ln.weight(), {1, 2, 1, 1});
  set_values(ln.bias(), {0, 0, 0, 1});
  // row [1,2,3,4]: mean 2.5, biased variance 1.25
  // row [2,2,2,2]: mean 2, variance 0 → x̂ = 0, y = b
  Tensor x = tensor({1, 2, 3, 4, 2, 2, 2, 2}, {2, 4}, DType::f64);
  const double s = 1.0 / std::sqrt(1.25 + 1e-5);
  expect_near_all(ln.forward(x), {-1.5 * s, -0.5 * s * 2, 0.5 * s, 1.5 * s + 1, 0, 0, 0, 1}, 1e-12);
}

TEST(LayerNorm, NormalisesEachRowToMeanZeroVarianceOne) {
  Generator gen(5);
  LayerNorm ln(16);
  Tensor y = ln.forward(add_scalar(mul_scalar(randn({3, 2, 16}, gen), 5.0), 3.0));
  ASSERT_EQ(y.shape(), (Shape{3, 2, 16}));
  const std::vector<double> v = y.to_vector();
  for (std::size_t row = 0; row < 6; ++row) {
    double m = 0.0;
    double q = 0.0;
    for (std::size_t i = 0; i < 16; ++i) m += v[row * 16 + i] / 16.0;
    for (std::size_t i = 0; i < 16; ++i) q += (v[row * 16 + i] - m) * (v[row * 16 + i] - m) / 16;
    EXPECT_NEAR(m, 0.0, 1e-5);
    EXPECT_NEAR(q, 1.0, 1e-3);
  }
}

TEST(LayerNorm, RejectsBadArguments) {
  EXPECT_THROW(LayerNorm(4, 0.0), ValueError);
  EXPECT_THROW(LayerNorm(0), ValueError);
  LayerNorm ln(4);
  EXPECT_THROW(ln.forward(zeros({2, 3})), ShapeError);
}

TEST(LayerNorm, GradientsMatchFiniteDifferences) {
  Generator gen(6);
  LayerNorm ln(5, 1e-5, DType::f64);
  set_values(ln.weight(), randn({5}, gen, DType::f64).to_vector());
  set_values(ln.bias(), randn({5}, gen, DType::f64).to_vector());
  Tensor x = randn({2, 3, 5}, gen, DType::f64).requires_grad_();
  auto fn = [&](const TensorList& in) { return ln.forward(in[0]); };
  GradcheckResult r = gradcheck(fn, {x, ln.weight(), ln.bias()});
  EXPECT_TRUE(r.passed) << r.message;
}

// ------------------------------------------------------------------------------ Dropout ----

TEST(Dropout, IsTheIdentityInEvalModeOrWithPZero) {
  Generator gen(0);
  Tensor x = randn({4, 4}, gen);
  Dropout none(0.0, 1);
  EXPECT_TRUE(none.forward(x).shares_storage(x));
  Dropout half(0.5, 1);
  half.eval();
  EXPECT_TRUE(half.forward(x).shares_storage(x));
}

TEST(Dropout, ZeroesAboutPAndScalesTheRest) {
  Dropout drop(0.25, 9);
  Tensor x = ones({100, 100}, DType::f64);
  const std::vector<double> y = drop.forward(x).to_vector();
  int zeros_seen = 0;
  for (double v : y) {
    if (v == 0.0) {
      ++zeros_seen;
    } else {
      EXPECT_DOUBLE_EQ(v, 1.0 / 0.75);
    }
  }
  EXPECT_NEAR(zeros_seen / 10000.0, 0.25, 0.02);
  // A new mask on every call, and the same sequence of masks from the same seed.
  Dropout again(0.25, 9);
  EXPECT_EQ(again.forward(x).to_vector(), y);
  EXPECT_NE(again.forward(x).to_vector(), y);
}

TEST(Dropout, GradientIsTheMask) {
  Dropout drop(0.5, 3);
  Tensor x = ones({64}, DType::f64).requires_grad_();
  Tensor y = drop.forward(x);
  backward(sum(y));
  EXPECT_EQ(x.grad().to_vector(), y.to_vector());  // d(Σ x⊙m)/dx = m, and y = m for x = 1
  EXPECT_THROW(Dropout(1.0), ValueError);
  EXPECT_THROW(Dropout(-0.1), ValueError);
}

// ------------------------------------------------------------------------------ activations ----

TEST(Activation, NamesRoundTrip) {
  for (Activation a : {Activation::gelu, Activation::gelu_tanh, Activation::relu}) {
    EXPECT_EQ(parse_activation(activation_name(a)), a);
  }
  EXPECT_EQ(activation_name(Activation::gelu_tanh), "gelu_tanh");
  EXPECT_THROW(parse_activation("swish"), ValueError);
  EXPECT_THROW(parse_activation("GELU"), ValueError);
  EXPECT_THROW(parse_activation("identity"), ValueError);  // not a feed-forward choice
}

TEST(Activation, AppliesTheNamedFunction) {
  Tensor x = tensor({-1.0, 0.5}, {2}, DType::f64);
  expect_near_all(apply_activation(Activation::relu, x), {0, 0.5}, 0);
  const double gelu_half = 0.5 * 0.5 * (1 + std::erf(0.5 / std::sqrt(2.0)));
  EXPECT_NEAR(apply_activation(Activation::gelu, x).at({1}), gelu_half, 1e-15);
  const double u = std::sqrt(2.0 / std::numbers::pi) * (0.5 + 0.044715 * 0.125);
  EXPECT_NEAR(apply_activation(Activation::gelu_tanh, x).at({1}), 0.25 * (1 + std::tanh(u)), 1e-15);
}

// ------------------------------------------------------------------------------ attention ----

// Attention computed with plain loops from the module's weights (float64): the reference the
// batched implementation must match.
std::vector<double> reference_attention(const MultiHeadAttention& attn, const Tensor& x,
                                        bool causal, const std::vector<int>& padded) {
  const std::int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  const std::int64_t H = attn.n_heads(), D = C / H;
  auto project = [&](const Linear& lin, const Tensor& scale) {
    std::vector<double> out(B * T * C);
    for (std::int64_t r = 0; r < B * T; ++r) {
      for (std::int64_t o = 0; o < C; ++o) {
        double acc = lin.bias().at({o});
        for (std::int64_t i = 0; i < C; ++i)
          acc += x.at({r / T, r % T, i}) * lin.weight().at({o, i});
        out[r * C + o] = acc * (scale.defined() ? scale.at({o}) : 1.0);
      }
    }
    return out;
  };
  const std::vector<double> q = project(attn.q_proj(), Tensor());
  const std::vector<double> k = project(attn.k_proj(), ia3::l_k(attn));
  const std::vector<double> v = project(attn.v_proj(), ia3::l_v(attn));
  std::vector<double> merged(B * T * C, 0.0);
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t h = 0; h < H; ++h) {
      for (std::int64_t t = 0; t < T; ++t) {
        std::vector<double> score(T, -std::numeric_limits<double>::infinity());
        double top = -std::numeric_limits<double>::infinity();
        for (std::int64_t s = 0; s < T; ++s) {
          if ((causal && s > t) || (!padded.empty() && padded[b * T + s])) continue;
          double dot = 0.0;
          for (std::int64_t d = 0; d < D; ++d) {
            dot += q[(b * T + t) * C + h * D + d] * k[(b * T + s) * C + h * D + d];
          }
          score[s] = dot / std::sqrt(static_cast<double>(D));
          top = std::max(top, score[s]);
        }
        double total = 0.0;
        for (double& sc : score) total += (sc = std::exp(sc - top));
        for (std::int64_t s = 0; s < T; ++s) {
          for (std::int64_t d = 0; d < D; ++d) {
            merged[(b * T + t) * C + h * D + d] +=
                score[s] / total * v[(b * T + s) * C + h * D + d];
          }
        }
      }
    }
  }
  std::vector<double> out(B * T * C);
  const Linear& o = attn.out_proj();
  for (std::int64_t r = 0; r < B * T; ++r) {
    for (std::int64_t j = 0; j < C; ++j) {
      double acc = o.bias().at({j});
      for (std::int64_t i = 0; i < C; ++i) acc += merged[r * C + i] * o.weight().at({j, i});
      out[r * C + j] = acc;
    }
  }
  return out;
}

TEST(MultiHeadAttention, ShapesAndParameterNames) {
  Generator gen(0);
  MultiHeadAttention attn(12, 3, gen);
  AttentionResult r = attn.forward(randn({2, 5, 12}, gen), {.return_weights = true});
  EXPECT_EQ(r.output.shape(), (Shape{2, 5, 12}));
  EXPECT_EQ(r.weights.shape(), (Shape{2, 3, 5, 5}));
  EXPECT_FALSE(attn.forward(zeros({2, 5, 12})).weights.defined());
  std::vector<std::string> names;
  for (const auto& [name, _] : attn.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"q_proj.weight", "q_proj.bias", "k_proj.weight",
                                             "k_proj.bias", "v_proj.weight", "v_proj.bias",
                                             "out_proj.weight", "out_proj.bias"}));
  ia3::add_vectors(attn);
  ia3::add_vectors(attn);  // idempotent
  EXPECT_EQ(attn.parameter("l_k").shape(), (Shape{12}));
  EXPECT_EQ(attn.parameter("l_v").to_vector(), std::vector<double>(12, 1.0));
  EXPECT_EQ(attn.named_parameters().size(), 10u);
}

// One head, q = 0 so every score is equal: each position averages the values it may see.
class UniformAttention : public ::testing::Test {
 protected:
  void SetUp() override {
    set_values(attn.q_proj().weight(), {0, 0, 0, 0});
    set_values(attn.q_proj().bias(), {0, 0});
    set_values(attn.v_proj().weight(), {1, 0, 0, 1});
    set_values(attn.v_proj().bias(), {0, 0});
    set_values(attn.out_proj().weight(), {1, 0, 0, 1});
    set_values(attn.out_proj().bias(), {0, 0});
  }
  Generator gen{0};
  MultiHeadAttention attn{2, 1, gen, DType::f64};
  Tensor x = tensor({1, 2, 3, 4, 5, 6}, {1, 3, 2}, DType::f64);
};

TEST_F(UniformAttention, CausalMaskLetsPositionZeroSeeOnlyItself) {
  AttentionResult r = attn.forward(x, {.return_weights = true});
  expect_near_all(r.weights, {1, 0, 0, 0.5, 0.5, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3}, 1e-15);
  expect_near_all(r.output, {1, 2, 2, 3, 3, 4}, 1e-14);  // running means of x
}

TEST_F(UniformAttention, WithoutTheCausalMaskEveryPositionSeesAll) {
  AttentionResult r = attn.forward(x, {.causal = false, .return_weights = true});
  expect_near_all(r.weights, std::vector<double>(9, 1.0 / 3), 1e-15);
  expect_near_all(r.output, {3, 4, 3, 4, 3, 4}, 1e-14);
}

TEST_F(UniformAttention, PaddedKeysGetNoWeight) {
  Tensor pad = int_tensor({0, 1, 0}, {1, 3});  // key 1 is padding
  AttentionResult r = attn.forward(x, {.key_padding_mask = pad, .return_weights = true});
  expect_near_all(r.weights, {1, 0, 0, 1, 0, 0, 0.5, 0, 0.5}, 1e-15);
  expect_near_all(r.output, {1, 2, 1, 2, 3, 4}, 1e-14);
}

TEST_F(UniformAttention, AFullyMaskedRowIsNaN) {
  Tensor pad = int_tensor({1, 0, 0}, {1, 3});  // query 0 may only see key 0, which is padded
  AttentionResult r = attn.forward(x, {.key_padding_mask = pad, .return_weights = true});
  EXPECT_TRUE(std::isnan(r.weights.at({0, 0, 0, 0})));
  EXPECT_TRUE(std::isnan(r.output.at({0, 0, 0})));
  EXPECT_FALSE(std::isnan(r.output.at({0, 1, 0})));
}

TEST(MultiHeadAttention, MatchesALoopedReferenceWithSeveralHeadsAndIA3) {
  Generator gen(11);
  MultiHeadAttention attn(6, 3, gen, DType::f64);
  ia3::add_vectors(attn);
  set_values(ia3::l_k(attn), uniform({6}, 0.5, 1.5, gen, DType::f64).to_vector());
  set_values(ia3::l_v(attn), uniform({6}, 0.5, 1.5, gen, DType::f64).to_vector());
  Tensor x = randn({2, 4, 6}, gen, DType::f64);
  const std::vector<int> padded = {0, 0, 0, 0, 0, 1, 0, 1};
  Tensor pad = int_tensor({0, 0, 0, 0, 0, 1, 0, 1}, {2, 4});
  expect_near_all(attn.forward(x).output, reference_attention(attn, x, true, {}), 1e-12);
  expect_near_all(attn.forward(x, {.causal = false}).output,
                  reference_attention(attn, x, false, {}), 1e-12);
  expect_near_all(attn.forward(x, {.key_padding_mask = pad}).output,
                  reference_attention(attn, x, true, padded), 1e-12);
}

TEST(MultiHeadAttention, WorksInFloat32WithOddSizes) {
  Generator gen(12);
  MultiHeadAttention attn(36, 3, gen);
  EXPECT_EQ(attn.forward(randn({1, 1, 36}, gen)).output.shape(), (Shape{1, 1, 36}));
  EXPECT_EQ(attn.head_dim(), 12);
}

TEST(MultiHeadAttention, RejectsBadShapes) {
  Generator gen(0);
  EXPECT_THROW(MultiHeadAttention(10, 3, gen), ValueError);
  MultiHeadAttention attn(4, 2, gen);
  EXPECT_THROW(attn.forward(zeros({2, 3, 5})), ShapeError);
  EXPECT_THROW(attn.forward(zeros({3, 4})), ShapeError);
  EXPECT_THROW(attn.forward(zeros({2, 3, 4}), {.key_padding_mask = zeros({2, 4})}), ShapeError);
}

TEST(MultiHeadAttention, GradientsMatchFiniteDifferencesWithCausalAndPaddingMasks) {
  Generator gen(13);
  MultiHeadAttention attn(4, 2, gen, DType::f64);
  ia3::add_vectors(attn);
  set_values(ia3::l_k(attn), uniform({4}, 0.5, 1.5, gen, DType::f64).to_vector());
  set_values(ia3::l_v(attn), uniform({4}, 0.5, 1.5, gen, DType::f64).to_vector());
  Tensor x = randn({2, 3, 4}, gen, DType::f64).requires_grad_();
  Tensor pad = int_tensor({0, 0, 1, 0, 1, 0}, {2, 3});
  auto fn = [&](const TensorList& in) {
    return attn.forward(in[0], {.key_padding_mask = pad}).output;
  };
  GradcheckResult r =
      gradcheck(fn, {x, attn.q_proj().weight(), attn.k_proj().weight(), attn.v_proj().bias(),
                     attn.out_proj().weight(), ia3::l_k(attn), ia3::l_v(attn)});
  EXPECT_TRUE(r.passed) << r.message;
}

// ------------------------------------------------------------------------------ FeedForward ----

TEST(FeedForward, MatchesAHandComputedCase) {
  Generator gen(0);
  FeedForward ffn(1, 2, Activation::relu, gen, DType::f64);
  set_values(ffn.up().weight(), {1, -1});  // hidden = [x, -x] + [0, 1]
  set_values(ffn.up().bias(), {0, 1});
  set_values(ffn.down().weight(), {2, 3});  // y = 2 h0 + 3 h1 - 1
  set_values(ffn.down().bias(), {-1});
  Tensor x = tensor({2, -3}, {2, 1}, DType::f64);
  // x = 2: relu([2, -1]) = [2, 0] → 3 ; x = -3: relu([-3, 4]) = [0, 4] → 11
  expect_near_all(ffn.forward(x), {3, 11}, 1e-15);
  ia3::add_vectors(ffn);
  set_values(ia3::l_ff(ffn), {0.5, 2});
  // [2, 0] ⊙ [.5, 2] = [1, 0] → 1 ; [0, 4] ⊙ [.5, 2] = [0, 8] → 23
  expect_near_all(ffn.forward(x), {1, 23}, 1e-15);
  EXPECT_EQ(ffn.parameter("l_ff").shape(), (Shape{2}));
}

TEST(FeedForward, ShapesAndNames) {
  Generator gen(0);
  FeedForward ffn(6, 10, Activation::gelu, gen);
  EXPECT_EQ(ffn.forward(zeros({2, 3, 6})).shape(), (Shape{2, 3, 6}));
  EXPECT_EQ(ffn.up().weight().shape(), (Shape{10, 6}));
  EXPECT_EQ(ffn.down().weight().shape(), (Shape{6, 10}));
  EXPECT_EQ(ffn.named_parameters()[0].first, "up.weight");
  EXPECT_EQ(ffn.named_parameters()[3].first, "down.bias");
  EXPECT_THROW(ffn.forward(zeros({2, 10})), ShapeError);
}

class FeedForwardGradient : public ::testing::TestWithParam<Activation> {};

TEST_P(FeedForwardGradient, MatchesFiniteDifferences) {
  Generator gen(14);
  FeedForward ffn(3, 5, GetParam(), gen, DType::f64);
  ia3::add_vectors(ffn);
  set_values(ia3::l_ff(ffn), uniform({5}, 0.5, 1.5, gen, DType::f64).to_vector());
  Tensor x = randn({2, 2, 3}, gen, DType::f64).requires_grad_();
  auto fn = [&](const TensorList& in) { return ffn.forward(in[0]); };
  GradcheckResult r =
      gradcheck(fn, {x, ffn.up().weight(), ffn.up().bias(), ffn.down().weight(), ia3::l_ff(ffn)});
  EXPECT_TRUE(r.passed) << activation_name(GetParam()) << ": " << r.message;
}

INSTANTIATE_TEST_SUITE_P(EachActivation, FeedForwardGradient,
                         ::testing::Values(Activation::gelu, Activation::gelu_tanh,
                                           Activation::relu),
                         [](const auto& info) { return std::string(activation_name(info.param)); });

}  // namespace
}  // namespace knob::nn
