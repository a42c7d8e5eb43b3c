#include "nn/model_dir.h"

#include <filesystem>

#include <fmt/format.h>

#include "autograd/random.h"
#include "nn/atomic_file.h"
#include "nn/file_error.h"
#include "nn/safetensors.h"
#include "nn/weights_file.h"

namespace knob::nn {

namespace fs = std::filesystem;

bool is_ia3_name(const std::string& name) {
  for (const char* suffix : {".l_k", ".l_v", ".l_ff"}) {
    const std::string s(suffix);
    if (name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      return true;
    }
  }
  return false;
}

NamedTensors base_parameters(const Transformer& model) {
  NamedTensors out;
  for (auto& [name, t] : model.named_parameters()) {
    if (!is_ia3_name(name)) out.emplace_back(name, t);
  }
  return out;
}

void save_model_dir(const Transformer& model, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw FileError(fmt::format("{}: cannot create the directory: {}", dir, ec.message()));
  atomic_write_bytes((fs::path(dir) / "config.json").string(), model.config().to_json() + "\n");
  write_safetensors((fs::path(dir) / "model.safetensors").string(), base_parameters(model),
                    {{"format", "knob"}, {"config", model.config().to_json()}});
}

std::shared_ptr<Transformer> load_model_dir(const std::string& dir, DType dtype) {
  const fs::path config_path = fs::path(dir) / "config.json";
  const fs::path weights_path = fs::path(dir) / "model.safetensors";
  if (!fs::is_directory(dir)) throw FileError(fmt::format("{}: not a model directory", dir));
  const TransformerConfig config = TransformerConfig::load(config_path);
  const SafetensorsFile file = read_weights_file(weights_path.string(), config.parameter_shapes());
  try {
    // Check names and shapes against the config before building the model, so a config that
    // does not describe these weights (say a vocab_size of 10^9) is reported, not allocated.
    check_state_dict(config.parameter_shapes(), file.tensors, /*strict=*/true);
    Generator unused(0);  // every weight is overwritten below
    auto model = std::make_shared<Transformer>(config, unused, dtype);
    model->load_state_dict(file.tensors);
    return model;
  } catch (const Error& e) {
    throw FileError(fmt::format("{}: {}", weights_path.string(), e.what()));
  }
}

}  // namespace knob::nn
