// WRONG (Adam with L2, not AdamW): adds weight_decay * p to the gradient instead
// of shrinking p directly.
#include <algorithm>
#include <cmath>

#include "autograd/error.h"
#include "exercises/ex13_adamw_step/adamw_step.h"

namespace knob::exercises {

void adamw_step(const nn::NamedTensors& params, std::vector<AdamWState>& states,
                const AdamWOptions& options) {
  if (states.size() != params.size()) {
    throw ValueError("adamw_step: " + std::to_string(states.size()) + " states for " +
                     std::to_string(params.size()) + " parameters (one state per parameter)");
  }
  for (std::size_t index = 0; index < params.size(); ++index) {
    const std::string& name = params[index].first;
    const Tensor& param = params[index].second;
    if (!param.requires_grad() || !param.has_grad()) continue;  // nothing to learn from
    const Tensor grad = param.grad();
    AdamWState& state = states[index];
    if (!state.exp_avg.defined()) {
      state.exp_avg = zeros_like(param);
      state.exp_avg_sq = zeros_like(param);
    }
    state.step += 1;

    const bool decays =
        std::find(options.no_decay.begin(), options.no_decay.end(), name) == options.no_decay.end();
    const auto t = static_cast<double>(state.step);
    const double bias_correction1 = 1.0 - std::pow(options.beta1, t);
    const double bias_correction2 = 1.0 - std::pow(options.beta2, t);

    dispatch_floating(param.dtype(), "adamw_step", [&]<class T>() {
      T* p = param.data<T>();
      const T* g = grad.data<T>();
      T* m = state.exp_avg.data<T>();
      T* v = state.exp_avg_sq.data<T>();
      for (std::int64_t i = 0; i < param.numel(); ++i) {
        const double gi = static_cast<double>(g[i]) +
                          (decays ? options.weight_decay : 0.0) * static_cast<double>(p[i]);
        const double mi = options.beta1 * static_cast<double>(m[i]) + (1.0 - options.beta1) * gi;
        const double vi =
            options.beta2 * static_cast<double>(v[i]) + (1.0 - options.beta2) * gi * gi;
        const double m_hat = mi / bias_correction1;
        const double v_hat = vi / bias_correction2;
        const double decayed = static_cast<double>(p[i]);
        p[i] = static_cast<T>(decayed - options.lr * m_hat / (std::sqrt(v_hat) + options.eps));
        m[i] = static_cast<T>(mi);
        v[i] = static_cast<T>(vi);
      }
    });
  }
}

}  // namespace knob::exercises
