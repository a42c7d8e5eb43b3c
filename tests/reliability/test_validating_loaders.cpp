// Validating loaders: every malformed input gives one knob::Error whose single
// line names the file (or op) and the problem. The safetensors container itself (header length,
// JSON, dtypes, shapes vs bytes, offsets) is covered by tests/nn/test_safetensors.cpp; this
// file covers what lies on top: config values, model directories, and the ids a model is given.
#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "autograd/error.h"
#include "nn/base/file_error.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "reliability_helpers.h"

namespace knob::reliability {
namespace {

using nn::TransformerConfig;

std::string spec_config_with(const std::string& key, const std::string& value) {
  std::string text = R"({"vocab_size": 32, "d_model": 64, "n_heads": 4, "n_layers": 2,
    "d_ff": 256, "max_seq_len": 32, "activation": "gelu", "layer_norm_eps": 1e-5})";
  const std::size_t at = text.find("\"" + key + "\": ");
  EXPECT_NE(at, std::string::npos) << key;
  const std::size_t begin = at + key.size() + 4;
  const std::size_t end = text.find_first_of(",}", begin);
  return text.replace(begin, end - begin, value);
}

// ------------------------------------------------------------------- config values in range ----

struct BadConfigValue {
  const char* key;
  const char* value;
  const char* expected;  // part of the message
};

// How gtest shows a case in failure messages: `d_ff = 1e400`.
void PrintTo(const BadConfigValue& bad, std::ostream* out) {
  *out << bad.key << " = " << bad.value;
}

class ConfigValueOutOfRange : public ::testing::TestWithParam<BadConfigValue> {};

TEST_P(ConfigValueOutOfRange, IsRejectedNamingTheFileTheKeyAndTheValue) {
  const BadConfigValue& bad = GetParam();
  try {
    TransformerConfig::from_json(spec_config_with(bad.key, bad.value), "runs/a/config.json");
    FAIL() << bad.key << " = " << bad.value << " was accepted";
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("runs/a/config.json: ", 0), 0u) << msg;
    EXPECT_TRUE(contains(msg, bad.expected)) << msg;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, ConfigValueOutOfRange,
    ::testing::Values(
        BadConfigValue{"vocab_size", "0", "vocab_size must be positive, got 0"},
        BadConfigValue{"d_model", "-64", "d_model must be positive, got -64"},
        BadConfigValue{"n_heads", "0", "n_heads must be positive, got 0"},
        BadConfigValue{"n_layers", "-1", "n_layers must be positive, got -1"},
        BadConfigValue{"d_ff", "0", "d_ff must be positive, got 0"},
        BadConfigValue{"max_seq_len", "0", "max_seq_len must be positive, got 0"},
        BadConfigValue{"n_heads", "5", "d_model (64) must be divisible by n_heads (5)"},
        BadConfigValue{"n_heads", "128", "d_model (64) must be divisible by n_heads (128)"},
        BadConfigValue{"layer_norm_eps", "0", "layer_norm_eps must be a positive number"},
        BadConfigValue{"layer_norm_eps", "-1e-5", "layer_norm_eps must be a positive number"},
        BadConfigValue{"vocab_size", "1e3", "\"vocab_size\" must be an integer"},
        BadConfigValue{"d_model", "\"64\"", "\"d_model\" must be an integer"},
        BadConfigValue{"max_seq_len", "99999999999999999999999",
                       "\"max_seq_len\" must be an integer"},
        BadConfigValue{"activation", "\"GELU\"", "\"activation\" must be \"gelu\""},
        // a number JSON cannot hold (found by fuzz_config)
        BadConfigValue{"d_ff", "1e400", "number overflow"}),
    [](const ::testing::TestParamInfo<BadConfigValue>& info) {
      return std::string(info.param.key) + "_" + std::to_string(info.index);
    });

