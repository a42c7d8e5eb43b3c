// Merge (vectors folded into the weights), exact unmerge, deactivate/activate.
#include <cstring>

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "common/tiny_model.h"
#include "ia3/adapter.h"
#include "nn/layers/transformer.h"
#include "tests/ia3/tensor_compare.h"

namespace knob::ia3 {
namespace {

struct Fixture {
  Generator gen{21};
  std::shared_ptr<nn::Transformer> model;
  Tensor ids;
  explicit Fixture(AdapterConfig config) {
    model = std::make_shared<nn::Transformer>(test::tiny_config(test::kTwoBlocks), gen);
    ids = randint({3, 7}, 0, 13, gen);
    config.init_ones = false;
    adapter = std::make_unique<Adapter>(model, config, &gen);
    // Vectors far from one, some negative, as after real training.
    nn::NamedTensors values;
    for (auto& [name, t] : adapter->vectors()) {
      values.emplace_back(name, mul_scalar(randn(t.shape(), gen), 1.5));
    }
    adapter->load_vectors(values);
  }
  Tensor logits() const {
    NoGradGuard no_grad;
    return model->forward(ids);
  }
  std::unique_ptr<Adapter> adapter;
};

AdapterConfig with_generic_layers() {
  // The three of docs/spec.md §2 (built in) plus q_proj and ffn.up, which have no built-in
  // vector (folded).
  AdapterConfig config;
  config.target_modules.names = {"q_proj", "k_proj", "v_proj", "ffn.up", "ffn.down"};
  config.feedforward_modules.names = {"ffn.down"};
  return config;
}

TEST(Merge, MergedOutputsEqualUnmergedToFloatRounding) {
  for (const AdapterConfig& config : {AdapterConfig::spec_default(), with_generic_layers()}) {
    Fixture f(config);
    const Tensor unmerged = f.logits();
    f.adapter->merge();
    EXPECT_TRUE(f.adapter->merged());
    for (const AdaptedLayer& layer : f.adapter->layers()) {
      if (layer.built_in) {
        EXPECT_TRUE(bit_identical(layer.vector, ones_like(layer.vector)));
      }
    }
    const Tensor merged = f.logits();
    EXPECT_LT(max_abs_diff(merged, unmerged), 1e-4);
  }
}

TEST(Merge, UnmergeRestoresWeightsAndVectorsExactly) {
  Fixture f(with_generic_layers());
  nn::NamedTensors before;
  for (auto& [name, t] : f.model->named_parameters()) before.emplace_back(name, t.clone());
  nn::NamedTensors vectors_before;
  for (auto& [name, t] : f.adapter->vectors()) vectors_before.emplace_back(name, t.clone());
  const Tensor logits_before = f.logits();
  f.adapter->merge();
  bool some_weight_changed = false;
  for (auto& [name, t] : before) {
    some_weight_changed = some_weight_changed || !bit_identical(f.model->parameter(name), t);
  }
  EXPECT_TRUE(some_weight_changed);  // merging really wrote into the weights
  f.adapter->unmerge();
  for (auto& [name, t] : before) EXPECT_TRUE(bit_identical(f.model->parameter(name), t)) << name;
  const nn::NamedTensors vectors_after = f.adapter->vectors();
  for (std::size_t i = 0; i < vectors_after.size(); ++i) {
    EXPECT_TRUE(bit_identical(vectors_after[i].second, vectors_before[i].second));
  }
  EXPECT_TRUE(bit_identical(f.logits(), logits_before));
  EXPECT_TRUE(f.adapter->base_unchanged());
}

TEST(Merge, DeactivateGivesTheBaseModelBitForBit) {
  for (const AdapterConfig& config : {AdapterConfig::spec_default(), with_generic_layers()}) {
    Fixture f(config);
    const Tensor adapted = f.logits();
    f.adapter->deactivate();
    const Tensor base = f.logits();
    EXPECT_FALSE(bit_identical(base, adapted));
    // The reference: a fresh model with the same weights and no IA³ at all.
    Generator gen(0);
    nn::Transformer plain(f.model->config(), gen);
    nn::NamedTensors weights;
    for (auto& [name, t] : f.model->named_parameters()) {
      if (name.find(".l_") == std::string::npos) weights.emplace_back(name, t);
    }
    plain.load_state_dict(weights);
    NoGradGuard no_grad;
    EXPECT_TRUE(bit_identical(base, plain.forward(f.ids)));
    f.adapter->activate();
    EXPECT_TRUE(bit_identical(f.logits(), adapted));
  }
}

TEST(Merge, MergeWhileInactiveDoesNothingAndUnmergeTwiceIsHarmless) {
  Fixture f(AdapterConfig::spec_default());
  const Tensor adapted = f.logits();
  f.adapter->merge();
  f.adapter->unmerge();
  f.adapter->unmerge();
  EXPECT_TRUE(bit_identical(f.logits(), adapted));
  f.adapter->deactivate();
  f.adapter->merge();
  EXPECT_FALSE(f.adapter->merged());
}

}  // namespace
}  // namespace knob::ia3
