// ex19_gelu_backward — the reference solution, with loops over the elements in double.
#include <cmath>
#include <numbers>

#include "autograd/error.h"
#include "autograd/ops.h"
#include "exercises/ex19_gelu_backward/gelu_backward.h"

namespace knob::exercises {

namespace {

void check_pair(const Tensor& x, const Tensor& g, const char* function) {
  if (x.shape() != g.shape() || x.dtype() != g.dtype()) {
    throw ShapeError(std::string(function) + ": x " + shape_str(x.shape()) + " and g " +
                     shape_str(g.shape()) + " must have the same shape and dtype");
  }
}

// out_i = g_i * derivative(x_i), for f32 and f64.
template <class Derivative>
Tensor times_derivative(const Tensor& x, const Tensor& g, Derivative derivative) {
  Tensor out = zeros_like(x);
  dispatch_floating(x.dtype(), "times_derivative", [&]<class T>() {
    const T* in = x.data<T>();
    const T* upstream = g.data<T>();
    T* result = out.data<T>();
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      result[i] =
          static_cast<T>(static_cast<double>(upstream[i]) * derivative(static_cast<double>(in[i])));
    }
  });
  return out;
}

}  // namespace

Tensor erf_backward(const Tensor& x, const Tensor& g) {
  check_pair(x, g, "erf_backward");
  // d erf(x)/dx = (2/√π) e^{-x²}
  return times_derivative(
      x, g, [](double v) { return 2.0 * std::numbers::inv_sqrtpi * std::exp(-v * v); });
}

Tensor gelu_backward(const Tensor& x, const Tensor& g) {
  check_pair(x, g, "gelu_backward");
  // d(x Φ(x))/dx = Φ(x) + x φ(x), φ(x) = e^{-x²/2} / √(2π) the normal density.
  return times_derivative(x, g, [](double v) {
    const double cdf = 0.5 * (1.0 + std::erf(v * std::numbers::sqrt2 / 2.0));
    const double density = std::exp(-0.5 * v * v) * std::numbers::inv_sqrtpi / std::numbers::sqrt2;
    return cdf + v * density;
  });
}

}  // namespace knob::exercises
