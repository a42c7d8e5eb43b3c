#include "nn/checkpoint.h"

#include <bit>
#include <map>
#include <set>

#include <fmt/format.h>

#include "nn/dropout.h"
#include "nn/file_error.h"
#include "nn/safetensors.h"

namespace knob::nn {

namespace {

constexpr const char* kFormat = "knob-checkpoint";
constexpr const char* kVersion = "1";

// Every Dropout below `module` (which need not be owned by a shared_ptr), as `rng.model.<path>`.
void add_dropout_generators(const Module& module, const std::string& path,
                            std::vector<std::pair<std::string, Generator*>>& out) {
  if (const auto* dropout = dynamic_cast<const Dropout*>(&module)) {
    out.emplace_back("rng.model." + path, &dropout->generator());
  }
  for (const auto& [name, child] : module.named_children()) {
    add_dropout_generators(*child, path.empty() ? name : path + "." + name, out);
  }
}

// The run's generators plus the model's dropout generators, each under its key `rng.<name>`.
std::vector<std::pair<std::string, Generator*>> generator_keys(
    Module& model, const std::vector<NamedGenerator>& generators) {
  std::vector<std::pair<std::string, Generator*>> out;
  std::set<std::string> seen;
  for (const auto& [name, gen] : generators) {
    if (gen == nullptr) throw ValueError(fmt::format("checkpoint: generator '{}' is null", name));
    if (!seen.insert(name).second) {
      throw ValueError(fmt::format("checkpoint: generator name '{}' is used twice", name));
    }
    out.emplace_back("rng." + name, gen);
  }
  add_dropout_generators(model, "", out);
  return out;
}

// The four state words as an I64 [4] tensor (the same 64 bits, reinterpreted).
Tensor generator_tensor(const Generator& gen) {
  std::vector<std::int64_t> words(4);
  for (int i = 0; i < 4; ++i) words[i] = std::bit_cast<std::int64_t>(gen.state()[i]);
  return int_tensor(words, {4});
}

// Names under `prefix.` with the prefix removed.
NamedTensors with_prefix_removed(const NamedTensors& tensors, const std::string& prefix) {
  NamedTensors out;
  for (const auto& [name, t] : tensors) {
    if (name.starts_with(prefix)) out.emplace_back(name.substr(prefix.size()), t);
  }
  return out;
}

}  // namespace

void save_checkpoint(const std::string& path, Module& model, const Optimizer& optimizer,
                     std::int64_t step, const std::vector<NamedGenerator>& generators) {
  if (step < 0) throw ValueError(fmt::format("save_checkpoint: step must be >= 0, got {}", step));
  NamedTensors tensors;
  for (const auto& [name, t] : model.named_parameters()) tensors.emplace_back("model." + name, t);
  for (const auto& [key, t] : optimizer.state()) tensors.emplace_back("optimizer." + key, t);
  for (const auto& [key, gen] : generator_keys(model, generators)) {
    tensors.emplace_back(key, generator_tensor(*gen));
  }
  tensors.emplace_back("step", int_tensor({step}, {}));
  write_safetensors(path, tensors, {{"format", kFormat}, {"version", kVersion}});
}

std::int64_t load_checkpoint(const std::string& path, Module& model, Optimizer& optimizer,
                             const std::vector<NamedGenerator>& generators) {
  const SafetensorsFile file = read_safetensors(path);
  const auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != kFormat) {
    throw FileError(path,
                    "not a knob checkpoint (no __metadata__ \"format\": \"knob-checkpoint\")");
  }
  const auto version = file.metadata.find("version");
  if (version == file.metadata.end() || version->second != kVersion) {
    throw FileError(path,
                    fmt::format("checkpoint version '{}' is not supported (knob reads '{}')",
                                version == file.metadata.end() ? "" : version->second, kVersion));
  }
  std::map<std::string, Tensor> by_key(file.tensors.begin(), file.tensors.end());

  // --- validate everything first ---
  const auto step_it = by_key.find("step");
  if (step_it == by_key.end() || step_it->second.dtype() != DType::i64 ||
      step_it->second.numel() != 1 || step_it->second.dim() != 0) {
    throw FileError(path, "checkpoint: 'step' must be an I64 scalar");
  }
  const std::int64_t step = step_it->second.data<std::int64_t>()[0];
  if (step < 0) throw FileError(path, fmt::format("checkpoint: step {} is negative", step));

  const NamedTensors params = with_prefix_removed(file.tensors, "model.");
  const NamedTensors optimizer_state = with_prefix_removed(file.tensors, "optimizer.");
  NamedShapes expected;
  for (const auto& [name, t] : model.named_parameters()) expected.emplace_back(name, t.shape());
  std::vector<std::string> problems;
  try {
    check_state_dict(expected, params, /*strict=*/true);
  } catch (const ShapeError& e) {
    problems.emplace_back(e.what());
  }
  const auto gens = generator_keys(model, generators);
  std::set<std::string> known = {"step"};
  for (const auto& [key, gen] : gens) {
    known.insert(key);
    const auto it = by_key.find(key);
    if (it == by_key.end()) {
      problems.push_back(fmt::format("missing generator state '{}'", key));
    } else if (it->second.dtype() != DType::i64 || it->second.shape() != Shape{4}) {
      problems.push_back(fmt::format("generator state '{}' must be I64 [4], got {} {}", key,
                                     dtype_name(it->second.dtype()),
                                     shape_str(it->second.shape())));
    }
  }
  for (const auto& [key, t] : file.tensors) {
    if (!known.contains(key) && !key.starts_with("model.") && !key.starts_with("optimizer.")) {
      problems.push_back(fmt::format("unexpected key '{}'", key));
    }
  }
  if (!problems.empty()) {
    throw FileError(path, fmt::format("checkpoint: {}", fmt::join(problems, "; ")));
  }

  // --- then apply: the optimizer validates its own state before changing anything ---
  try {
    optimizer.load_state(optimizer_state);
  } catch (const Error& e) {
    throw FileError(path, fmt::format("checkpoint: optimizer state: {}", e.what()));
  }
  model.load_state_dict(params);  // checked above: cannot fail
  for (const auto& [key, gen] : gens) {
    std::uint64_t words[4];
    for (int i = 0; i < 4; ++i) {
      words[i] = std::bit_cast<std::uint64_t>(by_key.at(key).data<std::int64_t>()[i]);
    }
    gen->set_state(words);
  }
  return step;
}

}  // namespace knob::nn
