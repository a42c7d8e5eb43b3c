// The modules with the fused ops (the default) against the same modules built from the
// compositions they replace (nn/layers/fusion.h switched off): the whole transformer's loss and
// every parameter's gradient, full and with IA³, in float64 and float32; attention with a padding
// mask; and the switch itself.
#include <cmath>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "common/tiny_model.h"
#include "ia3/model_map.h"
#include "nn/layers/attention.h"
#include "nn/layers/fusion.h"
#include "nn/layers/transformer.h"
#include "nn/layers/transformer_config.h"

namespace knob::nn {
namespace {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return std::numeric_limits<double>::infinity();
  const std::vector<double> x = a.to_vector();
  const std::vector<double> y = b.to_vector();
  double worst = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(x[i] - y[i]));
  return worst;
}

TransformerConfig small_config(const std::string& activation) {
  TransformerConfig c = test::tiny_config(
      {.vocab_size = 11, .d_model = 16, .n_heads = 4, .n_layers = 2, .d_ff = 40, .max_seq_len = 9});
  c.activation = parse_activation(activation);
  return c;
}

struct LossAndGrads {
  double loss = 0.0;
  NamedTensors grads;
};

LossAndGrads run(const Transformer& model, const Tensor& ids, const Tensor& targets, bool fused) {
  const FusionGuard fusion(fused);
  LossAndGrads out;
  NamedTensors params = model.trainable_parameters();
  TensorList leaves;
  for (const auto& [name, t] : params) leaves.push_back(t);
  Tensor loss = model.loss(ids, targets);
  out.loss = loss.item();
  const TensorList g = grad({loss}, leaves);
  for (std::size_t i = 0; i < params.size(); ++i) out.grads.emplace_back(params[i].first, g[i]);
  return out;
}

struct Case {
  DType dtype;
  std::string activation;
  bool ia3;
};

class FusedModel : public ::testing::TestWithParam<Case> {};

TEST_P(FusedModel, LossAndEveryGradientMatchTheUnfusedModel) {
  const Case c = GetParam();
  Generator gen(1);
  Transformer model(small_config(c.activation), gen, c.dtype);
  if (c.ia3) {
    ia3::add_vectors(model);
    ia3::freeze_all_but_vectors(model);
    // Move the IA³ vectors off 1 so that their scaling shows in the outputs.
    NoGradGuard no_grad;
    for (auto& [name, t] : model.trainable_parameters()) {
      Tensor noise = mul_scalar(randn(t.shape(), gen, c.dtype), 0.3);
      for (std::int64_t i = 0; i < t.numel(); ++i) {
        t.set({i}, t.at({i}) + noise.at({i}));
      }
    }
  }
  const Tensor ids = randint({3, 9}, 0, 11, gen);
  const Tensor targets = randint({3, 9}, 0, 11, gen);
  const LossAndGrads fused = run(model, ids, targets, true);
  const LossAndGrads unfused = run(model, ids, targets, false);
  const double tol = c.dtype == DType::f64 ? 1e-12 : 2e-5;
  EXPECT_NEAR(fused.loss, unfused.loss, tol);
  ASSERT_EQ(fused.grads.size(), unfused.grads.size());
  EXPECT_EQ(fused.grads.size(), c.ia3 ? 6u : model.trainable_parameters().size());
  for (std::size_t i = 0; i < fused.grads.size(); ++i) {
    EXPECT_LE(max_abs_diff(fused.grads[i].second, unfused.grads[i].second), tol)
        << fused.grads[i].first;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FusedModel,
    ::testing::Values(Case{DType::f64, "gelu", false}, Case{DType::f64, "gelu", true},
                      Case{DType::f64, "gelu_tanh", true}, Case{DType::f64, "relu", false},
                      Case{DType::f32, "gelu", false}, Case{DType::f32, "gelu", true}),
    [](const auto& info) {
      return std::string(dtype_name(info.param.dtype)) + "_" + info.param.activation +
             (info.param.ia3 ? "_ia3" : "_full");
    });

TEST(FusedAttention, PaddingAndCausalMasksMatchTheUnfusedModule) {
  Generator gen(2);
  MultiHeadAttention attention(12, 3, gen, DType::f64);
  Tensor x = randn({2, 5, 12}, gen, DType::f64).requires_grad_();
  Tensor pad = zeros({2, 5}, DType::i64);
  pad.data<std::int64_t>()[4] = 1;  // the last key of the first row is padding
  pad.data<std::int64_t>()[8] = 1;
  AttentionOptions options;
  options.causal = true;
  options.key_padding_mask = pad;
  options.return_weights = true;
  auto run_attention = [&](bool fused) {
    const FusionGuard fusion(fused);
    AttentionResult r = attention.forward(x, options);
    return std::make_pair(r, grad({sum(mul(r.output, r.output))}, {x})[0]);
  };
  const auto [fused, fused_grad] = run_attention(true);
  const auto [unfused, unfused_grad] = run_attention(false);
  EXPECT_LE(max_abs_diff(fused.output, unfused.output), 1e-13);
  EXPECT_LE(max_abs_diff(fused.weights, unfused.weights), 1e-15);
  EXPECT_LE(max_abs_diff(fused_grad, unfused_grad), 1e-12);
  EXPECT_EQ(fused.weights.at({0, 0, 4, 4}), 0.0);  // a padded key gets no weight
}

TEST(Fusion, TheSwitchIsOnByDefaultAndTheGuardRestoresIt) {
  EXPECT_TRUE(fusion_enabled());
  {
    const FusionGuard off(false);
    EXPECT_FALSE(fusion_enabled());
    {
      const FusionGuard on(true);
      EXPECT_TRUE(fusion_enabled());
    }
    EXPECT_FALSE(fusion_enabled());
  }
  EXPECT_TRUE(fusion_enabled());
}

}  // namespace
}  // namespace knob::nn
