/// @file
/// @brief nn::Optimizer: parameter bookkeeping, step(), and state()/load_state().
#include "nn/optimizer.h"

#include <cmath>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/shape.h"
#include "autograd/tape.h"

namespace knob::nn {

namespace {

void check_rate(const std::string& optimizer, const char* what, double value) {
  if (!std::isfinite(value) || value < 0.0) {
    throw ValueError(fmt::format("{}: {} must be finite and >= 0, got {}", optimizer, what, value));
  }
}

}  // namespace

Optimizer::Optimizer(NamedTensors params, double lr, double weight_decay,
                     const std::vector<std::string>& no_decay, std::string optimizer_name)
    : params_(std::move(params)),
      lr_(lr),
      weight_decay_(weight_decay),
      name_(std::move(optimizer_name)) {
  check_rate(name_, "learning rate", lr);
  check_rate(name_, "weight_decay", weight_decay);
  std::set<std::string> seen;
  for (const auto& [param_name, param] : params_) {
    if (!param.defined()) {
      throw ValueError(fmt::format("{}: parameter '{}' is an undefined tensor", name_, param_name));
    }
    if (!is_floating(param.dtype())) {
      throw ValueError(
          fmt::format("{}: parameter '{}' has dtype {}; only f32 and f64 can be "
                      "optimized",
                      name_, param_name, dtype_name(param.dtype())));
    }
    if (!seen.insert(param_name).second) {
      throw ValueError(fmt::format("{}: parameter name '{}' appears twice", name_, param_name));
    }
  }
  const std::set<std::string> excluded(no_decay.begin(), no_decay.end());
  for (const std::string& excluded_name : excluded) {
    if (!seen.contains(excluded_name)) {
      throw ValueError(fmt::format(
          "{}: no_decay names '{}', which is not one of the {} parameters being optimized", name_,
          excluded_name, params_.size()));
    }
  }
  for (const auto& entry : params_) decays_.push_back(!excluded.contains(entry.first));
  slots_.resize(params_.size());
}

void Optimizer::step() {
  NoGradGuard no_grad;
  ++step_count_;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    Tensor& param = params_[i].second;
    if (!param.requires_grad() || !param.has_grad()) continue;
    const Tensor grad = param.grad();
    if (grad.shape() != param.shape() || grad.dtype() != param.dtype()) {
      throw ShapeError(fmt::format("{}.step: gradient of '{}' is {} {} but the parameter is {} {}",
                                   name_, params_[i].first, shape_str(grad.shape()),
                                   dtype_name(grad.dtype()), shape_str(param.shape()),
                                   dtype_name(param.dtype())));
    }
    update(i, param, grad);
  }
}

void Optimizer::zero_grad() {
  for (auto& entry : params_) entry.second.zero_grad();
}

void Optimizer::set_lr(double lr) {
  check_rate(name_, "learning rate", lr);
  lr_ = lr;
}

bool Optimizer::has_slot(std::size_t index, const std::string& slot) const {
  return slots_.at(index).contains(slot);
}

Tensor& Optimizer::slot(std::size_t index, const std::string& slot, const Tensor& initial) {
  auto& slots = slots_.at(index);
  auto found = slots.find(slot);
  if (found == slots.end()) found = slots.emplace(slot, initial).first;
  return found->second;
}

Tensor& Optimizer::zeros_slot(std::size_t index, const std::string& slot, const Shape& shape,
                              DType dtype) {
  auto& slots = slots_.at(index);
  auto found = slots.find(slot);
  if (found == slots.end()) found = slots.emplace(slot, zeros(shape, dtype)).first;
  return found->second;
}

NamedTensors Optimizer::state() const {
  NamedTensors out;
  out.emplace_back("step", int_tensor({step_count_}, {}));
  out.emplace_back("lr", scalar(lr_, DType::f64));
  for (std::size_t i = 0; i < params_.size(); ++i) {
    for (const auto& [slot_name, buffer] : slots_[i]) {
      out.emplace_back(slot_name + "." + params_[i].first, buffer.clone());
    }
  }
  return out;
}

void Optimizer::load_state(const NamedTensors& state) {
  const std::vector<std::string> known_slots = slot_names();
  std::vector<std::map<std::string, Tensor>> new_slots(params_.size());
  std::int64_t new_step = -1;
  double new_lr = -1.0;
  std::vector<std::string> problems;

  for (const auto& [key, value] : state) {
    if (!value.defined()) {
      problems.push_back(fmt::format("'{}' is an undefined tensor", key));
      continue;
    }
    if (key == "step" || key == "lr") {
      if (value.numel() != 1) {
        problems.push_back(
            fmt::format("'{}' must hold one value, has shape {}", key, shape_str(value.shape())));
      } else if (key == "step" && value.dtype() != DType::i64) {
        problems.push_back(
            fmt::format("'step' must be an integer (I64), got {}", dtype_name(value.dtype())));
      } else if (key == "step") {
        new_step = static_cast<std::int64_t>(value.item());
      } else {
        new_lr = value.item();
      }
      continue;
    }
    // Every other key is "<slot>.<parameter name>".
    bool matched = false;
    for (const std::string& slot_name : known_slots) {
      const std::string prefix = slot_name + ".";
      if (!key.starts_with(prefix)) continue;
      const std::string param_name = key.substr(prefix.size());
      for (std::size_t i = 0; i < params_.size(); ++i) {
        if (params_[i].first != param_name) continue;
        matched = true;
        const Tensor& param = params_[i].second;
        // Buffers shaped like the parameter (momentum, moments) must match it and be floating;
        // 0-d integer counters are the only other kind.
        const bool counter = value.dim() == 0 && value.dtype() == DType::i64;
        if (!counter && value.shape() != param.shape()) {
          problems.push_back(fmt::format("'{}' has shape {} but parameter '{}' is {}", key,
                                         shape_str(value.shape()), param_name,
                                         shape_str(param.shape())));
        } else if (!counter && value.dtype() == DType::i64) {
          problems.push_back(fmt::format("'{}' must be floating (F32/F64), got I64", key));
        } else {
          const DType dtype = value.dtype() == DType::i64 ? DType::i64 : param.dtype();
          new_slots[i][slot_name] = value.dtype() == dtype ? value.clone() : value.to(dtype);
        }
      }
      if (matched) break;
    }
    if (!matched) {
      problems.push_back(
          fmt::format("unexpected key '{}' (not step, lr, or <slot>.<parameter> "
                      "with a known slot and parameter)",
                      key));
    }
  }
  if (new_step < 0) problems.emplace_back("missing or negative 'step'");
  if (new_lr < 0.0 || !std::isfinite(new_lr)) problems.emplace_back("missing or invalid 'lr'");

  if (!problems.empty()) {
    std::string message = fmt::format("{}.load_state: {} problem(s):", name_, problems.size());
    for (const std::string& problem : problems) message += "\n  " + problem;
    throw ValueError(message);
  }
  slots_ = std::move(new_slots);
  step_count_ = new_step;
  lr_ = new_lr;
}

}  // namespace knob::nn
