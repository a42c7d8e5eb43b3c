// The reading form: IA3Attention and IA3FeedForward against the nn layers and the formula.
//
// Why the comparisons with nn's layers can be bit for bit on every instruction set: the reading
// form composes add, gelu, mul, masked_fill and softmax over whole tensors, while nn's layers
// run the fused bias_activation and attention_softmax row by row. The fused ops call the same
// kernels with the same operations in the same order, and two properties of the kernels make
// the row cuts invisible (tests/kernels/test_position_independence.cpp): an elementwise kernel
// gives an element the same bits wherever it sits, and a sum does not change when the masked
// entries (exact zeros) are left out. Everything else (the GEMMs) runs on identical shapes.
#include <cstring>

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "ia3/ia3_attention.h"
#include "ia3/ia3_feed_forward.h"
#include "ia3/model_map.h"
#include "nn/layers/attention.h"
#include "nn/layers/feed_forward.h"
#include "tests/ia3/tensor_compare.h"

namespace knob::ia3 {
namespace {

void randomize(Tensor t, Generator& gen, double spread) {
  NoGradGuard no_grad;
  const bool trainable = t.requires_grad();
  t.set_data(add_scalar(mul_scalar(randn(t.shape(), gen, t.dtype()), spread), 1.0));
  t.requires_grad_(trainable);
}

TEST(IA3Attention, EqualsMultiHeadAttentionWithIA3BitForBit) {
  Generator gen(7);
  nn::MultiHeadAttention mha(16, 4, gen);
  ia3::add_vectors(mha);
  randomize(ia3::l_k(mha), gen, 0.5);
  randomize(ia3::l_v(mha), gen, 0.5);
  auto seed_form = IA3Attention::from_attention(mha);
  Tensor x = randn({3, 5, 16}, gen);
  EXPECT_TRUE(bit_identical(seed_form->forward(x), mha.forward(x).output));
}

TEST(IA3Attention, OnesAreTheIdentityBitForBit) {
  Generator gen(8);
  nn::MultiHeadAttention plain(12, 3, gen);  // no IA³ at all
  auto seed_form = IA3Attention::from_attention(plain);
  Tensor x = randn({2, 4, 12}, gen);
  EXPECT_TRUE(bit_identical(seed_form->forward(x), plain.forward(x).output));
  // ... and a vector away from one does change the output (the check above can fail).
  randomize(seed_form->l_v(), gen, 0.3);
  EXPECT_FALSE(bit_identical(seed_form->forward(x), plain.forward(x).output));
}

TEST(IA3Attention, OnlyTheVectorsTrain) {
  Generator gen(9);
  IA3Attention attn(8, 2, gen);
  std::vector<std::string> trainable;
  for (auto& [name, t] : attn.trainable_parameters()) trainable.push_back(name);
  EXPECT_EQ(trainable, (std::vector<std::string>{"l_k", "l_v"}));
  EXPECT_EQ(attn.num_parameters(true), 16);
}

TEST(IA3Attention, GradcheckOfLkAndLvInFloat64) {
  Generator gen(10);
  IA3Attention attn(8, 2, gen, DType::f64);
  randomize(attn.l_k(), gen, 0.4);
  randomize(attn.l_v(), gen, 0.4);
  Tensor x = randn({2, 4, 8}, gen, DType::f64);
  const GradcheckResult r =
      gradcheck([&](const TensorList&) { return attn.forward(x); }, {attn.l_k(), attn.l_v()});
  EXPECT_TRUE(r.passed) << r.message;
  EXPECT_GT(r.compared, 0);
}

TEST(IA3Attention, PerExampleVectorsEqualSeparateRuns) {
  Generator gen(11);
  IA3Attention attn(8, 2, gen);
  Tensor x = randn({3, 4, 8}, gen);
  Tensor lk = add_scalar(mul_scalar(randn({3, 8}, gen), 0.5), 1.0);  // one row per example
  Tensor lv = add_scalar(mul_scalar(randn({3, 8}, gen), 0.5), 1.0);
  NoGradGuard no_grad;
  Tensor mixed = attn.forward_with(x, lk, lv);  // [3,4,8]
  for (std::int64_t b = 0; b < 3; ++b) {
    Tensor alone = attn.forward_with(slice(x, 0, b, 1), reshape(slice(lk, 0, b, 1), {8}),
                                     reshape(slice(lv, 0, b, 1), {8}));
    // Equal to float rounding (the matrix kernels may block a batch of 3 differently from 1).
    EXPECT_LT(max_abs_diff(slice(mixed, 0, b, 1), alone), 1e-5) << "example " << b;
  }
}

TEST(IA3Attention, BadShapesNameTheProblem) {
  Generator gen(12);
  IA3Attention attn(8, 2, gen);
  EXPECT_THROW(attn.forward(randn({2, 4, 6}, gen)), ShapeError);
  try {
    attn.forward_with(randn({2, 4, 8}, gen), ones({7}), ones({8}));
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("l_k"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[7]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(IA3Attention(10, 3, gen), ValueError);
}

TEST(IA3FeedForward, EqualsFeedForwardWithIA3BitForBit) {
  Generator gen(13);
  nn::FeedForward ffn(8, 24, Activation::gelu, gen);
  ia3::add_vectors(ffn);
  randomize(ia3::l_ff(ffn), gen, 0.5);
  auto seed_form = IA3FeedForward::from_feed_forward(ffn);
  Tensor x = randn({2, 3, 8}, gen);
  EXPECT_TRUE(bit_identical(seed_form->forward(x), ffn.forward(x)));
  EXPECT_EQ(seed_form->num_parameters(true), 24);
}

TEST(IA3FeedForward, OnesAreTheIdentityBitForBit) {
  Generator gen(14);
  nn::FeedForward plain(8, 16, Activation::relu, gen);
  auto seed_form = IA3FeedForward::from_feed_forward(plain);
  Tensor x = randn({2, 3, 8}, gen);
  EXPECT_TRUE(bit_identical(seed_form->forward(x), plain.forward(x)));
}

TEST(IA3FeedForward, GradcheckOfLffInFloat64) {
  Generator gen(15);
  IA3FeedForward ffn(6, 10, Activation::gelu, gen, DType::f64);
  randomize(ffn.l_ff(), gen, 0.4);
  Tensor x = randn({2, 3, 6}, gen, DType::f64);
  const GradcheckResult r =
      gradcheck([&](const TensorList&) { return ffn.forward(x); }, {ffn.l_ff()});
  EXPECT_TRUE(r.passed) << r.message;
}

TEST(IA3FeedForward, PerExampleScaleEqualsSeparateRuns) {
  Generator gen(16);
  IA3FeedForward ffn(6, 10, Activation::gelu, gen);
  Tensor x = randn({2, 3, 6}, gen);
  Tensor l = add_scalar(randn({2, 10}, gen), 1.0);
  NoGradGuard no_grad;
  Tensor mixed = ffn.forward_with(x, l);
  for (std::int64_t b = 0; b < 2; ++b) {
    Tensor alone = ffn.forward_with(slice(x, 0, b, 1), reshape(slice(l, 0, b, 1), {10}));
    EXPECT_LT(max_abs_diff(slice(mixed, 0, b, 1), alone), 1e-5) << "example " << b;
  }
}

}  // namespace
}  // namespace knob::ia3
