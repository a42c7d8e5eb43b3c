/// @file
/// @brief Exercise ex06 (lesson 02): the backward of a (batched) matrix product.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The two gradients of Y = A B.
struct MatmulGrads {
  Tensor grad_a;  ///< dL/dA, shape of A
  Tensor grad_b;  ///< dL/dB, shape of B
};

/// @brief The backward of \f$ Y = A B \f$ over the last two axes (as knob::matmul): given
/// \f$ G = \partial L / \partial Y \f$, return \f$ \partial L / \partial A \f$ and
/// \f$ \partial L / \partial B \f$.
///
/// Start from one element, \f$ Y_{ij} = \sum_p A_{ip} B_{pj} \f$, and write the result as
/// matrix products. Shapes: A [..., M, K], B [..., K, N], G [..., M, N]. The leading (batch)
/// axes broadcast as in ex03 — e.g. A [S, M, K] times one shared B [K, N].
///
/// Use knob's forward ops (matmul, transpose, sum_to, ...); do not call knob::backward.
/// @param g dL/dY, shape [..., M, N]
/// @param a A, shape [..., M, K]
/// @param b B, shape [..., K, N]
/// @return grad_a with A's shape, grad_b with B's shape
MatmulGrads matmul_backward(const Tensor& g, const Tensor& a, const Tensor& b);

}  // namespace knob::exercises
