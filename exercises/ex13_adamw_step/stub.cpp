// ex13_adamw_step — YOUR VERSION.
#include <algorithm>
#include <cmath>

#include "autograd/error.h"
#include "exercises/common/todo.h"
#include "exercises/ex13_adamw_step/adamw_step.h"

namespace knob::exercises {

void adamw_step(const nn::NamedTensors& params, std::vector<AdamWState>& states,
                const AdamWOptions& options) {
  // 1. states.size() must equal params.size() (ValueError otherwise).
  // 2. For each parameter (name, p) at index i:
  //      skip it if !p.requires_grad() || !p.has_grad();   g = p.grad()
  //      on its first update: states[i].exp_avg = zeros_like(p), same for exp_avg_sq
  //      t = ++states[i].step            (each parameter counts its own updates)
  //      lambda = weight_decay, or 0 if name is in options.no_decay
  // 3. Element by element (dispatch_floating(p.dtype(), ..., [&]<class T>() { ... })):
  //      p = p * (1 - lr * lambda)                       decay first, from the old p
  //      m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
  //      p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
  // Common slips: a global t instead of the parameter's own; eps inside the square root;
  // adding lambda * p to g (that is Adam with L2, not AdamW).
  (void)params;
  (void)states;
  (void)options;
  todo("ex13_adamw_step", "moments, bias correction, decoupled decay, for every parameter");
}

}  // namespace knob::exercises
