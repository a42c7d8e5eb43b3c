#include "ia3/adapter_bank.h"

#include <fmt/format.h>

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "ia3/model_map.h"

namespace knob::ia3 {

namespace {

// Puts the model's vectors back however forward_mixed() leaves (return or exception).
class RestoreVectors {
 public:
  explicit RestoreVectors(const nn::NamedTensors& vectors) : vectors_(vectors) {
    for (const auto& [_, t] : vectors_) saved_.push_back(t.clone());
  }
  ~RestoreVectors() {
    for (std::size_t i = 0; i < vectors_.size(); ++i) {
      Tensor target = vectors_[i].second;
      target.set_data(saved_[i]);
    }
  }
  RestoreVectors(const RestoreVectors&) = delete;
  RestoreVectors& operator=(const RestoreVectors&) = delete;

 private:
  const nn::NamedTensors& vectors_;
  std::vector<Tensor> saved_;
};

}  // namespace

AdapterBank::AdapterBank(std::shared_ptr<nn::Transformer> model) : model_(std::move(model)) {
  if (!model_) throw ValueError("AdapterBank: the model is null");
  add_vectors(*model_);
  model_vectors_ = ia3::vectors_of(*model_);
  select("");
}

void AdapterBank::add(const std::string& name, const nn::NamedTensors& vectors) {
  if (name.empty()) throw ValueError("AdapterBank: an adapter needs a non-empty name");
  std::map<std::string, Tensor> given(vectors.begin(), vectors.end());
  std::vector<std::string> problems;
  nn::NamedTensors copy;
  for (const auto& [vname, t] : model_vectors_) {
    auto it = given.find(vname);
    if (it == given.end()) {
      problems.push_back("missing " + vname);
    } else if (it->second.shape() != t.shape()) {
      problems.push_back(fmt::format("{} must be {}, got {}", vname, shape_str(t.shape()),
                                     shape_str(it->second.shape())));
    } else {
      copy.emplace_back(vname, it->second.to(t.dtype()));
    }
    given.erase(vname);
  }
  for (const auto& [vname, _] : given) problems.push_back("unexpected " + vname);
  if (!problems.empty()) {
    throw ShapeError(fmt::format("AdapterBank: adapter '{}': {}", name, fmt::join(problems, "; ")));
  }
  adapters_[name] = std::move(copy);
  if (selected_ == name) select(name);
}

void AdapterBank::remove(const std::string& name) {
  if (!contains(name)) throw ValueError(fmt::format("AdapterBank: no adapter named '{}'", name));
  adapters_.erase(name);
  if (selected_ == name) select("");
}

std::vector<std::string> AdapterBank::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : adapters_) out.push_back(name);
  return out;
}

const nn::NamedTensors& AdapterBank::vectors_of(const std::string& name) const {
  auto it = adapters_.find(name);
  if (it == adapters_.end()) {
    throw ValueError(fmt::format("AdapterBank: no adapter named '{}' (have: {})", name,
                                 fmt::join(names(), ", ")));
  }
  return it->second;
}

void AdapterBank::select(const std::string& name) {
  NoGradGuard no_grad;
  const nn::NamedTensors* chosen = name.empty() ? nullptr : &vectors_of(name);
  for (std::size_t i = 0; i < model_vectors_.size(); ++i) {
    Tensor target = model_vectors_[i].second;
    const bool trainable = target.requires_grad();
    target.set_data(chosen ? (*chosen)[i].second : ones_like(target));
    target.requires_grad_(trainable);
  }
  selected_ = name;
}

Tensor AdapterBank::forward_mixed(const Tensor& ids,
                                  const std::vector<std::string>& per_row) const {
  if (!ids.defined() || ids.dim() != 2 ||
      static_cast<std::int64_t>(per_row.size()) != ids.size(0)) {
    throw ValueError(
        fmt::format("AdapterBank::forward_mixed: need one adapter name per row of ids "
                    "{}, got {} names",
                    ids.defined() ? shape_str(ids.shape()) : "(undefined)", per_row.size()));
  }
  for (const std::string& name : per_row) {
    if (!name.empty()) (void)vectors_of(name);  // unknown names fail before anything changes
  }
  NoGradGuard no_grad;
  RestoreVectors restore(model_vectors_);
  for (std::size_t i = 0; i < model_vectors_.size(); ++i) {
    Tensor target = model_vectors_[i].second;
    const std::int64_t N = target.size(-1);
    // Row b of the stack is row b's adapter vector (ones without one): [B, 1, N].
    TensorList rows;
    for (const std::string& name : per_row) {
      rows.push_back(name.empty() ? ones({1, 1, N}, target.dtype())
                                  : reshape(vectors_of(name)[i].second, {1, 1, N}));
    }
    target.set_data(concat(rows, 0));  // the model's l now has shape [B, 1, N]: it broadcasts
  }
  return model_->forward(ids);
}

}  // namespace knob::ia3
