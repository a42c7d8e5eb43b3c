// ia3::Adapter on the transformer of docs/spec.md (built-in vectors) and on custom module trees
// (folded).
#include <cstring>

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/random.h"
#include "common/tiny_model.h"
#include "ia3/adapter.h"
#include "nn/layers/transformer.h"
#include "nn/optim/adam.h"
#include "tests/ia3/tensor_compare.h"

namespace knob::ia3 {
namespace {

nn::TransformerConfig tiny_config() {
  return test::tiny_config({.vocab_size = 11, .n_layers = 2, .max_seq_len = 8});
}

// A custom model no IA³ code knows about: x → fc_in → relu → fc_out, plus a fused projection
// whose output is split in three and summed (enough to see which thirds are scaled).
class TinyMlp : public nn::Module {
 public:
  TinyMlp(Generator& gen, DType dtype)
      : fc_in_(register_module("fc_in", std::make_shared<nn::Linear>(4, 6, gen, dtype))),
        fc_out_(register_module("fc_out", std::make_shared<nn::Linear>(6, 3, gen, dtype))),
        qkv_(register_module("qkv", std::make_shared<nn::Linear>(3, 9, gen, dtype))) {}
  std::string type_name() const override { return "TinyMlp"; }
  Tensor forward(const Tensor& x) const {  // x: [N,4] → [N,9]
    return qkv_->forward(fc_out_->forward(relu(fc_in_->forward(x))));
  }
  std::shared_ptr<nn::Linear> fc_in_, fc_out_, qkv_;
};

Tensor random_ones_ish(const Shape& shape, Generator& gen, DType dtype) {
  return add_scalar(mul_scalar(randn(shape, gen, dtype), 0.5), 1.0);
}

// ------------------------------------------------------------------------ selection ----

TEST(ModuleSelector, ExactSuffixAndRegexFollowPeft) {
  ModuleSelector s{{"k_proj", "ffn.down"}, ""};
  EXPECT_TRUE(s.matches("blocks.0.attn.k_proj"));
  EXPECT_TRUE(s.matches("k_proj"));
  EXPECT_TRUE(s.matches("blocks.1.ffn.down"));
  EXPECT_FALSE(s.matches("blocks.0.attn.xk_proj"));  // suffix on whole components only
  EXPECT_FALSE(s.matches("blocks.0.attn.k_proj.weight"));
  EXPECT_FALSE(s.matches("blocks.0.other.down"));
  ModuleSelector r{{}, R"(blocks\.1\.attn\.(k|v)_proj)"};
  EXPECT_TRUE(r.matches("blocks.1.attn.v_proj"));
  EXPECT_FALSE(r.matches("blocks.0.attn.v_proj"));
  EXPECT_FALSE(r.matches("xblocks.1.attn.v_proj"));  // full match
  ModuleSelector bad{{}, "("};
  EXPECT_THROW(bad.matches("a"), ValueError);
}

// ------------------------------------------------------------- docs/spec.md's transformer ----

TEST(AdapterOnTransformer, DefaultGivesSpecNamesAndFreezesEverythingElse) {
  Generator gen(1);
  auto model = std::make_shared<nn::Transformer>(tiny_config(), gen);
  Adapter adapter(model, AdapterConfig::spec_default());
  std::vector<std::string> names;
  for (auto& [name, t] : adapter.vectors()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"blocks.0.attn.l_k", "blocks.0.attn.l_v",
                                             "blocks.0.ffn.l_ff", "blocks.1.attn.l_k",
                                             "blocks.1.attn.l_v", "blocks.1.ffn.l_ff"}));
  for (const AdaptedLayer& layer : adapter.layers()) EXPECT_TRUE(layer.built_in);
  std::vector<std::string> trainable;
  for (auto& [name, t] : model->trainable_parameters()) trainable.push_back(name);
  EXPECT_EQ(trainable, names);
  const AdapterReport report = adapter.report();
  EXPECT_EQ(report.trainable, 2 * (8 + 8 + 16));
  EXPECT_EQ(report.adapter_bytes, 4 * 2 * (8 + 8 + 16));
  EXPECT_EQ(report.trainable + report.frozen, model->num_parameters());
  EXPECT_NE(report.to_string().find("blocks.0.ffn"), std::string::npos);
}

TEST(AdapterOnTransformer, AtInitTheOutputsEqualTheBaseBitForBit) {
  Generator gen(2);
  auto model = std::make_shared<nn::Transformer>(tiny_config(), gen);
  Tensor ids = randint({2, 6}, 0, 11, gen);
  NoGradGuard no_grad;
  Tensor before = model->forward(ids);
  Adapter adapter(model, AdapterConfig::spec_default());
  EXPECT_TRUE(bit_identical(model->forward(ids), before));
}

