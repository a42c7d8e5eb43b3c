/// @file
/// @brief Exercise ex25 (lesson 10): take IA³ vectors back out of weights they were merged into,
/// when the original weights were not kept.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The weight and bias of a Linear layer.
struct LinearWeights {
  Tensor weight;  ///< shape [out, in]
  Tensor bias;    ///< shape [out]
};

/// @brief Recover a Linear layer's weights from a merge of an **output**-side vector (IA³'s
/// \f$ l_k \f$ on the key projection, \f$ l_v \f$ on the value projection).
///
/// The merged layer (exercise ex12) computes \f$ W' x + b' = l \odot (W x + b) \f$ for every x.
/// Given \f$ W' \f$, \f$ b' \f$ and \f$ l \f$, return W and b. This is what a tool must do when
/// it is handed a merged checkpoint and the adapter file, but not the base model (knob's
/// ia3::Adapter keeps the originals instead, and its unmerge() is exact).
///
/// Floating point: W and b cannot come back bit for bit in general; each recovered value must be
/// within a few units of the last place of the original (the grader allows 4).
///
/// Validate before computing: when an entry of l cannot be divided by — zero, NaN, infinite, or
/// smaller in magnitude than the smallest normal number of the dtype
/// (`std::numeric_limits<T>::min()`), where the merged values have lost W's digits — throw
/// knob::ValueError whose message names the first such entry as `l[i]` with its value, e.g.
/// `unmerge_output_scale: l[3] = 0 cannot be divided by`. Return new tensors; the arguments
/// must stay as they are.
/// @param merged_weight W', shape [out, in]
/// @param merged_bias b', shape [out]
/// @param l the output scale that was merged, shape [out]
/// @return W [out, in] and b [out], in the dtype of W'
/// @throws ShapeError when merged_weight is not 2-D, or merged_bias or l is not [out]
/// @throws ValueError when an entry of l cannot be divided by (see above)
LinearWeights unmerge_output_scale(const Tensor& merged_weight, const Tensor& merged_bias,
                                   const Tensor& l);

/// @brief Recover a Linear layer's weights from a merge of an **input**-side vector (IA³'s
/// \f$ l_{ff} \f$, which scales the input of the feed-forward block's down projection).
///
/// The merged layer computes \f$ W' x + b' = W (l \odot x) + b \f$ for every x. Same rules as
/// unmerge_output_scale (message `unmerge_input_scale: l[i] = ...`).
/// @param merged_weight W', shape [out, in]
/// @param merged_bias b', shape [out]
/// @param l the input scale that was merged, shape [in]
/// @return W [out, in] and b [out], in the dtype of W'
/// @throws ShapeError when merged_weight is not 2-D, merged_bias is not [out] or l is not [in]
/// @throws ValueError when an entry of l cannot be divided by
LinearWeights unmerge_input_scale(const Tensor& merged_weight, const Tensor& merged_bias,
                                  const Tensor& l);

}  // namespace knob::exercises
