#include "nn/base/excerpt.h"

#include <fmt/format.h>

namespace knob::nn {

namespace {

/// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not one (a stray
/// continuation byte, a truncated or overlong sequence, a surrogate, a code point > U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  char32_t code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  const bool overlong = (length == 3 && code < 0x800) || (length == 4 && code < 0x10000);
  const bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  if (overlong || surrogate || code > 0x10FFFF) return 0;
  return length;
}

/// The escaped form of the character starting at text[i]; sets `used` to its length in bytes.
std::string escaped_character(std::string_view text, std::size_t i, std::size_t& used) {
  const auto c = static_cast<unsigned char>(text[i]);
  used = 1;
  switch (c) {
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    case '\\':
      return "\\\\";
    default:
      break;
  }
  if (c >= 0x20 && c < 0x7F) return std::string(1, static_cast<char>(c));
  if (c >= 0x80) {
    if (const std::size_t length = utf8_sequence_length(text, i); length > 0) {
      used = length;
      return std::string(text.substr(i, length));
    }
  }
  return fmt::format("\\x{:02x}", c);
}

}  // namespace

std::string excerpt(std::string_view text, std::size_t max_bytes) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t used = 0;
    const std::string piece = escaped_character(text, i, used);
    if (out.size() + piece.size() > max_bytes) {
      return fmt::format("{}... ({} bytes)", out, text.size());
    }
    out += piece;
    i += used;
  }
  return out;
}

std::string bounded_list(const std::vector<std::string>& items, std::string_view separator,
                         std::size_t shown) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < shown; ++i) {
    if (i > 0) out += separator;
    out += items[i];
  }
  if (items.size() > shown) {
    if (!out.empty()) out += separator;
    out += fmt::format("... ({} more)", items.size() - shown);
  }
  return out;
}

}  // namespace knob::nn
