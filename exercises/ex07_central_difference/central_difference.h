/// @file
/// @brief Exercise ex07 (lesson 03): a gradient by central differences — the heart of gradcheck.
#pragma once

#include <functional>

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief A scalar function of one tensor, e.g. `[](const Tensor& x) { return sum(tanh(x)).item();
/// }`.
using ScalarFunction = std::function<double(const Tensor&)>;

/// @brief \f$ \nabla f(x) \f$ estimated element by element with central differences:
/// \f$ \partial f/\partial x_e \approx \dfrac{f(x + \epsilon\,e) - f(x - \epsilon\,e)}{2\epsilon}
/// \f$, where \f$ e \f$ is the unit vector of element e.
///
/// The error of the central difference is \f$ O(\epsilon^2) \f$ (the \f$ \epsilon^2 \f$ terms
/// of the two Taylor expansions cancel), against \f$ O(\epsilon) \f$ for the one-sided
/// \f$ (f(x+\epsilon e) - f(x))/\epsilon \f$. Nudge one element at a time, in place through
/// `x.data<double>()`; when the call returns, x must hold exactly the values it had before.
/// @param f the function; it reads x's current values
/// @param x the point, dtype f64, any shape (it is changed during the call and restored)
/// @param eps the step \f$ \epsilon \f$
/// @return the estimated gradient, shape of x, dtype f64
/// @throws DTypeError if x is not f64 (float32 is far too coarse for finite differences)
Tensor central_difference_gradient(const ScalarFunction& f, const Tensor& x, double eps = 1e-6);

}  // namespace knob::exercises
