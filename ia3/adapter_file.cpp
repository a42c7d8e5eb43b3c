#include "ia3/adapter_file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string_view>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "autograd/ops.h"
#include "nn/base/atomic_file.h"
#include "nn/base/excerpt.h"
#include "nn/base/file_error.h"
#include "nn/base/json_input.h"
#include "nn/io/safetensors.h"
#include "nn/io/weights_file.h"

namespace knob::ia3 {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kPeftPrefix = "base_model.model.";

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

json selector_to_json(const ModuleSelector& s) {
  if (!s.regex.empty() && s.names.empty()) return s.regex;  // PEFT: a string is a regex
  if (s.regex.empty()) return s.names;
  throw ValueError("IA3 adapter: PEFT cannot store both names and a regex in one selector");
}

/// The largest adapter_config.json accepted: PEFT writes about a kilobyte.
constexpr std::uint64_t kMaxAdapterConfigBytes = 1 << 20;
/// The longest module path accepted in a PEFT tensor key (real ones are a few dozen bytes).
constexpr std::size_t kMaxModulePathBytes = 4096;

// PEFT's three forms: a list of names, a regex string (checked here, so that a pattern that
// cannot be used is reported with the file it came from), or null.
ModuleSelector selector_from_json(const json& j, const std::string& file, const char* key) {
  ModuleSelector s;
  if (j.is_null()) return s;
  if (j.is_string()) {
    s.regex = j.get<std::string>();
    try {
      check_pattern(s.regex);
    } catch (const ValueError& e) {
      throw FileError(file, fmt::format("'{}': {}", key, e.what()));
    }
    return s;
  }
  if (j.is_array()) {
    for (const json& item : j) {
      if (!item.is_string()) {
        throw FileError(file,
                        fmt::format("'{}' must hold strings, got {}", key, nn::json_excerpt(item)));
      }
      s.names.push_back(item.get<std::string>());
    }
    return s;
  }
  throw FileError(file, fmt::format("'{}' must be a list of names, a string or null, got {}", key,
                                    nn::json_excerpt(j)));
}

// "blocks.3.attn.l_k" → 3; nothing for a name not under "blocks.<index>." or an index too large
// to be a block of any model.
std::optional<std::int64_t> block_index(std::string_view name) {
  constexpr std::string_view kBlocks = "blocks.";
  if (!name.starts_with(kBlocks)) return std::nullopt;
  const std::string_view rest = name.substr(kBlocks.size());
  if (rest.empty() || rest.front() < '0' || rest.front() > '9') return std::nullopt;
  std::int64_t index = 0;
  const char* stop = rest.data() + rest.size();
  const auto [end, error] = std::from_chars(rest.data(), stop, index);
  if (end == stop || *end != '.') return std::nullopt;
  if (error == std::errc::result_out_of_range) return std::numeric_limits<std::int64_t>::max();
  return index;
}

// Appends to `problems` when t is not F32/F64 or holds NaN or infinity.
void check_vector(const std::string& name, const Tensor& t, std::vector<std::string>& problems) {
  if (t.dtype() != DType::f32 && t.dtype() != DType::f64) {
    problems.push_back(
        fmt::format("'{}' is {}, expected F32 or F64", nn::excerpt(name), dtype_name(t.dtype())));
    return;
  }
  for (double v : t.to_vector()) {
    if (!std::isfinite(v)) {
      problems.push_back(fmt::format("'{}' holds a non-finite value ({})", nn::excerpt(name), v));
      return;
    }
  }
}

}  // namespace

// ---------------------------------------------------------------------- knob's format ----

void save_adapter(const std::string& path, const AdapterFile& adapter) {
  for (const auto& [name, t] : adapter.vectors) {
    (void)module_path_of(name);  // validates the name
    if (t.dim() != 1 || (t.dtype() != DType::f32 && t.dtype() != DType::f64)) {
      throw ValueError(fmt::format("save_adapter {}: '{}' must be a 1-D F32/F64 vector, got {} {}",
                                   path, name, dtype_name(t.dtype()), shape_str(t.shape())));
    }
  }
  std::map<std::string, std::string> metadata{
      {"format", "knob-ia3"},
      {"target_modules", selector_to_json(adapter.config.target_modules).dump()},
      {"feedforward_modules", selector_to_json(adapter.config.feedforward_modules).dump()},
      {"fused_qkv_modules", selector_to_json(adapter.config.fused_qkv_modules).dump()}};
  if (adapter.base_config) metadata["base_config"] = adapter.base_config->to_json();
  nn::write_safetensors(path, adapter.vectors, metadata);
}

