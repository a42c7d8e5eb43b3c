#include "nn/io/safetensors.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <system_error>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "autograd/error.h"
#include "nn/base/atomic_file.h"
#include "nn/base/excerpt.h"
#include "nn/base/file_error.h"
#include "nn/base/json_input.h"

namespace knob::nn {

// The data buffer holds little-endian numbers and knob copies it with memcpy: that is only
// right on a little-endian host (x86-64, ARM64 as used everywhere today).
static_assert(std::endian::native == std::endian::little,
              "safetensors.cpp copies little-endian file data directly; add byte swapping "
              "before building knob on a big-endian machine");

namespace {

using Json = nlohmann::json;

/// The header length field: 8 bytes, little-endian, unsigned.
constexpr std::size_t kLengthFieldBytes = 8;
/// Headers longer than this are rejected as absurd (the reference implementation's limit).
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
/// The most dimensions a tensor of a file may have (PyTorch's own limit is 64 too).
constexpr std::size_t kMaxRank = 64;
/// The reserved header key holding string metadata.
constexpr std::string_view kMetadataKey = "__metadata__";

// ------------------------------------------------------------------------------ dtypes ----

/// A dtype knob can read: its name in the file, its size there, and the knob dtype it becomes.
struct FileDType {
  std::string_view name;
  std::size_t element_bytes;
  DType dtype;
};

constexpr std::array<FileDType, 4> kReadableDTypes = {{
    {"F32", 4, DType::f32},
    {"F64", 8, DType::f64},
    {"I64", 8, DType::i64},
    {"I32", 4, DType::i64},  // widened to i64 on load
}};

/// Dtypes the format defines but knob does not read.
constexpr std::array<std::string_view, 16> kUnsupportedDTypes = {
    "BOOL", "U8",  "I8", "U16",     "I16",     "F16",     "BF16",    "U32",
    "U64",  "C64", "F4", "F6_E2M3", "F6_E3M2", "F8_E4M3", "F8_E5M2", "F8_E8M0"};

/// The dtype name knob writes for a tensor of `dtype`.
std::string_view file_dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "F32";
    case DType::f64:
      return "F64";
    case DType::i64:
      return "I64";
  }
  return "?";
}

/// The raw bytes of a tensor (knob tensors are always contiguous).
char* tensor_bytes(const Tensor& t) {
  switch (t.dtype()) {
    case DType::f32:
      return reinterpret_cast<char*>(t.data<float>());
    case DType::f64:
      return reinterpret_cast<char*>(t.data<double>());
    case DType::i64:
      return reinterpret_cast<char*>(t.data<std::int64_t>());
  }
  return nullptr;
}

// ------------------------------------------------------------------------------ reading ----

/// What is wrong with a tensor name or metadata key, or "" when nothing is: longer than
/// kMaxNameBytes, or holding a control character (U+0000-U+001F, U+007F).
std::string name_problem(std::string_view name) {
  if (name.size() > kMaxNameBytes) {
    return fmt::format("a name may be at most {} bytes long", kMaxNameBytes);
  }
  const auto control = std::find_if(name.begin(), name.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
  });
  if (control != name.end()) {
    return fmt::format("a name may not hold control characters (it has \\x{:02x})",
                       static_cast<unsigned char>(*control));
  }
  return "";
}

/// Throw the one-line FileError `"<source>: <problem>"`.
[[noreturn]] void fail(const std::string& source, const std::string& problem) {
  throw FileError(source, problem);
}

/// One header entry after validation: everything needed to copy the tensor out of the buffer.
struct Entry {
  std::string name;
  FileDType file_dtype;
  Shape shape;
  std::uint64_t begin = 0;  ///< first byte, relative to the data buffer
  std::uint64_t end = 0;    ///< one past the last byte
};

/// A validated header: the entries in buffer order, and the metadata.
struct Header {
  std::vector<Entry> entries;
  std::map<std::string, std::string> metadata;
};

std::uint64_t read_little_endian_u64(const char* p) {
  std::uint64_t value = 0;
  std::memcpy(&value, p, sizeof value);
  return value;  // host is little-endian (static_assert above)
}

