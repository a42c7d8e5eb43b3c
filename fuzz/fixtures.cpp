#include "fixtures.h"

#include <filesystem>

#include "autograd/random.h"
#include "ia3/adapter.h"
#include "ia3/adapter_file.h"
#include "nn/base/atomic_file.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"

namespace knob::fuzz {

nn::TransformerConfig tiny_config() {
  nn::TransformerConfig config;
  config.vocab_size = 6;
  config.d_model = 4;
  config.n_heads = 2;
  config.n_layers = 1;
  config.d_ff = 8;
  config.max_seq_len = 4;
  config.activation = Activation::relu;
  return config;
}

std::shared_ptr<nn::Transformer> tiny_model(std::uint64_t seed) {
  Generator gen(seed);
  return std::make_shared<nn::Transformer>(tiny_config(), gen);
}

nn::NamedTensors tiny_batch() {
  return {{"input_ids", int_tensor({1, 2, 3, 4, 5, 0}, {2, 3})},
          {"targets", int_tensor({2, 3, -100, 5, 0, 1}, {2, 3})}};
}

nn::NamedTensors tiny_adapter(const nn::Transformer& model) {
  nn::NamedTensors vectors;
  const std::int64_t C = model.config().d_model;
  const std::int64_t F = model.config().d_ff;
  for (std::size_t i = 0; i < model.num_blocks(); ++i) {
    const std::string block = "blocks." + std::to_string(i);
    vectors.emplace_back(block + ".attn.l_k", full({C}, 0.5));
    vectors.emplace_back(block + ".attn.l_v", full({C}, 1.5));
    vectors.emplace_back(block + ".ffn.l_ff", full({F}, 2.0));
  }
  return vectors;
}

void write_cli_fixtures(const std::string& dir) {
  namespace fs = std::filesystem;
  const std::shared_ptr<nn::Transformer> model = tiny_model(1);
  nn::save_model_dir(*model, (fs::path(dir) / "model").string());
  nn::write_safetensors((fs::path(dir) / "batch.safetensors").string(), tiny_batch());
  ia3::AdapterFile adapter{tiny_adapter(*model), ia3::AdapterConfig::spec_default(),
                           model->config()};
  ia3::save_adapter((fs::path(dir) / "adapter.safetensors").string(), adapter);
  ia3::export_peft(adapter, (fs::path(dir) / "peft").string());
  nn::atomic_write_bytes((fs::path(dir) / "config.json").string(), tiny_config().to_json());
  nn::atomic_write_bytes((fs::path(dir) / "garbage.safetensors").string(),
                         "not a safetensors file");
  nn::atomic_write_bytes((fs::path(dir) / "empty").string(), "");
}

}  // namespace knob::fuzz
