#include "nn/gradient_reference.h"

#include <map>
#include <string_view>

#include <fmt/format.h>

#include "autograd/ops.h"
#include "nn/file_error.h"
#include "nn/model_dir.h"
#include "nn/safetensors.h"
#include "nn/weights_file.h"

namespace knob::nn {

Trainable parse_trainable(const std::string& text) {
  if (text == "full") return Trainable::full;
  if (text == "ia3") return Trainable::ia3;
  throw ValueError(fmt::format("trainable: expected 'full' or 'ia3', got '{}'", text));
}

void apply_ia3_vectors(Transformer& model, const NamedTensors& vectors) {
  if (!model.ia3_enabled()) model.enable_ia3();
  NamedTensors own;
  NamedShapes expected;
  for (auto& [name, t] : model.named_parameters()) {
    if (is_ia3_name(name)) {
      own.emplace_back(name, t);
      expected.emplace_back(name, t.shape());
    }
  }
  // Module's all-at-once checking, on a state dict made of the IA³ vectors only.
  try {
    check_state_dict(expected, vectors, /*strict=*/true);
  } catch (const ShapeError& e) {
    std::string message = e.what();
    message.replace(0, std::string_view("load_state_dict").size(), "IA3 vectors");
    throw ShapeError(message);
  }
  std::map<std::string_view, const Tensor*> given;
  for (const auto& [name, v] : vectors) given[name] = &v;
  for (auto& [name, t] : own) {
    const Tensor& v = *given.at(name);
    Tensor target = t;
    target.set_data(v.dtype() == t.dtype() ? v : v.to(t.dtype()));
  }
}

void load_ia3_vectors_file(Transformer& model, const std::string& path) {
  const SafetensorsFile adapter = read_weights_file(path);
  try {
    apply_ia3_vectors(model, adapter.tensors);
  } catch (const Error& e) {
    throw FileError(fmt::format("{}: {}", path, e.what()));
  }
}

NamedTensors gradient_reference(Transformer& model, const Tensor& ids, const Tensor& targets,
                                Trainable mode) {
  if (mode == Trainable::ia3) {
    if (!model.ia3_enabled()) model.enable_ia3();
    model.freeze_all_but_ia3();
  } else {
    for (auto& [name, t] : model.named_parameters()) t.requires_grad_(!is_ia3_name(name));
  }
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

}  // namespace knob::nn