TEST(ConfigValues, DropoutMustBeBelowOne) {
  const std::string text = spec_config_with("layer_norm_eps", "1e-5, \"dropout\": 1.0");
  EXPECT_THROW(TransformerConfig::from_json(text), ValueError);
  EXPECT_NO_THROW(
      TransformerConfig::from_json(spec_config_with("layer_norm_eps", "1e-5, \"dropout\": 0.5")));
}

// --------------------------------------------------------- model directories on disk ----

class ModelDirectory : public ScratchDir {
 protected:
  void SetUp() override {
    ScratchDir::SetUp();
    model_dir_ = path("model");
    nn::save_model_dir(*tiny_model(), model_dir_);
  }
  std::string weights() const { return model_dir_ + "/model.safetensors"; }
  std::string config() const { return model_dir_ + "/config.json"; }

  // Rewrite model.safetensors with `edit` applied to the saved weights.
  template <class Edit>
  void edit_weights(Edit edit) {
    nn::NamedTensors tensors = nn::read_safetensors(weights()).tensors;
    edit(tensors);
    nn::write_safetensors(weights(), tensors);
  }

  // load_model_dir's error, which must be a knob::Error on one line naming `file`.
  std::string load_error(const std::string& file) {
    try {
      nn::load_model_dir(model_dir_);
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_TRUE(contains(msg, file)) << msg;
      return msg;
    }
    ADD_FAILURE() << "the model directory loaded";
    return "";
  }

  std::string model_dir_;
};

TEST_F(ModelDirectory, LoadsWhenIntact) {
  auto model = nn::load_model_dir(model_dir_);
  EXPECT_EQ(model->config(), tiny_config());
}

TEST_F(ModelDirectory, MissingExtraAndMisShapedWeightsAreAllListedInOneError) {
  edit_weights([](nn::NamedTensors& t) {
    std::erase_if(t, [](const auto& p) { return p.first == "ln_f.bias"; });  // missing
    t.emplace_back("blocks.3.attn.q_proj.weight", zeros({8, 8}));            // extra
    for (auto& [name, tensor] : t) {
      if (name == "head.weight") tensor = zeros({8, 7});  // transposed
    }
  });
  const std::string msg = load_error(weights());
  EXPECT_TRUE(contains(msg, "missing: ln_f.bias")) << msg;
  EXPECT_TRUE(contains(msg, "unexpected: blocks.3.attn.q_proj.weight")) << msg;
  EXPECT_TRUE(contains(msg, "wrong shape: head.weight (expected [7,8], got [8,7])")) << msg;
  EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 0) << msg;
}

TEST_F(ModelDirectory, WeightsOfAnotherConfigAreReportedByShape) {
  // A config edited after saving: d_ff 16 → 32, every ffn weight is now the wrong shape.
  TransformerConfig other = tiny_config();
  other.d_ff = 32;
  write_text(config(), other.to_json());
  const std::string msg = load_error(weights());
  EXPECT_TRUE(contains(msg, "blocks.0.ffn.up.weight (expected [32,8], got [16,8])")) << msg;
  EXPECT_TRUE(contains(msg, "blocks.0.ffn.down.weight (expected [8,32], got [8,16])")) << msg;
}

TEST_F(ModelDirectory, InvalidConfigValuesNameTheConfigFile) {
  TransformerConfig bad = tiny_config();
  bad.d_model = 9;  // not divisible by 2 heads
  write_text(config(), bad.to_json());
  const std::string msg = load_error(config());
  EXPECT_TRUE(contains(msg, "d_model (9) must be divisible by n_heads (2)")) << msg;
}

TEST_F(ModelDirectory, MissingOrEmptyFilesNameThePath) {
  write_text(weights(), "");
  EXPECT_TRUE(contains(load_error(weights()), "model.safetensors"));
  fs::remove(weights());
  load_error(weights());
  fs::remove(config());
  load_error(config());
  fs::remove_all(model_dir_);
  load_error(model_dir_);
}

