#include "nn/layers/module_list.h"

#include <fmt/format.h>

#include "autograd/error.h"

namespace knob::nn {

void ModuleList::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(size()), std::move(module));
}

std::shared_ptr<Module> ModuleList::at(std::size_t i) const {
  if (i >= size()) {
    throw ValueError(fmt::format("ModuleList: index {} out of range (size {})", i, size()));
  }
  return named_children()[i].second;
}

}  // namespace knob::nn
