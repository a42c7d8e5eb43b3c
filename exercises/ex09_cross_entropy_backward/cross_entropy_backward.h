/// @file
/// @brief Exercise ex09 (lesson 07): the gradient of the mean cross-entropy with respect to the
/// logits, skipping the positions whose target is ignore_index.
#pragma once

#include <cstdint>

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief \f$ \partial L / \partial z \f$ for \f$ L = \mathrm{cross\_entropy}(z, t) \f$ (as
/// knob::cross_entropy), the gradient that starts every backward pass of a language model.
///
/// The loss is a mean over the counted positions P (those whose target is not `ignore_index`):
/// \f[ L = \frac{1}{|P|} \sum_{p \in P} -\log \mathrm{softmax}(z_p)_{t_p}. \f]
/// Lesson 04, section 3, differentiates one term of this sum; here some positions are not
/// counted at all. When every position is ignored the loss is NaN (0/0), but there is nothing
/// to learn from: return zeros.
/// Compute the softmax stably (subtract each row's maximum, or use knob::softmax): logits of
/// several hundred overflow \f$ e^z \f$ in double.
///
/// You may use knob's forward ops (softmax, sub, mul_scalar, ...) or write loops over
/// `data<T>()`; do not call knob::cross_entropy, knob::backward or knob::grad.
/// @param logits z, shape [..., V] (f32 or f64)
/// @param targets t, i64, shape [...] (logits without the last axis); values in [0, V) or
///        ignore_index
/// @param ignore_index the target value that marks a position to skip (PyTorch's -100)
/// @return dL/dz, shape and dtype of logits
/// @throws ShapeError when targets' shape is not logits' without the last axis;
///         ValueError naming the first target outside [0, V) that is not ignore_index
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& targets,
                              std::int64_t ignore_index = -100);

}  // namespace knob::exercises
