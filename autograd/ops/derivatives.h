/// @file
/// @brief The derivatives of the activations as differentiable expressions, shared by the
/// activation ops' own backward rules (unary.cpp) and the fused bias_activation op (fused.cpp).
/// Internal to the ops; not part of the public API.
#pragma once

#include "autograd/tensor.h"

namespace knob::detail {

/// @brief \f$ \mathrm{relu}'(x) = [x > 0] \f$ as a 0/1 constant of x's dtype (not recorded, so
/// relu's second derivative is 0).
/// @param x the pre-activation. @return a tensor of x's shape.
Tensor relu_derivative(const Tensor& x);

/// @brief \f$ \mathrm{gelu}'(x) = \Phi(x) + x\,\varphi(x) \f$, with \f$ \Phi(x) = \tfrac12(1 +
/// \mathrm{erf}(x/\sqrt2)) \f$ and \f$ \varphi(x) = e^{-x^2/2}/\sqrt{2\pi} \f$ (recorded, so it
/// can be differentiated again).
/// @param x the pre-activation. @return a tensor of x's shape.
Tensor gelu_derivative(const Tensor& x);

/// @brief The derivative of the tanh form \f$ y = \tfrac12 x (1 + \tanh u) \f$,
/// \f$ u = c (x + a x^3) \f$, \f$ c = \sqrt{2/\pi} \f$, \f$ a = 0.044715 \f$:
/// \f$ y' = \tfrac12 (1 + \tanh u) + \tfrac12 x (1 - \tanh^2 u)\, c\, (1 + 3 a x^2) \f$.
/// @param x the pre-activation. @return a tensor of x's shape (recorded).
Tensor gelu_tanh_derivative(const Tensor& x);

}  // namespace knob::detail
