#include "nn/base/json_input.h"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "nn/base/excerpt.h"
#include "nn/base/file_error.h"

namespace knob::nn {

namespace {

using Json = nlohmann::json;

/// Builds a Json value from nlohmann's SAX events, without recursion.
///
/// `open_` holds the containers being filled, innermost last. A pointer to a container stays
/// valid while it is open: its parent can only grow after it has been closed. Unlike nlohmann's
/// own callback parser, which scans the enclosing object each time an inner object ends (time
/// quadratic in the number of entries of a safetensors header), every event costs at most one
/// lookup in the current object.
class BoundedBuilder {
 public:
  BoundedBuilder(Json& root, const std::string& source, std::string_view what,
                 std::size_t max_entries)
      : root_(root), source_(source), what_(what), max_entries_(max_entries) {}

  bool null() { return put(Json(nullptr)); }
  bool boolean(bool value) { return put(Json(value)); }
  bool number_integer(Json::number_integer_t value) { return put(Json(value)); }
  bool number_unsigned(Json::number_unsigned_t value) { return put(Json(value)); }
  bool number_float(Json::number_float_t value, const std::string& /*text*/) {
    return put(Json(value));
  }
  bool string(std::string& value) { return put(Json(std::move(value))); }
  bool binary(Json::binary_t& /*value*/) { return fail("holds binary data"); }

  bool start_object(std::size_t /*elements*/) { return open(Json::object()); }
  bool key(std::string& key) {
    if (open_.size() == 1 && ++root_entries_ > max_entries_) {
      return fail(fmt::format("has more than {} entries", max_entries_));
    }
    Json& object = *open_.back();
    if (object.contains(key)) {
      return fail(fmt::format("has the key '{}' twice in one object", excerpt(key)));
    }
    pending_value_ = &object[key];
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t /*elements*/) { return open(Json::array()); }
  bool end_array() { return close(); }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) {
    // nlohmann's text is "[json.exception.parse_error.101] parse error at line 1, column 4:
    // syntax error ...; last read: '<the token>'": keep the readable part, and cut it, because
    // the token can be a whole megabyte-long string.
    std::string message = error.what();
    if (const auto bracket = message.find("] ");
        message.starts_with("[") && bracket != message.npos) {
      message.erase(0, bracket + 2);
    }
    return fail(fmt::format("is not valid JSON (at byte {}): {}", position, excerpt(message, 160)));
  }

 private:
  /// Store `value` where the next value goes: the root, the open array, or the pending key.
  Json* place(Json&& value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    *pending_value_ = std::move(value);
    return pending_value_;
  }
  bool put(Json&& value) {
    place(std::move(value));
    return true;
  }
  bool open(Json&& container) {
    if (open_.size() >= kMaxJsonDepth) {
      return fail(fmt::format("nests objects and arrays deeper than {} levels", kMaxJsonDepth));
    }
    open_.push_back(place(std::move(container)));
    return true;
  }
  bool close() {
    open_.pop_back();
    return true;
  }
  /// Throw `"<source>: <what> <problem>"`.
  [[noreturn]] bool fail(const std::string& problem) {
    throw FileError(source_, fmt::format("{} {}", what_, problem));
  }

  Json& root_;
  const std::string& source_;
  std::string_view what_;
  std::size_t max_entries_;       // the most keys of the outermost object
  std::size_t root_entries_ = 0;  // its keys so far
  std::vector<Json*> open_;
  Json* pending_value_ = nullptr;
};

}  // namespace

Json parse_json_input(std::string_view text, const std::string& source, std::string_view what,
                      std::size_t max_entries) {
  Json root;
  BoundedBuilder builder(root, source, what, max_entries);
  // strict: the whole text must be one value (trailing whitespace only); no comments.
  Json::sax_parse(text.begin(), text.end(), &builder, Json::input_format_t::json,
                  /*strict=*/true, /*ignore_comments=*/false);
  return root;
}

std::string json_excerpt(const Json& value, std::size_t max_bytes) {
  return excerpt(value.dump(-1, ' ', false, Json::error_handler_t::replace), max_bytes);
}

std::string read_small_text_file(const std::string& path, std::uint64_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (!fs::exists(status)) throw FileError(path, "no such file");
  if (fs::is_directory(status)) throw FileError(path, "is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw FileError(path, "cannot open for reading: " + std::generic_category().message(errno));
  }
  std::string text;
  char chunk[1 << 14];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      throw FileError(
          path, fmt::format("is larger than {} bytes, too large for this kind of file", max_bytes));
    }
  }
  if (in.bad()) throw FileError(path, "read error");
  return text;
}

}  // namespace knob::nn