TEST(AdapterOnTransformer, GradcheckOfEveryVectorThroughTheWholeModel) {
  Generator gen(3);
  auto model = std::make_shared<nn::Transformer>(tiny_config(), gen, DType::f64);
  AdapterConfig config = AdapterConfig::spec_default();
  config.init_ones = false;
  Adapter adapter(model, config, &gen);
  Tensor ids = randint({2, 5}, 0, 11, gen);
  Tensor targets = randint({2, 5}, 0, 11, gen);
  TensorList inputs;
  for (auto& [name, t] : adapter.vectors()) inputs.push_back(t);
  const GradcheckResult r =
      gradcheck([&](const TensorList&) { return model->loss(ids, targets); }, inputs);
  EXPECT_TRUE(r.passed) << r.message;
  EXPECT_EQ(r.compared, 2 * (8 + 8 + 16));
}

TEST(AdapterOnTransformer, TrainingChangesOnlyTheVectors) {
  Generator gen(4);
  auto model = std::make_shared<nn::Transformer>(tiny_config(), gen);
  nn::NamedTensors before;
  for (auto& [name, t] : model->named_parameters()) before.emplace_back(name, t.clone());
  Adapter adapter(model, AdapterConfig::spec_default());
  nn::AdamW optimizer(adapter.vectors(), 3e-2, {0.9, 0.999}, 1e-8, 0.0);
  Tensor ids = randint({4, 6}, 0, 11, gen);
  Tensor targets = randint({4, 6}, 0, 11, gen);
  double first = 0, last = 0;
  for (int step = 0; step < 20; ++step) {
    optimizer.zero_grad();
    Tensor loss = adapter.forward_backward([&] { return model->loss(ids, targets); });
    optimizer.step();
    adapter.refresh();
    (step == 0 ? first : last) = loss.item();
  }
  EXPECT_LT(last, first);
  for (auto& [name, t] : model->named_parameters()) {
    EXPECT_EQ(t.has_grad(), t.requires_grad()) << name;  // only vectors have gradients
  }
  EXPECT_TRUE(adapter.base_unchanged());
  for (auto& [name, t] : before) {
    EXPECT_TRUE(bit_identical(model->parameter(name), t)) << name;
  }
  bool vectors_moved = false;
  for (auto& [name, t] : adapter.vectors()) {
    vectors_moved = vectors_moved || !bit_identical(t, ones_like(t));
  }
  EXPECT_TRUE(vectors_moved);
}

// --------------------------------------------------------------- any module tree ----

TEST(AdapterOnCustomModel, OutputAndInputScalingFollowPeftsFormulas) {
  Generator gen(5);
  auto model = std::make_shared<TinyMlp>(gen, DType::f64);
  const Tensor W1 = model->fc_in_->weight().clone(), b1 = model->fc_in_->bias().clone();
  const Tensor W2 = model->fc_out_->weight().clone(), b2 = model->fc_out_->bias().clone();
  const Tensor W3 = model->qkv_->weight().clone(), b3 = model->qkv_->bias().clone();
  AdapterConfig config;
  config.target_modules.names = {"fc_in", "fc_out"};
  config.feedforward_modules.names = {"fc_out"};
  Adapter adapter(model, config);
  ASSERT_EQ(adapter.layers().size(), 2u);
  EXPECT_FALSE(adapter.layers()[0].built_in);
  EXPECT_EQ(adapter.layers()[0].vector_name, "fc_in.ia3_l");
  EXPECT_EQ(adapter.layers()[0].vector.shape(), (Shape{6}));  // output side: out_features
  EXPECT_EQ(adapter.layers()[1].vector.shape(), (Shape{6}));  // input side: in_features
  const Tensor l1 = random_ones_ish({6}, gen, DType::f64);
  const Tensor l2 = random_ones_ish({6}, gen, DType::f64);
  adapter.load_vectors({{"fc_in.ia3_l", l1}, {"fc_out.ia3_l", l2}});

  Tensor x = randn({5, 4}, gen, DType::f64);
  // The formulas written out: l1 ⊙ (W1 x + b1), then W2 (l2 ⊙ h) + b2.
  Tensor h = relu(mul(l1, add(matmul(x, transpose(W1, 0, 1)), b1)));
  Tensor y = add(matmul(mul(h, l2), transpose(W2, 0, 1)), b2);
  Tensor expected = add(matmul(y, transpose(W3, 0, 1)), b3);
  EXPECT_LT(max_abs_diff(model->forward(x), expected), 1e-12);
}

