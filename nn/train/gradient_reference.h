/// @file
/// @brief One forward and backward pass of docs/spec.md §1, packaged as the gradient file of
/// docs/spec.md §4:
/// `loss`, `logits` and `grad.<name>` for every trainable parameter. `knob grads` writes it;
/// students compare their own implementation with it.
#pragma once

#include "nn/layers/transformer.h"

namespace knob::nn {

/// @brief Run the model on (ids, targets) and return docs/spec.md §4's tensors: `loss` (scalar),
/// `logits` [B,T,V] and `grad.<name>` for each parameter that requires grad, in the model's
/// dtype. Which parameters train is the caller's choice (each parameter's requires_grad flag).
/// Leaves the flags as they were and the model's .grad() cleared.
/// @param model the model. @param ids token ids [B,T] (i64).
/// @param targets next-token ids [B,T] (i64), -100 where no loss is taken.
/// @return the tensors, `loss` first, then `logits`, then the `grad.` entries.
NamedTensors gradient_reference(Transformer& model, const Tensor& ids, const Tensor& targets);

/// @brief gradient_reference()'s tensors together with the trace of the same pass: every
/// intermediate activation and its gradient, and the order they were made in.
struct GradientTrace {
  /// `loss`, `logits`, `grad.<param>` as gradient_reference(); then for every traced activation
  /// N (docs/gradient_trace.md) its value `N` (except `loss` and `logits`, already there) and
  /// its gradient `grad.N` (\f$ \partial L / \partial N \f$).
  NamedTensors tensors;
  std::vector<std::string> order;       ///< the traced names in forward order, `loss` last
  std::vector<std::string> parameters;  ///< the trainable parameters, in the model's order
};

/// @brief One forward and backward pass like gradient_reference(), with the model's trace
/// hooks recording (ActivationTrace): `tok_emb.out`, ..., `blocks.0.attn.probs`, ...,
/// `logits`, `loss`, each with its gradient. The parameter gradients are those of
/// gradient_reference(), the same numbers.
/// @param model the model. @param ids token ids [B,T] (i64).
/// @param targets next-token ids [B,T] (i64), -100 where no loss is taken.
/// @return the tensors and the orders. The parameters that require grad get a `grad.` entry;
///         the activations' gradients do not depend on which those are.
GradientTrace gradient_trace(Transformer& model, const Tensor& ids, const Tensor& targets);

}  // namespace knob::nn
