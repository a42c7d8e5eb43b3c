/// @file
/// @brief Reading JSON that comes from a file: bounded nesting, no duplicate keys, linear time.
///
/// Every JSON text knob reads (config.json, a safetensors header, adapter_config.json, the JSON
/// kept in an adapter's metadata) may have been written by anyone. parse_json_input() builds the
/// value without recursion, refuses nesting deeper than kMaxJsonDepth (so nothing that later
/// walks the value recursively, such as copying or printing it, can exhaust the stack), refuses
/// an object that repeats a key (legal JSON, but one of the two values would be dropped
/// silently) and costs time proportional to the text's length times the log of an object's size.
///
/// This header is internal to knob's libraries: it exposes nlohmann::json, which they link
/// privately.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace knob::nn {

/// @brief The deepest nesting parse_json_input() accepts: objects and arrays inside one another.
///
/// knob's own files need at most 3 levels (a safetensors header: the header object, an entry,
/// its `shape` array) and PEFT's adapter_config.json a few more; 64 leaves ample room for other
/// writers while bounding the stack used by every recursive walk of a parsed value (a few
/// hundred bytes per level).
inline constexpr std::size_t kMaxJsonDepth = 64;

/// @brief Parse an untrusted JSON text.
///
/// Rejects, with a FileError `"<source>: <what> ..."` on one line: invalid JSON (with the byte
/// position; nlohmann's description is shortened so that a huge token is never printed whole),
/// trailing non-whitespace, numbers out of range (1e400), invalid UTF-8 in strings, nesting
/// deeper than kMaxJsonDepth, and a key repeated within one object. A UTF-8 byte order mark at
/// the start is skipped (editors on some systems write one).
/// @param text the JSON text.
/// @param source the file name for error messages.
/// @param what what the text is, for error messages ("header", "config").
/// @param max_entries the most keys the outermost object may have: checked while parsing, so
///        that a text of millions of entries is refused before their values are built.
/// @return the value.
/// @throws FileError as above, and when the outermost object has more than max_entries keys.
nlohmann::json parse_json_input(std::string_view text, const std::string& source,
                                std::string_view what,
                                std::size_t max_entries = static_cast<std::size_t>(-1));

/// @brief A JSON value for an error message: its compact text, cut like excerpt().
/// @param value any value (its strings need not be valid UTF-8).
/// @param max_bytes the most bytes shown before the cut.
/// @return e.g. `[1,2,-3]` or `[[[[[[[[[[... (400001 bytes)`.
std::string json_excerpt(const nlohmann::json& value, std::size_t max_bytes = 64);

/// @brief Read a small text file (a config, adapter_config.json) whole, refusing a large one.
/// @param path the file.
/// @param max_bytes the largest size accepted.
/// @return its content.
/// @throws FileError naming `path`: missing, a directory, unreadable, or larger than max_bytes.
std::string read_small_text_file(const std::string& path, std::uint64_t max_bytes);

}  // namespace knob::nn