TEST(AdapterOnCustomModel, RoutedGradientsEqualAutogradOnTheFormula) {
  Generator gen(6);
  auto model = std::make_shared<TinyMlp>(gen, DType::f64);
  const Tensor W1 = model->fc_in_->weight().clone(), b1 = model->fc_in_->bias().clone();
  const Tensor W2 = model->fc_out_->weight().clone(), b2 = model->fc_out_->bias().clone();
  const Tensor W3 = model->qkv_->weight().clone(), b3 = model->qkv_->bias().clone();
  AdapterConfig config;
  config.target_modules.names = {"fc_in", "fc_out", "qkv"};
  config.feedforward_modules.names = {"fc_out"};
  config.fused_qkv_modules.names = {"qkv"};
  config.init_ones = false;
  Adapter adapter(model, config, &gen);
  ASSERT_EQ(adapter.layers()[2].vector.shape(), (Shape{6}));  // K and V thirds of 9 outputs
  Tensor x = randn({5, 4}, gen, DType::f64);
  adapter.forward_backward([&] { return sum(pow(model->forward(x), 2.0)); });

  // Reference: the same function written with the vectors as autograd leaves.
  Tensor l1 = adapter.layers()[0].vector.clone().requires_grad_();
  Tensor l2 = adapter.layers()[1].vector.clone().requires_grad_();
  Tensor l3 = adapter.layers()[2].vector.clone().requires_grad_();
  Tensor h = relu(mul(l1, add(matmul(x, transpose(W1, 0, 1)), b1)));
  Tensor y = add(matmul(mul(h, l2), transpose(W2, 0, 1)), b2);
  Tensor scale3 = concat({ones({3}, DType::f64), l3}, 0);  // q third unscaled
  Tensor z = mul(scale3, add(matmul(y, transpose(W3, 0, 1)), b3));
  backward(sum(pow(z, 2.0)));
  EXPECT_LT(max_abs_diff(adapter.layers()[0].vector.grad(), l1.grad()), 1e-10);
  EXPECT_LT(max_abs_diff(adapter.layers()[1].vector.grad(), l2.grad()), 1e-10);
  EXPECT_LT(max_abs_diff(adapter.layers()[2].vector.grad(), l3.grad()), 1e-10);
  // The frozen weights are left without gradients.
  for (auto& [name, t] : model->named_parameters()) EXPECT_FALSE(t.has_grad()) << name;
  EXPECT_TRUE(adapter.base_unchanged());
}

TEST(AdapterOnCustomModel, FusedProjectionScalesOnlyKeysAndValues) {
  Generator gen(7);
  auto model = std::make_shared<TinyMlp>(gen, DType::f32);
  Tensor x = randn({2, 4}, gen);
  NoGradGuard no_grad;
  Tensor before = model->forward(x);
  AdapterConfig config;
  config.target_modules.regex = "qkv";
  config.fused_qkv_modules.regex = "qkv";
  Adapter adapter(model, config);
  adapter.load_vectors({{"qkv.ia3_l", full({6}, 2.0)}});
  Tensor after = model->forward(x);
  EXPECT_TRUE(bit_identical(slice(after, 1, 0, 3), slice(before, 1, 0, 3)));  // q untouched
  EXPECT_LT(max_abs_diff(slice(after, 1, 3, 6), mul_scalar(slice(before, 1, 3, 6), 2.0)), 1e-5);
}

TEST(AdapterOnCustomModel, ReportCountsFoldedVectorsAsTrainable) {
  Generator gen(8);
  auto model = std::make_shared<TinyMlp>(gen, DType::f32);
  const std::int64_t base = model->num_parameters();
  AdapterConfig config;
  config.target_modules.names = {"fc_in"};
  Adapter adapter(model, config);
  const AdapterReport r = adapter.report();
  EXPECT_EQ(r.trainable, 6);
  EXPECT_EQ(r.frozen, base);
  EXPECT_EQ(r.adapter_bytes, 24);
  EXPECT_NEAR(r.share(), 6.0 / (base + 6.0), 1e-12);
}

TEST(AdapterErrors, ClearMessages) {
  Generator gen(9);
  auto model = std::make_shared<TinyMlp>(gen, DType::f32);
  AdapterConfig none;
  none.target_modules.names = {"nothing_here"};
  EXPECT_THROW(Adapter(model, none), ValueError);
  AdapterConfig ff_not_target;
  ff_not_target.target_modules.names = {"fc_in"};
  ff_not_target.feedforward_modules.names = {"fc_out"};
  EXPECT_THROW(Adapter(model, ff_not_target), ValueError);
  auto transformer = std::make_shared<nn::Transformer>(tiny_config(), gen);
  AdapterConfig block;
  block.target_modules.names = {"attn"};
  try {
    Adapter a(transformer, block);
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("blocks.0.attn"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a Linear"), std::string::npos) << e.what();
  }
  AdapterConfig random_init;
  random_init.target_modules.names = {"fc_in"};
  random_init.init_ones = false;
  EXPECT_THROW(Adapter(model, random_init), ValueError);  // no generator
  Adapter ok(model, AdapterConfig{{{"fc_in"}, ""}, {}, {}, true});
  EXPECT_THROW(ok.load_vectors({{"fc_in.ia3_l", ones({5})}}), ShapeError);
  EXPECT_THROW(ok.load_vectors({{"other", ones({6})}}), ShapeError);
}

}  // namespace
}  // namespace knob::ia3
