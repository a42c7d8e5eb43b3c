/// @file
/// @brief nn::ModuleList: an ordered container of submodules named "0", "1", ...
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "nn/layers/module.h"

namespace knob::nn {

/// @brief Holds submodules in order and registers the i-th under the name "i".
///
/// This is what gives a stack of blocks the dotted names `blocks.0.…`, `blocks.1.…` (as
/// `torch.nn.ModuleList`). It has no forward: the owner iterates and calls each entry.
/// \code
/// auto blocks = std::make_shared<ModuleList>();
/// blocks->push_back(std::make_shared<TransformerBlock>(config, gen));  // registered as "0"
/// \endcode
class ModuleList : public Module {
 public:
  /// @brief The class name. @return "ModuleList".
  std::string type_name() const override { return "ModuleList"; }
  /// @brief The length, for summaries. @return "size=…".
  std::string extra_repr() const override { return "size=" + std::to_string(size()); }

  /// @brief Append a module, registered under its index ("0" for the first).
  /// @param module the module to append (not null).
  /// @throws ValueError when module is null.
  void push_back(std::shared_ptr<Module> module);

  /// @brief Number of modules held. @return the count.
  std::size_t size() const { return named_children().size(); }
  /// @brief The i-th module. @throws ValueError when i >= size().
  /// @param i the index.
  /// @return the module.
  std::shared_ptr<Module> at(std::size_t i) const;
};

}  // namespace knob::nn
