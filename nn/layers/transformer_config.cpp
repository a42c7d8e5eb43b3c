#include "nn/layers/transformer_config.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "autograd/error.h"
#include "nn/base/excerpt.h"
#include "nn/base/file_error.h"
#include "nn/base/json_input.h"

namespace knob::nn {

namespace {

using Json = nlohmann::ordered_json;

// The required integer keys of config.json, with the field each one fills.
struct IntegerKey {
  const char* name;
  std::int64_t TransformerConfig::*field;
};
constexpr IntegerKey kIntegerKeys[] = {
    {"vocab_size", &TransformerConfig::vocab_size},
    {"d_model", &TransformerConfig::d_model},
    {"n_heads", &TransformerConfig::n_heads},
    {"n_layers", &TransformerConfig::n_layers},
    {"d_ff", &TransformerConfig::d_ff},
    {"max_seq_len", &TransformerConfig::max_seq_len},
};

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += "\n  - " + line;
  return out;
}

}  // namespace

std::vector<std::pair<std::string, Shape>> TransformerConfig::parameter_shapes() const {
  const std::int64_t V = vocab_size, C = d_model, F = d_ff;
  std::vector<std::pair<std::string, Shape>> out = {{"tok_emb.weight", {V, C}},
                                                    {"pos_emb.weight", {max_seq_len, C}}};
  for (std::int64_t i = 0; i < n_layers; ++i) {
    const std::string block = fmt::format("blocks.{}.", i);
    out.emplace_back(block + "ln1.weight", Shape{C});
    out.emplace_back(block + "ln1.bias", Shape{C});
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      out.emplace_back(fmt::format("{}attn.{}.weight", block, proj), Shape{C, C});
      out.emplace_back(fmt::format("{}attn.{}.bias", block, proj), Shape{C});
    }
    out.emplace_back(block + "ln2.weight", Shape{C});
    out.emplace_back(block + "ln2.bias", Shape{C});
    out.emplace_back(block + "ffn.up.weight", Shape{F, C});
    out.emplace_back(block + "ffn.up.bias", Shape{F});
    out.emplace_back(block + "ffn.down.weight", Shape{C, F});
    out.emplace_back(block + "ffn.down.bias", Shape{C});
  }
  out.emplace_back("ln_f.weight", Shape{C});
  out.emplace_back("ln_f.bias", Shape{C});
  out.emplace_back("head.weight", Shape{V, C});
  out.emplace_back("head.bias", Shape{V});
  return out;
}

std::int64_t TransformerConfig::parameter_count() const {
  const std::int64_t V = vocab_size, C = d_model, F = d_ff;
  const std::int64_t per_block = 4 * C * C + 2 * C * F + 9 * C + F;
  return 2 * V * C + max_seq_len * C + 2 * C + V + n_layers * per_block;
}

std::vector<std::string> TransformerConfig::problems() const {
  std::vector<std::string> out;
  bool sizes_in_range = true;
  for (const IntegerKey& key : kIntegerKeys) {
    const std::int64_t value = this->*key.field;
    const std::int64_t limit = key.field == &TransformerConfig::n_layers ? kMaxLayers : kMaxSize;
    if (value <= 0) {
      out.push_back(fmt::format("{} must be positive, got {}", key.name, value));
      sizes_in_range = false;
    } else if (value > limit) {
      out.push_back(fmt::format("{} must be at most {}, got {}", key.name, limit, value));
      sizes_in_range = false;
    }
  }
  // With every size <= 2^24 and n_layers <= 2^12 the count below stays under 2^63.
  if (sizes_in_range && parameter_count() > kMaxParameters) {
    out.push_back(fmt::format("the model would have {} parameters, more than knob builds ({})",
                              parameter_count(), kMaxParameters));
  }
  if (d_model > 0 && n_heads > 0 && d_model % n_heads != 0) {
    out.push_back(fmt::format("d_model ({}) must be divisible by n_heads ({})", d_model, n_heads));
  }
  if (!(layer_norm_eps > 0.0) || !std::isfinite(layer_norm_eps)) {
    out.push_back(fmt::format("layer_norm_eps must be a positive number, got {}", layer_norm_eps));
  }
  if (!(dropout >= 0.0 && dropout < 1.0)) {
    out.push_back(fmt::format("dropout must be in [0, 1), got {}", dropout));
  }
  if (activation != Activation::gelu && activation != Activation::gelu_tanh &&
      activation != Activation::relu) {
    out.push_back(fmt::format("activation has an invalid value {}", static_cast<int>(activation)));
  }
  return out;
}

void TransformerConfig::validate() const {
  const std::vector<std::string> bad = problems();
  if (!bad.empty()) throw ValueError("TransformerConfig: invalid values:" + join_lines(bad));
}

