// Writes the committed seed corpora of the fuzz targets: fuzz/corpus/<target>/, a few valid
// inputs made with the library itself and a few invalid ones, each showing one problem.
//
//   make_seed_corpus <repo>/fuzz/corpus
//
// Run it again after a file format changes; the output is deterministic.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"
#include "fixtures.h"
#include "ia3/adapter.h"
#include "ia3/adapter_file.h"
#include "nn/base/atomic_file.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"

namespace fs = std::filesystem;
using knob::nn::serialize_safetensors;

namespace {

// An 8-byte little-endian header length, the header, then the data.
std::string safetensors_by_hand(const std::string& header, const std::string& data) {
  std::string out;
  std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

void write_all(const fs::path& dir, const std::vector<std::pair<std::string, std::string>>& files) {
  fs::create_directories(dir);
  for (const auto& [name, bytes] : files)
    knob::nn::atomic_write_bytes((dir / name).string(), bytes);
  std::printf("%-40s %zu files\n", dir.string().c_str(), files.size());
}

std::string lines(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& arg : args) out += (out.empty() ? "" : "\n") + arg;
  return out;
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// A header of n one-element F32 tensors, as another writer might produce it.
std::string many_entries(int n) {
  std::string header = "{";
  for (int i = 0; i < n; ++i) {
    header += fmt::format(R"({}"t{}":{{"dtype":"F32","shape":[1],"data_offsets":[{},{}]}})",
                          i > 0 ? "," : "", i, 4 * i, 4 * i + 4);
  }
  return safetensors_by_hand(header + "}", std::string(4 * static_cast<std::size_t>(n), '\0'));
}

// Inputs an attacker would write: deep nesting, many entries, repeated keys, odd bytes.
void hostile_safetensors_corpus(const fs::path& dir) {
  const std::string entry_tail = R"(,"data_offsets":[0,0]}})";
  write_all(
      dir,
      {
          {"valid_many_entries", many_entries(4000)},
          {"bad_deep_shape",
           safetensors_by_hand(
               R"({"t":{"dtype":"F32","shape":)" + nested_arrays(100000) + entry_tail, "")},
          {"bad_deep_metadata",
           safetensors_by_hand(R"({"__metadata__":{"a":)" + nested_arrays(100000) + "}}", "")},
          {"bad_metadata_object", safetensors_by_hand(R"({"__metadata__":{"a":{"b":"c"}}})", "")},
          {"bad_duplicate_key",
           safetensors_by_hand(R"({"t":{"dtype":"F32","shape":[0]},"t":{"dtype":"F32"}})", "")},
          {"bad_byte_order_mark", safetensors_by_hand("\xEF\xBB\xBF{}", "")},
          {"bad_trailing_garbage", safetensors_by_hand("{} x", "")},
          {"bad_control_characters_in_name",
           safetensors_by_hand("{\"a\\u0000\\n\\u001b[31m\":{\"dtype\":\"F32\",\"shape\":[2],"
                               "\"data_offsets\":[0,4]}}",
                               std::string(4, '\0'))},
          {"bad_zero_next_to_huge_extents",
           safetensors_by_hand(
               R"({"t":{"dtype":"F32","shape":[0,1099511627776,1099511627776])" + entry_tail, "")},
          {"bad_long_name", safetensors_by_hand(R"({")" + std::string(200000, 'x') +
                                                    R"(":{"dtype":"F32","shape":[0])" + entry_tail,
                                                "")},
      });
}

void safetensors_corpus(const fs::path& dir) {
  using knob::DType;
  const std::string valid = serialize_safetensors(
      {{"w", knob::tensor({1, -2, 3.5, 0}, {2, 2})}, {"b", knob::tensor({0.25}, {1})}},
      {{"format", "pt"}});
  const std::string mixed =
      serialize_safetensors({{"ids", knob::int_tensor({1, 2, 3}, {3})},
                             {"x64", knob::tensor({1e-300, -0.0}, {2}, DType::f64)},
                             {"scalar", knob::scalar(7)},
                             {"empty", knob::zeros({0, 3})}});
  write_all(
      dir,
      {
          {"valid_f32_with_metadata", valid},
          {"valid_mixed_dtypes_scalar_empty", mixed},
          {"valid_no_tensors", serialize_safetensors({})},
          {"valid_i32_by_hand",
           safetensors_by_hand(R"({"t":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})",
                               std::string("\x01\0\0\0\x02\0\0\0", 8))},
          {"bad_truncated", valid.substr(0, valid.size() - 3)},
          {"bad_header_length_beyond_file", std::string("\xff\xff\0\0\0\0\0\0{}", 10)},
          {"bad_json", safetensors_by_hand(R"({"t":{"dtype":"F32",)", "")},
          {"bad_overlap",
           safetensors_by_hand(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                               std::string(12, '\0'))},
          {"bad_huge_shape",
           safetensors_by_hand(
               R"({"t":{"dtype":"F64","shape":[1000000,1000000,1000000],"data_offsets":[0,8]}})",
               std::string(8, '\0'))},
          {"bad_dtype",
           safetensors_by_hand(R"({"t":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}})",
                               std::string(2, '\0'))},
      });
  hostile_safetensors_corpus(dir);
}

void config_corpus(const fs::path& dir) {
  knob::nn::TransformerConfig odd;
  odd.d_model = 36;
  odd.n_heads = 3;
  odd.max_seq_len = 1;
  odd.activation = knob::Activation::gelu_tanh;
  odd.dropout = 0.1;
  write_all(dir,
            {
                {"valid_spec", knob::nn::TransformerConfig{}.to_json()},
                {"valid_tiny", knob::fuzz::tiny_config().to_json()},
                {"valid_odd_sizes_with_dropout", odd.to_json()},
                {"bad_not_divisible",
                 R"({"vocab_size": 32, "d_model": 30, "n_heads": 4, "n_layers": 2, "d_ff": 256,
           "max_seq_len": 32, "activation": "gelu", "layer_norm_eps": 1e-5})"},
                {"bad_missing_and_unknown_keys",
                 R"({"vocab": 32, "d_model": 64, "n_heads": 4, "n_layers": 2, "d_ff": 256,
           "max_seq_len": 32, "activation": "gelu"})"},
                {"bad_types_and_ranges",
                 R"({"vocab_size": -1, "d_model": 64.5, "n_heads": "4", "n_layers": 0, "d_ff": 256,
           "max_seq_len": 32, "activation": "swish", "layer_norm_eps": 0, "dropout": 1})"},
                {"bad_json", R"({"vocab_size": 32, "d_model": )"},
                {"bad_deep_value", R"({"vocab_size": )" + nested_arrays(100000) + "}"},
                {"bad_duplicate_key", R"({"d_model": 64, "d_model": 32})"},
                {"valid_byte_order_mark", "\xEF\xBB\xBF" + odd.to_json()},
            });
}

