/// @file
/// @brief One forward and backward pass of docs/spec.md §1, packaged as the gradient file of
/// docs/spec.md §4:
/// `loss`, `logits` and `grad.<name>` for every trainable parameter. `knob grads` writes it;
/// students compare their own implementation with it.
#pragma once

#include "nn/layers/transformer.h"

namespace knob::nn {

/// @brief Which parameters train (and so get a `grad.` entry).
enum class Trainable {
  full,  ///< every base parameter (docs/spec.md §2, first table); IA³ vectors, if any, frozen
  ia3,   ///< only the IA³ vectors l_k, l_v, l_ff (ones unless an adapter set them)
};

/// @brief Parse "full" or "ia3". @throws ValueError otherwise.
/// @param text the option's value. @return the mode.
Trainable parse_trainable(const std::string& text);

/// @brief Copy IA³ vectors into the model by name (`blocks.{i}.attn.l_k`, ...), enabling IA³
/// first if needed. Every vector of the model must be given, with its shape.
/// @param model the model (IA³ is enabled on it when needed).
/// @param vectors (name, tensor) pairs, converted to the model's dtype.
/// @throws ShapeError listing every missing, unexpected or mis-shaped name.
void apply_ia3_vectors(Transformer& model, const NamedTensors& vectors);

/// @brief Read an adapter file (safetensors with the IA³ vectors; F32 or F64, finite, see
/// read_weights_file()) and apply it with apply_ia3_vectors.
///
/// The names and shapes are checked against the model's vectors from the file's header, before
/// any data is read or allocated.
/// @throws FileError naming the file and every problem (a non-finite value: which tensor).
/// @param model the model. @param path the safetensors file.
void load_ia3_vectors_file(Transformer& model, const std::string& path);

/// @brief Run the model on (ids, targets) and return docs/spec.md §4's tensors: `loss` (scalar),
/// `logits` [B,T,V] and `grad.<name>` for each trainable parameter, in the model's dtype.
/// With Trainable::ia3 the model gets IA³ vectors (ones) if it has none yet.
/// Leaves the model's requires_grad flags as `mode` sets them and its .grad() cleared.
/// @param model the model. @param ids token ids [B,T] (i64).
/// @param targets next-token ids [B,T] (i64), -100 where no loss is taken.
/// @param mode which parameters train.
/// @return the tensors, `loss` first, then `logits`, then the `grad.` entries.
NamedTensors gradient_reference(Transformer& model, const Tensor& ids, const Tensor& targets,
                                Trainable mode);

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
/// @param mode which parameters train (get a `grad.` entry); the activations' gradients do
///        not depend on it.
/// @return the tensors and the orders.
GradientTrace gradient_trace(Transformer& model, const Tensor& ids, const Tensor& targets,
                             Trainable mode);

}  // namespace knob::nn
