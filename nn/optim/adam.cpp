/// @file
/// @brief nn::Adam and nn::AdamW: the moment updates and bias corrections on raw buffers.
#include "nn/optim/adam.h"

#include <cmath>
#include <utility>

#include <fmt/format.h>

namespace knob::nn {

Adam::Adam(NamedTensors params, double lr, Betas betas, double eps, double weight_decay,
           const std::vector<std::string>& no_decay)
    : Adam(std::move(params), lr, betas, eps, weight_decay, no_decay, false, "Adam") {}

Adam::Adam(NamedTensors params, double lr, Betas betas, double eps, double weight_decay,
           const std::vector<std::string>& no_decay, bool decoupled, std::string optimizer_name)
    : Optimizer(std::move(params), lr, weight_decay, no_decay, std::move(optimizer_name)),
      betas_(betas),
      eps_(eps),
      decoupled_(decoupled) {
  for (const double beta : {betas.beta1, betas.beta2}) {
    if (!(beta >= 0.0 && beta < 1.0)) {
      throw ValueError(fmt::format("{}: betas must be in [0, 1), got ({}, {})", name(), betas.beta1,
                                   betas.beta2));
    }
  }
  if (!std::isfinite(eps) || eps < 0.0) {
    throw ValueError(fmt::format("{}: eps must be finite and >= 0, got {}", name(), eps));
  }
}

AdamW::AdamW(NamedTensors params, double lr, Betas betas, double eps, double weight_decay,
             const std::vector<std::string>& no_decay)
    : Adam(std::move(params), lr, betas, eps, weight_decay, no_decay, true, "AdamW") {}

void Adam::update(std::size_t index, Tensor& param, const Tensor& grad) {
  dispatch_floating(param.dtype(), name() + ".step",
                    [&]<class T>() { update_typed<T>(index, param, grad); });
}

template <class T>
void Adam::update_typed(std::size_t index, Tensor& param, const Tensor& grad) {
  const auto n = static_cast<std::size_t>(param.numel());
  T* p = param.data<T>();       // p: parameter, [n] flattened
  const T* g = grad.data<T>();  // g: its gradient, [n]
  T* m = zeros_slot(index, "exp_avg", param.shape(), param.dtype()).template data<T>();  // m: [n]
  T* v = zeros_slot(index, "exp_avg_sq", param.shape(), param.dtype()).template data<T>();  // v
  std::int64_t& t = zeros_slot(index, "step", {}, DType::i64).template data<std::int64_t>()[0];
  t += 1;

  // Scalars are computed in double (as Python does for PyTorch) and then rounded to T.
  const double lr = this->lr();
  const double lambda = decays(index) ? weight_decay() : 0.0;
  const double bias_correction1 = 1.0 - std::pow(betas_.beta1, static_cast<double>(t));
  const double bias_correction2 = 1.0 - std::pow(betas_.beta2, static_cast<double>(t));
  const T step_size = static_cast<T>(lr / bias_correction1);  // η / (1 − β₁ᵗ)
  const T bias_correction2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
  const T one_minus_beta1 = static_cast<T>(1.0 - betas_.beta1);
  const T beta2 = static_cast<T>(betas_.beta2);
  const T one_minus_beta2 = static_cast<T>(1.0 - betas_.beta2);
  const T eps = static_cast<T>(eps_);
  const T l2 = decoupled_ ? T(0) : static_cast<T>(lambda);                  // Adam: g + λp
  const T shrink = static_cast<T>(1.0 - lr * (decoupled_ ? lambda : 0.0));  // AdamW: 1 − ηλ

  for (std::size_t i = 0; i < n; ++i) {
    if (decoupled_ && lambda != 0.0) p[i] *= shrink;    // p ← p (1 − ηλ)
    const T gi = l2 != T(0) ? g[i] + l2 * p[i] : g[i];  // g ← g + λ p
    m[i] += one_minus_beta1 * (gi - m[i]);              // m ← m + (1 − β₁)(g − m)
    v[i] = v[i] * beta2 + one_minus_beta2 * gi * gi;    // v ← β₂ v + (1 − β₂) g²
    const T denom = std::sqrt(v[i]) / bias_correction2_sqrt + eps;  // √v / √(1 − β₂ᵗ) + ε
    p[i] += -step_size * m[i] / denom;  // p ← p − η/(1 − β₁ᵗ) · m / denom
  }
}

}  // namespace knob::nn
