/// @file
/// @brief excerpt(): untrusted text (a tensor name, a JSON value, a pattern) made safe to put in
/// a one-line error message.
///
/// A file can hold a name of a million bytes, with line breaks, terminal escape sequences or
/// bytes that are not UTF-8. An error message quoting it must stay one short, printable line, and
/// still tell the reader what was there: so control characters and invalid UTF-8 are escaped,
/// and a long text is cut and followed by its full length, e.g.
/// `xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (1000000 bytes)`.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace knob::nn {

/// @brief How many bytes of an untrusted text an error message shows by default.
inline constexpr std::size_t kExcerptBytes = 64;

/// @brief `text` made printable and short, for an error message.
///
/// Printable ASCII and valid UTF-8 sequences are kept; `\n`, `\r`, `\t` and `\\` are written as
/// those escapes, every other control character or byte that is not part of valid UTF-8 as
/// `\xNN`. When the escaped text is longer than `max_bytes` it is cut at a character boundary
/// and `... (N bytes)` is appended, N being the length of the original text.
/// @param text any bytes.
/// @param max_bytes the most bytes of escaped text shown before the cut.
/// @return the excerpt (without quotes).
std::string excerpt(std::string_view text, std::size_t max_bytes = kExcerptBytes);

/// @brief How many items of a list an error message shows by default.
inline constexpr std::size_t kListedItems = 10;

/// @brief The first items of a list joined for an error message, then how many were left out.
///
/// A file can hold 10^5 unexpected names; an error line lists the first `shown` and says how
/// many more there are, e.g. `a, b, c, ... (99997 more)`. The items are joined as they are: quote
/// untrusted text with excerpt() first.
/// @param items the items, in the order to show them.
/// @param separator what goes between two items (", ", "; ").
/// @param shown the most items shown.
/// @return the joined items.
std::string bounded_list(const std::vector<std::string>& items, std::string_view separator = ", ",
                         std::size_t shown = kListedItems);

}  // namespace knob::nn
