/// @file
/// @brief nn::Optimizer: parameter bookkeeping, step(), and state()/load_state().
#include "nn/optim/optimizer.h"

#include <algorithm>
#include <cmath>
#include <map>
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

// A state buffer as the optimizer will hold it: finite (a value of an F64 file beyond the range
// of an F32 parameter has become infinite), and not negative where the optimizer needs that.
void check_buffer(const std::string& key, const Tensor& buffer, bool non_negative,
                  std::vector<std::string>& problems) {
  if (buffer.dtype() == DType::i64) {
    const std::int64_t* values = buffer.data<std::int64_t>();
    if (std::any_of(values, values + buffer.numel(), [](std::int64_t v) { return v < 0; })) {
      problems.push_back(fmt::format("counter '{}' is negative", key));
    }
    return;
  }
  const std::vector<double> values = buffer.to_vector();
  const auto non_finite =
      std::count_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); });
  if (non_finite > 0) {
    problems.push_back(fmt::format("'{}' holds {} NaN or infinite value(s) as {}", key, non_finite,
                                   dtype_name(buffer.dtype())));
  } else if (non_negative &&
             std::any_of(values.begin(), values.end(), [](double v) { return v < 0.0; })) {
    problems.push_back(fmt::format("'{}' holds a negative value, which it never can", key));
  }
}

// A parameter's own step counter counts its updates, one at most per optimizer step.
void check_counters(const NamedTensors& params,
                    const std::vector<std::map<std::string, Tensor>>& slots, std::int64_t step,
                    std::vector<std::string>& problems) {
  for (std::size_t i = 0; i < slots.size(); ++i) {
    for (const auto& [slot_name, buffer] : slots[i]) {
      if (buffer.dtype() != DType::i64 || buffer.numel() != 1) continue;
      const std::int64_t count = buffer.data<std::int64_t>()[0];
      if (step >= 0 && count > step) {
        problems.push_back(fmt::format("counter '{}.{}' is {}, beyond the optimizer's step {}",
                                       slot_name, params[i].first, count, step));
      }
    }
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
        new_step = value.data<std::int64_t>()[0];  // exactly: a double holds 53 bits
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
        // A counter slot holds a 0-d integer; every other slot (momentum, moments) is a
        // floating buffer shaped like its parameter.
        const bool counter = counter_slot(slot_name);
        if (counter && (value.dim() != 0 || value.dtype() != DType::i64)) {
          problems.push_back(fmt::format("'{}' must be an I64 scalar (a counter), got {} {}", key,
                                         dtype_name(value.dtype()), shape_str(value.shape())));
        } else if (!counter && value.shape() != param.shape()) {
          problems.push_back(fmt::format("'{}' has shape {} but parameter '{}' is {}", key,
                                         shape_str(value.shape()), param_name,
                                         shape_str(param.shape())));
        } else if (!counter && value.dtype() == DType::i64) {
          problems.push_back(fmt::format("'{}' must be floating (F32/F64), got I64", key));
        } else {
          const DType dtype = value.dtype() == DType::i64 ? DType::i64 : param.dtype();
          Tensor buffer = value.dtype() == dtype ? value.clone() : value.to(dtype);
          check_buffer(key, buffer, non_negative_slot(slot_name), problems);
          new_slots[i][slot_name] = std::move(buffer);
        }
      }
      if (matched) break;
    }
    if (!matched) {
      const std::string shown =
          key.size() <= 64 ? key : fmt::format("{}... ({} bytes)", key.substr(0, 64), key.size());
      problems.push_back(
          fmt::format("unexpected key '{}' (not step, lr, or <slot>.<parameter> "
                      "with a known slot and parameter)",
                      shown));
    }
  }
  if (new_step < 0) problems.emplace_back("missing or negative 'step'");
  check_counters(params_, new_slots, new_step, problems);
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
