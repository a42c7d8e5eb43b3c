/// @file
/// @brief Exercise ex15 (lesson 03): the two Jacobians that gradcheck compares — one from the
/// tape, one from central differences.
#pragma once

#include <functional>

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief A function of one tensor written with knob's ops, e.g.
/// `[](const Tensor& x) { return tanh(x); }`. Its output may have any shape.
using TensorFunction = std::function<Tensor(const Tensor&)>;

/// @brief The Jacobian of f at x from the tape (lesson 03, section 1):
/// \f$ J_{je} = \partial y_j / \partial x_e \f$ with y = f(x), both flattened in row-major order.
///
/// You may call knob::backward or knob::grad (that is the tool here); do not use knob's gradcheck.
/// @param f the function
/// @param x the point, dtype f64, any shape; it must be left as it was (values, requires_grad,
///        grad)
/// @return J, shape [numel(y), numel(x)], dtype f64
/// @throws DTypeError if x is not f64
Tensor jacobian_by_backward(const TensorFunction& f, const Tensor& x);

/// @brief The same Jacobian estimated by central differences with step eps: the difference
/// quotient of y between \f$ x \pm \epsilon \f$ along one element of x at a time.
/// @param f the function (evaluated with recording off is fine)
/// @param x the point, dtype f64, any shape; it must be left exactly as it was
/// @param eps the step
/// @return J, shape [numel(y), numel(x)], dtype f64
/// @throws DTypeError if x is not f64
Tensor jacobian_by_differences(const TensorFunction& f, const Tensor& x, double eps = 1e-6);

}  // namespace knob::exercises
