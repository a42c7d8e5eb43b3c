#include "nn/train/gradient_reference.h"

#include <map>
#include <string_view>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "nn/base/file_error.h"
#include "nn/io/model_dir.h"
#include "nn/io/safetensors.h"
#include "nn/io/weights_file.h"
#include "nn/layers/trace.h"

namespace knob::nn {

Trainable parse_trainable(const std::string& text) {
  if (text == "full") return Trainable::full;
  if (text == "ia3") return Trainable::ia3;
  throw ValueError(fmt::format("trainable: expected 'full' or 'ia3', got '{}'", text));
}

namespace {

/// The model's IA³ vectors (enabled first if need be) and their names and shapes.
NamedTensors ia3_vectors_of(Transformer& model, NamedShapes& shapes) {
  if (!model.ia3_enabled()) model.enable_ia3();
  NamedTensors own;
  for (auto& [name, t] : model.named_parameters()) {
    if (is_ia3_name(name)) {
      own.emplace_back(name, t);
      shapes.emplace_back(name, t.shape());
    }
  }
  return own;
}

}  // namespace

void apply_ia3_vectors(Transformer& model, const NamedTensors& vectors) {
  NamedShapes expected;
  const NamedTensors own = ia3_vectors_of(model, expected);
  // Module's all-at-once checking, on a state dict made of the IA³ vectors only.
  NamedShapes given;
  for (const auto& [name, v] : vectors) given.emplace_back(name, v.shape());
  if (const std::string problems = state_dict_problems(expected, given, /*strict=*/true);
      !problems.empty()) {
    throw ShapeError("IA3 vectors: " + problems);
  }
  std::map<std::string_view, const Tensor*> by_name;
  for (const auto& [name, v] : vectors) by_name[name] = &v;
  for (const auto& [name, t] : own) {
    const Tensor& v = *by_name.at(name);
    Tensor target = t;
    target.set_data(v.dtype() == t.dtype() ? v : v.to(t.dtype()));
  }
}

void load_ia3_vectors_file(Transformer& model, const std::string& path) {
  NamedShapes expected;
  (void)ia3_vectors_of(model, expected);
  // Names, shapes and dtypes are checked from the header, before any data is read.
  const SafetensorsFile adapter = read_weights_file(path, expected);
  try {
    apply_ia3_vectors(model, adapter.tensors);
  } catch (const Error& e) {
    throw FileError(fmt::format("{}: {}", path, e.what()));
  }
}

namespace {

// Set requires_grad as `mode` says (enabling IA³ first for Trainable::ia3).
void set_trainable(Transformer& model, Trainable mode) {
  if (mode == Trainable::ia3) {
    if (!model.ia3_enabled()) model.enable_ia3();
    model.freeze_all_but_ia3();
  } else {
    for (auto& [name, t] : model.named_parameters()) t.requires_grad_(!is_ia3_name(name));
  }
}

}  // namespace

NamedTensors gradient_reference(Transformer& model, const Tensor& ids, const Tensor& targets,
                                Trainable mode) {
  set_trainable(model, mode);
  model.zero_grad();
  Tensor logits = model.forward(ids);                  // [B,T,V]
  Tensor loss = cross_entropy(logits, targets, -100);  // mean over counted positions
  backward(loss);

  NamedTensors out = {{"loss", loss.detach()}, {"logits", logits.detach()}};
  for (auto& [name, t] : model.named_parameters()) {
    if (!t.requires_grad()) continue;
    out.emplace_back("grad." + name, t.has_grad() ? t.grad() : zeros_like(t));
  }
  model.zero_grad();
  return out;
}

GradientTrace gradient_trace(Transformer& model, const Tensor& ids, const Tensor& targets,
                             Trainable mode) {
  set_trainable(model, mode);
  model.zero_grad();
  NamedTensors trainable;
  for (auto& [name, t] : model.named_parameters()) {
    if (t.requires_grad()) trainable.emplace_back(name, t);
  }
  // Every parameter joins the graph while tracing, so that every activation has a gradient
  // (in IA³ mode the first ones would otherwise depend on nothing that trains).
  for (auto& [name, t] : model.named_parameters()) t.requires_grad_(true);
  NamedTensors activations;
  Tensor logits;
  Tensor loss;
  {
    ActivationTrace recording;
    logits = model.forward(ids);                  // [B,T,V]
    loss = cross_entropy(logits, targets, -100);  // mean over counted positions
    trace("loss", loss);
    activations = recording.tensors();
  }
  TensorList wrt;
  for (const auto& [name, t] : trainable) wrt.push_back(t);
  for (const auto& [name, t] : activations) wrt.push_back(t);
  const TensorList grads = grad({loss}, wrt);
  set_trainable(model, mode);

  GradientTrace out;
  out.tensors = {{"loss", loss.detach()}, {"logits", logits.detach()}};
  for (std::size_t i = 0; i < trainable.size(); ++i) {
    out.tensors.emplace_back("grad." + trainable[i].first, grads[i]);
    out.parameters.push_back(trainable[i].first);
  }
  for (std::size_t i = 0; i < activations.size(); ++i) {
    const std::string& name = activations[i].first;
    if (name != "loss" && name != "logits")
      out.tensors.emplace_back(name, activations[i].second.detach());
    out.tensors.emplace_back("grad." + name, grads[trainable.size() + i]);
    out.order.push_back(name);
  }
  return out;
}

}  // namespace knob::nn
