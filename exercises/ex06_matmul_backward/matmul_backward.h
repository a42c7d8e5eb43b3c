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

/// @brief The backward of \f$ Y = A B \f$ over the last two axes.
///
/// From \f$ Y_{ij} = \sum_p A_{ip} B_{pj} \f$: \f$ \partial L/\partial A_{ip} = \sum_j G_{ij}
/// B_{pj} \f$ and \f$ \partial L/\partial B_{pj} = \sum_i A_{ip} G_{ij} \f$, i.e.
/// \f$ \bar A = G B^\top \f$ and \f$ \bar B = A^\top G \f$ (transposing the last two axes).
/// Shapes: A [..., M, K], B [..., K, N], G [..., M, N]. When the leading (batch) axes were
/// broadcast — e.g. A [S, M, K] times one shared B [K, N] — the shared input's gradient is summed
/// over the batch, as in ex03.
///
/// Use knob::matmul, knob::transpose and knob::sum_to (you wrote its twin in ex03).
/// @param g dL/dY, shape [..., M, N]
/// @param a A, shape [..., M, K]
/// @param b B, shape [..., K, N]
/// @return grad_a with A's shape, grad_b with B's shape
MatmulGrads matmul_backward(const Tensor& g, const Tensor& a, const Tensor& b);

}  // namespace knob::exercises
