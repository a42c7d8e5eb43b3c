/// @file
/// @brief Exercise ex10 (lesson 05): scaled dot-product attention for one head, with an optional
/// causal mask.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief What one attention head computes.
struct AttentionForward {
  Tensor output;   ///< \f$ O = A V \f$, shape [T, E]
  Tensor weights;  ///< \f$ A \f$, the attention probabilities, shape [T, S] (rows sum to 1)
};

/// @brief Scaled dot-product attention of T queries over S keys (one head, no batch axis).
///
/// \f[ A = \mathrm{softmax}\!\left(\frac{Q K^\top}{\sqrt{d_k}} + M\right),\qquad O = A\,V \f]
/// with the softmax over each row (over the keys), \f$ d_k \f$ the width of a query and a key,
/// and the mask M equal to 0 everywhere, or, when `causal`, \f$ -\infty \f$ where the key comes
/// after the query (\f$ M_{ij} = -\infty \f$ for \f$ j > i \f$): query i may only look at keys
/// 0..i. A masked score becomes \f$ e^{-\infty} = 0 \f$ in the softmax, so masked weights are
/// exactly 0 and each row still sums to 1.
///
/// Why \f$ \sqrt{d_k} \f$: for random q and k with unit variance, \f$ q \cdot k \f$ has variance
/// \f$ d_k \f$; dividing by \f$ \sqrt{d_k} \f$ keeps the scores near unit size, so the softmax
/// does not saturate as the head gets wider.
///
/// Use knob's forward ops (matmul, matmul_nt, mul_scalar, masked_fill, softmax, ...). Do not
/// use nn::MultiHeadAttention or knob::attention_softmax.
/// @param q queries Q, shape [T, d_k]
/// @param k keys K, shape [S, d_k]
/// @param v values V, shape [S, E]
/// @param causal hide key j from query i when j > i (self-attention in a decoder, S = T)
/// @return the output [T, E] and the weights [T, S], in the dtype of q
/// @throws ShapeError when q, k, v are not matrices, q and k differ in width, or k and v differ
///         in their number of rows
AttentionForward attention_forward(const Tensor& q, const Tensor& k, const Tensor& v, bool causal);

}  // namespace knob::exercises
