#include "nn/train/gradient_reference.h"

#include <fmt/format.h>

#include "autograd/ops.h"
#include "nn/layers/trace.h"

namespace knob::nn {

NamedTensors gradient_reference(Transformer& model, const Tensor& ids, const Tensor& targets) {
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

GradientTrace gradient_trace(Transformer& model, const Tensor& ids, const Tensor& targets) {
  model.zero_grad();
  NamedTensors trainable;
  NamedTensors frozen;
  for (auto& [name, t] : model.named_parameters()) {
    (t.requires_grad() ? trainable : frozen).emplace_back(name, t);
  }
  // Every parameter joins the graph while tracing, so that every activation has a gradient
  // (with only a few parameters training, the first activations would otherwise depend on
  // nothing that trains).
  for (auto& [name, t] : frozen) t.requires_grad_(true);
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
  for (auto& [name, t] : frozen) t.requires_grad_(false);  // the flags as they were

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
