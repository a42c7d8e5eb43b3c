// WRONG (missing condition): rescales the gradients to max_norm even when their
// norm is already smaller, which blows small gradients up.
#include <cmath>

#include "autograd/error.h"
#include "exercises/ex20_clip_grad_norm/clip_grad_norm.h"

namespace knob::exercises {

namespace {

bool has_gradient(const Tensor& param) { return param.requires_grad() && param.has_grad(); }

}  // namespace

double clip_grad_norm(const nn::NamedTensors& params, double max_norm) {
  if (!(max_norm >= 0.0)) {
    throw ValueError("clip_grad_norm: max_norm must be >= 0, got " + std::to_string(max_norm));
  }
  double sum_of_squares = 0.0;  // over every element of every gradient, in double
  for (const auto& [name, param] : params) {
    if (!has_gradient(param)) continue;
    const Tensor grad = param.grad();
    dispatch_floating(grad.dtype(), "clip_grad_norm", [&]<class T>() {
      const T* g = grad.data<T>();
      for (std::int64_t i = 0; i < grad.numel(); ++i) {
        sum_of_squares += static_cast<double>(g[i]) * static_cast<double>(g[i]);
      }
    });
  }
  const double norm = std::sqrt(sum_of_squares);
  const double factor = max_norm / (norm + 1e-6);
  {
    for (const auto& [name, param] : params) {
      if (!has_gradient(param)) continue;
      Tensor grad = param.grad();
      dispatch_floating(grad.dtype(), "clip_grad_norm", [&]<class T>() {
        T* g = grad.data<T>();
        for (std::int64_t i = 0; i < grad.numel(); ++i) g[i] = static_cast<T>(g[i] * factor);
      });
    }
  }
  return norm;
}

}  // namespace knob::exercises