std::string TransformerConfig::to_json() const {
  Json j;
  for (const IntegerKey& key : kIntegerKeys) j[key.name] = this->*key.field;
  j["activation"] = std::string(activation_name(activation));
  j["layer_norm_eps"] = layer_norm_eps;
  if (dropout != 0.0) j["dropout"] = dropout;
  // Keep docs/spec.md's key order: the integers, then activation, eps (and dropout).
  return j.dump(2) + "\n";
}

namespace {

/// The largest config.json accepted: a real one is a few hundred bytes.
constexpr std::uint64_t kMaxConfigBytes = 1 << 20;

/// The integer value of `key`, or a problem appended to `bad`.
void read_integer(const nlohmann::json& j, const IntegerKey& key, TransformerConfig& config,
                  std::vector<std::string>& bad) {
  const auto it = j.find(key.name);
  if (it == j.end()) {
    bad.push_back(fmt::format("missing key \"{}\"", key.name));
  } else if (!it->is_number_integer()) {
    bad.push_back(fmt::format("\"{}\" must be an integer, got {}", key.name, json_excerpt(*it)));
  } else if (it->is_number_unsigned() &&
             it->get<std::uint64_t>() >
                 static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    bad.push_back(fmt::format("\"{}\" is too large: {}", key.name, json_excerpt(*it)));
  } else {
    config.*key.field = it->get<std::int64_t>();
  }
}

/// The number value of `key` (absent: left as it is, or a problem when `required`).
void read_number(const nlohmann::json& j, const char* key, bool required, double& value,
                 std::vector<std::string>& bad) {
  const auto it = j.find(key);
  if (it == j.end()) {
    if (required) bad.push_back(fmt::format("missing key \"{}\"", key));
  } else if (!it->is_number()) {
    bad.push_back(fmt::format("\"{}\" must be a number, got {}", key, json_excerpt(*it)));
  } else {
    value = it->get<double>();
  }
}

/// "activation": one of the names parse_activation() knows.
void read_activation(const nlohmann::json& j, TransformerConfig& config,
                     std::vector<std::string>& bad) {
  const auto it = j.find("activation");
  if (it == j.end()) {
    bad.emplace_back(R"(missing key "activation")");
  } else if (!it->is_string()) {
    bad.push_back(fmt::format("\"activation\" must be a string, got {}", json_excerpt(*it)));
  } else {
    try {
      config.activation = parse_activation(it->get<std::string>());
    } catch (const ValueError&) {
      bad.push_back(fmt::format(R"("activation" must be "gelu", "gelu_tanh" or "relu", got {})",
                                json_excerpt(*it)));
    }
  }
}

/// Every key that is not one of config.json's: the first few by name, then how many more.
void report_unknown_keys(const nlohmann::json& j, std::vector<std::string>& bad) {
  constexpr std::size_t kShown = 5;
  std::size_t unknown = 0;
  for (const auto& item : j.items()) {
    const std::string& key = item.key();  // (clang < 16 cannot capture a structured binding)
    const bool known = key == "activation" || key == "layer_norm_eps" || key == "dropout" ||
                       std::any_of(std::begin(kIntegerKeys), std::end(kIntegerKeys),
                                   [&](const IntegerKey& k) { return key == k.name; });
    if (known) continue;
    if (++unknown <= kShown) bad.push_back(fmt::format("unknown key \"{}\"", excerpt(key)));
  }
  if (unknown > kShown)
    bad.push_back(fmt::format("... and {} more unknown keys", unknown - kShown));
}

}  // namespace

TransformerConfig TransformerConfig::from_json(std::string_view text, std::string_view source) {
  nlohmann::json j;
  try {
    j = parse_json_input(text, std::string(source), "config");
  } catch (const FileError& e) {  // syntax errors, numbers like 1e400, nesting, repeated keys
    throw ValueError(e.what());
  }
  if (!j.is_object()) {
    throw ValueError(fmt::format("{}: expected a JSON object, got {} {}", source, j.type_name(),
                                 json_excerpt(j)));
  }
  TransformerConfig config;
  std::vector<std::string> bad;
  for (const IntegerKey& key : kIntegerKeys) read_integer(j, key, config, bad);
  read_activation(j, config, bad);
  read_number(j, "layer_norm_eps", /*required=*/true, config.layer_norm_eps, bad);
  read_number(j, "dropout", /*required=*/false, config.dropout, bad);
  report_unknown_keys(j, bad);
  // Range checks only for the values that were read (a missing key must not also be reported
  // as "must be positive").
  if (bad.empty()) bad = config.problems();
  if (!bad.empty()) throw ValueError(fmt::format("{}: invalid config:{}", source, join_lines(bad)));
  return config;
}

TransformerConfig TransformerConfig::load(const std::filesystem::path& path) {
  std::string text;
  try {
    text = read_small_text_file(path.string(), kMaxConfigBytes);
  } catch (const FileError& e) {
    throw ValueError(fmt::format("{} (reading the config file)", e.what()));
  }
  return from_json(text, path.string());
}

}  // namespace knob::nn
