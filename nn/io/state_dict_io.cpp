#include "nn/io/state_dict_io.h"

#include "autograd/error.h"
#include "nn/base/file_error.h"
#include "nn/io/safetensors.h"
#include "nn/io/weights_file.h"

namespace knob::nn {

void save_state_dict(const Module& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata) {
  write_safetensors(path, module.state_dict(), metadata);
}

void load_state_dict_file(Module& module, const std::string& path, bool strict) {
  NamedShapes expected;
  for (const auto& [name, t] : module.named_parameters()) expected.emplace_back(name, t.shape());
  const SafetensorsFile file = read_weights_file(path, expected, strict);
  try {
    module.load_state_dict(file.tensors, strict);
  } catch (const ShapeError& e) {
    // Module::load_state_dict lists every mismatch in one message; prefix it with the file.
    throw FileError(path, e.what());
  }
}

}  // namespace knob::nn