/// The header length field against the limit and against the bytes that follow it.
void check_header_length(std::uint64_t header_size, std::uint64_t after_length_field,
                         const std::string& source) {
  if (header_size > kMaxHeaderBytes) {
    fail(source, fmt::format("header length {} is absurd (the limit is {} bytes); not a "
                             "safetensors file?",
                             header_size, kMaxHeaderBytes));
  }
  if (header_size > after_length_field) {
    fail(source, fmt::format("header length {} is larger than the {} bytes that follow it",
                             header_size, after_length_field));
  }
}

/// The `__metadata__` object: string keys to string values.
std::map<std::string, std::string> parse_metadata(const Json& value, const std::string& source) {
  if (!value.is_object()) {
    fail(source, fmt::format("'__metadata__' must be an object of strings, got {} {}",
                             value.type_name(), json_excerpt(value)));
  }
  std::map<std::string, std::string> metadata;
  for (const auto& [key, item] : value.items()) {
    if (const std::string problem = name_problem(key); !problem.empty()) {
      fail(source, fmt::format("'__metadata__' key '{}': {}", excerpt(key), problem));
    }
    if (!item.is_string()) {
      fail(source, fmt::format("'__metadata__' value of '{}' must be a string, got {} {}",
                               excerpt(key), item.type_name(), json_excerpt(item)));
    }
    metadata[key] = item.get<std::string>();
  }
  return metadata;
}

/// Look up the dtype name of an entry: readable, defined-but-unsupported, or unknown.
FileDType parse_dtype(const std::string& name, const std::string& where,
                      const std::string& source) {
  for (const FileDType& readable : kReadableDTypes) {
    if (readable.name == name) return readable;
  }
  if (std::find(kUnsupportedDTypes.begin(), kUnsupportedDTypes.end(), name) !=
      kUnsupportedDTypes.end()) {
    fail(source,
         fmt::format("{}: unsupported dtype '{}' (knob reads F32, F64, I64 and I32)", where, name));
  }
  fail(source, fmt::format("{}: unknown dtype '{}'", where, excerpt(name)));
}

/// `shape`: an array of at most kMaxRank non-negative integers.
Shape parse_shape(const Json& value, const std::string& where, const std::string& source) {
  if (!value.is_array()) {
    fail(source, fmt::format("{}: 'shape' must be an array of integers, got {} {}", where,
                             value.type_name(), json_excerpt(value)));
  }
  if (value.size() > kMaxRank) {
    fail(source, fmt::format("{}: shape has {} dimensions, more than the {} knob accepts", where,
                             value.size(), kMaxRank));
  }
  Shape shape;
  for (const Json& extent : value) {
    if (extent.is_number_unsigned()) {
      const auto n = extent.get<std::uint64_t>();
      if (n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        fail(source, fmt::format("{}: shape extent {} is too large", where, n));
      }
      shape.push_back(static_cast<std::int64_t>(n));
    } else if (extent.is_number_integer()) {  // a signed integer that is not unsigned: < 0
      fail(source, fmt::format("{}: shape {} has a negative extent {}", where, json_excerpt(value),
                               extent.get<std::int64_t>()));
    } else {
      fail(source, fmt::format("{}: shape {} has a non-integer extent {}", where,
                               json_excerpt(value), json_excerpt(extent)));
    }
  }
  return shape;
}

/// `data_offsets`: [begin, end] with 0 <= begin <= end <= buffer size.
std::pair<std::uint64_t, std::uint64_t> parse_offsets(const Json& value, std::uint64_t buffer_size,
                                                      const std::string& where,
                                                      const std::string& source) {
  if (!value.is_array() || value.size() != 2 || !value[0].is_number_unsigned() ||
      !value[1].is_number_unsigned()) {
    fail(source, fmt::format("{}: 'data_offsets' must be two non-negative integers "
                             "[begin, end], got {}",
                             where, json_excerpt(value)));
  }
  const auto begin = value[0].get<std::uint64_t>();
  const auto end = value[1].get<std::uint64_t>();
  if (begin > end) {
    fail(source, fmt::format("{}: data_offsets [{},{}] end before they begin", where, begin, end));
  }
  if (end > buffer_size) {
    fail(source, fmt::format("{}: data_offsets [{},{}] go past the end of the data buffer "
                             "({} bytes)",
                             where, begin, end, buffer_size));
  }
  return {begin, end};
}

