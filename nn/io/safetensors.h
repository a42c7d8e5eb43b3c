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
/// are often stored that way). Reading validates the whole header before allocating anything,
/// so a damaged or malicious file gives a one-line knob::FileError naming the file and the
/// problem, never a crash or a huge allocation. The header is parsed without recursion and with
/// bounded nesting (see json_input.h) in time linear in its size; names and values quoted in
/// errors are cut (see excerpt.h).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "nn/layers/module.h"

namespace knob::nn {

/// @brief The longest tensor name (or `__metadata__` key) knob reads or writes, in bytes.
///
/// Real names are a few dozen bytes (`base_model.model.blocks.0.attn.k_proj.weight`); with this
/// bound and without control characters, a name quoted anywhere in an error stays one line.
inline constexpr std::size_t kMaxNameBytes = 1024;

/// @brief The most entries a safetensors header may have: tensors and `__metadata__`, 2^18.
///
/// knob's largest model (4096 blocks) has about 65,000 tensors and its training checkpoint three
/// times as many; other writers' files hold a few thousand. The bound is checked while the header
/// is parsed, so a header of millions of tiny entries costs neither the time nor the memory
/// (about 600 bytes each) of building them.
inline constexpr std::size_t kMaxHeaderEntries = std::size_t{1} << 18;

/// @brief The contents of a safetensors file.
struct SafetensorsFile {
  /// The tensors in file order (by data offset; ties, i.e. empty tensors, by name).
  NamedTensors tensors;
  /// The optional `__metadata__` object: free-form string pairs.
  std::map<std::string, std::string> metadata;
  /// Where the data came from (the file name used in error messages).
  std::string source;

  /// @brief Is there a tensor called `name`? O(log n) once index_names() has run.
  /// @param name the tensor's key in the header.
  /// @return true when the file holds it.
  bool contains(const std::string& name) const;

  /// @brief The tensor called `name`. O(log n) once index_names() has run.
  /// @param name the tensor's key in the header.
  /// @return the tensor (a handle sharing this file's data).
  /// @throws FileError naming the source and the missing tensor, e.g.
  ///         `batch.safetensors: no tensor named 'targets' (the file has: input_ids)`.
  Tensor at(const std::string& name) const;

  /// @brief Index `tensors` by name, so that looking every tensor up costs O(n log n) rather
  /// than O(n²). The readers do it; after adding or removing tensors, the lookups scan until it
  /// is called again (after renaming one in place, it must be called again).
  void index_names();

 private:
  /// The entry called `name`, or null.
  const std::pair<std::string, Tensor>* find(std::string_view name) const;

  std::vector<std::size_t> by_name_;  ///< positions in `tensors`, sorted by name
};

/// @brief What a validated header says about one tensor, known before any data is read.
struct TensorHeader {
  std::string name;   ///< the tensor's key
  std::string dtype;  ///< the dtype as written in the file: "F32", "F64", "I64" or "I32"
  Shape shape;        ///< its shape
};

/// @brief A caller's own check of a validated header, run before any tensor data is read or
/// allocated (e.g. "these are exactly the weights of this config"): throw to refuse the file.
using HeaderCheck = std::function<void(const std::vector<TensorHeader>&)>;

/// @brief Parse the bytes of a safetensors file held in memory.
///
/// This is the whole validating reader (read_safetensors() only loads the file first), and the
/// entry point for fuzzing: any input either parses or throws FileError.
/// @param bytes the complete file content.
/// @param source the file name to put at the start of error messages.
/// @param check the caller's check of the header (none when empty).
/// @return the tensors (freshly allocated, owning their data) and the metadata.
/// @throws FileError `"<source>: <problem>"` for any malformed input: too short; header length
///         beyond the file or above 100 MB; a byte order mark; invalid JSON, nesting deeper than
///         kMaxJsonDepth or trailing garbage; more than kMaxHeaderEntries entries; header or
///         entry not an object; a name (or metadata
///         key) longer than kMaxNameBytes or holding a control character; missing or
///         wrong-typed fields; unknown or unsupported dtype; more than 64 dimensions; negative
///         or non-integer extents; a shape whose non-zero extents multiply to more than 2^63 - 1
///         elements, or whose byte size differs from its data_offsets span; offsets not
///         [begin, end] with begin <= end, or past the buffer; overlapping tensors; buffer bytes
///         not covered by any tensor; duplicate keys; metadata values that are not strings.
///         Whatever `check` throws.
SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& source,
                                  const HeaderCheck& check = {});

/// @brief Read and validate a safetensors file.
///
/// Only the length field and the header are read first. The data is read, tensor by tensor
/// straight into the tensors' memory, once the header is validated (against the file's real
/// size) and `check` has accepted it: a file's memory is never held twice, and a file whose
/// header is wrong costs nothing to reject, however large it is.
/// @param path the file to read (a regular file).
/// @param check the caller's check of the header (none when empty).
/// @return its tensors and metadata.
/// @throws FileError naming `path` when it cannot be read or is malformed (see
///         parse_safetensors()); whatever `check` throws.
SafetensorsFile read_safetensors(const std::string& path, const HeaderCheck& check = {});

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
///         a name or metadata key that parse_safetensors() would refuse (too long, a control
///         character), or names/metadata that are not valid UTF-8.
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
