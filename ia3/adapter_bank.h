/// @file
/// @brief ia3::AdapterBank: several IA³ adapters on one frozen base — add, select, remove by
/// name — and a mixed batch in which every example is served by its own adapter in one pass.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nn/layers/module.h"
#include "nn/layers/transformer.h"

namespace knob::ia3 {

/// @brief Named IA³ adapters for one nn::Transformer (docs/spec.md's vectors l_k, l_v, l_ff).
///
/// One base serves every task: an adapter is only its vectors (0.7% of docs/spec.md's model), and
/// selecting one copies them into the model's l_k, l_v, l_ff; selecting none sets them to ones,
/// which is the base model bit for bit.
///
/// The mixed batch is the T-Few paper's argument for IA³: because an adapter only multiplies
/// activations, examples with *different* adapters can share one forward pass — row b of the
/// batch is multiplied by row b of a stack of vectors. forward_mixed() stacks each vector into
/// [B, 1, N] (ones for rows without an adapter) and lets broadcasting do the rest:
/// \f$ k_{b,t,:} \odot l_k^{(a(b))} \f$ for every row b with adapter a(b).
/// \code
/// ia3::AdapterBank bank(model);
/// bank.add("reverse_increment", load_adapter("ri.safetensors").vectors);
/// bank.add("decrement", load_adapter("dec.safetensors").vectors);
/// Tensor logits = bank.forward_mixed(ids, {"", "reverse_increment", "decrement", ""});
/// \endcode
class AdapterBank {
 public:
  /// @brief A bank for `model` (IA³ is enabled on it if needed; no adapter is selected).
  /// @param model the base model.
  explicit AdapterBank(std::shared_ptr<nn::Transformer> model);

  /// @brief Add (or replace) an adapter.
  /// @param name its name (non-empty).
  /// @param vectors every IA³ vector of the model by name, with its shape.
  /// @throws ValueError for an empty name; ShapeError listing missing, unexpected or
  ///         mis-shaped vectors.
  void add(const std::string& name, const nn::NamedTensors& vectors);
  /// @brief Remove an adapter (deselecting it if it was selected).
  /// @param name the adapter. @throws ValueError when there is none of that name.
  void remove(const std::string& name);
  /// @brief Is there an adapter of that name?
  /// @param name the adapter. @return true when added.
  bool contains(const std::string& name) const { return adapters_.count(name) > 0; }
  /// @brief The adapters' names, sorted. @return the names.
  std::vector<std::string> names() const;
  /// @brief Copy an adapter's vectors into the model ("" selects none: the base model).
  /// @param name the adapter or "". @throws ValueError for an unknown name.
  void select(const std::string& name);
  /// @brief The selected adapter ("" for none). @return its name.
  const std::string& selected() const { return selected_; }

  /// @brief Logits of a batch in which row b uses adapter `per_row[b]` ("" = none), in one
  /// forward pass without recording a graph. The model's own vectors are restored afterwards.
  /// @param ids token ids [B, T].
  /// @param per_row B adapter names.
  /// @return logits [B, T, V].
  /// @throws ValueError when per_row has not B entries or names an unknown adapter; the errors
  ///         of nn::Transformer::forward().
  Tensor forward_mixed(const Tensor& ids, const std::vector<std::string>& per_row) const;

 private:
  const nn::NamedTensors& vectors_of(const std::string& name) const;

  std::shared_ptr<nn::Transformer> model_;
  nn::NamedTensors model_vectors_;  // the model's l_k, l_v, l_ff parameters (handles)
  std::map<std::string, nn::NamedTensors> adapters_;
  std::string selected_;
};

}  // namespace knob::ia3
