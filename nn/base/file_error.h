/// @file
/// @brief knob::FileError: the one error type for every problem with a file on disk.
#pragma once

#include <string>

#include "autograd/error.h"

namespace knob {

/// @brief A file could not be read, written or understood.
///
/// The message always starts with the file's path (or the name it was given when parsing bytes
/// held in memory), then a colon and one line describing the problem, e.g.
/// `model.safetensors: tensor 'head.weight': shape [32,64] needs 8192 bytes of F32 but
/// data_offsets span 4096`.
class FileError : public Error {
 public:
  /// @brief A ready-made message (it must already start with the path).
  /// @param message the whole one-line message.
  explicit FileError(const std::string& message) : Error(message) {}

  /// @brief Builds `"<path>: <problem>"`.
  /// @param path the file (as the user named it).
  /// @param problem what is wrong with it, one line.
  FileError(const std::string& path, const std::string& problem) : Error(path + ": " + problem) {}
};

namespace nn {
/// @brief The same class, reachable as nn::FileError from code of the nn layer.
using knob::FileError;
}  // namespace nn

}  // namespace knob
