/// @file
/// @brief nn::grad_norm and nn::clip_grad_norm.
#include "nn/optim/clip_grad.h"

#include <cmath>

#include <fmt/format.h>

#include "autograd/error.h"
#include "autograd/kernels/kernels.h"
#include "autograd/tape.h"

namespace knob::nn {

namespace {

bool has_usable_grad(const Tensor& param) {
  return param.defined() && param.requires_grad() && param.has_grad();
}

double grad_norm_of(const std::vector<Tensor>& params) {
  double sum_of_squares = 0.0;
  for (const Tensor& param : params) {
    if (!has_usable_grad(param)) continue;
    const Tensor grad = param.grad();
    const auto n = static_cast<std::size_t>(grad.numel());
    dispatch_floating(grad.dtype(), "grad_norm", [&]<class T>() {
      const T* g = grad.data<T>();  // g: [n] flattened
      for (std::size_t i = 0; i < n; ++i) {
        const double value = static_cast<double>(g[i]);
        sum_of_squares += value * value;
      }
    });
  }
  return std::sqrt(sum_of_squares);
}

std::vector<Tensor> tensors_of(const NamedTensors& params) {
  std::vector<Tensor> out;
  out.reserve(params.size());
  for (const auto& entry : params) out.push_back(entry.second);
  return out;
}

}  // namespace

double grad_norm(const NamedTensors& params) { return grad_norm_of(tensors_of(params)); }

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  if (!(max_norm >= 0.0)) {
    throw ValueError(fmt::format("clip_grad_norm: max_norm must be >= 0, got {}", max_norm));
  }
  const double total_norm = grad_norm_of(params);
  const double coefficient = max_norm / (total_norm + 1e-6);
  if (coefficient < 1.0 || std::isnan(coefficient)) {
    NoGradGuard no_grad;
    for (const Tensor& param : params) {
      if (!has_usable_grad(param)) continue;
      Tensor grad = param.grad();
      const auto n = static_cast<std::size_t>(grad.numel());
      dispatch_floating(grad.dtype(), "clip_grad_norm", [&]<class T>() {
        T* g = grad.data<T>();
        kernels::active<T>().mul_scalar(g, static_cast<T>(coefficient), g, n);  // g ← c g
      });
    }
  }
  return total_norm;
}

double clip_grad_norm(const NamedTensors& params, double max_norm) {
  return clip_grad_norm(tensors_of(params), max_norm);
}

}  // namespace knob::nn
