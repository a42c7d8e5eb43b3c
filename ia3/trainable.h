/// @file
/// @brief What trains in docs/spec.md's two modes: the whole base model, or only IA³'s vectors.
#pragma once

#include <string>
#include <vector>

#include "nn/layers/transformer.h"

namespace knob::ia3 {

/// @brief Which parameters train (and so get a `grad.` entry in a gradient file).
enum class Trainable {
  full,  ///< every base parameter (docs/spec.md §2, first table); IA³ vectors, if any, frozen
  ia3,   ///< only the IA³ vectors l_k, l_v, l_ff (ones unless an adapter set them)
};

/// @brief Parse "full" or "ia3". @throws ValueError otherwise.
/// @param text the option's value. @return the mode.
Trainable parse_trainable(const std::string& text);

/// @brief Set every parameter's requires_grad flag as `mode` says. With Trainable::ia3 the model
/// gets its IA³ vectors first (ones; ia3::add_vectors()) when it has none.
/// @param model the model.
/// @param mode which parameters train.
/// @param kinds with Trainable::ia3, which vectors train ("l_k", "l_v", "l_ff"); empty for all.
/// @throws ValueError for a kind that is not one of the three.
void set_trainable(nn::Transformer& model, Trainable mode,
                   const std::vector<std::string>& kinds = {});

}  // namespace knob::ia3
