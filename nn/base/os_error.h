/// @file
/// @brief The operating system's reason for a failed call, as the text FileError messages end
/// with: `model/metrics.csv: write failed after 0 of 52 bytes: No space left on device`.
#pragma once

#include <string>
#include <system_error>

namespace knob::nn {

/// @brief The text of an `errno` value, as strerror() gives it.
/// @param error an errno value, e.g. ENOSPC.
/// @return e.g. "No space left on device".
inline std::string os_reason(int error) { return std::generic_category().message(error); }

}  // namespace knob::nn
