/// @file
/// @brief Exercise ex12 (lesson 10): fold IA³ vectors into the weights of the Linear layers they
/// scale, so the adapted model runs at the cost of the base model.
#pragma once

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The weight and bias of a Linear layer after merging a vector into it.
struct MergedLinear {
  Tensor weight;  ///< \f$ W' \f$, shape [out, in]
  Tensor bias;    ///< \f$ b' \f$, shape [out]
};

/// @brief Merge a vector that scales a Linear layer's **output** (IA³'s \f$ l_k \f$ on the key
/// projection, \f$ l_v \f$ on the value projection).
///
/// The layer computes \f$ y = W x + b \f$ (knob and PyTorch store W as [out, in]); IA³ turns it
/// into \f$ l \odot y \f$. Find \f$ W' \f$ and \f$ b' \f$ with
/// \f$ W' x + b' = l \odot (W x + b) \f$ for every x.
///
/// Use knob's forward ops or loops. Return new tensors: the inputs must stay as they are (an
/// adapter keeps the originals to unmerge exactly).
/// @param weight W, shape [out, in]
/// @param bias b, shape [out]
/// @param l the output scale, shape [out]
/// @return W' [out, in] and b' [out], in the dtype of W
/// @throws ShapeError when bias or l is not [out]
MergedLinear merge_output_scale(const Tensor& weight, const Tensor& bias, const Tensor& l);

/// @brief Merge a vector that scales a Linear layer's **input** (IA³'s \f$ l_{ff} \f$: it scales
/// the hidden activation of the feed-forward block, which is the input of the down projection).
///
/// IA³ turns \f$ y = W x + b \f$ into \f$ y = W (l \odot x) + b \f$. Find \f$ W' \f$ and
/// \f$ b' \f$ with \f$ W' x + b' = W (l \odot x) + b \f$ for every x. Same rules as
/// merge_output_scale.
/// @param weight W, shape [out, in]
/// @param bias b, shape [out]
/// @param l the input scale, shape [in]
/// @return W' [out, in] and b' [out] (new tensors), in the dtype of W
/// @throws ShapeError when bias is not [out] or l is not [in]
MergedLinear merge_input_scale(const Tensor& weight, const Tensor& bias, const Tensor& l);

}  // namespace knob::exercises
