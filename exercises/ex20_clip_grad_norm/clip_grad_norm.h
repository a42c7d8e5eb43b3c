/// @file
/// @brief Exercise ex20 (lesson 07): gradient clipping by the global norm of all gradients.
#pragma once

#include "autograd/tensor.h"
#include "nn/layers/module.h"

namespace knob::exercises {

/// @brief Clip the gradients of `params` together, in place, as torch.nn.utils.clip_grad_norm_
/// and nn::clip_grad_norm do (lesson 07, section 1).
///
/// The norm is the L2 norm of all gradients together, as if they were one long vector, summed
/// in double whatever their dtype. Parameters that do not require grad or have no gradient are
/// left out. If the norm is too large, every gradient is multiplied by one and the same factor,
/// chosen so that the norm becomes max_norm — computed as PyTorch does, with \f$ 10^{-6} \f$
/// added to the norm where it divides, so that a zero norm cannot divide by zero, and applied
/// only when that factor is below 1. Otherwise nothing changes. A norm that is inf or NaN
/// scales the gradients by 0 or NaN, as PyTorch does (the caller sees the blow-up).
///
/// Write it with loops over `grad.data<T>()` (f32 and f64); do not call nn::clip_grad_norm or
/// nn::grad_norm.
/// @param params the parameters whose `.grad()` to clip
/// @param max_norm the largest allowed norm, ≥ 0
/// @return the norm before clipping (0 when no parameter has a gradient)
/// @throws ValueError when max_norm is negative or NaN
double clip_grad_norm(const nn::NamedTensors& params, double max_norm);

}  // namespace knob::exercises