AdapterFile load_adapter(const std::string& path, const nn::NamedShapes* expected) {
  // With the vectors a model expects, names and shapes are checked from the header alone.
  const nn::SafetensorsFile file =
      expected ? nn::read_weights_file(path, *expected) : nn::read_safetensors(path);
  AdapterFile adapter;
  std::vector<std::string> problems;
  auto meta = [&](const char* key) -> json {
    auto it = file.metadata.find(key);
    if (it == file.metadata.end()) return nullptr;
    try {
      return nn::parse_json_input(it->second, fmt::format("metadata '{}'", key), "value");
    } catch (const FileError& e) {
      problems.push_back(e.what());
      return nullptr;
    }
  };
  if (auto it = file.metadata.find("base_config"); it != file.metadata.end()) {
    try {
      adapter.base_config = nn::TransformerConfig::from_json(it->second, path + " (base_config)");
    } catch (const Error& e) {
      problems.push_back(e.what());
    }
  }
  try {
    adapter.config.target_modules =
        selector_from_json(meta("target_modules"), path, "target_modules");
    adapter.config.feedforward_modules =
        selector_from_json(meta("feedforward_modules"), path, "feedforward_modules");
    adapter.config.fused_qkv_modules =
        selector_from_json(meta("fused_qkv_modules"), path, "fused_qkv_modules");
  } catch (const FileError& e) {
    problems.push_back(e.what());
  }
  if (adapter.config.target_modules.empty()) {
    adapter.config = AdapterConfig::spec_default();  // a bare file of docs/spec.md's vectors
  }
  if (file.tensors.empty()) problems.push_back("holds no vectors");
  for (const auto& [name, t] : file.tensors) {
    try {
      (void)module_path_of(name);
    } catch (const ValueError&) {
      problems.push_back(fmt::format("'{}' is not an IA3 vector name", nn::excerpt(name)));
      continue;
    }
    if (t.dim() != 1) {
      problems.push_back(
          fmt::format("'{}' must be 1-D, got {}", nn::excerpt(name), shape_str(t.shape())));
      continue;
    }
    check_vector(name, t, problems);
    const std::optional<std::int64_t> block = block_index(name);
    const std::optional<std::int64_t> want =
        adapter.base_config ? vector_size(name, *adapter.base_config) : std::nullopt;
    if (want && block) {
      const auto& c = *adapter.base_config;
      if (*block >= c.n_layers) {
        problems.push_back(
            fmt::format("'{}': the base model has {} blocks", nn::excerpt(name), c.n_layers));
      } else if (t.size(0) != *want) {
        problems.push_back(fmt::format("'{}' has {} entries, the base model needs {}",
                                       nn::excerpt(name), t.size(0), *want));
      }
    }
    adapter.vectors.emplace_back(name, t);
  }
  if (!problems.empty()) throw FileError(path, nn::bounded_list(problems, "; "));
  std::sort(adapter.vectors.begin(), adapter.vectors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return adapter;
}

void load_adapter_into(nn::Transformer& model, const std::string& path) {
  add_vectors(model);
  const nn::NamedShapes expected = nn::shapes_of(vectors_of(model));
  const AdapterFile adapter = load_adapter(path, &expected);
  try {
    apply_vectors(model, adapter.vectors);
  } catch (const Error& e) {
    throw FileError(fmt::format("{}: {}", path, e.what()));
  }
}

// ---------------------------------------------------------------------- PEFT's format ----

void export_peft(const AdapterFile& adapter, const std::string& dir) {
  if (!adapter.config.fused_qkv_modules.empty()) {
    throw ValueError(
        fmt::format("export_peft {}: PEFT's IA3 cannot scale part of a fused q,k,v "
                    "projection; this adapter has fused_qkv_modules",
                    dir));
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw FileError(dir, "cannot create the directory: " + ec.message());
  nn::NamedTensors tensors;
  for (const auto& [name, t] : adapter.vectors) {
    const std::string module = module_path_of(name);
    const bool feedforward = adapter.config.feedforward_modules.matches(module);
    // PEFT's shapes: [out, 1] for an output-scaled module, [1, in] for a feedforward one.
    tensors.emplace_back(kPeftPrefix + module + kPeftVectorSuffix,
                         feedforward ? reshape(t, {1, t.size(0)}) : reshape(t, {t.size(0), 1}));
  }
  const json config = {
      {"peft_type", "IA3"},
      {"task_type", "CAUSAL_LM"},
      {"target_modules", selector_to_json(adapter.config.target_modules)},
      {"feedforward_modules", selector_to_json(adapter.config.feedforward_modules)},
      {"init_ia3_weights", true},
      {"fan_in_fan_out", false},
      {"modules_to_save", nullptr},
      {"base_model_name_or_path", nullptr},
      {"revision", nullptr},
      {"inference_mode", true}};
  std::map<std::string, std::string> metadata{{"format", "pt"}};
  if (adapter.base_config) metadata["knob_base_config"] = adapter.base_config->to_json();
  nn::write_safetensors((fs::path(dir) / "adapter_model.safetensors").string(), tensors, metadata);
  nn::atomic_write_bytes((fs::path(dir) / "adapter_config.json").string(), config.dump(2) + "\n");
}

AdapterFile import_peft(const std::string& dir) {
  const std::string config_path = (fs::path(dir) / "adapter_config.json").string();
  const std::string tensors_path = (fs::path(dir) / "adapter_model.safetensors").string();
  const json config = nn::parse_json_input(
      nn::read_small_text_file(config_path, kMaxAdapterConfigBytes), config_path, "the file");
  if (!config.is_object()) {
    throw FileError(config_path,
                    fmt::format("must hold a JSON object, got {}", nn::json_excerpt(config)));
  }
  if (!config.contains("peft_type") || config["peft_type"] != "IA3") {
    throw FileError(config_path,
                    fmt::format("peft_type must be \"IA3\", got {}",
                                nn::json_excerpt(config.value("peft_type", json("(missing)")))));
  }
  AdapterFile adapter;
  adapter.config.target_modules =
      selector_from_json(config.value("target_modules", json()), config_path, "target_modules");
  adapter.config.feedforward_modules = selector_from_json(
      config.value("feedforward_modules", json()), config_path, "feedforward_modules");
  if (adapter.config.target_modules.empty()) {
    throw FileError(config_path, "target_modules is missing or empty");
  }

  const nn::SafetensorsFile file = nn::read_safetensors(tensors_path);
  if (auto it = file.metadata.find("knob_base_config"); it != file.metadata.end()) {
    adapter.base_config = nn::TransformerConfig::from_json(it->second, tensors_path);
  }
  const SelectorMatcher targets(adapter.config.target_modules);
  const SelectorMatcher feedforward_modules(adapter.config.feedforward_modules);
  std::vector<std::string> problems;
  for (const auto& [key, t] : file.tensors) {
    if (!starts_with(key, kPeftPrefix) || !ends_with(key, kPeftVectorSuffix) ||
        key.size() <= std::string(kPeftPrefix).size() + std::string(kPeftVectorSuffix).size()) {
      problems.push_back(
          fmt::format("'{}' is not base_model.model.<module>.ia3_l", nn::excerpt(key)));
      continue;
    }
    const std::string module =
        key.substr(std::string(kPeftPrefix).size(), key.size() - std::string(kPeftPrefix).size() -
                                                        std::string(kPeftVectorSuffix).size());
    if (module.size() > kMaxModulePathBytes) {
      problems.push_back(fmt::format("'{}': a module path of {} bytes is longer than any model's",
                                     nn::excerpt(key), module.size()));
      continue;
    }
    const bool feedforward = feedforward_modules.matches(module);
    if (!targets.matches(module)) {
      problems.push_back(fmt::format("'{}': module '{}' is not selected by target_modules",
                                     nn::excerpt(key), nn::excerpt(module)));
      continue;
    }
    const bool column = t.dim() == 2 && t.size(1) == 1;  // [out, 1]
    const bool row = t.dim() == 2 && t.size(0) == 1;     // [1, in]
    if (feedforward ? !row : !column) {
      problems.push_back(fmt::format("'{}' must be {} ({} module), got {}", nn::excerpt(key),
                                     feedforward ? "[1, in]" : "[out, 1]",
                                     feedforward ? "a feedforward" : "an output-scaled",
                                     shape_str(t.shape())));
      continue;
    }
    check_vector(key, t, problems);
    adapter.vectors.emplace_back(vector_name_of(module, feedforward), reshape(t, {t.numel()}));
  }
  if (file.tensors.empty()) problems.push_back("holds no tensors");
  if (!problems.empty()) throw FileError(tensors_path, nn::bounded_list(problems, "; "));
  std::sort(adapter.vectors.begin(), adapter.vectors.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return adapter;
}

}  // namespace knob::ia3
