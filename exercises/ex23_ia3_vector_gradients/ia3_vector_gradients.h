/// @file
/// @brief Exercise ex23 (lesson 08): the gradients of IA³'s key and value vectors, derived by
/// hand through one attention head.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The gradients of the two IA³ vectors of one head.
struct VectorGradients {
  Tensor l_k;  ///< dL/dl_k, shape [d_k]
  Tensor l_v;  ///< dL/dl_v, shape [d_v]
};

/// @brief dL/dl_k and dL/dl_v for one head of IA³ attention (ex11):
/// \f[ O = \mathrm{softmax}\!\left(\frac{Q\,(K \odot l_k)^\top}{\sqrt{d_k}} + M\right)
///         (V \odot l_v), \f]
/// given \f$ G = \partial L/\partial O \f$. M is the causal mask (−∞ where key j > query i)
/// or 0.
///
/// Lesson 08, section 3, lists the steps backwards through the head; the last step of each
/// path — from the gradient of the scaled keys (or values) to the vector — is yours to derive.
/// Use knob's forward ops (mul, matmul, matmul_nt, matmul_tn, softmax, sum, masked_fill, ...);
/// do not call knob::backward, knob::grad or ia3::IA3Attention.
/// @param q queries [T, d_k]
/// @param k keys [S, d_k]
/// @param v values [S, d_v]
/// @param l_k the key scale [d_k]
/// @param l_v the value scale [d_v]
/// @param causal hide key j from query i when j > i
/// @param g dL/dO, [T, d_v]
/// @return the two gradients, in the dtype of q
/// @throws ShapeError when the shapes do not fit together (as ex11, and g must be [T, d_v])
VectorGradients ia3_vector_gradients(const Tensor& q, const Tensor& k, const Tensor& v,
                                     const Tensor& l_k, const Tensor& l_v, bool causal,
                                     const Tensor& g);

}  // namespace knob::exercises
