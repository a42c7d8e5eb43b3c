/// @file
/// @brief Elementwise functions of one tensor: exp, log, sqrt, tanh, sigmoid, relu, erf, gelu.
///
/// Backward rules are written with differentiable ops, so they can be differentiated again
/// (create_graph). Rules that need the op's output use SavedTensor::output (see tape.h for why).

#include <cmath>
#include <numbers>

#include "autograd/ops.h"
#include "autograd/ops/checks.h"
#include "autograd/ops/derivatives.h"

namespace knob {

using detail::map_unary;

Tensor exp(const Tensor& x) {
  Tensor y = map_unary(x, "exp", [](const auto& k) { return k.exp; });  // y = e^x
  return record("exp", y, {x}, [ys = SavedTensor::output(y)](const Tensor& g) {
    return TensorList{mul(g, ys.get())};  // d e^x/dx = e^x = y
  });
}

Tensor log(const Tensor& x) {
  Tensor y = map_unary(x, "log", [](const auto& k) { return k.log; });  // y = ln x
  return record("log", y, {x}, [x](const Tensor& g) {
    return TensorList{div(g, x)};  // d ln x/dx = 1/x
  });
}

Tensor sqrt(const Tensor& x) {
  Tensor y = map_unary(x, "sqrt", [](const auto& k) { return k.sqrt; });  // y = √x
  return record("sqrt", y, {x}, [ys = SavedTensor::output(y)](const Tensor& g) {
    return TensorList{div(g, mul_scalar(ys.get(), 2.0))};  // d√x/dx = 1/(2√x) = 1/(2y)
  });
}

Tensor tanh(const Tensor& x) {
  Tensor y = map_unary(x, "tanh", [](const auto& k) { return k.tanh; });  // y = tanh x
  return record("tanh", y, {x}, [ys = SavedTensor::output(y)](const Tensor& g) {
    Tensor t = ys.get();
    return TensorList{mul(g, add_scalar(neg(mul(t, t)), 1.0))};  // d tanh/dx = 1 - y²
  });
}

Tensor sigmoid(const Tensor& x) {
  Tensor y = map_unary(x, "sigmoid", [](const auto& k) { return k.sigmoid; });  // y = σ(x)
  return record("sigmoid", y, {x}, [ys = SavedTensor::output(y)](const Tensor& g) {
    Tensor s = ys.get();
    return TensorList{mul(g, mul(s, add_scalar(neg(s), 1.0)))};  // dσ/dx = σ(1 - σ)
  });
}

// ------------------------------------------------------------ activations and their slopes ----

Tensor detail::relu_derivative(const Tensor& x) {
  // [x > 0] as 0/1 of x's dtype, made by a plain loop, so it is a constant (not recorded).
  Tensor mask = empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), "relu", [&]<class T>() {
    const T* in = x.data<T>();
    T* out = mask.data<T>();
    for (std::int64_t i = 0; i < x.numel(); ++i) out[i] = in[i] > T(0) ? T(1) : T(0);
  });
  return mask;
}

Tensor relu(const Tensor& x) {
  Tensor y = map_unary(x, "relu", [](const auto& k) { return k.relu; });  // y = max(x, 0)
  return record("relu", y, {x}, [x](const Tensor& g) {
    return TensorList{mul(g, detail::relu_derivative(x))};  // d relu/dx = [x > 0]
  });
}

Tensor erf(const Tensor& x) {
  Tensor y = map_unary(x, "erf", [](const auto& k) { return k.erf; });  // y = erf x
  return record("erf", y, {x}, [x](const Tensor& g) {
    // d erf/dx = 2/√π · e^{-x²}
    const double two_over_sqrt_pi = 2.0 / std::sqrt(std::numbers::pi);
    return TensorList{mul(g, mul_scalar(exp(neg(mul(x, x))), two_over_sqrt_pi))};
  });
}

Tensor detail::gelu_derivative(const Tensor& x) {
  // d/dx [x Φ(x)] = Φ(x) + x φ(x), with Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^{-x²/2} / √(2π)
  const double inv_sqrt2 = 1.0 / std::numbers::sqrt2;
  const double inv_sqrt_2pi = 1.0 / std::sqrt(2.0 * std::numbers::pi);
  Tensor cdf = mul_scalar(add_scalar(erf(mul_scalar(x, inv_sqrt2)), 1.0), 0.5);
  Tensor pdf = mul_scalar(exp(mul_scalar(mul(x, x), -0.5)), inv_sqrt_2pi);
  return add(cdf, mul(x, pdf));
}

Tensor gelu(const Tensor& x) {
  Tensor y = map_unary(x, "gelu", [](const auto& k) { return k.gelu_erf; });  // y = x Φ(x)
  return record("gelu", y, {x},
                [x](const Tensor& g) { return TensorList{mul(g, detail::gelu_derivative(x))}; });
}

Tensor detail::gelu_tanh_derivative(const Tensor& x) {
  // y = ½ x (1 + tanh u), u = c (x + a x³), c = √(2/π), a = 0.044715
  // dy/dx = ½ (1 + tanh u) + ½ x (1 - tanh² u) · c (1 + 3 a x²)
  const double c = std::sqrt(2.0 / std::numbers::pi);
  const double a = 0.044715;
  Tensor x2 = mul(x, x);
  Tensor t = tanh(mul_scalar(add(x, mul_scalar(mul(x2, x), a)), c));
  Tensor left = mul_scalar(add_scalar(t, 1.0), 0.5);
  Tensor sech2 = add_scalar(neg(mul(t, t)), 1.0);
  Tensor du_dx = mul_scalar(add_scalar(mul_scalar(x2, 3.0 * a), 1.0), c);
  Tensor right = mul_scalar(mul(x, mul(sech2, du_dx)), 0.5);
  return add(left, right);
}

Tensor gelu_tanh(const Tensor& x) {
  Tensor y = map_unary(x, "gelu_tanh", [](const auto& k) { return k.gelu_tanh; });
  return record("gelu_tanh", y, {x}, [x](const Tensor& g) {
    return TensorList{mul(g, detail::gelu_tanh_derivative(x))};
  });
}

}  // namespace knob
