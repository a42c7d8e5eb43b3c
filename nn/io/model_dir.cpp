#include "nn/io/model_dir.h"

#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "autograd/random.h"
#include "nn/base/atomic_file.h"
#include "nn/base/file_error.h"
#include "nn/base/staged_directory.h"
#include "nn/io/finite_state.h"
#include "nn/io/safetensors.h"
#include "nn/io/weights_file.h"

namespace knob::nn {

namespace fs = std::filesystem;

NamedTensors base_parameters(const Transformer& model) {
  std::set<std::string> base_names;  // the config's table of parameters
  for (const auto& [name, shape] : model.config().parameter_shapes()) base_names.insert(name);
  NamedTensors out;
  for (auto& [name, t] : model.named_parameters()) {
    if (base_names.contains(name)) out.emplace_back(name, t);
  }
  return out;
}

const std::vector<std::string>& model_dir_files() {
  static const std::vector<std::string> names = {"config.json", "model.safetensors", "metrics.csv",
                                                 "loss_curve.svg", "checkpoint.safetensors"};
  return names;
}

void write_model_files(const Transformer& model, const std::string& dir) {
  const NamedTensors weights = base_parameters(model);
  const std::vector<std::string> bad = non_finite_tensors(weights);
  if (!bad.empty()) {
    throw ValueError(fmt::format("{}: not saving a model with NaN or infinite weights: {}", dir,
                                 fmt::join(bad, "; ")));
  }
  atomic_write_bytes((fs::path(dir) / "config.json").string(), model.config().to_json() + "\n");
  write_safetensors((fs::path(dir) / "model.safetensors").string(), weights,
                    {{"format", "knob"}, {"config", model.config().to_json()}});
}

void save_model_dir(const Transformer& model, const std::string& dir) {
  StagedDirectory out(dir, model_dir_files());
  write_model_files(model, out.path());
  out.commit();
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