/// Bytes a tensor of `shape` needs, or nothing when that is not a size knob can hold: the
/// product of the non-zero extents must fit in a signed 64-bit element count, and the byte size
/// in 64 bits. Zero extents are left out of the element count on purpose: a shape such as
/// [0, 2^40, 2^40] holds no bytes, but its strides would still overflow. Checked before anything
/// is allocated, so a header claiming 10^12 elements is just an error.
std::optional<std::uint64_t> checked_byte_size(const Shape& shape, std::size_t element_bytes) {
  constexpr auto kMaxElements =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::uint64_t elements = 1;  // of the non-zero extents
  bool empty = false;
  for (const std::int64_t extent : shape) {
    const auto n = static_cast<std::uint64_t>(extent);
    if (n == 0) {
      empty = true;
    } else if (elements > kMaxElements / n) {
      return std::nullopt;
    } else {
      elements *= n;
    }
  }
  if (empty) return 0;
  if (elements > std::numeric_limits<std::uint64_t>::max() / element_bytes) return std::nullopt;
  return elements * element_bytes;
}

/// The entry's value must be an object with exactly dtype, shape and data_offsets.
void check_entry_fields(const Json& value, const std::string& where, const std::string& source) {
  if (!value.is_object()) {
    fail(source, fmt::format("{}: entry must be an object with dtype, shape and data_offsets, "
                             "got {} {}",
                             where, value.type_name(), json_excerpt(value)));
  }
  for (const auto& [field, _] : value.items()) {
    if (field != "dtype" && field != "shape" && field != "data_offsets") {
      fail(source, fmt::format("{}: unexpected field '{}' (expected dtype, shape, data_offsets)",
                               where, excerpt(field)));
    }
  }
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(field)) fail(source, fmt::format("{}: missing field '{}'", where, field));
  }
  if (!value.at("dtype").is_string()) {
    fail(source, fmt::format("{}: 'dtype' must be a string, got {} {}", where,
                             value.at("dtype").type_name(), json_excerpt(value.at("dtype"))));
  }
}

/// Validate one tensor entry of the header.
Entry parse_entry(const std::string& name, const Json& value, std::uint64_t buffer_size,
                  const std::string& source) {
  const std::string where = fmt::format("tensor '{}'", excerpt(name));
  if (const std::string problem = name_problem(name); !problem.empty()) {
    fail(source, fmt::format("{}: {}", where, problem));
  }
  check_entry_fields(value, where, source);
  Entry entry;
  entry.name = name;
  entry.file_dtype = parse_dtype(value.at("dtype").get<std::string>(), where, source);
  entry.shape = parse_shape(value.at("shape"), where, source);
  std::tie(entry.begin, entry.end) =
      parse_offsets(value.at("data_offsets"), buffer_size, where, source);

  const std::uint64_t span = entry.end - entry.begin;
  const std::optional<std::uint64_t> needed =
      checked_byte_size(entry.shape, entry.file_dtype.element_bytes);
  if (!needed) {
    fail(source, fmt::format("{}: shape {} has too many elements (their count or byte size "
                             "overflows 64-bit sizes) for data_offsets spanning {} bytes",
                             where, shape_str(entry.shape), span));
  }
  if (*needed != span) {
    fail(source, fmt::format("{}: shape {} needs {} bytes of {} but data_offsets span {}", where,
                             shape_str(entry.shape), *needed, entry.file_dtype.name, span));
  }
  return entry;
}

