#include "ia3/model_map.h"

#include <map>
#include <string_view>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/tape.h"

namespace knob::ia3 {

namespace {

// The header's table, one row per vector.
enum class Owner { attention, feed_forward };

struct Row {
  Owner owner;
  std::string_view owner_name;   // the module's name in a block: "attn", "ffn"
  std::string_view vector;       // the parameter's name in that module
  std::string_view carrier;      // the Linear (in that module) whose output scale it is
  std::string_view peft_module;  // the Linear PEFT scales
  ScaledSide peft_side;          // and on which side
  bool hidden_sized;             // [F] (d_ff entries) rather than [C]
};

constexpr Row kTable[] = {
    {Owner::attention, "attn", "l_k", "k_proj", "k_proj", ScaledSide::output, false},
    {Owner::attention, "attn", "l_v", "v_proj", "v_proj", ScaledSide::output, false},
    {Owner::feed_forward, "ffn", "l_ff", "up", "down", ScaledSide::input, true},
};

bool ends_with(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

std::string parent_of(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}

std::string last_name(const std::string& path) {
  const auto dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

// A direct submodule that is a Linear (the table's carriers), or null.
std::shared_ptr<nn::Linear> child_linear(const nn::Module& module, std::string_view name) {
  for (const auto& [child_name, child] : module.named_children()) {
    if (child_name == name) return as_linear(child);
  }
  return nullptr;
}

// Is `module` of the class the table's `owner` stands for?
bool is_owner(const nn::Module* module, Owner owner) {
  return owner == Owner::attention ? dynamic_cast<const nn::MultiHeadAttention*>(module) != nullptr
                                   : dynamic_cast<const nn::FeedForward*>(module) != nullptr;
}

// The rows' vectors of one module: attach each as a parameter and make it its carrier's scale.
void add_rows(nn::Module& module, Owner owner) {
  for (const Row& row : kTable) {
    if (row.owner != owner) continue;
    const std::shared_ptr<nn::Linear> carrier = child_linear(module, row.carrier);
    if (carrier->output_scale().defined()) continue;  // added before
    const Tensor scale = module.attach_parameter(
        std::string(row.vector), ones({carrier->out_features()}, carrier->weight().dtype()));
    carrier->set_output_scale(scale);  // [out_features], ones: the layer's output is unchanged
  }
}

}  // namespace

// ------------------------------------------------------------------ the vectors of a model ----

void add_vectors(nn::MultiHeadAttention& attn) { add_rows(attn, Owner::attention); }

void add_vectors(nn::FeedForward& ffn) { add_rows(ffn, Owner::feed_forward); }

void add_vectors(nn::Transformer& model) {
  for (std::size_t i = 0; i < model.num_blocks(); ++i) {
    add_vectors(model.block(i).attn());
    add_vectors(model.block(i).ffn());
  }
}

const Tensor& l_k(const nn::MultiHeadAttention& attn) { return attn.k_proj().output_scale(); }

const Tensor& l_v(const nn::MultiHeadAttention& attn) { return attn.v_proj().output_scale(); }

const Tensor& l_ff(const nn::FeedForward& ffn) { return ffn.up().output_scale(); }

bool has_vectors(const nn::MultiHeadAttention& attn) {
  return l_k(attn).defined() && l_v(attn).defined();
}

bool has_vectors(const nn::Transformer& model) {
  if (model.num_blocks() == 0) return false;
  for (std::size_t i = 0; i < model.num_blocks(); ++i) {
    if (!has_vectors(model.block(i).attn()) || !l_ff(model.block(i).ffn()).defined()) return false;
  }
  return true;
}

std::string_view vector_kind(const std::string& name) {
  for (const Row& row : kTable) {
    if (name.size() > row.vector.size() && ends_with(name, row.vector) &&
        name[name.size() - row.vector.size() - 1] == '.') {
      return row.vector;
    }
  }
  return {};
}

bool is_vector_name(const std::string& name) { return !vector_kind(name).empty(); }

bool is_vector_kind(std::string_view kind) {
  for (const Row& row : kTable) {
    if (row.vector == kind) return true;
  }
  return false;
}

std::optional<std::int64_t> vector_size(const std::string& name,
                                        const nn::TransformerConfig& config) {
  for (const Row& row : kTable) {
    if (vector_kind(name) == row.vector) return row.hidden_sized ? config.d_ff : config.d_model;
  }
  return std::nullopt;
}

nn::NamedTensors vectors_of(const nn::Transformer& model) {
  nn::NamedTensors out;
  for (const auto& [name, t] : model.named_parameters()) {
    if (is_vector_name(name)) out.emplace_back(name, t);
  }
  return out;
}

void freeze_all_but_vectors(nn::Transformer& model) {
  if (!has_vectors(model)) {
    throw ValueError(
        "IA3: freeze_all_but_vectors on a model without IA3 vectors; call "
        "ia3::add_vectors() first");
  }
  model.requires_grad(false);
  for (auto& [name, t] : vectors_of(model)) t.requires_grad_(true);
}

void apply_vectors(nn::Transformer& model, const nn::NamedTensors& values) {
  add_vectors(model);
  const nn::NamedTensors own = vectors_of(model);
  // Module's all-at-once checking, on a state dict made of the vectors only.
  if (const std::string problems =
          nn::state_dict_problems(nn::shapes_of(own), nn::shapes_of(values), /*strict=*/true);
      !problems.empty()) {
    throw ShapeError("IA3 vectors: " + problems);
  }
  std::map<std::string_view, const Tensor*> by_name;
  for (const auto& [name, v] : values) by_name[name] = &v;
  NoGradGuard no_grad;
  for (const auto& [name, t] : own) {
    const Tensor& v = *by_name.at(name);
    Tensor target = t;
    target.set_data(v.dtype() == t.dtype() ? v : v.to(t.dtype()));
  }
}

// ------------------------------------------------------- any module tree (ia3::Adapter) ----

std::shared_ptr<nn::Linear> as_linear(const std::shared_ptr<nn::Module>& module) {
  return std::dynamic_pointer_cast<nn::Linear>(module);
}

std::optional<BuiltInVector> built_in_vector(nn::Module& model, const std::string& linear_path,
                                             ScaledSide side) {
  const std::string parent_path = parent_of(linear_path);
  const std::string name = last_name(linear_path);
  const std::shared_ptr<nn::Module> parent = model.find_module(parent_path);
  const std::string prefix = parent_path.empty() ? "" : parent_path + ".";
  for (const Row& row : kTable) {
    if (row.peft_module != name || row.peft_side != side || !is_owner(parent.get(), row.owner)) {
      continue;
    }
    add_rows(*parent, row.owner);
    return BuiltInVector{prefix + std::string(row.vector),
                         child_linear(*parent, row.carrier)->output_scale()};
  }
  return std::nullopt;
}

std::string module_path_of(const std::string& vector_name) {
  for (const Row& row : kTable) {
    const std::string suffix = fmt::format(".{}.{}", row.owner_name, row.vector);
    if (ends_with(vector_name, suffix)) {
      return fmt::format("{}.{}.{}", vector_name.substr(0, vector_name.size() - suffix.size()),
                         row.owner_name, row.peft_module);
    }
  }
  const std::string_view peft = kPeftVectorSuffix;
  if (ends_with(vector_name, peft) && vector_name.size() > peft.size()) {
    return vector_name.substr(0, vector_name.size() - peft.size());
  }
  throw ValueError(fmt::format(
      "IA3 adapter: '{}' is not a vector name (…attn.l_k, …attn.l_v, …ffn.l_ff or <module>.ia3_l)",
      vector_name));
}

std::string vector_name_of(const std::string& module_path, bool feedforward) {
  const ScaledSide side = feedforward ? ScaledSide::input : ScaledSide::output;
  for (const Row& row : kTable) {
    const std::string suffix = fmt::format(".{}.{}", row.owner_name, row.peft_module);
    if (row.peft_side == side && ends_with(module_path, suffix)) {
      return fmt::format("{}.{}.{}", module_path.substr(0, module_path.size() - suffix.size()),
                         row.owner_name, row.vector);
    }
  }
  return module_path + kPeftVectorSuffix;
}

}  // namespace knob::ia3
