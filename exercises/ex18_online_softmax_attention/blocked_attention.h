/// @file
/// @brief Exercise ex18 (lesson 05): attention computed one block of keys at a time, with a
/// running softmax — how long sequences are attended to without keeping a row of scores whole.
#pragma once

#include <cstdint>

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief One head of scaled dot-product attention (ex10's output O = softmax(Q Kᵀ/√d_k + M) V,
/// with the same causal mask), computed by visiting the keys in blocks of `block` keys.
///
/// For each query the function keeps only a few running numbers per row — the largest score
/// seen so far, a running normaliser and a running weighted sum of value rows — and updates
/// them block after block; it never holds all S scores of a row (or all T·S scores) at once.
/// Derive how the running numbers must change when a new block brings a larger maximum, so
/// that the result is the softmax-weighted average exactly (up to rounding) whatever the block
/// size. The result must stay finite for scores in the thousands, where e^{score} overflows.
///
/// Write it with loops over `data<T>()` (f32 and f64; accumulating in double is fine). Do not
/// call knob::softmax, knob::attention_softmax, nn::MultiHeadAttention or anything that forms the
/// [T, S] matrix of scores.
/// @param q queries Q, shape [T, d_k]
/// @param k keys K, shape [S, d_k]
/// @param v values V, shape [S, E]
/// @param causal hide key j from query i when j > i
/// @param block how many keys one step visits, ≥ 1 (it need not divide S)
/// @return the output O, shape [T, E], in the dtype of q
/// @throws ShapeError as ex10 (q, k, v must be matrices with matching widths and key counts);
///         ValueError when block < 1
Tensor blocked_attention(const Tensor& q, const Tensor& k, const Tensor& v, bool causal,
                         std::int64_t block);

}  // namespace knob::exercises
