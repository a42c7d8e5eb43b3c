/// @file
/// @brief Exercise ex24 (lesson 09): T-Few's unlikelihood loss and its gradient — pushing down
/// the probability of tokens a fine-tuned model must not produce.
#pragma once

#include <cstdint>

#include "autograd/tensor.h"

namespace knob::exercises {

/// @brief The loss and its gradient with respect to the logits.
struct UnlikelihoodResult {
  Tensor loss;  ///< L, a scalar (shape []) in the dtype of the logits
  Tensor grad;  ///< dL/dlogits, shape and dtype of the logits
};

/// @brief T-Few's unlikelihood loss (Liu et al. 2022) and its gradient, as knob::unlikelihood_loss.
///
/// Fine-tuning on multiple-choice examples with IA³, T-Few adds to the usual likelihood of the
/// right answer a term that pushes down the tokens of the wrong answers: at every counted
/// position p (target not ignore_index), with \f$ y_p \f$ the token that must NOT be produced
/// and \f$ \pi_p = \mathrm{softmax}(z_p)_{y_p} \f$ its probability,
/// \f[ L = -\frac{1}{|P|} \sum_{p \in P} \log(1 - \pi_p). \f]
/// L is small when every wrong token is improbable and grows without bound as one becomes
/// certain. Derive \f$ \partial L/\partial z \f$ yourself (0 on ignored positions).
///
/// Both results must be accurate when a wrong token is nearly certain (\f$ \pi \f$ within
/// \f$ 10^{-17} \f$ of 1, where \f$ 1 - \pi \f$ rounds to 0) and when it is nearly impossible.
/// Write it with loops over `data<T>()` or with knob's forward ops; do not call
/// knob::unlikelihood_loss, knob::tfew_loss, knob::backward or knob::grad.
/// @param logits z, shape [..., V] with V ≥ 2 (f32 or f64), e.g. [choices, tokens, V]
/// @param wrong_targets y, i64, shape [...] (logits without the last axis); ids in [0, V) or
///        ignore_index
/// @param ignore_index the target value of positions that are not counted
/// @return the loss and dL/dlogits
/// @throws DTypeError when the targets are not i64; ShapeError when their shape is not the
///         logits' without the last axis; ValueError for V < 2, a target outside [0, V), or when
///         every position is ignored
UnlikelihoodResult unlikelihood_loss_and_grad(const Tensor& logits, const Tensor& wrong_targets,
                                              std::int64_t ignore_index = -100);

}  // namespace knob::exercises
