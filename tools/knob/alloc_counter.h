/// @file
/// @brief A count of every heap allocation the `knob` program makes, for `knob bench`.
///
/// alloc_counter.cpp replaces the global operator new of the knob executable (only there: the
/// libraries are unchanged) with one that counts each call, on any thread, and then allocates
/// as usual. Sanitizer builds keep their own operator new, and there the count is unavailable.
#pragma once

#include <cstdint>

namespace knob::cli {

/// @brief Is the count below meaningful (false in sanitizer builds)?
/// @return true when operator new is the counting one.
bool heap_allocations_counted();

/// @brief How many times operator new (any form) has been called since the program started.
/// @return the count (0 when heap_allocations_counted() is false).
std::uint64_t heap_allocation_count();

}  // namespace knob::cli