void state_dict_corpus(const fs::path& dir) {
  const auto model = knob::fuzz::tiny_model(3);
  const knob::nn::NamedTensors weights = knob::nn::base_parameters(*model);
  knob::nn::NamedTensors missing(weights.begin() + 1, weights.end());
  knob::nn::NamedTensors wrong_shape = weights;
  wrong_shape.front().second = knob::zeros({2, 2});
  knob::nn::NamedTensors extra = weights;
  extra.emplace_back("blocks.7.attn.q_proj.weight", knob::zeros({4, 4}));
  knob::nn::NamedTensors as_f64;
  for (const auto& [name, t] : weights) as_f64.emplace_back(name, t.to(knob::DType::f64));
  write_all(dir, {
                     {"valid_weights", serialize_safetensors(weights, {{"format", "knob"}})},
                     {"valid_weights_f64", serialize_safetensors(as_f64)},
                     {"valid_ia3_adapter", serialize_safetensors(knob::fuzz::tiny_adapter(*model))},
                     {"bad_missing_weight", serialize_safetensors(missing)},
                     {"bad_wrong_shape", serialize_safetensors(wrong_shape)},
                     {"bad_extra_weight", serialize_safetensors(extra)},
                 });
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `adapter` with target_modules given as the pattern `regex` (PEFT's string form).
knob::ia3::AdapterFile with_pattern(knob::ia3::AdapterFile adapter, const std::string& regex) {
  adapter.config.target_modules = {{}, regex};
  return adapter;
}

// fuzz_adapter's input for a PEFT directory: adapter_config.json, the separator line,
// adapter_model.safetensors.
std::string peft_input(const knob::ia3::AdapterFile& adapter, const fs::path& scratch) {
  knob::ia3::export_peft(adapter, scratch.string());
  return read_bytes(scratch / "adapter_config.json") + "\n----\n" +
         read_bytes(scratch / "adapter_model.safetensors");
}

void adapter_corpus(const fs::path& dir, const fs::path& scratch) {
  const auto model = knob::fuzz::tiny_model(3);
  knob::ia3::AdapterConfig config = knob::ia3::AdapterConfig::spec_default();
  config.init_ones = false;
  knob::Generator gen(5);
  const knob::ia3::Adapter attached(model, config, &gen);
  const knob::ia3::AdapterFile adapter{attached.vectors(), config, model->config()};
  knob::ia3::save_adapter((scratch / "a.safetensors").string(), adapter);
  const std::string knob_file = read_bytes(scratch / "a.safetensors");

  // The same vectors selected by a regular expression (PEFT's string form of target_modules).
  knob::ia3::AdapterFile by_regex = adapter;
  by_regex.config.target_modules = {{}, R"(.*\.(k_proj|v_proj|down))"};

  // Damaged knob files: keep the metadata, change the tensors.
  const knob::nn::SafetensorsFile parsed = knob::nn::parse_safetensors(knob_file, "a");
  knob::nn::NamedTensors two_d = parsed.tensors;
  two_d.front().second = knob::zeros({2, 2});
  knob::nn::NamedTensors not_finite = parsed.tensors;
  not_finite.back().second = knob::full({not_finite.back().second.numel()}, NAN);
  knob::nn::NamedTensors unknown_name = parsed.tensors;
  unknown_name.emplace_back("blocks.0.attn.q_proj.weight", knob::ones({4}));

  std::string wrong_type = peft_input(adapter, scratch / "peft_wrong_type");
  const std::size_t at = wrong_type.find("\"IA3\"");
  if (at != std::string::npos) wrong_type.replace(at, 5, "\"LORA\"");

  write_all(
      dir, {
               {"valid_knob_adapter", knob_file},
               {"valid_peft", peft_input(adapter, scratch / "peft")},
               {"valid_peft_regex_targets", peft_input(by_regex, scratch / "peft_regex")},
               {"bad_truncated", knob_file.substr(0, knob_file.size() / 2)},
               {"bad_two_dimensional_vector", serialize_safetensors(two_d, parsed.metadata)},
               {"bad_nan_vector", serialize_safetensors(not_finite, parsed.metadata)},
               {"bad_unknown_vector_name", serialize_safetensors(unknown_name, parsed.metadata)},
               {"bad_peft_type", wrong_type},
               {"bad_peft_config_json", "{\"peft_type\": \"IA3\", \"target_modules\": [\n----\n"},
               {"bad_peft_deep_config",
                R"({"peft_type": "IA3", "target_modules": )" + nested_arrays(100000) + "}\n----\n"},
               {"bad_peft_lookahead_pattern",
                peft_input(with_pattern(adapter, "(?=.*k_proj).*"), scratch / "peft_lookahead")},
               {"bad_peft_backtracking_pattern",
                peft_input(with_pattern(adapter, "(a|aa)*c|.*\\.(k_proj|v_proj|down)"),
                           scratch / "peft_backtracking")},
           });
}

// A pattern (first line) and module paths to match it against.
void patterns_corpus(const fs::path& dir) {
  write_all(dir,
            {
                {"valid_peft_style", lines({R"(.*\.(k_proj|v_proj|down))", "blocks.0.attn.k_proj",
                                            "blocks.0.ffn.down", "blocks.0.attn.q_proj"})},
                {"valid_named_group",
                 lines({R"((?P<b>blocks\.\d+)\.attn\.k_proj)", "blocks.11.attn.k_proj"})},
                {"valid_deep_groups",
                 lines({std::string(1000, '(') + "k" + std::string(1000, ')'), "k"})},
                {"bad_backtracking", lines({"(a|aa)*c", std::string(3000, 'a')})},
                {"bad_nested_quantifiers", lines({"(x+x+)+y", std::string(3000, 'x')})},
                {"bad_lookahead", lines({"(?=k).*", "k_proj"})},
                {"bad_backreference", lines({R"((k)\1)", "kk"})},
                {"bad_huge_repetition", lines({"((a{1000}){1000}){1000}", "a"})},
                {"bad_too_long", lines({std::string(5000, 'a'), "a"})},
            });
}

void cli_corpus(const fs::path& dir) {
  const std::vector<std::string> grads = {
      "grads", "--model", "model", "--batch", "batch.safetensors", "--out", "g.safetensors"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = grads;
    args.insert(args.end(), extra.begin(), extra.end());
    return lines(args);
  };
  write_all(
      dir,
      {
          {"info", "info"},
          {"version", "--version"},
          {"help", "--help"},
          {"grads_full_f64", lines(grads)},
          {"grads_ia3_f32_adapter",
           with({"--trainable", "ia3", "--dtype", "f32", "--adapter", "adapter.safetensors"})},
          {"grads_bad_batch", lines({"grads", "--model", "model", "--batch", "garbage.safetensors",
                                     "--out", "g.safetensors"})},
          {"grads_batch_is_a_model", lines({"grads", "--model", "model", "--batch",
                                            "model/model.safetensors", "--out", "g.safetensors"})},
          {"grads_missing_model", lines({"grads", "--model", "nowhere", "--batch",
                                         "batch.safetensors", "--out", "g.safetensors"})},
          {"grads_bad_dtype", with({"--dtype", "f16"})},
          {"grads_missing_value", lines({"grads", "--model"})},
          {"compare", lines({"compare", "batch.safetensors", "batch.safetensors", "--rtol", "0"})},
          {"compare_empty", lines({"compare", "empty", "adapter.safetensors"})},
          {"gradcheck_op", lines({"gradcheck", "--op", "matmul", "--json"})},
          {"train_options", lines({"train", "--config", "config.json", "--steps", "3", "--out",
                                   "m2", "--lr", "1e-3", "-q"})},
          {"eval_options", lines({"eval", "--model", "model", "--rows", "8", "--json"})},
          {"unknown_command", "frobnicate"},
          {"tour", lines({"tour", "--out-dir", "pictures"})},
          {"export_peft",
           lines({"export-peft", "--adapter", "adapter.safetensors", "--out", "peft"})},
          {"import_peft",
           lines({"import-peft", "--in", "peft", "--out", "a2.safetensors", "--model", "model"})},
          {"eval_adapter", lines({"eval", "--model", "model", "--adapter", "adapter.safetensors"})},
          {"demo", lines({"demo", "--seed", "3", "--json"})},
      });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seed_corpus <repo>/fuzz/corpus\n");
    return 2;
  }
  try {
    const fs::path root = argv[1];
    safetensors_corpus(root / "fuzz_safetensors");
    config_corpus(root / "fuzz_config");
    state_dict_corpus(root / "fuzz_state_dict");
    cli_corpus(root / "fuzz_cli");
    patterns_corpus(root / "fuzz_patterns");
    const fs::path scratch = fs::temp_directory_path() / "knob_make_seed_corpus";
    fs::remove_all(scratch);
    fs::create_directories(scratch);
    adapter_corpus(root / "fuzz_adapter", scratch);
    fs::remove_all(scratch);
  } catch (const knob::Error& e) {
    std::fprintf(stderr, "make_seed_corpus: %s\n", e.what());
    return 1;
  }
  return 0;
}
