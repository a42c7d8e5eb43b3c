// WRONG (not IA3): unfreezes the model and trains every parameter, vectors and base alike.
#include <cmath>
#include <string>
#include <utility>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex26_ia3_finetune_loop/ia3_finetune.h"
#include "nn/optim/adam.h"
#include "nn/optim/clip_grad.h"

namespace knob::exercises {

// Every parameter of the model, gradients switched back on.
nn::NamedTensors all_trainable(const nn::Transformer& model) {
  nn::NamedTensors params = model.named_parameters();
  for (auto& [name, tensor] : params) tensor.requires_grad_(true);
  return params;
}

struct Ia3Finetuner::State {
  State(std::shared_ptr<nn::Transformer> model_in, std::shared_ptr<ia3::Adapter> adapter_in,
        const Ia3FinetuneSettings& settings)
      : model(std::move(model_in)),
        adapter(std::move(adapter_in)),
        vectors(all_trainable(*model)),
        optimizer(vectors, settings.lr, {settings.beta1, settings.beta2}, settings.eps,
                  /*weight_decay=*/0.0),
        clip_norm(settings.clip_norm) {}

  std::shared_ptr<nn::Transformer> model;
  std::shared_ptr<ia3::Adapter> adapter;
  nn::NamedTensors vectors;  // handles sharing the adapter's trainable tensors
  nn::AdamW optimizer;       // made once: its moments carry over from step to step
  double clip_norm;
};

namespace {

// The checks of the constructor, before anything is built.
void check_setup(const std::shared_ptr<nn::Transformer>& model,
                 const std::shared_ptr<ia3::Adapter>& adapter,
                 const Ia3FinetuneSettings& settings) {
  if (!model || !adapter) throw ValueError("Ia3Finetuner: the model and the adapter are required");
  if (!std::isfinite(settings.lr) || settings.lr <= 0.0) {
    throw ValueError("Ia3Finetuner: lr must be positive and finite, got " +
                     std::to_string(settings.lr));
  }
  if (!std::isfinite(settings.clip_norm) || settings.clip_norm < 0.0) {
    throw ValueError("Ia3Finetuner: clip_norm must be >= 0 and finite, got " +
                     std::to_string(settings.clip_norm));
  }
}

}  // namespace

Ia3Finetuner::Ia3Finetuner(std::shared_ptr<nn::Transformer> model,
                           std::shared_ptr<ia3::Adapter> adapter,
                           const Ia3FinetuneSettings& settings) {
  check_setup(model, adapter, settings);
  state_ = std::make_unique<State>(std::move(model), std::move(adapter), settings);
}

Ia3Finetuner::~Ia3Finetuner() = default;

double Ia3Finetuner::step(const tasks::Batch& batch) {
  State& s = *state_;
  s.optimizer.zero_grad();  // only this batch's gradient
  // refresh, loss, backward, and for folded layers the gradients moved into their vectors.
  const Tensor loss =
      s.adapter->forward_backward([&] { return s.model->loss(batch.input_ids, batch.targets); });
  if (s.clip_norm > 0.0) nn::clip_grad_norm(s.vectors, s.clip_norm);
  s.optimizer.step();
  s.adapter->refresh();  // folded layers see the new vectors now
  return loss.item();
}

}  // namespace knob::exercises
