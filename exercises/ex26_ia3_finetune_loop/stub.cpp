// ex26_ia3_finetune_loop — YOUR VERSION.
#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/common/todo.h"
#include "exercises/ex26_ia3_finetune_loop/ia3_finetune.h"
#include "nn/optim/adam.h"
#include "nn/optim/clip_grad.h"

namespace knob::exercises {

// What the fine-tuner keeps from one step to the next: add your members.
struct Ia3Finetuner::State {};

Ia3Finetuner::Ia3Finetuner(std::shared_ptr<nn::Transformer> model,
                           std::shared_ptr<ia3::Adapter> adapter,
                           const Ia3FinetuneSettings& settings)
    : state_(std::make_unique<State>()) {
  (void)model;
  (void)adapter;
  (void)settings;
}

Ia3Finetuner::~Ia3Finetuner() = default;

double Ia3Finetuner::step(const tasks::Batch& batch) {
  (void)batch;
  todo("ex26_ia3_finetune_loop", "step: one AdamW update of the IA3 vectors on this batch");
}

}  // namespace knob::exercises
