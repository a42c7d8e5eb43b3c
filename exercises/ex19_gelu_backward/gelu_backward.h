/// @file
/// @brief Exercise ex19 (lesson 06): the backward of erf and of the exact GELU, the activation
/// of the transformer's feed-forward network.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The backward of \f$ y = \mathrm{erf}(x) \f$, element by element:
/// \f$ \partial L/\partial x \f$ from x and \f$ g = \partial L/\partial y \f$.
///
/// \f$ \mathrm{erf}(x) = \frac{2}{\sqrt\pi} \int_0^x e^{-t^2}\,dt \f$.
/// @param x the input of the forward pass, any shape (f32 or f64)
/// @param g dL/dy, same shape and dtype as x
/// @return dL/dx, same shape and dtype
/// @throws ShapeError when x and g differ in shape or dtype
Tensor erf_backward(const Tensor& x, const Tensor& g);

/// @brief The backward of the exact GELU, \f$ y = x\,\Phi(x) \f$, where
/// \f$ \Phi(x) = \tfrac12\bigl(1 + \mathrm{erf}(x/\sqrt2)\bigr) \f$ is the cumulative distribution
/// function of the standard normal distribution (as knob::gelu and PyTorch's default GELU).
///
/// Derive it from the definition; it must be exact for every x, including large |x| where
/// \f$ \Phi \f$ is 0 or 1 in floating point. You may use knob's forward ops (erf, exp, mul, ...)
/// or loops with std::erf and std::exp; do not call knob::backward, knob::grad or
/// knob::gelu_tanh's formula (the tanh approximation is a different function).
/// @param x the input of the forward pass, any shape (f32 or f64)
/// @param g dL/dy, same shape and dtype as x
/// @return dL/dx, same shape and dtype
/// @throws ShapeError when x and g differ in shape or dtype
Tensor gelu_backward(const Tensor& x, const Tensor& g);

}  // namespace knob::exercises