/// The tensors (sorted by offset) must tile the buffer exactly: no overlap, no gap, no tail.
void check_layout(const std::vector<Entry>& entries, std::uint64_t buffer_size,
                  const std::string& source) {
  std::uint64_t covered_up_to = 0;
  const Entry* last = nullptr;  // the entry that reaches covered_up_to
  for (const Entry& entry : entries) {
    if (entry.begin < covered_up_to) {
      fail(source, fmt::format("tensors '{}' (data_offsets [{},{}]) and '{}' (data_offsets "
                               "[{},{}]) overlap",
                               excerpt(last->name), last->begin, last->end, excerpt(entry.name),
                               entry.begin, entry.end));
    }
    if (entry.begin > covered_up_to) {
      fail(source, fmt::format("bytes [{},{}) of the data buffer are not covered by any tensor",
                               covered_up_to, entry.begin));
    }
    covered_up_to = entry.end;  // entry.begin == covered_up_to <= entry.end
    last = &entry;
  }
  if (covered_up_to != buffer_size) {
    fail(source, fmt::format("bytes [{},{}) of the data buffer are not covered by any tensor",
                             covered_up_to, buffer_size));
  }
}

/// Parse and validate the whole header against a data buffer of `buffer_size` bytes.
Header parse_header(std::string_view text, std::uint64_t buffer_size, const std::string& source) {
  // Other readers (the reference implementation among them) refuse a byte order mark here; a
  // file that only knob could read would be a trap.
  if (text.starts_with("\xEF\xBB\xBF")) {
    fail(source, "header starts with a UTF-8 byte order mark, which safetensors does not allow");
  }
  const Json json = parse_json_input(text, source, "header", kMaxHeaderEntries);
  if (!json.is_object()) {
    fail(source, fmt::format("header must be a JSON object, got {} {}", json.type_name(),
                             json_excerpt(json)));
  }
  Header header;
  for (const auto& [key, value] : json.items()) {
    if (key == kMetadataKey) {
      header.metadata = parse_metadata(value, source);
    } else {
      header.entries.push_back(parse_entry(key, value, buffer_size, source));
    }
  }
  std::sort(header.entries.begin(), header.entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  check_layout(header.entries, buffer_size, source);
  return header;
}

/// What the header says, for a HeaderCheck.
std::vector<TensorHeader> tensor_headers(const Header& header) {
  std::vector<TensorHeader> out;
  out.reserve(header.entries.size());
  for (const Entry& entry : header.entries) {
    out.push_back({entry.name, std::string(entry.file_dtype.name), entry.shape});
  }
  return out;
}

/// Copies bytes [offset, offset + count) of the data buffer to `destination`.
using ByteSource =
    std::function<void(std::uint64_t offset, std::uint64_t count, char* destination)>;

/// One validated tensor, read from the data buffer into a new knob tensor.
Tensor load_tensor(const Entry& entry, const ByteSource& read) {
  Tensor t = empty(entry.shape, entry.file_dtype.dtype);
  const std::uint64_t span = entry.end - entry.begin;
  if (span == 0) return t;
  if (entry.file_dtype.name != "I32") {
    read(entry.begin, span, tensor_bytes(t));
    return t;
  }
  // I32 is widened to i64 a chunk at a time.
  std::int64_t* out = t.data<std::int64_t>();
  std::array<std::int32_t, 4096> chunk{};
  for (std::uint64_t done = 0; done < span;) {
    const std::uint64_t count = std::min<std::uint64_t>(span - done, sizeof chunk);
    read(entry.begin + done, count, reinterpret_cast<char*>(chunk.data()));
    for (std::uint64_t i = 0; i < count / 4; ++i) *out++ = chunk[i];
    done += count;
  }
  return t;
}

/// The validated header's tensors, read through `read`, after the caller's `check`.
SafetensorsFile load_tensors(Header header, const ByteSource& read, const std::string& source,
                             const HeaderCheck& check) {
  if (check) check(tensor_headers(header));
  // Everything is validated: each allocation below is backed by bytes really in the file.
  SafetensorsFile file;
  file.source = source;
  file.metadata = std::move(header.metadata);
  file.tensors.reserve(header.entries.size());
  for (const Entry& entry : header.entries) {
    file.tensors.emplace_back(entry.name, load_tensor(entry, read));
  }
  file.index_names();
  return file;
}

}  // namespace

