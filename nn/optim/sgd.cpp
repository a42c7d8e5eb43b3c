/// @file
/// @brief nn::SGD: the momentum / Nesterov / L2 update on raw buffers.
#include "nn/optim/sgd.h"

#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "autograd/kernels/kernels.h"

namespace knob::nn {

SGD::SGD(NamedTensors params, double lr, double momentum, double weight_decay, bool nesterov,
         double dampening, const std::vector<std::string>& no_decay)
    : Optimizer(std::move(params), lr, weight_decay, no_decay, "SGD"),
      momentum_(momentum),
      dampening_(dampening),
      nesterov_(nesterov) {
  if (!std::isfinite(momentum) || momentum < 0.0) {
    throw ValueError(fmt::format("SGD: momentum must be finite and >= 0, got {}", momentum));
  }
  if (!(dampening >= 0.0 && dampening <= 1.0)) {
    throw ValueError(fmt::format("SGD: dampening must be in [0, 1], got {}", dampening));
  }
  if (nesterov && (momentum <= 0.0 || dampening != 0.0)) {
    throw ValueError(fmt::format(
        "SGD: Nesterov momentum needs momentum > 0 and dampening 0, got momentum {} and "
        "dampening {}",
        momentum, dampening));
  }
}

void SGD::update(std::size_t index, Tensor& param, const Tensor& grad) {
  dispatch_floating(param.dtype(), "SGD.step",
                    [&]<class T>() { update_typed<T>(index, param, grad); });
}

template <class T>
void SGD::update_typed(std::size_t index, Tensor& param, const Tensor& grad) {
  const auto n = static_cast<std::size_t>(param.numel());
  T* p = param.data<T>();       // p: parameter, [n] flattened
  const T* g = grad.data<T>();  // g: its gradient, [n]
  const T lr = static_cast<T>(this->lr());
  const T decay = decays(index) ? static_cast<T>(weight_decay()) : T(0);
  const T mu = static_cast<T>(momentum_);
  const T keep_new = static_cast<T>(1.0 - dampening_);  // 1 − τ

  if (mu == T(0)) {
    if (decay == T(0)) {
      kernels::active<T>().axpy(-lr, g, p, n);  // p ← p − η g
      return;
    }
    for (std::size_t i = 0; i < n; ++i) p[i] -= lr * (g[i] + decay * p[i]);
    return;
  }

  // With momentum: b lives in the slot "momentum_buffer"; on the first step it starts as d.
  const bool first_step = !has_slot(index, "momentum_buffer");
  T* buffer =
      zeros_slot(index, "momentum_buffer", param.shape(), param.dtype()).template data<T>();  // b
  for (std::size_t i = 0; i < n; ++i) {
    const T d = g[i] + decay * p[i];                             // d = g + λ p
    buffer[i] = first_step ? d : mu * buffer[i] + keep_new * d;  // b = μ b + (1 − τ) d
    const T direction = nesterov_ ? d + mu * buffer[i] : buffer[i];
    p[i] -= lr * direction;  // p = p − η d
  }
}

}  // namespace knob::nn
