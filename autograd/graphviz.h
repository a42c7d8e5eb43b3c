/// @file
/// @brief Draw the graph behind a value as Graphviz DOT (`dot -Tsvg graph.dot -o graph.svg`).
#pragma once

#include <cstdint>
#include <string>

#include "autograd/tensor.h"

namespace knob {

/// @brief What the picture shows.
struct DotOptions {
  /// Print data (and gradients of leaves) for tensors with at most this many elements.
  std::int64_t show_values_up_to = 8;
};

/// @brief The recorded graph behind `root` in DOT: one box per op (name, output shape), one
/// ellipse per leaf (name, shape; green when trainable, grey when frozen or constant),
/// arrows from inputs to the ops that consume them.
/// @param root the value whose graph is drawn (its grad_fn and everything behind it).
/// @param options what to print inside the boxes.
/// @return the graph as DOT text, ready for `dot -Tsvg`.
std::string to_dot(const Tensor& root, const DotOptions& options = {});

}  // namespace knob
