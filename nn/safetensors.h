/// @file
/// @brief Reading and writing safetensors files: named tensors plus string metadata.
///
/// The format (the one Hugging Face's `safetensors` library defines) is deliberately simple:
///
/// \verbatim
/// [ N: 8 bytes, little-endian unsigned ][ N bytes of JSON header ][ data buffer ...        ]
/// header: {"__metadata__": {"format": "pt"},
///          "head.bias":   {"dtype": "F32", "shape": [32],    "data_offsets": [0, 128]},
///          "head.weight": {"dtype": "F32", "shape": [32,64], "data_offsets": [128, 8320]}}
/// \endverbatim
///
/// `data_offsets` are [begin, end) byte positions relative to the start of the data buffer;
/// the data are raw, little-endian, row-major. The tensors tile the buffer exactly: no gaps,
/// no overlaps, nothing left over.
///
/// knob writes F32, F64 and I64 and reads those plus I32 (which becomes an i64 tensor; token ids
/// are often stored that way). Reading validates everything before allocating anything, so a
/// damaged or malicious file gives a one-line knob::FileError naming the file and the problem,
/// never a crash or a huge allocation.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "nn/module.h"

namespace knob::nn {

/// @brief The contents of a safetensors file.
struct SafetensorsFile {
  /// The tensors in file order (by data offset; ties, i.e. empty tensors, by name).
  NamedTensors tensors;
  /// The optional `__metadata__` object: free-form string pairs.
  std::map<std::string, std::string> metadata;
  /// Where the data came from (the file name used in error messages).
  std::string source;

  /// @brief Is there a tensor called `name`?
  /// @param name the tensor's key in the header.
  /// @return true when the file holds it.
  bool contains(const std::string& name) const;

  /// @brief The tensor called `name`.
  /// @param name the tensor's key in the header.
  /// @return the tensor (a handle sharing this file's data).
  /// @throws FileError naming the source and the missing tensor, e.g.
  ///         `batch.safetensors: no tensor named 'targets' (the file has: input_ids)`.
  Tensor at(const std::string& name) const;
};

/// @brief Parse the bytes of a safetensors file held in memory.
///
/// This is the whole validating reader (read_safetensors() only loads the file first), and the
/// entry point for fuzzing: any input either parses or throws FileError.
/// @param bytes the complete file content.
/// @param source the file name to put at the start of error messages.
/// @return the tensors (freshly allocated, owning their data) and the metadata.
/// @throws FileError `"<source>: <problem>"` for any malformed input: too short; header length
///         beyond the file or above 100 MB; invalid JSON; header or entry not an object; missing
///         or wrong-typed fields; unknown or unsupported dtype; negative or non-integer extents;
///         a shape whose byte size overflows or differs from its data_offsets span; offsets not
///         [begin, end] with begin <= end, or past the buffer; overlapping tensors; buffer bytes
///         not covered by any tensor; duplicate keys; metadata values that are not strings.
SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& source);

/// @brief Read and validate a safetensors file.
/// @param path the file to read.
/// @return its tensors and metadata.
/// @throws FileError naming `path` when it cannot be read or is malformed (see
///         parse_safetensors()).
SafetensorsFile read_safetensors(const std::string& path);

/// @brief The bytes of a safetensors file holding `tensors` and `metadata`.
///
/// The output is deterministic. Tensors are laid out by element size, largest first, then by
/// name (the reference implementation's order): with the header padded with spaces to a multiple
/// of 8 bytes, every tensor then starts at a multiple of its own element size, without gaps
/// (which readers reject). When all tensors share one dtype the order is simply by name.
/// @param tensors the named tensors (f32 → F32, f64 → F64, i64 → I64).
/// @param metadata string pairs stored under `__metadata__` (omitted when empty).
/// @return the complete file content.
/// @throws ValueError for an undefined tensor, a duplicate or reserved (`__metadata__`) name,
///         or names/metadata that are not valid UTF-8.
std::string serialize_safetensors(const NamedTensors& tensors,
                                  const std::map<std::string, std::string>& metadata = {});

/// @brief Write a safetensors file atomically (see atomic_write_bytes()).
/// @param path the file to create or replace.
/// @param tensors the named tensors.
/// @param metadata string pairs stored under `__metadata__`.
/// @throws ValueError as serialize_safetensors(); FileError naming `path` when writing fails
///         (the previous file, if any, is left as it was).
void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace knob::nn
