// WRONG (first step): the buffer starts at zero and takes the usual update, so
// the first update is dampened too.
#include <algorithm>

#include "autograd/error.h"
#include "exercises/ex17_sgd_momentum/sgd_step.h"

namespace knob::exercises {

namespace {

void check_options(const nn::NamedTensors& params, const std::vector<SgdState>& states,
                   const SgdOptions& options) {
  if (states.size() != params.size()) {
    throw ValueError("sgd_step: " + std::to_string(states.size()) + " states for " +
                     std::to_string(params.size()) + " parameters (one state per parameter)");
  }
  if (options.nesterov && (options.momentum <= 0.0 || options.dampening != 0.0)) {
    throw ValueError(
        "sgd_step: Nesterov momentum needs momentum > 0 and dampening 0, got "
        "momentum " +
        std::to_string(options.momentum) + " and dampening " + std::to_string(options.dampening));
  }
}

}  // namespace

void sgd_step(const nn::NamedTensors& params, std::vector<SgdState>& states,
              const SgdOptions& options) {
  check_options(params, states, options);
  for (std::size_t index = 0; index < params.size(); ++index) {
    const std::string& name = params[index].first;  // named variables, which a lambda
    const Tensor& param = params[index].second;     // can capture (clang 14)
    if (!param.requires_grad() || !param.has_grad()) continue;
    const Tensor grad = param.grad();
    const bool decays =
        std::find(options.no_decay.begin(), options.no_decay.end(), name) == options.no_decay.end();
    const double decay = decays ? options.weight_decay : 0.0;
    SgdState& state = states[index];
    const bool with_momentum = options.momentum != 0.0;
    const bool first_update = !state.momentum_buffer.defined();
    if (with_momentum && first_update) state.momentum_buffer = zeros_like(param);

    dispatch_floating(param.dtype(), "sgd_step", [&]<class T>() {
      T* p = param.data<T>();
      const T* g = grad.data<T>();
      T* b = with_momentum ? state.momentum_buffer.data<T>() : nullptr;
      for (std::int64_t i = 0; i < param.numel(); ++i) {
        const double d = static_cast<double>(g[i]) + decay * static_cast<double>(p[i]);
        double direction = d;
        if (with_momentum) {
          const double buffer = first_update ? (1.0 - options.dampening) * d
                                             : options.momentum * static_cast<double>(b[i]) +
                                                   (1.0 - options.dampening) * d;
          b[i] = static_cast<T>(buffer);
          direction = options.nesterov ? d + options.momentum * buffer : buffer;
        }
        p[i] = static_cast<T>(static_cast<double>(p[i]) - options.lr * direction);
      }
    });
  }
}

}  // namespace knob::exercises
