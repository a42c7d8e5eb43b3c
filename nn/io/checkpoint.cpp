#include "nn/io/checkpoint.h"

#include <bit>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "nn/base/file_error.h"
#include "nn/io/finite_state.h"
#include "nn/io/safetensors.h"

namespace knob::nn {

namespace {

constexpr const char* kFormat = "knob-checkpoint";
constexpr const char* kVersion = "1";
constexpr const char* kRunPrefix = "run.";
/// At most this many problems are listed in one error message.
constexpr std::size_t kMaxProblemsListed = 12;
/// At most this many bytes of a text read from the file (a key, a recorded setting) are quoted.
constexpr std::size_t kQuotedBytes = 64;

// A text read from the file as an error message may quote it: one line (control characters
// shown as '?'), cut after kQuotedBytes bytes with its full length said.
std::string from_file(std::string_view text) {
  std::string out(text.substr(0, kQuotedBytes));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (text.size() > kQuotedBytes) out += fmt::format("... ({} bytes)", text.size());
  return out;
}

// Every module's own generator below `module` (Dropout's masks; `module` need not be owned by a
// shared_ptr), as `rng.model.<path>`.
void add_dropout_generators(const Module& module, const std::string& path,
                            std::vector<std::pair<std::string, Generator*>>& out) {
  if (Generator* generator = module.own_generator()) {
    out.emplace_back("rng.model." + path, generator);
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

// The settings as `__metadata__` entries `run.<name>`; names must be unique and non-empty.
std::map<std::string, std::string> run_metadata(const std::vector<RunSetting>& run) {
  std::map<std::string, std::string> out;
  for (const RunSetting& setting : run) {
    if (setting.name.empty() || !out.emplace(kRunPrefix + setting.name, setting.value).second) {
      throw ValueError(
          fmt::format("checkpoint: run setting name '{}' is empty or used twice", setting.name));
    }
  }
  return out;
}

// The recorded settings against this run's: a difference is a problem unless it may change.
void compare_settings(const std::map<std::string, std::string>& metadata,
                      const std::vector<RunSetting>& run, std::vector<std::string>& problems,
                      std::vector<std::string>& changes) {
  const std::map<std::string, std::string> expected = run_metadata(run);
  for (const RunSetting& setting : run) {
    const auto found = metadata.find(kRunPrefix + setting.name);
    if (found == metadata.end()) {
      problems.push_back(
          fmt::format("it does not record the run's '{}' (now {})", setting.name, setting.value));
    } else if (found->second != setting.value) {
      const std::string change = fmt::format("{}: {} in the checkpoint, {} now", setting.name,
                                             from_file(found->second), setting.value);
      (setting.may_change ? changes : problems).push_back(change);
    }
  }
  for (const auto& [key, value] : metadata) {
    if (key.starts_with(kRunPrefix) && !expected.contains(key)) {
      problems.push_back(fmt::format("it records a setting '{}' = {} that this run does not have",
                                     from_file(key.substr(std::string(kRunPrefix).size())),
                                     from_file(value)));
    }
  }
}

// A generator state must be I64 [4] and not all zero (xoshiro256's one invalid state: it would
// produce zeros forever).
void check_generator_states(const std::map<std::string, Tensor>& by_key,
                            const std::vector<std::pair<std::string, Generator*>>& gens,
                            std::vector<std::string>& problems) {
  for (const auto& [key, gen] : gens) {
    const auto it = by_key.find(key);
    if (it == by_key.end()) {
      problems.push_back(fmt::format("missing generator state '{}'", key));
    } else if (it->second.dtype() != DType::i64 || it->second.shape() != Shape{4}) {
      problems.push_back(fmt::format("generator state '{}' must be I64 [4], got {} {}", key,
                                     dtype_name(it->second.dtype()),
                                     shape_str(it->second.shape())));
    } else {
      const std::int64_t* words = it->second.data<std::int64_t>();
      if (words[0] == 0 && words[1] == 0 && words[2] == 0 && words[3] == 0) {
        problems.push_back(
            fmt::format("generator state '{}' is all zeros (not a valid state)", key));
      }
    }
  }
}

// Once the optimizer has stepped, every parameter that requires grad has all its state slots;
// a parameter never has only some of them. Integer counters are never negative.
void check_optimizer_state(const Optimizer& optimizer, const NamedTensors& state,
                           std::vector<std::string>& problems) {
  std::map<std::string, Tensor> by_key(state.begin(), state.end());
  const auto step = by_key.find("step");
  const bool stepped = step != by_key.end() && step->second.numel() == 1 && step->second.item() > 0;
  const std::vector<std::string> slots = optimizer.state_slots();
  for (const auto& [name, param] : optimizer.params()) {
    std::vector<std::string> missing;
    for (const std::string& slot : slots) {
      if (!by_key.contains(slot + "." + name)) missing.push_back(slot);
    }
    if (missing.empty()) continue;
    if (missing.size() < slots.size()) {
      problems.push_back(fmt::format("optimizer state of '{}' is incomplete: no {}", name,
                                     fmt::join(missing, ", ")));
    } else if (stepped && param.requires_grad()) {
      problems.push_back(fmt::format("optimizer state of '{}' ({}) is missing after {} steps", name,
                                     fmt::join(slots, ", "), step->second.item()));
    }
  }
  for (const auto& [key, t] : state) {
    if (t.dtype() != DType::i64) continue;
    const std::int64_t* values = t.data<std::int64_t>();
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      if (values[i] < 0) {
        problems.push_back(fmt::format("optimizer counter '{}' is negative", from_file(key)));
        break;
      }
    }
  }
  const std::vector<std::string> bad = non_finite_tensors(state, "optimizer.");
  problems.insert(problems.end(), bad.begin(), bad.end());
}

// The saved parameters as the model will hold them: F32/F64, and finite once converted to the
// parameter's dtype (an F64 value beyond F32's range would become infinite).
void check_parameter_values(Module& model, const NamedTensors& params,
                            std::vector<std::string>& problems) {
  std::map<std::string, Tensor> own;
  for (const auto& [name, t] : model.named_parameters()) own.emplace(name, t);
  for (const auto& [name, t] : params) {
    const auto found = own.find(name);
    if (found == own.end() || t.shape() != found->second.shape()) continue;  // reported already
    if (!is_floating(t.dtype())) {
      problems.push_back(
          fmt::format("'model.{}' is {}; parameters are F32 or F64", name, dtype_name(t.dtype())));
      continue;
    }
    const DType dtype = found->second.dtype();
    const std::int64_t bad = count_non_finite(t.dtype() == dtype ? t : t.to(dtype));
    if (bad > 0) {
      problems.push_back(fmt::format("'model.{}' holds {} NaN or infinite value{} (of {}) as {}",
                                     name, bad, bad == 1 ? "" : "s", t.numel(), dtype_name(dtype)));
    }
  }
}

// "a; b; c" with at most kMaxProblemsListed entries and the number left out.
std::string join_problems(const std::vector<std::string>& problems) {
  if (problems.size() <= kMaxProblemsListed) return fmt::format("{}", fmt::join(problems, "; "));
  const std::vector<std::string> first(problems.begin(), problems.begin() + kMaxProblemsListed);
  return fmt::format("{}; and {} more problems", fmt::join(first, "; "),
                     problems.size() - kMaxProblemsListed);
}

}  // namespace

void save_checkpoint(const std::string& path, Module& model, const Optimizer& optimizer,
                     std::int64_t step, const std::vector<NamedGenerator>& generators,
                     const std::vector<RunSetting>& run) {
  if (step < 0) throw ValueError(fmt::format("save_checkpoint: step must be >= 0, got {}", step));
  std::map<std::string, std::string> metadata = run_metadata(run);
  metadata.emplace("format", kFormat);
  metadata.emplace("version", kVersion);
  NamedTensors tensors;
  for (const auto& [name, t] : model.named_parameters()) tensors.emplace_back("model." + name, t);
  for (const auto& [key, t] : optimizer.state()) tensors.emplace_back("optimizer." + key, t);
  const std::vector<std::string> bad = non_finite_tensors(tensors);
  if (!bad.empty()) {
    throw ValueError(
        fmt::format("save_checkpoint {}: a diverged state is not saved (the file is "
                    "left as it was): {}",
                    path, join_problems(bad)));
  }
  for (const auto& [key, gen] : generator_keys(model, generators)) {
    tensors.emplace_back(key, generator_tensor(*gen));
  }
  tensors.emplace_back("step", int_tensor({step}, {}));
  write_safetensors(path, tensors, metadata);
}

namespace {

// The `format` and `version` entries of a checkpoint's metadata.
void check_format(const std::string& path, const std::map<std::string, std::string>& metadata) {
  const auto format = metadata.find("format");
  if (format == metadata.end() || format->second != kFormat) {
    throw FileError(path,
                    "not a knob checkpoint (no __metadata__ \"format\": \"knob-checkpoint\")");
  }
  const auto version = metadata.find("version");
  if (version == metadata.end() || version->second != kVersion) {
    throw FileError(
        path, fmt::format("checkpoint version '{}' is not supported (knob reads '{}')",
                          version == metadata.end() ? "" : from_file(version->second), kVersion));
  }
}

// The `step` entry: an I64 scalar, >= 0.
std::int64_t checkpoint_step(const std::string& path, const std::map<std::string, Tensor>& by_key) {
  const auto it = by_key.find("step");
  if (it == by_key.end() || it->second.dtype() != DType::i64 || it->second.numel() != 1 ||
      it->second.dim() != 0) {
    throw FileError(path, "checkpoint: 'step' must be an I64 scalar");
  }
  const std::int64_t step = it->second.data<std::int64_t>()[0];
  if (step < 0) throw FileError(path, fmt::format("checkpoint: step {} is negative", step));
  return step;
}

}  // namespace

std::int64_t load_checkpoint(const std::string& path, Module& model, Optimizer& optimizer,
                             const std::vector<NamedGenerator>& generators,
                             const std::vector<RunSetting>& run,
                             std::vector<std::string>* changed) {
  const SafetensorsFile file = read_safetensors(path);
  check_format(path, file.metadata);
  const std::map<std::string, Tensor> by_key(file.tensors.begin(), file.tensors.end());
  const std::int64_t step = checkpoint_step(path, by_key);

  // --- validate everything first ---
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
  check_parameter_values(model, params, problems);
  check_optimizer_state(optimizer, optimizer_state, problems);
  const auto gens = generator_keys(model, generators);
  check_generator_states(by_key, gens, problems);
  std::vector<std::string> changes;
  compare_settings(file.metadata, run, problems, changes);
  std::set<std::string> known = {"step"};
  for (const auto& [key, gen] : gens) known.insert(key);
  for (const auto& [key, t] : file.tensors) {
    if (!known.contains(key) && !key.starts_with("model.") && !key.starts_with("optimizer.")) {
      problems.push_back(fmt::format("unexpected key '{}'", from_file(key)));
    }
  }
  if (!changes.empty() && changed == nullptr)
    problems.insert(problems.end(), changes.begin(), changes.end());
  if (!problems.empty()) {
    throw FileError(path, fmt::format("checkpoint: {}", join_problems(problems)));
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
  if (changed != nullptr) *changed = std::move(changes);
  return step;
}

}  // namespace knob::nn