// ------------------------------------------------------------------------------ public ----

void SafetensorsFile::index_names() {
  by_name_.resize(tensors.size());
  for (std::size_t i = 0; i < by_name_.size(); ++i) by_name_[i] = i;
  std::sort(by_name_.begin(), by_name_.end(),
            [&](std::size_t a, std::size_t b) { return tensors[a].first < tensors[b].first; });
}

const std::pair<std::string, Tensor>* SafetensorsFile::find(std::string_view name) const {
  if (by_name_.size() != tensors.size()) {  // not indexed, or changed since: scan
    const auto it = std::find_if(tensors.begin(), tensors.end(),
                                 [&](const auto& named) { return named.first == name; });
    return it == tensors.end() ? nullptr : &*it;
  }
  const auto it = std::lower_bound(
      by_name_.begin(), by_name_.end(), name,
      [&](std::size_t position, std::string_view key) { return tensors[position].first < key; });
  if (it == by_name_.end() || tensors[*it].first != name) return nullptr;
  return &tensors[*it];
}

bool SafetensorsFile::contains(const std::string& name) const { return find(name) != nullptr; }

Tensor SafetensorsFile::at(const std::string& name) const {
  if (const auto* named = find(name)) return named->second;
  std::vector<std::string> names;
  constexpr std::size_t kShown = 10;
  for (std::size_t i = 0; i < std::min(kShown, tensors.size()); ++i) {
    names.push_back(fmt::format("'{}'", excerpt(tensors[i].first)));
  }
  if (tensors.size() > kShown)
    names.push_back(fmt::format("... ({} more)", tensors.size() - kShown));
  throw FileError(source, fmt::format("no tensor named '{}' (the file has: {})", excerpt(name),
                                      names.empty() ? std::string("no tensors")
                                                    : fmt::format("{}", fmt::join(names, ", "))));
}

SafetensorsFile parse_safetensors(std::string_view bytes, const std::string& source,
                                  const HeaderCheck& check) {
  if (bytes.size() < kLengthFieldBytes) {
    fail(source, fmt::format("file is {} bytes long, too short for the 8-byte header length",
                             bytes.size()));
  }
  const std::uint64_t header_size = read_little_endian_u64(bytes.data());
  check_header_length(header_size, bytes.size() - kLengthFieldBytes, source);
  const std::string_view buffer = bytes.substr(kLengthFieldBytes + header_size);
  const ByteSource from_memory = [&](std::uint64_t offset, std::uint64_t count, char* out) {
    std::memcpy(out, buffer.data() + offset, count);
  };
  return load_tensors(
      parse_header(bytes.substr(kLengthFieldBytes, header_size), buffer.size(), source),
      from_memory, source, check);
}

SafetensorsFile read_safetensors(const std::string& path, const HeaderCheck& check) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) fail(path, "no such file");
  if (std::filesystem::is_directory(status)) {
    fail(path, "is a directory, expected a safetensors file");
  }
  if (!std::filesystem::is_regular_file(status)) {
    fail(path, "is not a regular file (a device or a pipe?), expected a safetensors file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open for reading: " + std::generic_category().message(errno));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0 || !in) fail(path, "cannot determine the file size");
  const auto file_size = static_cast<std::uint64_t>(size);
  const ByteSource from_file = [&](std::uint64_t offset, std::uint64_t count, char* out) {
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(out, static_cast<std::streamsize>(count))) {
      fail(path, fmt::format("read error at byte {} of {} (did the file change while it was "
                             "read?)",
                             offset + static_cast<std::uint64_t>(in.gcount()), file_size));
    }
  };
  if (file_size < kLengthFieldBytes) {
    fail(path,
         fmt::format("file is {} bytes long, too short for the 8-byte header length", file_size));
  }
  char length_field[kLengthFieldBytes];
  from_file(0, kLengthFieldBytes, length_field);
  const std::uint64_t header_size = read_little_endian_u64(length_field);
  check_header_length(header_size, file_size - kLengthFieldBytes, path);
  // Only the header is read now; the data follows tensor by tensor once it is validated.
  std::string header_text(header_size, '\0');
  from_file(kLengthFieldBytes, header_size, header_text.data());
  const std::uint64_t data_start = kLengthFieldBytes + header_size;
  const ByteSource from_data = [&](std::uint64_t offset, std::uint64_t count, char* out) {
    from_file(data_start + offset, count, out);
  };
  return load_tensors(parse_header(header_text, file_size - data_start, path), from_data, path,
                      check);
}

