/// @file
/// @brief nn::clip_grad_norm: rescale all gradients together when their global L2 norm is large.
#pragma once

#include <vector>

#include "autograd/tensor.h"
#include "nn/layers/module.h"

namespace knob::nn {

/// @brief The global L2 norm of the gradients, \f$\|g\| = \sqrt{\sum_p \sum_i g_{p,i}^2}\f$.
///
/// Parameters with no gradient (or that do not require grad) are skipped. The sum is taken in
/// double for both dtypes.
/// @param params the parameters whose `.grad()` to measure.
/// @return the norm (0 when no parameter has a gradient; inf or NaN if a gradient holds one).
double grad_norm(const NamedTensors& params);

/// @brief Clip the gradients' global L2 norm to `max_norm`, in place, as PyTorch's
/// `torch.nn.utils.clip_grad_norm_`.
///
/// \f[ c = \frac{\text{max\_norm}}{\|g\| + 10^{-6}}, \qquad
///     g \leftarrow g \cdot c \quad\text{if } c < 1 \f]
/// All gradients are scaled by the same factor, so the update direction is kept and only its
/// length shrinks. A non-finite norm makes c 0 or NaN, so the gradients become 0 or NaN just as
/// in PyTorch; check the returned value (`std::isfinite`) to detect a blow-up.
/// \code
/// backward(loss);
/// double norm = clip_grad_norm(model->trainable_parameters(), 1.0);
/// optimizer.step();
/// \endcode
/// @param params the parameters whose `.grad()` to clip (those without a gradient are skipped).
/// @param max_norm the largest allowed norm, ≥ 0.
/// @return the total norm \f$\|g\|\f$ *before* clipping.
/// @throws ValueError when max_norm is negative or NaN.
double clip_grad_norm(const NamedTensors& params, double max_norm);

/// @brief clip_grad_norm over unnamed tensors (e.g. `module.parameters()`).
/// @param params the parameters. @param max_norm the largest allowed norm, ≥ 0.
/// @return the total norm before clipping. @throws ValueError when max_norm < 0 or NaN.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

}  // namespace knob::nn