TEST_F(ModelDirectory, ATruncatedWeightFileIsAFileError) {
  std::string bytes;
  {
    std::ifstream in(weights(), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_text(weights(), bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(nn::load_model_dir(model_dir_), FileError);
}

// Disabled until nn/io/model_dir.cpp checks the config against the weight file before building
// the model: today a config.json claiming 10^12 token ids makes load_model_dir allocate for them
// first (std::bad_alloc, or an abort under AddressSanitizer) instead of reporting the mismatch.
TEST_F(ModelDirectory, AHugeConfigIsAnErrorNotAnAllocation) {
  TransformerConfig huge = tiny_config();
  huge.vocab_size = 1'000'000'000'000;  // 10^12 rows of tok_emb: far beyond any bound
  write_text(config(), huge.to_json());
  const std::string msg = load_error(config());
  EXPECT_TRUE(contains(msg, "vocab_size must be at most 16777216, got 1000000000000")) << msg;
}

TEST_F(ModelDirectory, AConfigWithinBoundsButNotTheWeightsIsReportedBeforeBuilding) {
  // 10^7 x 8 floats per embedding would be built (and then rejected) by a loader that
  // constructs the model first; the weights are checked against the config's shapes instead.
  TransformerConfig big = tiny_config();
  big.vocab_size = 10'000'000;
  write_text(config(), big.to_json());
  const std::string msg = load_error(weights());
  EXPECT_TRUE(contains(msg, "tok_emb.weight (expected [10000000,8], got [7,8])")) << msg;
  EXPECT_TRUE(contains(msg, "head.bias (expected [10000000], got [7])")) << msg;
}

TEST_F(ModelDirectory, AModelOfMoreThanTwoToThe32ParametersIsRefused) {
  TransformerConfig wide = tiny_config();
  wide.d_model = 1 << 20;
  wide.n_heads = 1;
  wide.d_ff = 1 << 20;  // 4 C^2 + 2 C F per block: 6 * 2^40 parameters
  write_text(config(), wide.to_json());
  const std::string msg = load_error(config());
  EXPECT_TRUE(contains(msg, "parameters, more than knob builds (4294967296)")) << msg;
}

// ------------------------------------------------ ids given to Transformer::forward/loss ----

// The error of `call`, which must be a ValueError on one line starting with "Transformer".
template <class Call>
std::string value_error(Call call) {
  try {
    call();
  } catch (const ValueError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("Transformer", 0), 0u) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  }
  ADD_FAILURE() << "no ValueError";
  return "";
}

TEST(ModelInputs, TokenIdsOutsideTheVocabularyNameTheirPosition) {
  auto model = tiny_model();  // V = 7
  EXPECT_TRUE(contains(value_error([&] {
                         model->forward(int_tensor({0, 6, 7, 1}, {2, 2}));
                       }),
                       "ids[1,0] = 7 is outside [0, 7)"));
  EXPECT_TRUE(contains(value_error([&] {
                         model->forward(int_tensor({3, -1}, {1, 2}));
                       }),
                       "ids[0,1] = -1"));
  EXPECT_TRUE(contains(value_error([&] {
                         model->loss(int_tensor({1, 2}, {1, 2}), int_tensor({2, 70}, {1, 2}));
                       }),
                       "targets[0,1] = 70"));
  EXPECT_NO_THROW(model->forward(int_tensor({0, 6}, {1, 2})));  // both ends of the range
}

TEST(ModelInputs, SequencesLongerThanMaxSeqLenAreRejected) {
  auto model = tiny_model();  // max_seq_len = 5
  EXPECT_NO_THROW(model->forward(int_tensor({1, 1, 1, 1, 1}, {1, 5})));
  const std::string msg = value_error([&] {
    model->forward(int_tensor({1, 1, 1, 1, 1, 1}, {1, 6}));
  });
  EXPECT_TRUE(contains(msg, "sequence length 6 exceeds max_seq_len 5")) << msg;
  value_error([&] {
    model->loss(int_tensor(std::vector<std::int64_t>(12, 1), {2, 6}),
                int_tensor(std::vector<std::int64_t>(12, 1), {2, 6}));
  });
}

}  // namespace
}  // namespace knob::reliability