std::string serialize_safetensors(const NamedTensors& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  std::set<std::string> seen;
  std::vector<const std::pair<std::string, Tensor>*> order;
  for (const auto& named : tensors) {
    const auto& [name, t] = named;
    if (!t.defined()) {
      throw ValueError(
          fmt::format("serialize_safetensors: tensor '{}' is undefined", excerpt(name)));
    }
    if (name == kMetadataKey) {
      throw ValueError("serialize_safetensors: '__metadata__' is reserved, not a tensor name");
    }
    if (!seen.insert(name).second) {
      throw ValueError(
          fmt::format("serialize_safetensors: tensor name '{}' appears twice", excerpt(name)));
    }
    if (const std::string problem = name_problem(name); !problem.empty()) {
      throw ValueError(
          fmt::format("serialize_safetensors: tensor '{}': {}", excerpt(name), problem));
    }
    order.push_back(&named);
  }
  // Largest elements first, then by name: every tensor starts aligned to its element size.
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    const std::size_t a_size = dtype_size(a->second.dtype());
    const std::size_t b_size = dtype_size(b->second.dtype());
    return a_size != b_size ? a_size > b_size : a->first < b->first;
  });

  // The header, keys in file order. It is written entry by entry: an ordered_json object would
  // look each new key up by a linear scan, quadratic in the number of tensors.
  std::string header_text = "{";
  auto append_member = [&](const std::string& key, const nlohmann::ordered_json& value) {
    if (header_text.size() > 1) header_text += ',';
    header_text += nlohmann::ordered_json(key).dump() + ':' + value.dump();
  };
  for (const auto& entry : metadata) {
    if (const std::string problem = name_problem(entry.first); !problem.empty()) {
      throw ValueError(fmt::format("serialize_safetensors: metadata key '{}': {}",
                                   excerpt(entry.first), problem));
    }
  }
  std::uint64_t offset = 0;
  try {
    if (!metadata.empty()) append_member(std::string(kMetadataKey), metadata);
    for (const auto* named : order) {
      const Tensor& t = named->second;
      const std::uint64_t size = static_cast<std::uint64_t>(t.numel()) * dtype_size(t.dtype());
      nlohmann::ordered_json entry = nlohmann::ordered_json::object();
      entry["dtype"] = file_dtype_name(t.dtype());
      entry["shape"] = t.shape();
      entry["data_offsets"] = {offset, offset + size};
      append_member(named->first, entry);
      offset += size;
    }
  } catch (const nlohmann::ordered_json::exception&) {
    throw ValueError("serialize_safetensors: a tensor name or metadata string is not valid UTF-8");
  }
  header_text += '}';
  // Pad with spaces (valid JSON whitespace) so the data buffer starts at a multiple of 8.
  header_text.append((8 - header_text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(kLengthFieldBytes + header_text.size() + offset);
  const std::uint64_t header_size = header_text.size();
  out.append(reinterpret_cast<const char*>(&header_size), sizeof header_size);  // little-endian
  out += header_text;
  for (const auto* named : order) {
    const Tensor& t = named->second;
    const std::size_t size = static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype());
    out.append(tensor_bytes(t), size);
  }
  return out;
}

void write_safetensors(const std::string& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata) {
  atomic_write_bytes(path, serialize_safetensors(tensors, metadata));
}

}  // namespace knob::nn
