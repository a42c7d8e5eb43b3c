/// @file
/// @brief Exercise ex11 (lesson 08): attention with IA³'s learned rescaling of keys and values.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief One head of IA³ attention (Liu et al. 2022):
/// \f[ O = \mathrm{softmax}\!\left(\frac{Q\,(K \odot l_k)^\top}{\sqrt{d_k}} + M\right)
///         (V \odot l_v) \f]
/// where \f$ K \odot l_k \f$ multiplies column c of K (feature c of every key) by
/// \f$ (l_k)_c \f$, and \f$ V \odot l_v \f$ does the same to the values; M is the causal mask of
/// ex10 (\f$ -\infty \f$ where key j > query i) or 0.
///
/// With \f$ l_k = l_v = \mathbf 1 \f$ this is plain attention — which is why IA³ starts its
/// vectors at ones: the adapted model begins exactly as the pretrained one. \f$ l_k \f$ acts
/// inside the softmax (it reweights which features decide where to look); \f$ l_v \f$ only
/// rescales what is read. Only these two vectors train; the projections that made Q, K, V stay
/// frozen.
///
/// Use knob's forward ops (mul, matmul, matmul_nt, mul_scalar, masked_fill, softmax, ...). You
/// cannot call your ex10 solution here (each exercise builds on its own), so write the attention
/// again. Do not use ia3::IA3Attention or nn::MultiHeadAttention.
/// @param q queries Q, shape [T, d_k]
/// @param k keys K, shape [S, d_k]
/// @param v values V, shape [S, d_v]
/// @param l_k the key scale, shape [d_k]
/// @param l_v the value scale, shape [d_v]
/// @param causal hide key j from query i when j > i
/// @return O, shape [T, d_v], in the dtype of q
/// @throws ShapeError when q, k, v do not fit together (as in ex10), l_k is not [d_k] or l_v is
///         not [d_v]
Tensor ia3_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& l_k,
                     const Tensor& l_v, bool causal);

}  // namespace knob::exercises
