// Adapter files: knob's format and PEFT's, round trips, PyTorch golden, damaged files.
#include <cstring>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "autograd/ops.h"
#include "autograd/random.h"
#include "common/scratch_dir.h"
#include "ia3/adapter.h"
#include "ia3/adapter_file.h"
#include "nn/base/file_error.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "tests/ia3/tensor_compare.h"

namespace knob::ia3 {
namespace {

namespace fs = std::filesystem;
const std::string kGolden = std::string(KNOB_SOURCE_DIR) + "/tests/golden";

class KnobFormat : public test::ScratchDir {};
class PeftFormat : public test::ScratchDir {};

AdapterFile spec_adapter(Generator& gen) {
  AdapterFile a;
  a.config = AdapterConfig::spec_default();
  a.base_config = nn::TransformerConfig{};
  for (int i = 0; i < 2; ++i) {
    const std::string b = "blocks." + std::to_string(i);
    a.vectors.emplace_back(b + ".attn.l_k", randn({64}, gen));
    a.vectors.emplace_back(b + ".attn.l_v", randn({64}, gen));
    a.vectors.emplace_back(b + ".ffn.l_ff", randn({256}, gen));
  }
  std::sort(a.vectors.begin(), a.vectors.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  return a;
}

TEST(VectorNames, MapToModulesAndBack) {
  EXPECT_EQ(module_path_of("blocks.1.attn.l_k"), "blocks.1.attn.k_proj");
  EXPECT_EQ(module_path_of("blocks.1.attn.l_v"), "blocks.1.attn.v_proj");
  EXPECT_EQ(module_path_of("blocks.0.ffn.l_ff"), "blocks.0.ffn.down");
  EXPECT_EQ(module_path_of("encoder.fc.ia3_l"), "encoder.fc");
  EXPECT_THROW(module_path_of("blocks.0.attn.k_proj.weight"), ValueError);
  EXPECT_EQ(vector_name_of("blocks.1.attn.k_proj", false), "blocks.1.attn.l_k");
  EXPECT_EQ(vector_name_of("blocks.1.ffn.down", true), "blocks.1.ffn.l_ff");
  EXPECT_EQ(vector_name_of("blocks.1.ffn.down", false), "blocks.1.ffn.down.ia3_l");
  EXPECT_EQ(vector_name_of("blocks.1.attn.q_proj", false), "blocks.1.attn.q_proj.ia3_l");
}

TEST_F(KnobFormat, RoundTripKeepsVectorsConfigAndBase) {
  Generator gen(1);
  const AdapterFile a = spec_adapter(gen);
  const std::string path = ScratchDir::path("adapter.safetensors");
  save_adapter(path, a);
  const AdapterFile b = load_adapter(path);
  ASSERT_EQ(b.vectors.size(), a.vectors.size());
  for (std::size_t i = 0; i < a.vectors.size(); ++i) {
    EXPECT_EQ(b.vectors[i].first, a.vectors[i].first);
    EXPECT_TRUE(bit_identical(b.vectors[i].second, a.vectors[i].second));
  }
  ASSERT_TRUE(b.base_config.has_value());
  EXPECT_EQ(*b.base_config, *a.base_config);
  EXPECT_EQ(b.config.target_modules.names, a.config.target_modules.names);
  EXPECT_EQ(b.config.feedforward_modules.names, a.config.feedforward_modules.names);
  EXPECT_EQ(nn::read_safetensors(path).metadata.at("format"), "knob-ia3");
}

TEST_F(KnobFormat, DamagedFilesFailWithTheFileName) {
  Generator gen(2);
  const std::string dir = dir_.string();
  AdapterFile wrong_size = spec_adapter(gen);
  wrong_size.vectors[0].second = randn({63}, gen);  // blocks.0.attn.l_k must have 64
  save_adapter(dir + "/a.safetensors", wrong_size);
  try {
    load_adapter(dir + "/a.safetensors");
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("a.safetensors"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("63"), std::string::npos) << e.what();
  }
  nn::write_safetensors(dir + "/b.safetensors", {{"blocks.0.attn.q_proj.weight", ones({2, 2})}});
  EXPECT_THROW(load_adapter(dir + "/b.safetensors"), FileError);
  nn::write_safetensors(dir + "/c.safetensors", {{"blocks.0.attn.l_k", full({4}, NAN)}});
  EXPECT_THROW(load_adapter(dir + "/c.safetensors"), FileError);
  std::ofstream(dir + "/d.safetensors") << "not a safetensors file";
  EXPECT_THROW(load_adapter(dir + "/d.safetensors"), FileError);
}

TEST_F(PeftFormat, ExportWritesPeftsLayoutAndImportReadsItBack) {
  Generator gen(3);
  const AdapterFile a = spec_adapter(gen);
  const std::string dir = dir_.string();
  export_peft(a, dir);
  std::ifstream in(dir + "/adapter_config.json");
  const nlohmann::json config = nlohmann::json::parse(in);
  EXPECT_EQ(config["peft_type"], "IA3");
  EXPECT_EQ(config["task_type"], "CAUSAL_LM");
  EXPECT_EQ(config["target_modules"], nlohmann::json({"k_proj", "v_proj", "ffn.down"}));
  EXPECT_EQ(config["feedforward_modules"], nlohmann::json({"ffn.down"}));
  const nn::SafetensorsFile file = nn::read_safetensors(dir + "/adapter_model.safetensors");
  EXPECT_EQ(file.at("base_model.model.blocks.0.attn.k_proj.ia3_l").shape(), (Shape{64, 1}));
  EXPECT_EQ(file.at("base_model.model.blocks.1.attn.v_proj.ia3_l").shape(), (Shape{64, 1}));
  EXPECT_EQ(file.at("base_model.model.blocks.0.ffn.down.ia3_l").shape(), (Shape{1, 256}));
  EXPECT_EQ(file.tensors.size(), 6u);

  const AdapterFile b = import_peft(dir);
  ASSERT_EQ(b.vectors.size(), a.vectors.size());
  for (std::size_t i = 0; i < a.vectors.size(); ++i) {
    EXPECT_EQ(b.vectors[i].first, a.vectors[i].first);
    EXPECT_TRUE(bit_identical(b.vectors[i].second, a.vectors[i].second));
  }
  ASSERT_TRUE(b.base_config.has_value());
  EXPECT_EQ(*b.base_config, *a.base_config);
}

TEST_F(PeftFormat, BadDirectoriesFailClearly) {
  Generator gen(4);
  const std::string dir = dir_.string();
  export_peft(spec_adapter(gen), dir);
  auto rewrite_config = [&](const std::string& key, const nlohmann::json& value) {
    std::ifstream in(dir + "/adapter_config.json");
    nlohmann::json c = nlohmann::json::parse(in);
    c[key] = value;
    std::ofstream(dir + "/adapter_config.json") << c.dump();
  };
  rewrite_config("peft_type", "LORA");
  try {
    import_peft(dir);
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("adapter_config.json"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("LORA"), std::string::npos) << e.what();
  }
  rewrite_config("peft_type", "IA3");
  rewrite_config("feedforward_modules", nlohmann::json::array());  // down now must be [out, 1]
  try {
    import_peft(dir);
    FAIL() << "expected FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("[1,256]"), std::string::npos) << e.what();
  }
  rewrite_config("feedforward_modules", {"ffn.down"});
  rewrite_config("target_modules", {"k_proj", "ffn.down"});  // v_proj's vector is now unexpected
  EXPECT_THROW(import_peft(dir), FileError);
  EXPECT_THROW(import_peft(dir + "/nowhere"), FileError);
}

// The golden: PyTorch applied PEFT-format adapters to the tiny model (make_peft_golden.py).
void check_peft_golden(const std::string& name, bool expect_only_built_in) {
  const AdapterFile file = import_peft(kGolden + "/peft/" + name);
  auto model = nn::load_model_dir(kGolden + "/tiny", DType::f64);
  Adapter adapter(model, file.config);
  bool all_built_in = true;
  for (const AdaptedLayer& layer : adapter.layers()) all_built_in = all_built_in && layer.built_in;
  EXPECT_EQ(all_built_in, expect_only_built_in);
  adapter.load_vectors(file.vectors);
  const nn::SafetensorsFile batch = nn::read_safetensors(kGolden + "/tiny/batch.safetensors");
  const nn::SafetensorsFile expected =
      nn::read_safetensors(kGolden + "/peft/" + name + "/expected.safetensors");
  NoGradGuard no_grad;
  const Tensor logits = model->forward(batch.at("input_ids"));
  EXPECT_LT(max_abs_diff(logits, expected.at("logits")), 1e-10) << name;
  adapter.deactivate();
  EXPECT_GT(max_abs_diff(model->forward(batch.at("input_ids")), expected.at("logits")), 1e-3);
}

TEST(PeftGolden, SpecDefaultAdapterReproducesPyTorch) { check_peft_golden("spec_default", true); }

TEST(PeftGolden, RegexAdapterOnMoreModulesReproducesPyTorch) {
  check_peft_golden("extended", false);
}

}  // namespace
}  // namespace knob::ia3
