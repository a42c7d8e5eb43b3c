/// @file
/// @brief Saving and loading a module's parameters as a safetensors file (a "state dict" file).
///
/// The keys are the dotted parameter names of Module::named_parameters(), e.g.
/// `blocks.0.attn.q_proj.weight`, and the layouts are PyTorch's (a Linear's weight is
/// [out, in]), so the same file serves knob and a PyTorch model built with the same names.
#pragma once

#include <map>
#include <string>

#include "nn/layers/module.h"

namespace knob::nn {

/// @brief Write every parameter of `module` to a safetensors file, atomically.
/// @param module the module whose named_parameters() are saved (in their own dtype).
/// @param path the file to create or replace; a failed save leaves the old file as it was.
/// @param metadata string pairs stored under `__metadata__` (e.g. which config the weights fit).
/// @throws FileError naming `path` when the file cannot be written.
void save_state_dict(const Module& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata = {});

/// @brief Load parameters from a safetensors file into `module`, by name.
///
/// The file is validated completely first (see read_weights_file()): names and shapes are
/// matched from the header, before any data is read, as Module::load_state_dict() does (every
/// missing, unexpected (when `strict`) or mis-shaped name is reported together in one error);
/// every tensor must be F32 or F64 and finite. The module is changed only when everything
/// matches. Values are converted to each parameter's dtype (an F64 file loads into an f32
/// model), as PyTorch's `load_state_dict` does.
/// @param module the module to fill.
/// @param path the safetensors file.
/// @param strict when true, tensors in the file that the module does not have are an error too.
/// @throws FileError naming `path`: unreadable or malformed file, or names/shapes that do not
///         match, e.g. `m.safetensors: load_state_dict: missing: b; unexpected: c; wrong shape:
///         a (expected [2,3], got [3,2])`.
void load_state_dict_file(Module& module, const std::string& path, bool strict = true);

}  // namespace knob::nn
