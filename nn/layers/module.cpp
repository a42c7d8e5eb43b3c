#include "nn/layers/module.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "autograd/error.h"
#include "nn/base/excerpt.h"

namespace knob::nn {

namespace {
void check_name(const std::string& name, const char* what) {
  if (name.empty() || name.find('.') != std::string::npos) {
    throw ValueError(
        fmt::format("Module: {} name '{}' must be non-empty and contain no '.'", what, name));
  }
}
}  // namespace

Tensor Module::register_parameter(const std::string& name, Tensor value) {
  check_name(name, "parameter");
  for (const auto& [existing, _] : params_) {
    if (existing == name) throw ValueError("Module: parameter '" + name + "' registered twice");
  }
  value.requires_grad_(true);
  value.set_name(name);
  params_.emplace_back(name, value);
  return value;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  check_name(name, "submodule");
  if (!module) throw ValueError("Module: submodule '" + name + "' is null");
  for (const auto& [existing, _] : children_) {
    if (existing == name) throw ValueError("Module: submodule '" + name + "' registered twice");
  }
  children_.emplace_back(name, std::move(module));
}

void Module::collect_parameters(const std::string& prefix, NamedTensors& out) const {
  for (const auto& [name, tensor] : params_) out.emplace_back(prefix + name, tensor);
  for (const auto& [name, child] : children_) child->collect_parameters(prefix + name + ".", out);
}

NamedTensors Module::named_parameters() const {
  NamedTensors out;
  collect_parameters("", out);
  return out;
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [_, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::trainable_parameters() const {
  NamedTensors out;
  for (auto& [name, t] : named_parameters()) {
    if (t.requires_grad()) out.emplace_back(name, t);
  }
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  out.emplace_back("", shared_from_this());
  for (const auto& [name, child] : children_) {
    for (auto& [sub, module] : child->named_modules()) {
      out.emplace_back(sub.empty() ? name : name + "." + sub, module);
    }
  }
  return out;
}

std::shared_ptr<Module> Module::find_module(const std::string& path) {
  for (auto& [name, module] : named_modules()) {
    if (name == path) return module;
  }
  return nullptr;
}

Tensor Module::parameter(const std::string& path) const {
  for (auto& [name, t] : named_parameters()) {
    if (name == path) return t;
  }
  throw ValueError(fmt::format("{}: no parameter named '{}'", type_name(), path));
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [_, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (Tensor& t : parameters()) t.zero_grad();
}

void Module::requires_grad(bool trainable) {
  for (Tensor& t : parameters()) t.requires_grad_(trainable);
}

std::int64_t Module::num_parameters(bool trainable_only) const {
  std::int64_t n = 0;
  for (auto& [_, t] : named_parameters()) {
    if (!trainable_only || t.requires_grad()) n += t.numel();
  }
  return n;
}

void Module::to(DType dtype) {
  for (Tensor& t : parameters()) {
    if (t.dtype() != dtype) t.set_data(t.to(dtype));
  }
}

std::string state_dict_problems(const NamedShapes& expected, const NamedShapes& given,
                                bool strict) {
  std::map<std::string_view, const Shape*> given_by_name;
  for (const auto& [name, shape] : given) given_by_name[name] = &shape;
  std::vector<std::string> missing;
  std::vector<std::string> mismatched;
  for (const auto& [name, shape] : expected) {
    auto it = given_by_name.find(name);
    if (it == given_by_name.end()) {
      missing.push_back(excerpt(name));
    } else if (*it->second != shape) {
      mismatched.push_back(fmt::format("{} (expected {}, got {})", excerpt(name), shape_str(shape),
                                       shape_str(*it->second)));
    }
  }
  std::vector<std::string> unexpected;
  if (strict) {
    std::set<std::string_view> expected_names;
    for (const auto& entry : expected) expected_names.insert(entry.first);
    for (const auto& entry : given) {
      if (!expected_names.contains(entry.first)) unexpected.push_back(excerpt(entry.first));
    }
  }
  std::vector<std::string> parts;
  if (!missing.empty()) parts.push_back("missing: " + bounded_list(missing));
  if (!unexpected.empty()) parts.push_back("unexpected: " + bounded_list(unexpected));
  if (!mismatched.empty()) parts.push_back("wrong shape: " + bounded_list(mismatched));
  return fmt::format("{}", fmt::join(parts, "; "));
}

void check_state_dict_shapes(const NamedShapes& expected, const NamedShapes& given, bool strict) {
  const std::string problems = state_dict_problems(expected, given, strict);
  if (!problems.empty()) throw ShapeError("load_state_dict: " + problems);
}

NamedShapes shapes_of(const NamedTensors& tensors) {
  NamedShapes shapes;
  shapes.reserve(tensors.size());
  for (const auto& [name, t] : tensors) shapes.emplace_back(name, t.shape());
  return shapes;
}

void check_state_dict(const NamedShapes& expected, const NamedTensors& given, bool strict) {
  check_state_dict_shapes(expected, shapes_of(given), strict);
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  const NamedTensors own = named_parameters();
  check_state_dict(shapes_of(own), state, strict);
  std::map<std::string, Tensor> given;
  for (const auto& [name, t] : state) given[name] = t;
  for (const auto& [name, t] : own) {
    const Tensor& source = given.at(name);
    Tensor target = t;
    target.set_data(source.dtype() == t.dtype() ? source : source.to(t.dtype()));
  }
}

void Module::summary_lines(const std::string& name, int depth, std::string& out) const {
  std::int64_t own = 0;
  for (const auto& [_, t] : params_) own += t.numel();
  const std::string extra = extra_repr();
  out += fmt::format("{:{}}{}{}{}{}\n", "", depth * 2, name.empty() ? "" : name + ": ", type_name(),
                     extra.empty() ? "" : "(" + extra + ")",
                     own > 0 ? fmt::format("  [{} params]", own) : "");
  for (const auto& [child_name, child] : children_) {
    child->summary_lines(child_name, depth + 1, out);
  }
}

std::string Module::summary() const {
  std::string out;
  summary_lines("", 0, out);
  out +=
      fmt::format("total: {} parameters, {} trainable\n", num_parameters(), num_parameters(true));
  return out;
}

}  // namespace knob::nn
