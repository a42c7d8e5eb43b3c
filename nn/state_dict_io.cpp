#include "nn/state_dict_io.h"

#include "autograd/error.h"
#include "nn/file_error.h"
#include "nn/safetensors.h"

namespace knob::nn {

void save_state_dict(const Module& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata) {
  write_safetensors(path, module.state_dict(), metadata);
}

void load_state_dict_file(Module& module, const std::string& path, bool strict) {
  const SafetensorsFile file = read_safetensors(path);
  try {
    module.load_state_dict(file.tensors, strict);
  } catch (const ShapeError& e) {
    // Module::load_state_dict lists every mismatch in one message; prefix it with the file.
    throw FileError(path, e.what());
  }
}

}  // namespace knob::nn
